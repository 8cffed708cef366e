/**
 * The build cache: `tessera build` keeps what it compiled, so that building
 * the same app again, or for another target, skips the work already done.
 * Two stages are kept, each under a key of everything that goes into it:
 *
 *   - the wasm stage (asc and binaryen, most of a build's time): keyed by the
 *     tessera command's own code, the compiler's versions, asc's arguments and
 *     the embedded files; an entry also lists every file asc read or looked
 *     for, with its hash (or its absence), and is used only while every one of
 *     them is unchanged. An edit anywhere in the app or its packages, or a
 *     package installed where asc looked, misses.
 *   - the native stage (wasm2c, gcc, ld): keyed by the image's bytes, the
 *     target, the optimisation, the C compiler's version and every file of the
 *     C runtime and stubs (@tessera/native, @tessera/abi).
 *
 * Where: $TESSERA_CACHE_DIR, else $XDG_CACHE_HOME/tessera, else
 * ~/.cache/tessera. `tessera build --no-cache` or TESSERA_CACHE=off builds
 * everything. Entries are written whole (a temporary file renamed), so that
 * builds running at once never read half an entry; the oldest go once the
 * cache passes 512 MiB.
 *
 * @module
 */
import { createHash } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { homedir } from "node:os";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { dependencyDir } from "./packages.js";

/** The cache's size limit: past it, the least recently used entries go. */
export const CACHE_LIMIT_BYTES = 512 << 20;

/** A cache directory with its two stages, `wasm` and `native`. */
export interface BuildCache {
  dir: string;
}

/** The cache `tessera build` uses, or null if it is turned off (`--no-cache`, TESSERA_CACHE=off). */
export function openCache(disabled: boolean): BuildCache | null {
  if (disabled || /^(off|0|false|no)$/i.test(process.env.TESSERA_CACHE ?? "")) return null;
  const dir = process.env.TESSERA_CACHE_DIR || join(process.env.XDG_CACHE_HOME || join(homedir(), ".cache"), "tessera");
  return { dir };
}

/** The hex SHA-256 of `parts`, each length-prefixed so that no two lists hash alike. */
export function digest(...parts: (string | Uint8Array)[]): string {
  const h = createHash("sha256");
  for (const p of parts) {
    const bytes = typeof p === "string" ? Buffer.from(p, "utf8") : p;
    h.update(`${bytes.length}:`);
    h.update(bytes);
  }
  return h.digest("hex");
}

/** The hash of a file's bytes, or null if it cannot be read (absent, a directory). */
export function fileDigest(file: string): string | null {
  try {
    return digest(readFileSync(file));
  } catch {
    return null;
  }
}

/** The hash of every file under `dir` (names and bytes, in sorted order); "" for no directory. */
export function treeDigest(dir: string | null): string {
  if (!dir || !existsSync(dir)) return "";
  const parts: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) parts.push(relative(dir, p), fileDigest(p) ?? "");
    }
  };
  walk(dir);
  return digest(...parts);
}

let toolKey: string | null = null;

/**
 * What identifies this tessera command's build code: its own files (the
 * bundle, or every module beside this one) and the versions of asc, binaryen
 * and wabt it loads.
 */
export function toolDigest(): string {
  if (toolKey) return toolKey;
  const self = fileURLToPath(import.meta.url);
  const code = self.endsWith(".cjs") ? (fileDigest(self) ?? "") : treeDigest(dirname(dirname(self)));
  const version = (name: string) => {
    const dir = dependencyDir(name);
    return dir ? String(JSON.parse(readFileSync(join(dir, "package.json"), "utf8")).version) : "none";
  };
  toolKey = digest(code, version("assemblyscript"), version("binaryen"), version("wabt"), process.version);
  return toolKey;
}

/** The path of entry `key` of `stage`, with `suffix`. */
function entryPath(cache: BuildCache, stage: string, key: string, suffix: string): string {
  return join(cache.dir, stage, key.slice(0, 2), `${key}${suffix}`);
}

/** Reads entry `key` of `stage` (the files with these suffixes, all of them or null), and marks it used. */
export function readEntry(cache: BuildCache, stage: string, key: string, suffixes: string[]): Buffer[] | null {
  const files = suffixes.map((s) => entryPath(cache, stage, key, s));
  try {
    const out = files.map((f) => readFileSync(f));
    const now = new Date();
    for (const f of files) utimesSync(f, now, now);
    return out;
  } catch {
    return null;
  }
}

/**
 * Writes entry `key` of `stage`: one file per suffix, each written whole
 * before it is renamed into place; the last suffix goes last, so a reader
 * that finds it finds the others. A cache that cannot be written (a
 * read-only home) is not an error: the build goes on without it.
 */
export function writeEntry(cache: BuildCache, stage: string, key: string, files: [string, Uint8Array][]): void {
  try {
    const dir = dirname(entryPath(cache, stage, key, ""));
    mkdirSync(dir, { recursive: true });
    for (const [suffix, bytes] of files) {
      const file = entryPath(cache, stage, key, suffix);
      const tmp = `${file}.${process.pid}.tmp`;
      writeFileSync(tmp, bytes);
      renameSync(tmp, file);
    }
    prune(cache);
  } catch {
    // (no cache then)
  }
}

/** Removes the least recently used files until the cache is under CACHE_LIMIT_BYTES. */
export function prune(cache: BuildCache, limit = CACHE_LIMIT_BYTES): void {
  const files: { path: string; size: number; used: number }[] = [];
  for (const stage of ["wasm", "native"]) {
    const top = join(cache.dir, stage);
    if (!existsSync(top)) continue;
    for (const sub of readdirSync(top))
      for (const name of readdirSync(join(top, sub))) {
        const path = join(top, sub, name);
        const s = statSync(path);
        files.push({ path, size: s.size, used: s.mtimeMs });
      }
  }
  let total = files.reduce((n, f) => n + f.size, 0);
  if (total <= limit) return;
  files.sort((a, b) => a.used - b.used);
  for (const f of files) {
    if (total <= limit) break;
    rmSync(f.path, { force: true });
    total -= f.size;
  }
}
