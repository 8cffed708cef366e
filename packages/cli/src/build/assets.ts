/**
 * Embeds a directory of files (an app's static site) in the image as static
 * data. The build reads the directory, checks it, and generates the
 * AssemblyScript module `@tessera/runtime/assembly/assets-table` in place of
 * the empty one on disk: one `memory.data` blob with every file, path,
 * content type and ETag, and one table of offsets into it, sorted by path.
 * The data is in the image's data segment, so nothing is copied or
 * allocated at startup; `Assets.find` in `@tessera/runtime/assembly/assets`
 * looks a path up with a binary search.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { constants, gzipSync } from "node:zlib";
import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from "node:fs";
import { join } from "node:path";

/** The custom section that tells `tessera inspect` the assets' share: u32 files, u32 bytes of data. */
export const SECTION_ASSETS = "tessera.assets";

/** The file the build replaces with the generated table. */
export const ASSETS_MODULE = "@tessera/runtime/assembly/assets-table.ts";

/** At most this many files. */
export const MAX_ASSET_FILES = 1024;
/** At most this many bytes in one file. */
export const MAX_ASSET_BYTES = 1 << 20;
/** At most this many bytes in all files together. */
export const MAX_ASSETS_TOTAL = 8 << 20;
/** At most this many bytes in one file's URL path. */
export const MAX_ASSET_PATH = 1024;

/** Fields of one table entry, each a u32; offsets are from the blob's start. */
export const ENTRY_FIELDS = 16;
/** The data offset of a file stored only compressed (its bytes are inflated on first use). */
export const COMPRESSED_ONLY = 0xffffffff;

/**
 * The file as gzip (RFC 1952, deflate at level 9, no name, mtime 0, so builds
 * are reproducible) when that saves at least an eighth of its bytes and 64
 * bytes; null when it does not pay (an image, a tiny file).
 */
export function gzipOf(bytes: Uint8Array): Uint8Array | null {
  const gz = gzipSync(bytes, { level: 9, memLevel: 9, strategy: constants.Z_DEFAULT_STRATEGY });
  return gz.length + Math.max(64, bytes.length / 8) <= bytes.length ? new Uint8Array(gz) : null;
}

/** Content types by file extension; text types say their charset. */
export const CONTENT_TYPES: Record<string, string> = {
  html: "text/html; charset=utf-8",
  htm: "text/html; charset=utf-8",
  css: "text/css; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  mjs: "text/javascript; charset=utf-8",
  json: "application/json",
  txt: "text/plain; charset=utf-8",
  md: "text/markdown; charset=utf-8",
  xml: "application/xml",
  svg: "image/svg+xml",
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  gif: "image/gif",
  webp: "image/webp",
  avif: "image/avif",
  ico: "image/x-icon",
  woff: "font/woff",
  woff2: "font/woff2",
  ttf: "font/ttf",
  otf: "font/otf",
  wasm: "application/wasm",
  pdf: "application/pdf",
  webmanifest: "application/manifest+json",
};

/** What a file's content type is, from its name. */
export function contentTypeOf(name: string): string {
  const dot = name.lastIndexOf(".");
  const ext = dot > 0 ? name.slice(dot + 1).toLowerCase() : "";
  return CONTENT_TYPES[ext] ?? "application/octet-stream";
}

/** One embedded file. */
export interface Asset {
  /** The file's path under the assets directory, with `/` between parts. */
  file: string;
  /** The URL paths that find it: `/a/b.css`, and `/a/` too for `a/index.html` (percent-encoded where needed). */
  paths: string[];
  bytes: Uint8Array;
  contentType: string;
  /** A strong ETag with its quotes: a hash of the bytes. */
  etag: string;
  /** The file's modification time as an HTTP date, or "" when not asked for. */
  lastModified: string;
}

/** The files of an assets directory, ready to embed. */
export interface AssetSet {
  dir: string;
  assets: Asset[];
  /** Bytes of file content, all files together. */
  bytes: number;
}

/** An assets problem the build reports in one line. */
export class AssetError extends Error {
  override name = "AssetError";
}

