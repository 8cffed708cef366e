// Files embedded in the image at build time: the app's assets directory
// (`"tessera": { "assets": "site" }` in its package.json, or `tessera build
// --assets DIR`). Each file is static data in the image: looking one up
// allocates nothing. A file that compresses well is stored only as gzip: a
// server sends that member as it lies to a client that accepts gzip, and the
// first call to `ptr` inflates it once into the heap for the others.
//
//   const i = Assets.find(pathPtr, pathLen);   // "/" finds /index.html
//   if (i >= 0) send(Assets.ptr(i), Assets.length(i), Assets.contentType(i), Assets.etag(i));

import { fail } from "./abort";
import { ASSET_BLOB, ASSET_COMPRESSED, ASSET_COUNT, ASSET_FILES, ASSET_TABLE } from "./assets-table";
import { inflate } from "./inflate";

// One table entry: ENTRY u32s, offsets from ASSET_BLOB; sorted by path bytes (see the build's assets.ts).
const ENTRY: u32 = 16;
const PATH: u32 = 0;
const DATA: u32 = 2;
const TYPE: u32 = 4;
const ETAG: u32 = 6;
const MODIFIED: u32 = 8;
const GZIP: u32 = 10;
const GZIP_ETAG: u32 = 12;
const FILE: u32 = 14;
const COMPRESSED_ONLY: u32 = 0xffffffff;
// A gzip member's fixed header (no name, no extra fields: the build makes them so) and its trailer (CRC-32, size).
const GZIP_HEADER: u32 = 10;
const GZIP_TRAILER: u32 = 8;

// The files inflated so far, by file number.
let inflated: StaticArray<StaticArray<u8> | null> | null = null;

// File `i`'s bytes in the heap, inflated from its gzip member on first use.
function inflatedPtr(i: i32): usize {
  let cache = inflated;
  if (!cache) inflated = cache = new StaticArray<StaticArray<u8> | null>(ASSET_FILES);
  const file = <i32>field(i, FILE);
  let bytes = cache[file];
  if (!bytes) {
    const size = field(i, DATA + 1);
    bytes = new StaticArray<u8>(<i32>size);
    const src = ASSET_BLOB + field(i, GZIP) + GZIP_HEADER;
    const n = inflate(src, field(i, GZIP + 1) - GZIP_HEADER - GZIP_TRAILER, changetype<usize>(bytes), size);
    if (n != <i32>size) fail("assets: a file does not inflate (a bug in the build)");
    cache[file] = bytes;
  }
  return changetype<usize>(bytes);
}

function field(i: i32, f: u32): u32 {
  return load<u32>(ASSET_TABLE + ((<usize>i * ENTRY + f) << 2));
}

/**
 * The embedded files, found by URL path. An index is valid for the life of
 * the image. `index.html` in a directory is found by the directory's path
 * too (`/` and `/docs/`). Paths are matched byte for byte as they appear in
 * a request target, percent-encoding included.
 */
export class Assets {
  /** Number of paths that find a file (an `index.html` counts twice). */
  static get count(): i32 {
    return ASSET_COUNT;
  }

  /**
   * The index of the file at the path `ptr`/`len` (UTF-8), or -1. A query
   * (`?...`) or fragment (`#...`) on the path is ignored.
   */
  static find(ptr: usize, len: u32): i32 {
    for (let k: u32 = 0; k < len; k++) {
      const c = load<u8>(ptr + k);
      if (c == 0x3f || c == 0x23) {
        len = k;
        break;
      }
    }
    let lo = 0;
    let hi = ASSET_COUNT - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const plen = field(mid, PATH + 1);
      const n = min(plen, len);
      let c = memory.compare(ASSET_BLOB + field(mid, PATH), ptr, n);
      if (c == 0) c = plen < len ? -1 : plen > len ? 1 : 0;
      if (c == 0) return mid;
      if (c < 0) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  /** The index of the file at `path`, or -1 (see `find`). */
  static get(path: string): i32 {
    const buf = String.UTF8.encode(path);
    return Assets.find(changetype<usize>(buf), <u32>buf.byteLength);
  }

  /** Address of file `i`'s bytes (for a file stored compressed, inflated into the heap on the first call). */
  static ptr(i: i32): usize {
    const at = field(i, DATA);
    if (ASSET_COMPRESSED && at == COMPRESSED_ONLY) return inflatedPtr(i);
    return ASSET_BLOB + at;
  }

  /** Length in bytes of file `i`. */
  static length(i: i32): u32 {
    return field(i, DATA + 1);
  }

  /** Address of the path that found file `i` (UTF-8, starts with `/`). */
  static pathPtr(i: i32): usize {
    return ASSET_BLOB + field(i, PATH);
  }

  /** Length in bytes of entry `i`'s path. */
  static pathLength(i: i32): u32 {
    return field(i, PATH + 1);
  }

  /** Address of file `i`'s content type (`text/html; charset=utf-8`), from its extension. */
  static contentTypePtr(i: i32): usize {
    return ASSET_BLOB + field(i, TYPE);
  }

  /** Length in bytes of file `i`'s content type. */
  static contentTypeLength(i: i32): u32 {
    return field(i, TYPE + 1);
  }

  /** Address of file `i`'s strong ETag, quotes included: a hash of its bytes made at build time. */
  static etagPtr(i: i32): usize {
    return ASSET_BLOB + field(i, ETAG);
  }

  /** Length in bytes of file `i`'s ETag. */
  static etagLength(i: i32): u32 {
    return field(i, ETAG + 1);
  }

  /** Address of file `i`'s modification time as an HTTP date; see `lastModifiedLength`. */
  static lastModifiedPtr(i: i32): usize {
    return ASSET_BLOB + field(i, MODIFIED);
  }

  /** Length of file `i`'s HTTP date: 0 unless the build was asked for it (`"lastModified": true`). */
  static lastModifiedLength(i: i32): u32 {
    return field(i, MODIFIED + 1);
  }

  /** Address of file `i`'s gzip member (RFC 1952), when it is stored compressed; see `gzipLength`. */
  static gzipPtr(i: i32): usize {
    return ASSET_BLOB + field(i, GZIP);
  }

  /** Length of file `i`'s gzip member: 0 unless the build stored it compressed (it does when that saves an eighth). */
  static gzipLength(i: i32): u32 {
    return ASSET_COMPRESSED ? field(i, GZIP + 1) : 0;
  }

  /** Address of the strong ETag of file `i`'s gzip member (the file's, with `-gz`); see `gzipEtagLength`. */
  static gzipEtagPtr(i: i32): usize {
    return ASSET_BLOB + field(i, GZIP_ETAG);
  }

  /** Length of that ETag: 0 unless the file is stored compressed. */
  static gzipEtagLength(i: i32): u32 {
    return field(i, GZIP_ETAG + 1);
  }

  /** File `i`'s path as a string (allocates). */
  static path(i: i32): string {
    return String.UTF8.decodeUnsafe(Assets.pathPtr(i), Assets.pathLength(i));
  }

  /** File `i`'s content type as a string (allocates). */
  static contentType(i: i32): string {
    return String.UTF8.decodeUnsafe(Assets.contentTypePtr(i), Assets.contentTypeLength(i));
  }

  /** File `i`'s ETag as a string (allocates). */
  static etag(i: i32): string {
    return String.UTF8.decodeUnsafe(Assets.etagPtr(i), Assets.etagLength(i));
  }
}
