// A request head (request line and header fields) in a buffer it owns, with spans into it and the framing it implies.
//
// The parser copies the head's bytes here as they arrive; each complete line is checked and recorded as spans
// (offsets into `buf`), so lookups allocate nothing. The layout of the header table, per field:
//
//   table[4*i .. 4*i+4] = [name offset, name length, value offset, value length]   (value trimmed of OWS)

import {
  bytesEqual,
  bytesEqualNoCase,
  isFieldByte,
  isHostByte,
  isOws,
  isTargetByte,
  isTchar,
  listCount,
  SP,
  unitsEqual,
} from "./chars";
import {
  CHUNKED,
  CHUNKED_LENGTH,
  CLOSE,
  CLOSE_LENGTH,
  CONNECTION,
  CONNECTION_LENGTH,
  CONTENT_LENGTH,
  CONTENT_LENGTH_LENGTH,
  HOST,
  HOST_LENGTH,
  HTTP,
  HTTP_LENGTH,
  KEEP_ALIVE,
  KEEP_ALIVE_LENGTH,
  Method,
  METHOD_NAMES,
  TRANSFER_ENCODING,
  TRANSFER_ENCODING_LENGTH,
} from "./tables";

export { Method } from "./tables";

const U64_MAX: u64 = 0xffff_ffff_ffff_ffff;

/** Address of the length byte of `m`'s name in the data segment, the name (ASCII) following it; for
 * `Method.Other` (or a value out of range), a zero length byte. */
export function methodNameAt(m: Method): usize {
  let p = METHOD_NAMES;
  // Method.Other and values out of range walk the whole table, to the zero that ends it.
  for (let k = <i32>m - 1; k != 0 && load<u8>(p) != 0; k--) p += 1 + <usize>load<u8>(p);
  return p;
}

/** The request line and header fields of one request, as spans into a fixed buffer. */
export class RequestHead {
  /** The head's bytes, request line first (capacity: the header-bytes limit). */
  readonly buf: StaticArray<u8>;
  /** Bytes of `buf` in use. */
  len: u32 = 0;
  /** The header table: four u32 per field (see the file comment). */
  readonly table: StaticArray<u32>;
  /** Number of header fields recorded. */
  count: i32 = 0;
  /** The method, or `Method.Other`. */
  method: Method = Method.Other;
  /** Offset and length of the method token in `buf`. */
  methodStart: u32 = 0;
  /** Length of the method token. */
  methodLen: u32 = 0;
  /** Offset of the request target in `buf`. */
  targetStart: u32 = 0;
  /** Length of the request target. */
  targetLen: u32 = 0;
  /** 10 for HTTP/1.0, 11 for HTTP/1.1. */
  version: u32 = 11;
  /** Whether a Content-Length field was present (then `contentLength` is its value). */
  hasContentLength: bool = false;
  /** The body length given by Content-Length. */
  contentLength: u64 = 0;
  /** Whether the body is chunked (Transfer-Encoding: chunked). */
  chunked: bool = false;
  /** Whether the connection stays open after this request (version default, Connection field). */
  keepAlive: bool = true;
  private hosts: u32 = 0;
  private codings: u32 = 0; // Transfer-Encoding elements seen
  private chunkedCodings: u32 = 0;
  private chunkedLast: bool = false; // whether the last coding is chunked
  private connClose: bool = false;

  /** A head of at most `maxBytes` bytes and `maxFields` header fields. */
  constructor(maxBytes: u32, maxFields: u32) {
    this.buf = new StaticArray<u8>(<i32>maxBytes);
    this.table = new StaticArray<u32>(<i32>maxFields * 4);
  }

  /** Address of `buf`'s first byte. */
  @inline get base(): usize {
    return changetype<usize>(this.buf);
  }

