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

/** The reason phrase of `code` ("Not Found" for 404), or "" for a code without one (the status line stays valid). */
export function reasonPhrase(code: u32): string {
  switch (code) {
    case 100:
      return "Continue";
    case 101:
      return "Switching Protocols";
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 202:
      return "Accepted";
    case 203:
      return "Non-Authoritative Information";
    case 204:
      return "No Content";
    case 205:
      return "Reset Content";
    case 206:
      return "Partial Content";
    case 300:
      return "Multiple Choices";
    case 301:
      return "Moved Permanently";
    case 302:
      return "Found";
    case 303:
      return "See Other";
    case 304:
      return "Not Modified";
    case 307:
      return "Temporary Redirect";
    case 308:
      return "Permanent Redirect";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 406:
      return "Not Acceptable";
    case 408:
      return "Request Timeout";
    case 409:
      return "Conflict";
    case 410:
      return "Gone";
    case 411:
      return "Length Required";
    case 412:
      return "Precondition Failed";
    case 413:
      return "Content Too Large";
    case 414:
      return "URI Too Long";
    case 415:
      return "Unsupported Media Type";
    case 416:
      return "Range Not Satisfiable";
    case 417:
      return "Expectation Failed";
    case 421:
      return "Misdirected Request";
    case 422:
      return "Unprocessable Content";
    case 426:
      return "Upgrade Required";
    case 428:
      return "Precondition Required";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    case 505:
      return "HTTP Version Not Supported";
  }
  return "";
}

/** Whether a response with status `code` may carry content: not 1xx, 204 or 304 (RFC 9110 §6.4.1). */
export function statusHasBody(code: u32): bool {
  return code >= 200 && code != 204 && code != 304;
}
