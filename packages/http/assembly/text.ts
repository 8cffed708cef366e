// Text for response bodies: a builder that formats numbers and `key=value` fields (`TextBody`), and the UTF-8 and
// decimal encoders the response writer shares with it.

import { isUnreserved } from "./form";

/** The most digits `writeDecimal` writes (u64.MAX_VALUE has 20). */
export const DECIMAL_MAX: u32 = 20;

/** Writes `v` in decimal at `ptr` if its digits fit in `cap` bytes; returns how many it wrote (1 to 20), or 0. */
export function writeDecimal(ptr: usize, cap: u32, v: u64): u32 {
  let digits: u32 = 1;
  for (let t = v; t >= 10; t /= 10) digits++;
  if (digits > cap) return 0;
  let p = ptr + digits;
  do {
    store<u8>(--p, <u8>(0x30 + (v % 10)));
    v /= 10;
  } while (v);
  return digits;
}

/** Bytes of `text` in UTF-8 (lone surrogates count 3 bytes, as they are written). */
export function utf8Length(text: string): u32 {
  return <u32>utf8Encode(text, 0, text.length, 0, u32.MAX_VALUE);
}

/**
 * Encodes whole characters of `text` from index `from` up to index `end` as UTF-8 at `ptr` while they
 * fit in `cap` bytes (a lone surrogate as 3 bytes, as WTF-8); with `ptr` 0 only counts. Returns the bytes, and in the upper 32 bits the index
 * of the first character not encoded.
 */
export function utf8Encode(text: string, from: i32, end: i32, ptr: usize, cap: u32): u64 {
  const s = changetype<usize>(text);
  let i = from;
  let n: u32 = 0;
  while (i < end) {
    let c = <u32>load<u16>(s + ((<usize>i) << 1));
    let units = 1;
    if (c - 0xd800 < 0x400 && i + 1 < end) {
      const d = <u32>load<u16>(s + ((<usize>i) << 1), 2);
      if (d - 0xdc00 < 0x400) {
        c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        units = 2;
      }
    }
    const len: u32 = c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
    if (n + len > cap) break;
    if (ptr) {
      const p = ptr + n;
      // The lead byte (0xxxxxxx, 110xxxxx, 1110xxxx or 11110xxx), then 10xxxxxx for each further 6 bits.
      store<u8>(p, len == 1 ? c : (((<u32>0xf0) << (4 - len)) & 0xff) | (c >> (6 * (len - 1))));
      for (let k: u32 = 1; k < len; k++) store<u8>(p + k, 0x80 | ((c >> (6 * (len - 1 - k))) & 63));
    }
    n += len;
    i += units;
  }
  return ((<u64>i) << 32) | n;
}

// The upper-case hex digit of `d` (0..15).
function hexDigit(d: u32): u32 {
  return d < 10 ? 0x30 + d : 0x37 + d;
}

// An ArrayBuffer of `size` bytes, made without the constructor's check of its length (and the message that check
// carries in the image): the allocator stops the image with its own message for a size memory cannot hold.
function newBuffer(size: u32): ArrayBuffer {
  return changetype<ArrayBuffer>(__new(size, idof<ArrayBuffer>()));
}

/**
 * A response body of text, built piece by piece in UTF-8 and sent with `res.sendText(body)`. Pieces and numbers in
 * turn, or fields as a log line writes them (` key=value`):
 *
 *   new TextBody().text("ok").int("keys", n).text("\n")                // ok keys=12
 *
 * or a template with a `#` where each number goes, then the numbers in order:
 *
 *   new TextBody().template("ok uptime=#s open=#\n").num(s).num(n)    // ok uptime=5s open=3
 *
 * (one string for the whole line: an AssemblyScript string costs a header on top of two bytes a character). The
 * buffer grows as needed, from `capacity` bytes; building allocates nothing else.
 */
