// Reading JSON text (RFC 8259) where it lies: a pull reader over bytes in memory (a request's body), one token
// at a time, with nothing copied until a string or a number is asked for.
//
//   const r = new JsonReader(req.bodyPtr, req.bodyLength);
//   let text: string | null = null;
//   if (r.next() == JsonToken.ObjectStart)
//     while (r.next() == JsonToken.Key) {
//       if (r.keyIs("text") && r.next() == JsonToken.String) text = r.string();
//       else r.skip();
//     }
//   if (!r.finish()) res.status(400).send(r.message); // JSON: expected ':' at byte 17
//
// Strict: exactly RFC 8259's grammar (no comments, no trailing commas, no leading zeros or `+`, no NaN, no
// single quotes, strings in valid UTF-8 without raw control characters, no lone surrogates in escapes, one
// value and only whitespace after it). The text may be at most `maxBytes` long and nest at most `maxDepth`
// objects and arrays. The first error stops the reader: `next()` returns `JsonToken.Error` from then on, and
// `message` says what and where, with the byte's offset from the start of the text (0 for the first byte).

/** What `JsonReader.next` read. */
export enum JsonToken {
  /** Nothing read yet. */
  None,
  /** `{`: the object's members follow, each a `Key` and its value, then `ObjectEnd`. */
  ObjectStart,
  /** `}` */
  ObjectEnd,
  /** `[`: the array's values follow, then `ArrayEnd`. */
  ArrayStart,
  /** `]` */
  ArrayEnd,
  /** A member's name (`string()`, `keyIs`); its value is the next token. */
  Key,
  /** A string value (`string()`). */
  String,
  /** A number (`number()`, `int()`, `isInt`). */
  Number,
  /** `true` */
  True,
  /** `false` */
  False,
  /** `null` */
  Null,
  /** The end of the text, after the one value (and whitespace). */
  End,
  /** The text is not JSON, or is beyond a limit: see `message` and `errorOffset`. */
  Error,
}

/** The default deepest nesting of objects and arrays. */
export const JSON_MAX_DEPTH: i32 = 64;
/** The default longest text, in bytes. */
export const JSON_MAX_BYTES: u32 = 1 << 20;

// What comes next.
const VALUE: u8 = 0; // a value (at the start, after ':' and after ',' in an array)
const FIRST_VALUE: u8 = 1; // a value or ']' (after '[')
const FIRST_KEY: u8 = 2; // a member name or '}' (after '{')
const KEY: u8 = 3; // a member name (after ',' in an object)
const COLON: u8 = 4; // ':' then a value (after a member name)
const AFTER: u8 = 5; // ',' or the closing bracket, or the end of the text at the top
const DONE: u8 = 6; // nothing: the end was read, or an error

// Why a text is refused: an index into REASONS.
const TOO_LONG = 0;
const EXPECTED_END = 1;
const EXPECTED_COMMA_OBJECT = 2;
const EXPECTED_COMMA_ARRAY = 3;
const EXPECTED_NAME = 4;
const EXPECTED_COLON = 5;
const TOO_DEEP = 6;
const UNEXPECTED_END = 7;
const EXPECTED_VALUE = 8;
const EXPECTED_DIGIT = 9;
const LEADING_ZERO = 10;
const CONTROL = 11;
const BAD_ESCAPE = 12;
const LONE_SURROGATE = 13;
const BAD_UTF8 = 14;
// The reasons in that order, one string (each literal costs a header in the image).
const REASONS =
  "the text is longer than the limit|expected the end of the text|expected ',' or '}'|expected ',' or ']'|" +
  "expected a member name|expected ':'|nested too deep|unexpected end of the text|expected a value|" +
  "expected a digit|a number cannot start with 0|a control character in a string|a bad escape|" +
  "a lone surrogate|bad UTF-8";

/** A pull reader over JSON text in memory: `next()` for each token, then `string()`, `number()` and the like. */
export class JsonReader {
  /** The deepest nesting of objects and arrays accepted (set before `reset`). */
  maxDepth: i32;
  /** The longest text accepted, in bytes (set before `reset`). */
  maxBytes: u32;
  /** The last token read. */
  token: JsonToken = JsonToken.None;
  /** Objects and arrays open around the current token. */
  depth: i32 = 0;
  /** The offset of the byte where the error was found, or -1. */
  errorOffset: i32 = -1;
  private why: i32 = -1; // the reason's index in REASONS