  /** Forgets the previous request; allocates nothing. */
  reset(): void {
    this.len = 0;
    this.count = 0;
    this.method = Method.Other;
    this.methodStart = this.methodLen = this.targetStart = this.targetLen = 0;
    this.version = 11;
    this.hasContentLength = false;
    this.contentLength = 0;
    this.chunked = false;
    this.keepAlive = true;
    this.hosts = this.codings = this.chunkedCodings = 0;
    this.connClose = this.chunkedLast = false;
  }

  /** Whether the method is exactly `name` (methods are case-sensitive). */
  methodIs(name: string): bool {
    return bytesEqual(this.base + this.methodStart, this.methodLen, name);
  }

  /** Address of the request target's first byte. */
  targetPtr(): usize {
    return this.base + this.targetStart;
  }

  /** Length of the target's path: the target up to its first `?` (or all of it). */
  pathLen(): u32 {
    const p = this.targetPtr();
    for (let i: u32 = 0; i < this.targetLen; i++) if (load<u8>(p + i) == 0x3f) return i;
    return this.targetLen;
  }

  /** Whether the target's path (before any `?`) is exactly `path`. */
  pathIs(path: string): bool {
    return bytesEqual(this.targetPtr(), this.pathLen(), path);
  }

  /** The request target as a string (allocates; for logs and handlers, not the data path). */
  target(): string {
    return String.UTF8.decodeUnsafe(this.targetPtr(), this.targetLen);
  }

  /** Address of field `i`'s name. */
  namePtr(i: i32): usize {
    return this.base + load<u32>(this.entry(i));
  }
  /** Length of field `i`'s name. */
  nameLen(i: i32): u32 {
    return load<u32>(this.entry(i), 4);
  }
  /** Address of field `i`'s value (trimmed of surrounding whitespace). */
  valuePtr(i: i32): usize {
    return this.base + load<u32>(this.entry(i), 8);
  }
  /** Length of field `i`'s value. */
  valueLen(i: i32): u32 {
    return load<u32>(this.entry(i), 12);
  }

  // Address of field `i`'s four u32 in the table.
  @inline private entry(i: i32): usize {
    return changetype<usize>(this.table) + ((<usize>i) << 4);
  }

  /** Whether field `i`'s name is `name`, ignoring case. */
  nameIs(i: i32, name: string): bool {
    return bytesEqualNoCase(this.namePtr(i), this.nameLen(i), name);
  }

  /** Whether field `i`'s value is `value`, ignoring case. */
  valueIs(i: i32, value: string): bool {
    return bytesEqualNoCase(this.valuePtr(i), this.valueLen(i), value);
  }

  /** Index of the first field named `name` (any case) at or after `from`, or -1. */
  find(name: string, from: i32 = 0): i32 {
    return this.findUnits(changetype<usize>(name), <u32>name.length, true, from);
  }

  /** `find` for a name of `len` bytes at `name` (a data-segment table's, say). */
  findBytes(name: usize, len: u32, from: i32 = 0): i32 {
    return this.findUnits(name, len, false, from);
  }

  /** Whether any field named `name` lists `token` among its comma-separated elements, ignoring case. */
  hasToken(name: string, token: string): bool {
    return this.hasUnits(changetype<usize>(name), <u32>name.length, changetype<usize>(token), <u32>token.length, true);
  }

  /** `hasToken` for byte strings: the name of `nameLen` bytes at `name`, the token of `tokenLen` at `token`. */
  hasTokenBytes(name: usize, nameLen: u32, token: usize, tokenLen: u32): bool {
    return this.hasUnits(name, nameLen, token, tokenLen, false);
  }

  // `find` for the name of `n` units at `q` (see `unitsEqual`).
  private findUnits(q: usize, n: u32, wide: bool, from: i32): i32 {
    for (let i = from; i < this.count; i++)
      if (unitsEqual(this.namePtr(i), this.nameLen(i), q, n, wide, true)) return i;
    return -1;
  }

