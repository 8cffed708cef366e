/**
 * Finds an app on disk: its directory, name, entry file and the settings in
 * the `tessera` field of its package.json.
 *
 * @module
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { basename, join, relative, resolve } from "node:path";
import { CliError } from "../errors.js";
import { parseDisk, parsePort } from "../package/settings.js";

/** The memory managers AssemblyScript offers. */
export const RUNTIMES = ["stub", "minimal", "incremental"] as const;
/** An AssemblyScript memory manager. */
export type Runtime = (typeof RUNTIMES)[number];

/** An app to build. */
export interface App {
  /** Absolute directory of the app. */
  dir: string;
  /** Image name: the package name without its scope. */
  name: string;
  /** Absolute path of the entry file (`assembly/index.ts`). */
  entry: string;
  /**
   * The memory manager: `minimal` (the default: a mark-and-sweep collector
   * that the event loop runs between turns), `incremental` (collects on its
   * own, at any allocation; it keeps a shadow stack of every reference in a
   * local, which about doubles the code) or `stub` (never frees; the
   * smallest, for apps that allocate little or nothing).
   */
  runtime: Runtime;
  /**
   * The directory whose files are embedded in the image (`tessera.assets`
   * in package.json: `"site"` or `{ "dir": "site", "lastModified": true }`),
   * absolute; null for none.
   */
  assets?: string | null;
  /** Whether the embedded files carry their modification times (off by default: builds stay reproducible). */
  assetsLastModified?: boolean;
  /** The TCP ports it serves (`tessera.ports`), for the manifest; undefined if not said. */
  ports?: number[];
  /** Its disks' sizes in bytes by block device name (`tessera.disks`: `{ "storage": "64M" }`); undefined if not said. */
  disks?: Record<string, number>;
}

/** Reads the app at `path` (a directory with package.json and assembly/index.ts). */
export function loadApp(path: string): App {
  const dir = resolve(path);
  const shown = relative(process.cwd(), dir) || ".";
  if (!existsSync(dir)) throw new CliError(`${path}: no such directory (create an app with: tessera new ${path})`);
  if (!statSync(dir).isDirectory())
    throw new CliError(`${path}: not a directory; give the app's directory (the one with package.json)`);
  const pkgFile = join(dir, "package.json");
  if (!existsSync(pkgFile))
    throw new CliError(`${shown}: no package.json, so this is not an app (create one with: tessera new DIR)`);
  let pkg: { name?: unknown; tessera?: { runtime?: unknown; assets?: unknown; ports?: unknown; disks?: unknown } };
  try {
    pkg = JSON.parse(readFileSync(pkgFile, "utf8"));
  } catch (e) {
    throw new CliError(`${shown}/package.json: not valid JSON (${(e as Error).message})`);
  }
  const entry = join(dir, "assembly", "index.ts");
  if (!existsSync(entry))
    throw new CliError(`${shown}: no assembly/index.ts; an app's entry is assembly/index.ts, exporting _start`);
  const rawName = typeof pkg.name === "string" && pkg.name ? pkg.name : basename(dir);
  const name = rawName.replace(/^@[^/]+\//, "");
  if (!/^[A-Za-z0-9._-]+$/.test(name))
    throw new CliError(`${shown}/package.json: name "${rawName}" cannot name a file`);
  const runtime = pkg.tessera?.runtime ?? "minimal";
  if (!RUNTIMES.includes(runtime as Runtime))
    throw new CliError(
      `${shown}/package.json: tessera.runtime must be one of ${RUNTIMES.join(", ")}, not ${JSON.stringify(runtime)}`,
    );
  const raw = pkg.tessera?.assets ?? null;
  const assetsDir = typeof raw === "object" && raw !== null ? (raw as { dir?: unknown }).dir : raw;
  const lastModified =
    typeof raw === "object" && raw !== null ? (raw as { lastModified?: unknown }).lastModified : false;
  if ((assetsDir !== null && (typeof assetsDir !== "string" || !assetsDir)) || typeof lastModified !== "boolean")
    throw new CliError(
      `${shown}/package.json: tessera.assets must be a directory name, e.g. "site", or { "dir": "site", "lastModified": true }`,
    );
  return {
    dir,
    name,
    entry,
    runtime: runtime as Runtime,
    assets: assetsDir === null ? null : resolve(dir, assetsDir),
    assetsLastModified: lastModified,
    ...serviceSettings(`${shown}/package.json`, pkg.tessera ?? {}),
  };
}

/** `tessera.ports` and `tessera.disks`, checked as `tessera package --port` and `--disk` check theirs. */
function serviceSettings(file: string, t: { ports?: unknown; disks?: unknown }): Pick<App, "ports" | "disks"> {
  const out: Pick<App, "ports" | "disks"> = {};
  if (t.ports !== undefined) {
    if (!Array.isArray(t.ports)) throw new CliError(`${file}: tessera.ports must be a list of TCP ports, e.g. [80]`);
    out.ports = [...new Set(t.ports.map((p) => parsePort(String(p), `${file}: tessera.ports:`)))].sort((a, b) => a - b);
  }
  if (t.disks !== undefined) {
    if (typeof t.disks !== "object" || t.disks === null || Array.isArray(t.disks))
      throw new CliError(`${file}: tessera.disks must map block device names to sizes, e.g. { "storage": "64M" }`);
    out.disks = {};
    for (const [name, size] of Object.entries(t.disks))
      out.disks[name] = Number(parseDisk(`${name}=${String(size)}`, `${file}: tessera.disks:`)[1]);
  }
  return out;
}
