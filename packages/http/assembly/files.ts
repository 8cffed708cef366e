// Serving the files embedded in the image (`Assets`, from @tessera/runtime): content types, gzip, ETags and 304.

import { Assets } from "@tessera/runtime/assembly/assets";
import { HttpHandler, HttpRequest, HttpResponse } from "./exchange";
import {
  ACCEPT_ENCODING,
  ACCEPT_ENCODING_LENGTH,
  CACHE_CONTROL,
  CACHE_CONTROL_LENGTH,
  CONTENT_ENCODING,
  CONTENT_ENCODING_LENGTH,
  CONTENT_TYPE,
  CONTENT_TYPE_LENGTH,
  ETAG,
  ETAG_LENGTH,
  GZIP,
  GZIP_LENGTH,
  IF_NONE_MATCH,
  IF_NONE_MATCH_LENGTH,
  NO_CACHE,
  NO_CACHE_LENGTH,
  NOT_FOUND_BODY,
  NOT_FOUND_BODY_LENGTH,
  TEXT_PLAIN,
  TEXT_PLAIN_LENGTH,
  VARY,
  VARY_LENGTH,
} from "./files-text";

/**
 * Whether the request's If-None-Match names the ETag of `len` bytes at `etag`, or is `*`. The ETag is quoted, so
 * finding it anywhere in the field is RFC 9110's weak comparison: `W/"e"` matches `"e"`. Compared where the bytes
 * lie; allocates nothing.
 */
export function etagMatches(req: HttpRequest, etag: usize, len: u32): bool {
  const head = req.head;
  const f = head.findBytes(IF_NONE_MATCH, IF_NONE_MATCH_LENGTH);
  if (f < 0) return false;
  const p = head.valuePtr(f);
  const n = head.valueLen(f);
  if (n == 1 && load<u8>(p) == 0x2a) return true; // *
  for (let at: u32 = 0; at + len <= n; at++) if (memory.compare(p + at, etag, len) == 0) return true;
  return false;
}

/**
 * Serves the files embedded in the image at build time (`"tessera": { "assets": "site" }` in the app's
 * package.json): `router.get("/*", new StaticFiles())`. A path finds its file as `Assets.find` does (`/` finds
 * `/index.html`). The answer is 200 with the file, its Content-Type (from its extension), a strong ETag made at
 * build time and `Cache-Control: no-cache` (a browser asks again each time, and gets 304 while the file is
 * unchanged); 304 with no body when If-None-Match names the ETag; 404 with `not found` when no file has the path.
 * A file the build stored as gzip is sent as it lies, with `Content-Encoding: gzip`, to a client whose
 * Accept-Encoding lists `gzip` (without parameters: one that weighs it, `gzip;q=0.5`, gets the plain bytes), and
 * inflated (once, into the heap) for others; both answers carry `Vary: accept-encoding`, and the gzip one its
 * own ETag. Nothing is copied: the bytes go from the data segment into the send buffer. Allocates nothing but
 * the inflated copies.
 */
export class StaticFiles extends HttpHandler {
  handle(req: HttpRequest, res: HttpResponse): void {
    const i = Assets.find(req.pathPtr, req.pathLen);
    if (i < 0) {
      res
        .status(404)
        .field(CONTENT_TYPE, CONTENT_TYPE_LENGTH, TEXT_PLAIN, TEXT_PLAIN_LENGTH)
        .sendStatic(NOT_FOUND_BODY, NOT_FOUND_BODY_LENGTH);
      return;
    }
    const compressed = Assets.gzipLength(i) != 0;
    const gzip = compressed && req.head.hasTokenBytes(ACCEPT_ENCODING, ACCEPT_ENCODING_LENGTH, GZIP, GZIP_LENGTH);
    const etag = gzip ? Assets.gzipEtagPtr(i) : Assets.etagPtr(i);
    const etagLen = gzip ? Assets.gzipEtagLength(i) : Assets.etagLength(i);
    res
      .field(CONTENT_TYPE, CONTENT_TYPE_LENGTH, Assets.contentTypePtr(i), Assets.contentTypeLength(i))
      .field(ETAG, ETAG_LENGTH, etag, etagLen)
      .field(CACHE_CONTROL, CACHE_CONTROL_LENGTH, NO_CACHE, NO_CACHE_LENGTH);
    if (compressed) res.field(VARY, VARY_LENGTH, ACCEPT_ENCODING, ACCEPT_ENCODING_LENGTH);
    if (etagMatches(req, etag, etagLen)) res.status(304).end();
    else if (gzip)
      res
        .field(CONTENT_ENCODING, CONTENT_ENCODING_LENGTH, GZIP, GZIP_LENGTH)
        .sendStatic(Assets.gzipPtr(i), Assets.gzipLength(i));
    else res.sendStatic(Assets.ptr(i), Assets.length(i));
  }
}
