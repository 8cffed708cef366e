// The constant text of @tessera/http, written once, as text. generate.mjs turns it into
// assembly/tables.ts (and assembly/files-text.ts): ASCII bytes in the data segment (an AssemblyScript string costs two bytes a character and a
// header), each piece named with its address and length, so that no offset or length is counted by hand.
//
//   node packages/http/tables/generate.mjs            writes assembly/tables.ts
//   node packages/http/tables/generate.mjs --check    fails if it is not current (npm run check-generated)

/**
 * Fixed pieces of text, in groups: NAME -> text. Each piece becomes `NAME` (its address) and `NAME_LENGTH`. A group
 * is one run of bytes in a file of its own, in the image as soon as that file is; a piece that is part of another of
 * its group (`CLOSE` of `CONNECTION_CLOSE`) is not stored twice. Header names are compared ignoring case.
 */
export const TEXT = {
  /** What every server and client uses; in tables.ts. */
  HEADS: {
    // The fixed parts of response heads, written as they are.
    HTTP_1_1: "HTTP/1.1 ",
    CONTENT_LENGTH_FIELD: "Content-Length: ",
    TRANSFER_CHUNKED: "Transfer-Encoding: chunked\r\n",
    CONNECTION_CLOSE: "Connection: close\r\n",
    CONNECTION_KEEP_ALIVE: "Connection: keep-alive\r\n",
    CONTINUE_100_LINE: "HTTP/1.1 100 Continue\r\n\r\n",
    ALLOW: "Allow",

    // Names and tokens of request fields the server reads.
    HTTP: "HTTP",
    HOST: "host",
    EXPECT: "expect",
    CONTINUE_100: "100-continue",
    CONNECTION: "Connection",
    CLOSE: "close",
    KEEP_ALIVE: "keep-alive",
    CONTENT_LENGTH: "Content-Length",
    TRANSFER_ENCODING: "Transfer-Encoding",
    CHUNKED: "chunked",
  },
  /** What StaticFiles (files.ts) reads and writes, and the response's sendText and noStore; in files-text.ts. */
  FILES: {
    ACCEPT_ENCODING: "accept-encoding",
    GZIP: "gzip",
    IF_NONE_MATCH: "if-none-match",
    CONTENT_TYPE: "content-type",
    CONTENT_ENCODING: "content-encoding",
    ETAG: "etag",
    CACHE_CONTROL: "cache-control",
    VARY: "vary",
    NO_CACHE: "no-cache",
    NO_STORE: "no-store",
    TEXT_PLAIN: "text/plain; charset=utf-8",
    NOT_FOUND_BODY: "not found\n",
  },
};

/**
 * The request methods `Method` names, in its order (after `Method.Other`, 0). The enum's member is the name in
 * capitalised form (GET -> Get).
 */
export const METHODS = ["GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH", "CONNECT", "TRACE"];

/**
 * The status codes `Status` names and their reason phrases (RFC 9110 §15), in order of code. The enum's member is
 * the phrase without spaces and hyphens (Not Found -> NotFound).
 */
export const STATUSES = [
  [100, "Continue"],
  [101, "Switching Protocols"],
  [200, "OK"],
  [201, "Created"],
  [202, "Accepted"],
  [203, "Non-Authoritative Information"],
  [204, "No Content"],
  [205, "Reset Content"],
  [206, "Partial Content"],
  [300, "Multiple Choices"],
  [301, "Moved Permanently"],
  [302, "Found"],
  [303, "See Other"],
  [304, "Not Modified"],
  [307, "Temporary Redirect"],
  [308, "Permanent Redirect"],
  [400, "Bad Request"],
  [401, "Unauthorized"],
  [403, "Forbidden"],
  [404, "Not Found"],
  [405, "Method Not Allowed"],
  [406, "Not Acceptable"],
  [408, "Request Timeout"],
  [409, "Conflict"],
  [410, "Gone"],
  [411, "Length Required"],
  [412, "Precondition Failed"],
  [413, "Content Too Large"],
  [414, "URI Too Long"],
  [415, "Unsupported Media Type"],
  [416, "Range Not Satisfiable"],
  [417, "Expectation Failed"],
  [421, "Misdirected Request"],
  [422, "Unprocessable Content"],
  [426, "Upgrade Required"],
  [428, "Precondition Required"],
  [429, "Too Many Requests"],
  [431, "Request Header Fields Too Large"],
  [500, "Internal Server Error"],
  [501, "Not Implemented"],
  [502, "Bad Gateway"],
  [503, "Service Unavailable"],
  [504, "Gateway Timeout"],
  [505, "HTTP Version Not Supported"],
];