// RFC 3986 pchar without percent-encoding: unreserved, sub-delims, ':' and '@'.
const PCHAR = /^[A-Za-z0-9\-._~!$&'()*+,;=:@]$/;

/** A path segment as it appears in a request target: every other byte percent-encoded. */
export function encodeSegment(segment: string): string {
  let out = "";
  for (const byte of new TextEncoder().encode(segment)) {
    const c = String.fromCharCode(byte);
    out += byte < 0x80 && PCHAR.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

/** A strong ETag for `bytes`: 96 bits of SHA-256, base64url, quoted. */
export function etagOf(bytes: Uint8Array): string {
  return `"${createHash("sha256").update(bytes).digest("base64url").slice(0, 16)}"`;
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * Reads every file under `dir` (dotfiles are skipped; symbolic links are
 * followed, but not round a loop). Throws AssetError, naming the file, for a missing directory, a
 * name that is not UTF-8, a file over MAX_ASSET_BYTES, more than
 * MAX_ASSET_FILES files or MAX_ASSETS_TOTAL bytes.
 */
export function readAssets(dir: string, opts: { lastModified?: boolean; shown?: string } = {}): AssetSet {
  const shown = opts.shown ?? dir;
  if (!existsSync(dir)) throw new AssetError(`${shown}: the assets directory does not exist`);
  if (!statSync(dir).isDirectory()) throw new AssetError(`${shown}: the assets path is not a directory`);
  const assets: Asset[] = [];
  let total = 0;
  const walk = (abs: string, parts: string[]): void => {
    const entries = readdirSync(abs, { encoding: "buffer", withFileTypes: true });
    entries.sort((a, b) => Buffer.compare(a.name, b.name));
    for (const entry of entries) {
      let name: string;
      try {
        name = utf8.decode(entry.name);
      } catch {
        const escaped = [...entry.name].map((b) => (b < 0x80 ? String.fromCharCode(b) : `\\x${b.toString(16)}`));
        throw new AssetError(
          `${join(shown, ...parts, escaped.join(""))}: the file name is not UTF-8; rename it (asset paths are URLs)`,
        );
      }
      if (name.startsWith(".")) continue;
      const path = join(abs, name);
      const here = [...parts, name];
      const shownPath = join(shown, ...here);
      if (/[\0-\x1f\x7f]/.test(name)) throw new AssetError(`${shownPath}: control characters in a file name`);
      let st;
      try {
        st = statSync(path);
      } catch {
        throw new AssetError(`${shownPath}: a broken symbolic link`);
      }
      if (st.isDirectory()) {
        const real = realpathSync(path);
        if (seen.has(real)) throw new AssetError(`${shownPath}: a link back to a directory above it (a loop)`);
        seen.add(real);
        walk(path, here);
        seen.delete(real);
        continue;
      }
      if (!st.isFile()) continue;
      if (st.size > MAX_ASSET_BYTES)
        throw new AssetError(
          `${shownPath}: ${st.size} bytes is too large to embed (at most ${MAX_ASSET_BYTES} bytes a file)`,
        );
      if (assets.length >= MAX_ASSET_FILES)
        throw new AssetError(`${shown}: too many files to embed (at most ${MAX_ASSET_FILES})`);
      const bytes = new Uint8Array(readFileSync(path));
      total += bytes.length;
      if (total > MAX_ASSETS_TOTAL)
        throw new AssetError(`${shown}: the files add up to more than ${MAX_ASSETS_TOTAL} bytes, too many to embed`);
      const url = "/" + here.map(encodeSegment).join("/");
      if (url.length > MAX_ASSET_PATH)
        throw new AssetError(`${shownPath}: the path is over ${MAX_ASSET_PATH} bytes as a URL`);
      const paths = [url];
      if (name === "index.html") paths.push(url.slice(0, url.length - "index.html".length));
      assets.push({
        file: here.join("/"),
        paths,
        bytes,
        contentType: contentTypeOf(name),
        etag: etagOf(bytes),
        lastModified: opts.lastModified ? st.mtime.toUTCString() : "",
      });
    }
  };
  const seen = new Set([realpathSync(dir)]);
  walk(dir, []);
  return { dir, assets, bytes: total };
}

/** The blob's bytes and the sorted table of what `Assets` reads. */
export interface AssetLayout {
  blob: Uint8Array;
  /**
   * ENTRY_FIELDS u32s per path: path (offset, length); data (offset, or
   * COMPRESSED_ONLY; the file's length); content type, ETag, last-modified,
   * the gzip member and its ETag (offset and length each; 0, 0 for none); the
   * file's number (for the cache of inflated files); 0.
   */
  table: Uint32Array;
  /** Number of paths (entries), each file's and the directory paths of index.html files. */
  count: number;
  /** Number of files. */
  files: number;
  /** Number of files stored compressed. */
  compressed: number;
}

/**
 * Lays the assets out: file contents first (each aligned to 8 bytes; a file
 * that compresses well as its gzip member only), then the strings (paths,
 * and content types and ETags, each stored once).
 */
export function layoutAssets(set: AssetSet, opts: { compress?: boolean } = {}): AssetLayout {
  const chunks: Uint8Array[] = [];
  let size = 0;
  const strings = new Map<string, number>();
  const enc = new TextEncoder();
  const put = (bytes: Uint8Array, align: number): number => {
    const pad = (align - (size % align)) % align;
    if (pad) chunks.push(new Uint8Array(pad));
    size += pad;
    const at = size;
    chunks.push(bytes);
    size += bytes.length;
    return at;
  };
  const str = (s: string): [number, number] => {
    const bytes = enc.encode(s);
    if (!bytes.length) return [0, 0];
    let at = strings.get(s);
    if (at === undefined) strings.set(s, (at = put(bytes, 1)));
    return [at, bytes.length];
  };
  const rows: { path: Uint8Array; fields: number[] }[] = [];
  const gzips = set.assets.map((a) => (opts.compress === false ? null : gzipOf(a.bytes)));
  const data = set.assets.map((a, i) => (gzips[i] ? COMPRESSED_ONLY : put(a.bytes, 8)));
  const members = gzips.map((gz) => (gz ? [put(gz, 8), gz.length] : [0, 0]));
  set.assets.forEach((a, i) => {
    const type = str(a.contentType);
    const etag = str(a.etag);
    const modified = str(a.lastModified);
    const gzEtag = gzips[i] ? str(a.etag.slice(0, -1) + '-gz"') : [0, 0];
    for (const p of a.paths) {
      const path = str(p);
      rows.push({
        path: enc.encode(p),
        fields: [...path, data[i], a.bytes.length, ...type, ...etag, ...modified, ...members[i], ...gzEtag, i, 0],
      });
    }
  });
  rows.sort((a, b) => Buffer.compare(a.path, b.path));
  for (let i = 1; i < rows.length; i++)
    if (Buffer.compare(rows[i - 1].path, rows[i].path) === 0)
      throw new AssetError(`${set.dir}: two files are served at ${new TextDecoder().decode(rows[i].path)}`);
  const blob = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    blob.set(c, at);
    at += c.length;
  }
  const table = new Uint32Array(rows.length * ENTRY_FIELDS);
  rows.forEach((r, i) => table.set(r.fields, i * ENTRY_FIELDS));
  return { blob, table, count: rows.length, files: set.assets.length, compressed: gzips.filter((g) => g).length };
}

/** Numbers as an AssemblyScript array literal, wrapped. */
function literal(values: ArrayLike<number>): string {
  const parts: string[] = [];
  for (let i = 0; i < values.length; i += 64) parts.push(Array.prototype.slice.call(values, i, i + 64).join(","));
  return `[\n${parts.join(",\n")}\n]`;
}

/**
 * The AssemblyScript source of `assets-table.ts` for `set` (null: no
 * assets), and the bytes of static data it makes (blob and table).
 */
export function assetsModule(
  set: AssetSet | null,
  opts: { compress?: boolean } = {},
): { source: string; layout: { bytes: number; compressed: number } | null } {
  if (!set || !set.assets.length)
    return {
      source: `// Generated by tessera build: no assets.
export const ASSET_COUNT: i32 = 0;
export const ASSET_FILES: i32 = 0;
export const ASSET_COMPRESSED: bool = false;
export const ASSET_TABLE: usize = 0;
export const ASSET_BLOB: usize = 0;
`,
      layout: null,
    };
  const { blob, table, count, files, compressed } = layoutAssets(set, opts);
  return {
    source: `// Generated by tessera build from ${set.assets.length} files (${set.bytes} bytes).
export const ASSET_COUNT: i32 = ${count};
export const ASSET_FILES: i32 = ${files};
export const ASSET_COMPRESSED: bool = ${compressed > 0};
export const ASSET_TABLE: usize = memory.data<u32>(${literal(table)});
export const ASSET_BLOB: usize = memory.data<u8>(${literal(blob)}, 8);
`,
    layout: { bytes: blob.length + table.byteLength, compressed },
  };
}