  private ptr: usize = 0;
  private len: u32 = 0;
  private pos: u32 = 0;
  private state: u8 = VALUE;
  private objects: StaticArray<u8> = new StaticArray<u8>(0); // 1 for an object at each depth, 0 for an array
  // The current string (without its quotes) or number: its offset and length, and what it holds.
  private start: u32 = 0;
  private length: u32 = 0;
  private escaped: bool = false; // a string with escapes (so not its bytes as they are)
  private integer: bool = false; // a number without fraction or exponent

  /** A reader of the `len` bytes at `ptr`, which must stay unchanged while it reads. */
  constructor(ptr: usize = 0, len: u32 = 0, maxDepth: i32 = JSON_MAX_DEPTH, maxBytes: u32 = JSON_MAX_BYTES) {
    this.maxDepth = maxDepth;
    this.maxBytes = maxBytes;
    this.reset(ptr, len);
  }

  /** A reader of the bytes of `data`. */
  static of(data: Uint8Array): JsonReader {
    return new JsonReader(data.dataStart, <u32>data.length);
  }

  /** Starts over on the `len` bytes at `ptr` (reusing the reader: nothing is allocated unless `maxDepth` grew). */
  reset(ptr: usize, len: u32): JsonReader {
    this.ptr = ptr;
    this.len = len;
    this.pos = 0;
    this.depth = 0;
    this.state = VALUE;
    this.token = JsonToken.None;
    this.errorOffset = -1;
    this.why = -1;
    if (this.objects.length < this.maxDepth) this.objects = new StaticArray<u8>(max(this.maxDepth, 0));
    if (len > this.maxBytes) this.fail(this.maxBytes, TOO_LONG);
    return this;
  }

  /** Whether the text was refused. */
  get failed(): bool {
    return this.errorOffset >= 0;
  }

  /** Why the text was refused ("expected ':'"), or "" (allocates). */
  get reason(): string {
    let from = 0;
    for (let k = 0; k < this.why; k++) from = REASONS.indexOf("|", from) + 1;
    const to = REASONS.indexOf("|", from);
    return this.why < 0 ? "" : REASONS.substring(from, to < 0 ? REASONS.length : to);
  }

  /** `JSON: <reason> at byte <offset>`, or "" while there is no error (allocates). */
  get message(): string {
    return this.why < 0 ? "" : "JSON: " + this.reason + " at byte " + this.errorOffset.toString();
  }

  /** Reads the next token. */
  next(): JsonToken {
    const state = this.state;
    if (state == DONE) return this.token;
    let c = this.skipSpace();
    const depth = this.depth;
    const object = depth > 0 && unchecked(this.objects[depth - 1]) != 0;
    if (depth > 0 && c == (object ? 0x7d : 0x5d) && (state == AFTER || state == (object ? FIRST_KEY : FIRST_VALUE))) {
      this.pos++;
      this.depth--;
      this.state = AFTER;
      return (this.token = object ? JsonToken.ObjectEnd : JsonToken.ArrayEnd);
    }
    if (state == AFTER) {
      if (depth == 0) {
        if (c >= 0) return this.fail(this.pos, EXPECTED_END);
        this.state = DONE;
        return (this.token = JsonToken.End);
      }
      if (c != 0x2c) return this.fail(this.pos, object ? EXPECTED_COMMA_OBJECT : EXPECTED_COMMA_ARRAY);
      this.pos++;
      this.state = object ? KEY : VALUE;
      c = this.skipSpace();
    }
    const now = this.state;
    if (now == FIRST_KEY || now == KEY) {
      if (c != 0x22) return this.fail(this.pos, EXPECTED_NAME);
      if (!this.scanString()) return JsonToken.Error;
      this.state = COLON;
      return (this.token = JsonToken.Key);
    }
    if (now == COLON) {
      if (c != 0x3a) return this.fail(this.pos, EXPECTED_COLON);
      this.pos++;
      c = this.skipSpace();
    }
    return this.value(c);
  }