  // `hasToken` for units (see `unitsEqual`).
  private hasUnits(name: usize, nameLen: u32, token: usize, tokenLen: u32, wide: bool): bool {
    for (let i = this.findUnits(name, nameLen, wide, 0); i >= 0; i = this.findUnits(name, nameLen, wide, i + 1)) {
      if (<u32>listCount(this.valuePtr(i), this.valueLen(i), token, tokenLen, wide)) return true;
    }
    return false;
  }

  /** The value of the first field named `name` as a string, or null (allocates). */
  value(name: string): string | null {
    const i = this.find(name);
    return i < 0 ? null : String.UTF8.decodeUnsafe(this.valuePtr(i), this.valueLen(i));
  }

  /** Checks the request line in `buf[start, end)` (no line ending); 0, or the status to answer. */
  requestLine(start: u32, end: u32, maxUri: u32): u32 {
    const p = this.base;
    let i = start;
    while (i < end && isTchar(load<u8>(p + i))) i++;
    if (i == start || i == end || load<u8>(p + i) != SP) return 400;
    if (i - start > maxUri) return 400; // a method longer than the URI limit, as the parser judges a partial line
    this.methodStart = start;
    this.methodLen = i - start;
    this.method = this.recognise();
    const t = ++i;
    while (i < end && isTargetByte(load<u8>(p + i))) i++;
    if (i - t > maxUri) return 414;
    if (i == t || i == end || load<u8>(p + i) != SP) return 400;
    this.targetStart = t;
    this.targetLen = i - t;
    const c = load<u8>(p + t);
    if (c != 0x2f) {
      // Not origin-form (RFC 9112 §3.2): asterisk-form for OPTIONS, or absolute-form, routed by its path.
      if (c == 0x2a && i - t == 1) {
        if (this.method != Method.Options) return 400;
      } else {
        // "http" or "https" (any case), "://", the authority up to the path or query.
        let k = t + HTTP_LENGTH;
        if (!unitsEqual(p + t, HTTP_LENGTH, HTTP, HTTP_LENGTH, false, true)) return 400;
        if ((load<u8>(p + k) | 0x20) == 0x73) k++; // s
        if (k + 3 > i || load<u16>(p + k) != 0x2f3a || load<u8>(p + k + 2) != 0x2f) return 400;
        k += 3;
        while (k < i && load<u8>(p + k) != 0x2f && load<u8>(p + k) != 0x3f) k++;
        this.targetStart = k;
        this.targetLen = i - k;
      }
    }
    const v = p + i + 1;
    // "HTTP/" DIGIT "." DIGIT: the 8 bytes, digits masked out, little-endian.
    if (end - i - 1 != 8 || (load<u64>(v) & 0x00ff_00ff_ffff_ffff) != 0x002e_002f_5054_5448) return 400;
    const major = <u32>load<u8>(v + 5) - 0x30;
    const minor = <u32>load<u8>(v + 7) - 0x30;
    if (major > 9 || minor > 9) return 400;
    if (major != 1 || minor > 1) return 505;
    this.version = 10 + minor;
    this.keepAlive = minor != 0; // HTTP/1.0 closes unless a Connection field says keep-alive
    return 0;
  }

  /** Checks the header field in `buf[start, end)` and records it; 0, or the status to answer. */
  field(start: u32, end: u32, maxFields: u32): u32 {
    const p = this.base;
    let i = start;
    while (i < end && isTchar(load<u8>(p + i))) i++;
    // A line starting with whitespace is obs-fold (or a field before the first); SP before ':' is forbidden.
    if (i == start || i == end || load<u8>(p + i) != 0x3a) return 400;
    const nameEnd = i++;
    while (i < end && isOws(load<u8>(p + i))) i++;
    let e = end;
    while (e > i && isOws(load<u8>(p + e - 1))) e--;
    for (let j = i; j < e; j++) if (!isFieldByte(load<u8>(p + j))) return 400;
    if (<u32>this.count >= maxFields) return 431;
    const t = this.entry(this.count++);
    store<u32>(t, start);
    store<u32>(t, nameEnd - start, 4);
    store<u32>(t, i, 8);
    store<u32>(t, e - i, 12);
    return this.framingField(this.count - 1);
  }

