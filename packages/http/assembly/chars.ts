// Byte classes of HTTP/1.1 (RFC 9110 §5.6) and comparisons of wire bytes with strings that allocate nothing.

/** Carriage return. */
export const CR: u32 = 0x0d;
/** Line feed. */
export const LF: u32 = 0x0a;
/** Space. */
export const SP: u32 = 0x20;
/** Horizontal tab. */
export const HTAB: u32 = 0x09;

/** Whether `c` is a `tchar`, a byte allowed in a token (method, header name, coding). */
export function isTchar(c: u32): bool {
  if (c - 0x61 < 26 || c - 0x41 < 26 || c - 0x30 < 10) return true; // unsigned: a-z, A-Z, 0-9
  switch (c) {
    case 0x21: // !
    case 0x23: // #
    case 0x24: // $
    case 0x25: // %
    case 0x26: // &
    case 0x27: // '
    case 0x2a: // *
    case 0x2b: // +
    case 0x2d: // -
    case 0x2e: // .
    case 0x5e: // ^
    case 0x5f: // _
    case 0x60: // `
    case 0x7c: // |
    case 0x7e: // ~
      return true;
  }
  return false;
}

/** Whether `c` may appear in a field value: VCHAR, obs-text, SP or HTAB (no controls, no DEL). */
export function isFieldByte(c: u32): bool {
  return c == HTAB || (c >= SP && c != 0x7f);
}

/** Whether `c` may appear in a request target: a visible ASCII character. */
export function isTargetByte(c: u32): bool {
  return c - 0x21 < 0x5e; // 0x21..0x7e
}

/** Whether `c` is optional whitespace (SP or HTAB). */
export function isOws(c: u32): bool {
  return c == SP || c == HTAB;
}

/** The value of hex digit `c`, or -1 if it is not one. */
export function hexValue(c: u32): i32 {
  if (c - 0x30 < 10) return <i32>(c - 0x30);
  const l = c | 0x20;
  if (l - 0x61 < 6) return <i32>(l - 0x61 + 10);
  return -1;
}

/** ASCII lower case of `c`; other bytes unchanged. */
export function lower(c: u32): u32 {
  return c - 0x41 < 26 ? c | 0x20 : c;
}

/** Whether the `len` bytes at `ptr` are the ASCII string `s` (exact case). */
export function bytesEqual(ptr: usize, len: u32, s: string): bool {
  if (<u32>s.length != len) return false;
  for (let i: u32 = 0; i < len; i++) if (<u32>load<u8>(ptr + i) != <u32>s.charCodeAt(i)) return false;
  return true;
}

/** Whether the `len` bytes at `ptr` are the ASCII string `s`, ignoring ASCII case. */
export function bytesEqualNoCase(ptr: usize, len: u32, s: string): bool {
  if (<u32>s.length != len) return false;
  for (let i: u32 = 0; i < len; i++) if (lower(load<u8>(ptr + i)) != lower(<u32>s.charCodeAt(i))) return false;
  return true;
}

/** Whether the comma-separated list in the `len` bytes at `ptr` has the element `token`, ignoring case and OWS. */
export function listHas(ptr: usize, len: u32, token: string): bool {
  let i: u32 = 0;
  while (i < len) {
    let end = i;
    while (end < len && load<u8>(ptr + end) != 0x2c) end++; // ','
    let a = i;
    let b = end;
    while (a < b && isOws(load<u8>(ptr + a))) a++;
    while (b > a && isOws(load<u8>(ptr + b - 1))) b--;
    if (bytesEqualNoCase(ptr + a, b - a, token)) return true;
    i = end + 1;
  }
  return false;
}
