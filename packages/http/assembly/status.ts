// HTTP status codes (RFC 9110 §15) and their reason phrases.

/** The status codes this package names; any code 100..999 may still be written. */
export enum Status {
  /** 100 Continue. */
  Continue = 100,
  /** 101 Switching Protocols. */
  SwitchingProtocols = 101,
  /** 200 OK. */
  OK = 200,
  /** 201 Created. */
  Created = 201,
  /** 202 Accepted. */
  Accepted = 202,
  /** 203 Non-Authoritative Information. */
  NonAuthoritativeInformation = 203,
  /** 204 No Content. */
  NoContent = 204,
  /** 205 Reset Content. */
  ResetContent = 205,
  /** 206 Partial Content. */
  PartialContent = 206,
  /** 300 Multiple Choices. */
  MultipleChoices = 300,
  /** 301 Moved Permanently. */
  MovedPermanently = 301,
  /** 302 Found. */
  Found = 302,
  /** 303 See Other. */
  SeeOther = 303,
  /** 304 Not Modified. */
  NotModified = 304,
  /** 307 Temporary Redirect. */
  TemporaryRedirect = 307,
  /** 308 Permanent Redirect. */
  PermanentRedirect = 308,
  /** 400 Bad Request. */
  BadRequest = 400,
  /** 401 Unauthorized. */
  Unauthorized = 401,
  /** 403 Forbidden. */
  Forbidden = 403,
  /** 404 Not Found. */
  NotFound = 404,
  /** 405 Method Not Allowed. */
  MethodNotAllowed = 405,
  /** 406 Not Acceptable. */
  NotAcceptable = 406,
  /** 408 Request Timeout. */
  RequestTimeout = 408,
  /** 409 Conflict. */
  Conflict = 409,
  /** 410 Gone. */
  Gone = 410,
  /** 411 Length Required. */
  LengthRequired = 411,
  /** 412 Precondition Failed. */
  PreconditionFailed = 412,
  /** 413 Content Too Large. */
  ContentTooLarge = 413,
  /** 414 URI Too Long. */
  URITooLong = 414,
  /** 415 Unsupported Media Type. */
  UnsupportedMediaType = 415,
  /** 416 Range Not Satisfiable. */
  RangeNotSatisfiable = 416,
  /** 417 Expectation Failed. */
  ExpectationFailed = 417,
  /** 421 Misdirected Request. */
  MisdirectedRequest = 421,
  /** 422 Unprocessable Content. */
  UnprocessableContent = 422,
  /** 426 Upgrade Required. */
  UpgradeRequired = 426,
  /** 428 Precondition Required. */
  PreconditionRequired = 428,
  /** 429 Too Many Requests. */
  TooManyRequests = 429,
  /** 431 Request Header Fields Too Large. */
  RequestHeaderFieldsTooLarge = 431,
  /** 500 Internal Server Error. */
  InternalServerError = 500,
  /** 501 Not Implemented. */
  NotImplemented = 501,
  /** 502 Bad Gateway. */
  BadGateway = 502,
  /** 503 Service Unavailable. */
  ServiceUnavailable = 503,
  /** 504 Gateway Timeout. */
  GatewayTimeout = 504,
  /** 505 HTTP Version Not Supported. */
  HTTPVersionNotSupported = 505,
}

// The reason phrases, one string (a string each, and a switch, would cost twice the bytes): the i-th line is the
// phrase of REASON_CODES[i].
const REASON_CODES: StaticArray<u16> = [
  100, 101, 200, 201, 202, 203, 204, 205, 206, 300, 301, 302, 303, 304, 307, 308, 400, 401, 403, 404, 405, 406, 408,
  409, 410, 411, 412, 413, 414, 415, 416, 417, 421, 422, 426, 428, 429, 431, 500, 501, 502, 503, 504, 505,
];
const REASONS =
  "Continue\nSwitching Protocols\nOK\nCreated\nAccepted\nNon-Authoritative Information\nNo Content\n" +
  "Reset Content\nPartial Content\nMultiple Choices\nMoved Permanently\nFound\nSee Other\nNot Modified\n" +
  "Temporary Redirect\nPermanent Redirect\nBad Request\nUnauthorized\nForbidden\nNot Found\n" +
  "Method Not Allowed\nNot Acceptable\nRequest Timeout\nConflict\nGone\nLength Required\nPrecondition Failed\n" +
  "Content Too Large\nURI Too Long\nUnsupported Media Type\nRange Not Satisfiable\nExpectation Failed\n" +
  "Misdirected Request\nUnprocessable Content\nUpgrade Required\nPrecondition Required\nToo Many Requests\n" +
  "Request Header Fields Too Large\nInternal Server Error\nNot Implemented\nBad Gateway\nService Unavailable\n" +
  "Gateway Timeout\nHTTP Version Not Supported\n";

/** Where `code`'s reason phrase starts in `REASONS` and, in the upper 16 bits, its length; 0 if it has none. */
export function reasonSpan(code: u32): u32 {
  let i = 0;
  const n = REASON_CODES.length;
  while (i < n && <u32>unchecked(REASON_CODES[i]) != code) i++;
  if (i == n) return 0;
  const p = changetype<usize>(REASONS);
  let start: u32 = 0;
  for (; i > 0; i--) while (load<u16>(p + (start++ << 1)) != 0x0a);
  let end = start;
  while (load<u16>(p + (end << 1)) != 0x0a) end++;
  return ((end - start) << 16) | start;
}

/** Copies `code`'s reason phrase (ASCII) to `ptr` if it fits in `cap` bytes; returns its length (0 if none). */
export function writeReason(code: u32, ptr: usize, cap: u32): u32 {
  const span = reasonSpan(code);
  const len = span >>> 16;
  if (len > cap) return len;
  const p = changetype<usize>(REASONS) + ((span & 0xffff) << 1);
  for (let k: u32 = 0; k < len; k++) store<u8>(ptr + k, load<u8>(p + (k << 1)));
  return len;
}

/** The reason phrase of `code` ("Not Found" for 404), or "" for a code without one (the status line stays valid). */
export function reasonPhrase(code: u32): string {
  const span = reasonSpan(code);
  const start = <i32>(span & 0xffff);
  return REASONS.substring(start, start + <i32>(span >>> 16));
}

/** Whether a response with status `code` may carry content: not 1xx, 204 or 304 (RFC 9110 §6.4.1). */
export function statusHasBody(code: u32): bool {
  return code >= 200 && code != 204 && code != 304;
}
