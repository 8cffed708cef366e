// The constant text of @tessera/http's files, as ASCII bytes in the data segment, each piece
// `@lazy`: in the image only if it is used.
// Generated from packages/http/tables/tables.mjs by packages/http/tables/generate.mjs: edit those, not this.

// The pieces below, laid out once (a piece inside another is not stored again).
@lazy const FILES_TEXT: usize = memory.data<u8>([
  0x74, 0x65, 0x78, 0x74, 0x2f, 0x70, 0x6c, 0x61, 0x69, 0x6e, 0x3b, 0x20, 0x63, 0x68, 0x61, 0x72, 0x73, 0x65, 0x74,
  0x3d, 0x75, 0x74, 0x66, 0x2d, 0x38, 0x63, 0x6f, 0x6e, 0x74, 0x65, 0x6e, 0x74, 0x2d, 0x65, 0x6e, 0x63, 0x6f, 0x64,
  0x69, 0x6e, 0x67, 0x61, 0x63, 0x63, 0x65, 0x70, 0x74, 0x2d, 0x65, 0x6e, 0x63, 0x6f, 0x64, 0x69, 0x6e, 0x67, 0x69,
  0x66, 0x2d, 0x6e, 0x6f, 0x6e, 0x65, 0x2d, 0x6d, 0x61, 0x74, 0x63, 0x68, 0x63, 0x61, 0x63, 0x68, 0x65, 0x2d, 0x63,
  0x6f, 0x6e, 0x74, 0x72, 0x6f, 0x6c, 0x63, 0x6f, 0x6e, 0x74, 0x65, 0x6e, 0x74, 0x2d, 0x74, 0x79, 0x70, 0x65, 0x6e,
  0x6f, 0x74, 0x20, 0x66, 0x6f, 0x75, 0x6e, 0x64, 0x0a, 0x6e, 0x6f, 0x2d, 0x63, 0x61, 0x63, 0x68, 0x65, 0x6e, 0x6f,
  0x2d, 0x73, 0x74, 0x6f, 0x72, 0x65, 0x67, 0x7a, 0x69, 0x70, 0x65, 0x74, 0x61, 0x67, 0x76, 0x61, 0x72, 0x79,
]);

/** "accept-encoding" */
@lazy export const ACCEPT_ENCODING: usize = FILES_TEXT + 41;
/** Bytes of `ACCEPT_ENCODING`. */
export const ACCEPT_ENCODING_LENGTH: u32 = 15;
/** "gzip" */
@lazy export const GZIP: usize = FILES_TEXT + 120;
/** Bytes of `GZIP`. */
export const GZIP_LENGTH: u32 = 4;
/** "if-none-match" */
@lazy export const IF_NONE_MATCH: usize = FILES_TEXT + 56;
/** Bytes of `IF_NONE_MATCH`. */
export const IF_NONE_MATCH_LENGTH: u32 = 13;
/** "content-type" */
@lazy export const CONTENT_TYPE: usize = FILES_TEXT + 82;
/** Bytes of `CONTENT_TYPE`. */
export const CONTENT_TYPE_LENGTH: u32 = 12;
/** "content-encoding" */
@lazy export const CONTENT_ENCODING: usize = FILES_TEXT + 25;
/** Bytes of `CONTENT_ENCODING`. */
export const CONTENT_ENCODING_LENGTH: u32 = 16;
/** "etag" */
@lazy export const ETAG: usize = FILES_TEXT + 124;
/** Bytes of `ETAG`. */
export const ETAG_LENGTH: u32 = 4;
/** "cache-control" */
@lazy export const CACHE_CONTROL: usize = FILES_TEXT + 69;
/** Bytes of `CACHE_CONTROL`. */
export const CACHE_CONTROL_LENGTH: u32 = 13;
/** "vary" */
@lazy export const VARY: usize = FILES_TEXT + 128;
/** Bytes of `VARY`. */
export const VARY_LENGTH: u32 = 4;
/** "no-cache" */
@lazy export const NO_CACHE: usize = FILES_TEXT + 104;
/** Bytes of `NO_CACHE`. */
export const NO_CACHE_LENGTH: u32 = 8;
/** "no-store" */
@lazy export const NO_STORE: usize = FILES_TEXT + 112;
/** Bytes of `NO_STORE`. */
export const NO_STORE_LENGTH: u32 = 8;
/** "text/plain; charset=utf-8" */
@lazy export const TEXT_PLAIN: usize = FILES_TEXT + 0;
/** Bytes of `TEXT_PLAIN`. */
export const TEXT_PLAIN_LENGTH: u32 = 25;
/** "not found\n" */
@lazy export const NOT_FOUND_BODY: usize = FILES_TEXT + 94;
/** Bytes of `NOT_FOUND_BODY`. */
export const NOT_FOUND_BODY_LENGTH: u32 = 10;