  /** Decides the framing and keep-alive once the head is complete; 0, or the status to answer. */
  finish(): u32 {
    if (this.hosts > 1 || (this.version == 11 && this.hosts == 0)) return 400;
    if (this.connClose) this.keepAlive = false;
    if (this.codings > 0) {
      if (this.version == 10 || this.hasContentLength) return 400; // RFC 9112 §6.1, §6.3: smuggling risks
      // chunked must be the last coding, and only once (§6.3); other codings are not implemented.
      if (this.chunkedCodings > <u32>this.chunkedLast) return 400;
      if (this.codings != this.chunkedCodings) return 501;
      this.chunked = true;
    }
    return 0;
  }

  // Notes what field `i` says about framing (Content-Length, Transfer-Encoding), Host and Connection.
  private framingField(i: i32): u32 {
    const name = this.namePtr(i);
    const len = this.nameLen(i);
    const p = this.valuePtr(i);
    const n = this.valueLen(i);
    if (unitsEqual(name, len, HOST, HOST_LENGTH, false, true)) {
      this.hosts++;
      for (let k: u32 = 0; k < n; k++) if (!isHostByte(load<u8>(p + k))) return 400; // RFC 9112 §3.2
    } else if (unitsEqual(name, len, CONNECTION, CONNECTION_LENGTH, false, true)) {
      if (<u32>listCount(p, n, CLOSE, CLOSE_LENGTH, false)) this.connClose = true;
      if (<u32>listCount(p, n, KEEP_ALIVE, KEEP_ALIVE_LENGTH, false)) this.keepAlive = true; // (for HTTP/1.0)
    } else if (unitsEqual(name, len, CONTENT_LENGTH, CONTENT_LENGTH_LENGTH, false, true))
      return this.contentLengthField(p, n);
    else if (unitsEqual(name, len, TRANSFER_ENCODING, TRANSFER_ENCODING_LENGTH, false, true)) {
      // Transfer-Encoding: counts the codings and which of them are chunked; finish() judges them.
      const count = listCount(p, n, CHUNKED, CHUNKED_LENGTH, false);
      const codings = <u32>(count >>> 32);
      if (!codings) return 400;
      this.codings += codings;
      this.chunkedCodings += (<u32>count) & 0x7fff_ffff;
      this.chunkedLast = (<u32>count) >> 31 != 0;
    }
    return 0;
  }

  // Content-Length: 1*DIGIT, or a list of identical values ("5, 5"); anything else, or a conflict, is 400.
  private contentLengthField(p: usize, n: u32): u32 {
    let j: u32 = 0;
    do {
      while (j < n && isOws(load<u8>(p + j))) j++;
      const d = j;
      let v: u64 = 0;
      while (j < n) {
        const c = <u32>load<u8>(p + j) - 0x30;
        if (c > 9) break;
        if (v > (U64_MAX - c) / 10) return 400; // does not fit in 64 bits
        v = v * 10 + c;
        j++;
      }
      if (j == d) return 400;
      while (j < n && isOws(load<u8>(p + j))) j++;
      if (j < n && load<u8>(p + j) != 0x2c) return 400;
      if (this.hasContentLength && v != this.contentLength) return 400;
      this.hasContentLength = true;
      this.contentLength = v;
    } while (j++ < n);
    return 0;
  }

  private recognise(): Method {
    const p = this.base + this.methodStart;
    let q = METHOD_NAMES;
    let m = <i32>Method.Get;
    for (let k = <u32>load<u8>(q); k != 0; k = load<u8>(q)) {
      if (unitsEqual(p, this.methodLen, q + 1, k, false, false)) return <Method>m;
      q += 1 + k;
      m++;
    }
    return Method.Other;
  }
}
