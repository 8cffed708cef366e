// DNS names in flat form: uncompressed wire bytes in a buffer, converted from and to dotted strings without allocating.
//
// A flat name is what a question holds on the wire when uncompressed:
//
//   "www.example.com"  ->  | 3 | w w w | 7 | e x a m p l e | 3 | c o m | 0 |   (17 bytes, at most 255)
//
// The dotted form takes an optional trailing dot; "" and "." are the root.

import { DNS_LABEL_MAX, DNS_NAME_MAX, lowerAscii } from "./dns";

const DOT: u32 = 0x2e;

/**
 * Encodes the dotted ASCII name `name` as a flat name at `dst` (room for `cap` bytes); returns its length,
 * or 0 if the name is not valid (an empty label, a label over 63 bytes, a non-ASCII character, longer than
 * DNS_NAME_MAX or than `cap`). Allocates nothing.
 */
export function dnsNameEncode(name: string, dst: usize, cap: u32): u32 {
  let n = <u32>name.length;
  if (n > 0 && name.charCodeAt(n - 1) == DOT) n--; // the trailing dot of an absolute name
  const limit = min(cap, DNS_NAME_MAX);
  let out: u32 = 0; // where the current label's length byte goes
  let labelLen: u32 = 0;
  for (let i: u32 = 0; i < n; i++) {
    const c = <u32>name.charCodeAt(i);
    if (c == DOT) {
      if (labelLen == 0) return 0;
      store<u8>(dst + out, <u8>labelLen);
      out += 1 + labelLen;
      labelLen = 0;
      continue;
    }
    if (c > 0x7f || labelLen == DNS_LABEL_MAX || out + 1 + labelLen + 1 >= limit) return 0;
    store<u8>(dst + out + 1 + labelLen, <u8>c);
    labelLen++;
  }
  if (n > 0) {
    if (labelLen == 0) return 0; // an empty last label: "a.."
    store<u8>(dst + out, <u8>labelLen);
    out += 1 + labelLen;
  }
  if (out + 1 > limit) return 0;
  store<u8>(dst + out, 0);
  return out + 1;
}

/** Whether the flat name of `len` bytes at `flat` spells the dotted `name` (trailing dot optional), ignoring case. */
export function dnsNameEqualsString(flat: usize, len: u32, name: string): bool {
  let n = <u32>name.length;
  if (n > 0 && name.charCodeAt(n - 1) == DOT) n--;
  let j: u32 = 0; // in `flat`
  let i: u32 = 0; // in `name`
  while (j < len) {
    const labelLen = <u32>load<u8>(flat + j);
    if (labelLen == 0) return i == n;
    if (i > 0) {
      if (i >= n || name.charCodeAt(i) != DOT) return false;
      i++;
    }
    if (j + 1 + labelLen >= len || i + labelLen > n) return false;
    for (let k: u32 = 0; k < labelLen; k++) {
      if (lowerAscii(load<u8>(flat + j + 1 + k)) != lowerAscii(<u32>name.charCodeAt(i + k))) return false;
    }
    i += labelLen;
    j += 1 + labelLen;
  }
  return false;
}

/** Whether two flat names are equal, ignoring ASCII case. */
export function dnsNameEqualsFlat(a: usize, aLen: u32, b: usize, bLen: u32): bool {
  if (aLen != bLen) return false;
  let j: u32 = 0;
  while (j < aLen) {
    const labelLen = <u32>load<u8>(a + j);
    if (labelLen != <u32>load<u8>(b + j)) return false;
    if (labelLen == 0) return j + 1 == aLen;
    for (let k: u32 = 1; k <= labelLen && j + k < aLen; k++) {
      if (lowerAscii(load<u8>(a + j + k)) != lowerAscii(load<u8>(b + j + k))) return false;
    }
    j += 1 + labelLen;
  }
  return false;
}

/** The dotted form of the flat name of `len` bytes at `flat`, no trailing dot ("" for the root); allocates. */
export function dnsNameToString(flat: usize, len: u32): string {
  let s = "";
  let j: u32 = 0;
  while (j < len) {
    const labelLen = <u32>load<u8>(flat + j);
    if (labelLen == 0) break;
    if (j > 0) s += ".";
    for (let k: u32 = 1; k <= labelLen && j + k < len; k++) s += String.fromCharCode(load<u8>(flat + j + k));
    j += 1 + labelLen;
  }
  return s;
}