  /** The current string or key, unescaped (allocates). "" for other tokens. */
  string(): string {
    const t = this.token;
    if (t != JsonToken.String && t != JsonToken.Key) return "";
    const p = this.ptr + this.start;
    const n = this.length;
    if (!this.escaped) return String.UTF8.decodeUnsafe(p, n);
    // Decoded into UTF-16 units (never more than the bytes), then copied into a string of that size. The escapes
    // and the UTF-8 were checked when the string was read.
    const units = new StaticArray<u16>(n);
    const start = changetype<usize>(units);
    let o = start;
    for (let i: u32 = 0; i < n;) {
      let c = <u32>load<u8>(p + i);
      if (c == 0x5c) {
        const e = <u32>load<u8>(p + i + 1);
        if (e == 0x75) {
          c = hex4(p + i + 2);
          i += 6;
        } else {
          c = e == 0x62 ? 8 : e == 0x66 ? 12 : e == 0x6e ? 10 : e == 0x72 ? 13 : e == 0x74 ? 9 : e;
          i += 2;
        }
      } else if (c < 0x80) i++;
      else if (c < 0xe0) {
        c = ((c & 0x1f) << 6) | (load<u8>(p + i + 1) & 0x3f);
        i += 2;
      } else if (c < 0xf0) {
        c = ((c & 0x0f) << 12) | ((load<u8>(p + i + 1) & 0x3f) << 6) | (load<u8>(p + i + 2) & 0x3f);
        i += 3;
      } else {
        c = ((c & 0x07) << 18) | ((load<u8>(p + i + 1) & 0x3f) << 12) | ((load<u8>(p + i + 2) & 0x3f) << 6);
        c = (c | (load<u8>(p + i + 3) & 0x3f)) - 0x10000;
        store<u16>(o, 0xd800 | (c >> 10));
        o += 2;
        c = 0xdc00 | (c & 0x3ff);
        i += 4;
      }
      store<u16>(o, c);
      o += 2;
    }
    return String.UTF16.decodeUnsafe(start, o - start);
  }

  /** Whether the current key (or string) is `name`, compared without allocating when it has no escapes. */
  keyIs(name: string): bool {
    const t = this.token;
    if (t != JsonToken.Key && t != JsonToken.String) return false;
    if (this.escaped) return this.string() == name;
    const n = this.length;
    if (<u32>String.UTF8.byteLength(name) != n) return false;
    const p = this.ptr + this.start;
    // ASCII names (the usual case) compare unit by unit; others through their UTF-8 bytes.
    for (let i: u32 = 0; i < n; i++) {
      const c = <u32>name.charCodeAt(i);
      if (c >= 0x80) return this.string() == name;
      if (c != <u32>load<u8>(p + i)) return false;
    }
    return true;
  }

  /** The current number as an f64 (the nearest; a magnitude past f64's range is an infinity). 0 for other tokens. */
  number(): f64 {
    if (this.token != JsonToken.Number) return 0;
    if (this.integer && this.length <= 15) return <f64>this.int(); // exact
    return parseFloat(String.UTF8.decodeUnsafe(this.ptr + this.start, this.length));
  }

  /**
   * Whether the current number is an integer that fits in an i64, so that `int()` is exact: written without
   * fraction or exponent, or with them but integral (`1.0`, `2e3`) and within 2^53.
   */
  get isInt(): bool {
    if (this.token != JsonToken.Number) return false;
    if (this.integer) return this.parseInt(true);
    const v = this.number();
    return v == Math.trunc(v) && Math.abs(v) <= 9007199254740992;
  }

  /** The current number as an i64: exact when `isInt`; else truncated from `number()` (NaN as 0, saturated). */
  int(): i64 {
    if (this.token != JsonToken.Number) return 0;
    if (this.integer && this.parseInt(true)) {
      this.parseInt(false);
      return this.parsed;
    }
    const v = this.number();
    return v != v ? 0 : v >= 9.223372036854776e18 ? i64.MAX_VALUE : v <= -9.223372036854776e18 ? i64.MIN_VALUE : <i64>v;
  }

  /** Whether the current token is `true`. */
  bool(): bool {
    return this.token == JsonToken.True;
  }

  /** Address of the current string's bytes (between its quotes, escapes as written) or the number's text. */
  get rawPtr(): usize {
    return this.ptr + this.start;
  }

  /** Length of those bytes. */
  get rawLength(): u32 {
    return this.length;
  }

  /**
   * Skips a value: after a `Key` (or before the first token), the value that follows; after `ObjectStart` or
   * `ArrayStart`, the rest of that object or array, through its end; after a string, number, `true`, `false` or
   * `null`, nothing (it was read whole). False on an error, or when no value came (the end of an object, array
   * or text).
   */
  skip(): bool {
    let t = this.token;
    if (t == JsonToken.Key || t == JsonToken.None) t = this.next();
    if (t == JsonToken.ObjectStart || t == JsonToken.ArrayStart) {
      const depth = this.depth - 1;
      while (this.depth > depth) if (this.next() == JsonToken.Error) return false;
    }
    return t != JsonToken.Error && t != JsonToken.End && t != JsonToken.ObjectEnd && t != JsonToken.ArrayEnd;
  }