export class TextBody {
  /** The text so far: `length` bytes of UTF-8 from its start. */
  buffer: ArrayBuffer;
  /** Bytes written so far. */
  length: u32 = 0;
  private pattern: string = "";
  private patternAt: i32 = 0; // the index in `pattern` after the last `#` filled

  /** An empty body with room for `capacity` bytes before it grows. */
  constructor(capacity: u32 = 256) {
    this.buffer = newBuffer(max<u32>(capacity, 32));
  }

  /** Appends `s`, in UTF-8. */
  text(s: string): TextBody {
    return this.encode(s, 0, s.length);
  }

  /**
   * Appends `t` up to its first `#`. Then each `num` puts its number where the next `#` is and appends the text
   * after it, up to the following `#` or the end of `t`.
   */
  template(t: string): TextBody {
    this.pattern = t;
    this.patternAt = 0;
    return this.more();
  }

  /** Appends `value` in decimal (and, after `template`, the template's text up to its next `#`). */
  num(value: i64): TextBody {
    let p = this.room(DECIMAL_MAX + 1);
    if (value < 0) {
      store<u8>(p++, 0x2d); // -
      this.length++;
      value = -value;
    }
    this.length += writeDecimal(p, DECIMAL_MAX, <u64>value);
    return this.more();
  }

  /** Appends the field ` key=value` (a space first), `value` in decimal, as a log line writes one. */
  int(key: string, value: i64): TextBody {
    return this.byte(0x20).text(key).byte(0x3d).num(value);
  }

  /** Appends one byte (an ASCII character's code). */
  byte(c: u32): TextBody {
    store<u8>(this.room(1), c);
    this.length++;
    return this;
  }

  /** Appends the `len` bytes at `ptr` as they are (UTF-8). */
  bytes(ptr: usize, len: u32): TextBody {
    memory.copy(this.room(len), ptr, len);
    this.length += len;
    return this;
  }

  /**
   * Appends `bytes` percent-encoded (RFC 3986): unreserved characters (A-Z a-z 0-9 - . _ ~) and `/` as they are, every
   * other byte as `%XX`, so that any bytes (a key, a name) make one word of a path or a line.
   */
  percent(bytes: Uint8Array): TextBody {
    for (let i = 0, n = bytes.length; i < n; i++) {
      const c = <u32>bytes[i];
      if (isUnreserved(c)) this.byte(c);
      else
        this.byte(0x25)
          .byte(hexDigit(c >> 4))
          .byte(hexDigit(c & 15));
    }
    return this;
  }

  /** The text so far as a string (allocates). */
  toString(): string {
    return String.UTF8.decodeUnsafe(changetype<usize>(this.buffer), this.length);
  }

  // Appends the template's text from where it was left up to its next `#` (nothing without a template).
  private more(): TextBody {
    const t = this.pattern;
    const from = this.patternAt;
    let end = from;
    while (end < t.length && load<u16>(changetype<usize>(t) + ((<usize>end) << 1)) != 0x23) end++;
    this.patternAt = end + 1;
    return this.encode(t, from, end);
  }

  // Appends the characters of `s` from index `from` to `end`, in UTF-8.
  private encode(s: string, from: i32, end: i32): TextBody {
    const most = <u32>(end - from) * 3; // a UTF-16 unit takes at most 3 bytes (a pair of them 4)
    this.length += <u32>utf8Encode(s, from, end, this.room(most), most);
    return this;
  }

  // Where the next `n` bytes go, after growing the buffer if they do not fit.
  private room(n: u32): usize {
    let buf = this.buffer;
    const cap = <u32>buf.byteLength;
    if (this.length + n > cap) {
      const grown = newBuffer(max<u32>(cap << 1, this.length + n));
      memory.copy(changetype<usize>(grown), changetype<usize>(buf), this.length);
      this.buffer = buf = grown;
    }
    return changetype<usize>(buf) + this.length;
  }
}
