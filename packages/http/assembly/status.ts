// HTTP status codes (RFC 9110 §15) and their reason phrases.

import { HTTP_1_1, HTTP_1_1_LENGTH, REASONS, REASONS_END } from "./tables";

export { Status } from "./tables";

// Address of `code`'s entry's length byte, its phrase following; for a code without one, a zero length byte.
function reasonEntry(code: u32): usize {
  let p = REASONS;
  let c = <u32>load<u8>(p);
  while (c < code && load<u8>(p) != 0) {
    p += 2 + <usize>load<u8>(p, 1);
    c += load<u8>(p);
  }
  return c == code ? p + 1 : REASONS_END;
}

/** The length in bytes of `code`'s reason phrase; 0 if it has none. */
export function reasonLength(code: u32): u32 {
  return load<u8>(reasonEntry(code));
}

/** Copies `code`'s reason phrase (ASCII) to `ptr` if it fits in `cap` bytes; returns its length (0 if none). */
export function writeReason(code: u32, ptr: usize, cap: u32): u32 {
  const e = reasonEntry(code);
  const len = <u32>load<u8>(e);
  if (len <= cap) memory.copy(ptr, e + 1, len);
  return len;
}

// The status line around the reason phrase: "HTTP/1.1 ", three digits and a space before it, CRLF after it.
const STATUS_LINE_FIXED: u32 = HTTP_1_1_LENGTH + 4 + 2;

/** Writes the status line of `code` (100..999), `HTTP/1.1 NNN Reason\r\n`, to end just before `end`; returns its length. */
export function writeStatusLine(code: u32, end: usize): u32 {
  const e = reasonEntry(code);
  const n = <u32>load<u8>(e);
  const p = end - STATUS_LINE_FIXED - n;
  memory.copy(p, HTTP_1_1, HTTP_1_1_LENGTH);
  // The code's three digits and a space, after "HTTP/1.1 ".
  store<u8>(p, 0x30 + code / 100, HTTP_1_1_LENGTH);
  store<u8>(p, 0x30 + ((code / 10) % 10), HTTP_1_1_LENGTH + 1);
  store<u8>(p, 0x30 + (code % 10), HTTP_1_1_LENGTH + 2);
  store<u8>(p, 0x20, HTTP_1_1_LENGTH + 3);
  memory.copy(p + HTTP_1_1_LENGTH + 4, e + 1, n);
  store<u16>(end - 2, 0x0a0d); // CRLF
  return STATUS_LINE_FIXED + n;
}

/** The reason phrase of `code` ("Not Found" for 404), or "" for a code without one (the status line stays valid). */
export function reasonPhrase(code: u32): string {
  const e = reasonEntry(code);
  return String.UTF8.decodeUnsafe(e + 1, load<u8>(e));
}

/** Whether a response with status `code` may carry content: not 1xx, 204 or 304 (RFC 9110 §6.4.1). */
export function statusHasBody(code: u32): bool {
  return code >= 200 && code != 204 && code != 304;
}