  /**
   * In an object (just after `ObjectStart`, or after a member's value): reads members until the one named
   * `name`, skipping the others' values, and returns true with its value next (call `next()`). False at the
   * object's end (the `ObjectEnd` read) or on an error.
   */
  member(name: string): bool {
    while (this.next() == JsonToken.Key) {
      if (this.keyIs(name)) return true;
      if (!this.skip()) return false;
    }
    return false;
  }

  /** Reads through to the end of the text; true if all of it is JSON within the limits. */
  finish(): bool {
    let t = this.next();
    while (t != JsonToken.End && t != JsonToken.Error) t = this.next();
    return t == JsonToken.End;
  }

  // ---- scanning ---------------------------------------------------------------------------------------------

  private parsed: i64 = 0;

  // Parses the current integer's digits; with `check`, only says whether it fits in an i64.
  private parseInt(check: bool): bool {
    const p = this.ptr + this.start;
    const n = this.length;
    const negative = load<u8>(p) == 0x2d;
    let v: u64 = 0;
    for (let i: u32 = negative ? 1 : 0; i < n; i++) {
      const d = <u64>(load<u8>(p + i) - 0x30);
      if (v > (<u64>i64.MAX_VALUE + (negative ? 1 : 0) - d) / 10) return false;
      v = v * 10 + d;
    }
    if (!check) this.parsed = negative ? -(<i64>v) : <i64>v;
    return true;
  }

  // The byte at the position after whitespace, or -1 at the end of the text.
  private skipSpace(): i32 {
    const p = this.ptr;
    const n = this.len;
    let i = this.pos;
    while (i < n) {
      const c = <i32>load<u8>(p + i);
      if (c != 0x20 && c != 0x0a && c != 0x0d && c != 0x09) {
        this.pos = i;
        return c;
      }
      i++;
    }
    this.pos = i;
    return -1;
  }

  // A value starting with byte `c` at the position.
  private value(c: i32): JsonToken {
    const at = this.pos;
    if (c == 0x7b || c == 0x5b) {
      if (this.depth >= this.maxDepth) return this.fail(at, TOO_DEEP);
      unchecked((this.objects[this.depth++] = c == 0x7b ? 1 : 0));
      this.pos++;
      this.state = c == 0x7b ? FIRST_KEY : FIRST_VALUE;
      return (this.token = c == 0x7b ? JsonToken.ObjectStart : JsonToken.ArrayStart);
    }
    this.state = AFTER;
    if (c == 0x22) return this.scanString() ? (this.token = JsonToken.String) : JsonToken.Error;
    if (c == 0x2d || <u32>(c - 0x30) < 10) return this.scanNumber();
    if (c == 0x74 && this.word("true")) return (this.token = JsonToken.True);
    if (c == 0x66 && this.word("false")) return (this.token = JsonToken.False);
    if (c == 0x6e && this.word("null")) return (this.token = JsonToken.Null);
    return this.fail(at, c < 0 ? UNEXPECTED_END : EXPECTED_VALUE);
  }

  // Whether the literal `w` (ASCII) is at the position; moves past it if so.
  private word(w: string): bool {
    const n = <u32>w.length;
    if (this.len - this.pos < n) return false;
    for (let i: u32 = 0; i < n; i++) if (<u32>load<u8>(this.ptr + this.pos + i) != <u32>w.charCodeAt(i)) return false;
    this.pos += n;
    return true;
  }

  // A number at the position: -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?
  private scanNumber(): JsonToken {
    const p = this.ptr;
    const n = this.len;
    const start = this.pos;
    let i = start;
    if (load<u8>(p + i) == 0x2d) i++;
    const first = i;
    while (i < n && <u32>(load<u8>(p + i) - 0x30) < 10) i++;
    if (i == first) return this.fail(i, EXPECTED_DIGIT);
    if (load<u8>(p + first) == 0x30 && i > first + 1) return this.fail(first, LEADING_ZERO);
    let integer = true;
    if (i < n && load<u8>(p + i) == 0x2e) {
      const digits = ++i;
      while (i < n && <u32>(load<u8>(p + i) - 0x30) < 10) i++;
      if (i == digits) return this.fail(i, EXPECTED_DIGIT);
      integer = false;
    }
    if (i < n && (load<u8>(p + i) | 0x20) == 0x65) {
      i++;
      if (i < n && (load<u8>(p + i) == 0x2b || load<u8>(p + i) == 0x2d)) i++;
      const digits = i;
      while (i < n && <u32>(load<u8>(p + i) - 0x30) < 10) i++;
      if (i == digits) return this.fail(i, EXPECTED_DIGIT);
      integer = false;
    }
    this.start = start;
    this.length = i - start;
    this.integer = integer;
    this.pos = i;
    return (this.token = JsonToken.Number);
  }

