// Byte classes of HTTP/1.1 (RFC 9110 §5.6) and comparisons of wire bytes with strings that allocate nothing.

/** Carriage return. */
export const CR: u32 = 0x0d;
/** Line feed. */
export const LF: u32 = 0x0a;
/** Space. */
export const SP: u32 = 0x20;
/** Horizontal tab. */
export const HTAB: u32 = 0x09;

// The tchars as bits: bit c of TCHARS_LOW for c < 64, bit c - 64 of TCHARS_HIGH for 64 <= c < 128. They are
// a-z, A-Z, 0-9 and ! # $ % & ' * + - . ^ _ ` | ~.
const TCHARS_LOW: u64 = 0x03ff_6cfa_0000_0000;
const TCHARS_HIGH: u64 = 0x57ff_ffff_c7ff_fffe;

// The bytes of a Host field's value (RFC 3986 host and port: unreserved, sub-delims, ":", "[", "]", "%").
const HOST_LOW: u64 = 0x2fff_7ff2_0000_0000;
const HOST_HIGH: u64 = 0x47ff_fffe_afff_fffe;

// Whether `c` < 128 is in the set of bits `low` (for c < 64) and `high` (for c - 64).
function inSet(c: u32, low: u64, high: u64): bool {
  return c < 128 && <bool>(((c < 64 ? low : high) >> ((<u64>c) & 63)) & 1);
}

/** Whether `c` is a `tchar`, a byte allowed in a token (method, header name, coding). */
export function isTchar(c: u32): bool {
  return inSet(c, TCHARS_LOW, TCHARS_HIGH);
}

/** Whether `c` may appear in a Host field's value (a reg-name, an IP literal, a port). */
export function isHostByte(c: u32): bool {
  return inSet(c, HOST_LOW, HOST_HIGH);
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

/** Whether the `len` bytes at `ptr` are the `n` units at `q`: bytes, or UTF-16 code units (a string's) if `wide`;
 * ignoring ASCII case if `fold`. One comparison serves strings and the byte tokens below. */
export function unitsEqual(ptr: usize, len: u32, q: usize, n: u32, wide: bool, fold: bool): bool {
  if (n != len) return false;
  for (let i: u32 = 0; i < len; i++) {
    let a = <u32>load<u8>(ptr + i);
    let b = wide ? <u32>load<u16>(q + (i << 1)) : <u32>load<u8>(q + i);
    if (fold) {
      a = lower(a);
      b = lower(b);
    }
    if (a != b) return false;
  }
  return true;
}

/** Whether the `len` bytes at `ptr` are the ASCII string `s` (exact case). */
export function bytesEqual(ptr: usize, len: u32, s: string): bool {
  return unitsEqual(ptr, len, changetype<usize>(s), <u32>s.length, true, false);
}

/** Whether the `len` bytes at `ptr` are the ASCII string `s`, ignoring ASCII case. */
export function bytesEqualNoCase(ptr: usize, len: u32, s: string): bool {
  return unitsEqual(ptr, len, changetype<usize>(s), <u32>s.length, true, true);
}

/**
 * Counts the elements of the comma-separated list in the `len` bytes at `ptr` (OWS around them ignored): in the
 * low 31 bits those that are the `n` units at `q` (see `unitsEqual`; ignoring case), in the high 32 the non-empty;
 * bit 31 says whether the last non-empty one is.
 */
export function listCount(ptr: usize, len: u32, q: usize, n: u32, wide: bool): u64 {
  let matches: u32 = 0;
  let nonEmpty: u32 = 0;
  let last: u32 = 0;
  let i: u32 = 0;
  while (i < len) {
    let end = i;
    while (end < len && load<u8>(ptr + end) != 0x2c) end++; // ','
    let a = i;
    let b = end;
    while (a < b && isOws(load<u8>(ptr + a))) a++;
    while (b > a && isOws(load<u8>(ptr + b - 1))) b--;
    const match = <u32>unitsEqual(ptr + a, b - a, q, n, wide, true);
    if (b > a) {
      nonEmpty++;
      last = match << 31;
    }
    matches += match;
    i = end + 1;
  }
  return ((<u64>nonEmpty) << 32) | matches | last;
}

/** Whether the comma-separated list in the `len` bytes at `ptr` has the element `token`, ignoring case and OWS. */
export function listHas(ptr: usize, len: u32, token: string): bool {
  return <u32>listCount(ptr, len, changetype<usize>(token), <u32>token.length, true) != 0;
}
