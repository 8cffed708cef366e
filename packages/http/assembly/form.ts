// Percent-encoding (RFC 3986 §2.1) and `name=value&...` fields: a request's query string and a form body
// (`application/x-www-form-urlencoded`), read where the bytes lie and decoded only when a value is asked for.

import { hexValue } from "./chars";

/**
 * The `len` bytes at `ptr` with every `%XX` decoded (and, if `plusIsSpace`, every `+` made a space, as in a query or
 * form), or null if an escape is bad (`%` not followed by two hex digits). Allocates the result.
 */
export function decodePercent(ptr: usize, len: u32, plusIsSpace: bool = false): Uint8Array | null {
  const out = new Uint8Array(len);
  const n = decodeInto(ptr, len, plusIsSpace, out.dataStart);
  return n < 0 ? null : out.subarray(0, n);
}

// Decodes the `len` bytes at `ptr` (see `decodePercent`) to `dst` (0: only checks and counts); the length, or -1.
function decodeInto(ptr: usize, len: u32, plusIsSpace: bool, dst: usize): i32 {
  let n = 0;
  for (let i: u32 = 0; i < len; i++) {
    let c = <u32>load<u8>(ptr + i);
    if (c == 0x25) {
      // %XX
      if (i + 2 >= len) return -1;
      const hi = hexValue(load<u8>(ptr + i + 1));
      const lo = hexValue(load<u8>(ptr + i + 2));
      if ((hi | lo) < 0) return -1;
      c = <u32>((hi << 4) | lo);
      i += 2;
    } else if (c == 0x2b && plusIsSpace) c = 0x20;
    if (dst) store<u8>(dst + n, c);
    n++;
  }
  return n;
}

/** Whether byte `c` goes unescaped in `TextBody.percent`: RFC 3986's unreserved characters (A-Z a-z 0-9 - . _ ~) and `/`. */
export function isUnreserved(c: u32): bool {
  return (c | 0x20) - 0x61 < 26 || c - 0x2d < 13 || c == 0x5f || c == 0x7e; // letters; - . / 0-9; _; ~
}

/**
 * The fields of a query string or a form body: `name=value` pairs joined by `&`, percent-encoded, `+` for a space
 * (`prefix=a%2Fb&n=2`). Nothing is copied: a lookup walks the bytes, and a value is decoded when asked for.
 *
 *   const q = req.query();            // the target after `?`
 *   const prefix = q.get("prefix");   // "a/b", or null if there is none
 *   if (q.malformed) res.status(400).send("bad percent-encoding\n");
 *
 * A name is compared after decoding, as ASCII. A field without `=` has the empty value. The bytes must stay as they
 * are while the form is read (a request's do, until its response is sent).
 */
export class Form {
  /** Whether the last lookup found its field with a bad escape (`%` not followed by two hex digits). */
  malformed: bool = false;

  /** The fields in the `len` bytes at `ptr` (a `?` that starts them is skipped). */
  constructor(
    readonly ptr: usize,
    readonly len: u32,
  ) {
    if (len > 0 && load<u8>(ptr) == 0x3f) {
      this.ptr = ptr + 1;
      this.len = len - 1;
    }
  }

  /** Whether a field named `name` is present. */
  has(name: string): bool {
    return this.find(name) >= 0;
  }

  /** The decoded bytes of the first field named `name`'s value; null if there is none, or if it is `malformed`. */
  bytes(name: string): Uint8Array | null {
    const at = this.find(name);
    if (at < 0) return null;
    const v = decodePercent(this.ptr + <u32>at, this.valueEnd(<u32>at) - <u32>at, true);
    this.malformed = v === null;
    return v;
  }

  /** The first field named `name`'s value as a string (its bytes decoded as UTF-8); null as for `bytes`. */
  get(name: string): string | null {
    const v = this.bytes(name);
    return v ? String.UTF8.decodeUnsafe(v.dataStart, v.length) : null;
  }

  /** The first field named `name`'s value as a whole decimal number; `fallback` if there is none or it is not one. */
  int(name: string, fallback: i64): i64 {
    const v = this.bytes(name);
    if (!v || v.length == 0 || v.length > 18) return fallback;
    let n: i64 = 0;
    for (let i = 0; i < v.length; i++) {
      const d = <u32>v[i] - 0x30;
      if (d > 9) return fallback;
      n = n * 10 + d;
    }
    return n;
  }

  // Offset of the value of the first field named `name` (after its `=`), or -1.
  private find(name: string): i32 {
    this.malformed = false;
    const p = this.ptr;
    const len = this.len;
    let start: u32 = 0;
    while (start <= len) {
      let end = start;
      while (end < len && load<u8>(p + end) != 0x26) end++; // &
      let eq = start;
      while (eq < end && load<u8>(p + eq) != 0x3d) eq++; // =
      if (nameIs(p + start, eq - start, name)) return <i32>min(eq + 1, end);
      start = end + 1;
    }
    return -1;
  }

  // Where the value that starts at `at` ends: at the next `&`, or the end.
  private valueEnd(at: u32): u32 {
    while (at < this.len && load<u8>(this.ptr + at) != 0x26) at++;
    return at;
  }
}

// Whether the `len` encoded bytes at `ptr` decode to `name` (ASCII).
function nameIs(ptr: usize, len: u32, name: string): bool {
  const n = decodeInto(ptr, len, true, 0);
  if (n != name.length || n < 0) return false;
  let k = 0;
  for (let i: u32 = 0; i < len; i++, k++) {
    let c = <u32>load<u8>(ptr + i);
    if (c == 0x25) {
      c = <u32>((hexValue(load<u8>(ptr + i + 1)) << 4) | hexValue(load<u8>(ptr + i + 2)));
      i += 2;
    } else if (c == 0x2b) c = 0x20;
    if (c != <u32>name.charCodeAt(k)) return false;
  }
  return true;
}