  // A string at the position (its opening quote): checks its escapes and UTF-8 and moves past its closing quote.
  private scanString(): bool {
    const p = this.ptr;
    const n = this.len;
    let i = this.pos + 1;
    this.start = i;
    let escaped = false;
    for (;;) {
      if (i >= n) return this.refuse(i, UNEXPECTED_END);
      const c = <u32>load<u8>(p + i);
      if (c == 0x22) break;
      if (c < 0x20) return this.refuse(i, CONTROL);
      if (c == 0x5c) {
        escaped = true;
        const e = i + 1 < n ? <u32>load<u8>(p + i + 1) : 0;
        if (e == 0x75) {
          const unit = i + 6 <= n ? hex4(p + i + 2) : -1;
          if (unit < 0) return this.refuse(i, BAD_ESCAPE);
          if (<u32>(unit - 0xdc00) < 0x400) return this.refuse(i, LONE_SURROGATE);
          if (<u32>(unit - 0xd800) < 0x400) {
            // A high surrogate: a low one must follow, as \uDC00..\uDFFF.
            const low =
              i + 12 <= n && load<u8>(p + i + 6) == 0x5c && load<u8>(p + i + 7) == 0x75 ? hex4(p + i + 8) : -1;
            if (<u32>(low - 0xdc00) >= 0x400) return this.refuse(i, LONE_SURROGATE);
            i += 6;
          }
          i += 6;
        } else if (
          e == 0x22 ||
          e == 0x5c ||
          e == 0x2f ||
          e == 0x62 ||
          e == 0x66 ||
          e == 0x6e ||
          e == 0x72 ||
          e == 0x74
        ) {
          i += 2;
        } else return this.refuse(i, BAD_ESCAPE);
        continue;
      }
      if (c < 0x80) {
        i++;
        continue;
      }
      // UTF-8: a lead byte, then its continuation bytes; no overlong forms, no surrogates, nothing past U+10FFFF.
      const more: u32 = c >= 0xc2 && c <= 0xdf ? 1 : c >= 0xe0 && c <= 0xef ? 2 : c >= 0xf0 && c <= 0xf4 ? 3 : 0;
      if (more == 0 || i + more >= n) return this.refuse(i, BAD_UTF8);
      const c1 = <u32>load<u8>(p + i + 1);
      const lo: u32 = c == 0xe0 ? 0xa0 : c == 0xf0 ? 0x90 : 0x80;
      const hi: u32 = c == 0xed ? 0x9f : c == 0xf4 ? 0x8f : 0xbf;
      let ok = c1 >= lo && c1 <= hi;
      for (let k: u32 = 2; k <= more; k++) ok = ok && (load<u8>(p + i + k) & 0xc0) == 0x80;
      if (!ok) return this.refuse(i, BAD_UTF8);
      i += 1 + more;
    }
    this.length = i - this.start;
    this.escaped = escaped;
    this.pos = i + 1;
    return true;
  }

  // Stops the reader with an error at byte `at`; false.
  private refuse(at: u32, why: i32): bool {
    this.fail(at, why);
    return false;
  }

  // Stops the reader with an error at byte `at`.
  private fail(at: u32, why: i32): JsonToken {
    if (this.errorOffset < 0) {
      this.errorOffset = <i32>at;
      this.why = why;
    }
    this.state = DONE;
    return (this.token = JsonToken.Error);
  }
}

// The value of 4 hexadecimal digits at `p`, or -1 if they are not.
function hex4(p: usize): i32 {
  let v = 0;
  for (let i = 0; i < 4; i++) {
    const c = <i32>load<u8>(p + i);
    const d = <u32>(c - 0x30) < 10 ? c - 0x30 : <u32>((c | 0x20) - 0x61) < 6 ? (c | 0x20) - 0x57 : -1;
    if (d < 0) return -1;
    v = (v << 4) | d;
  }
  return v;
}
