// Writing an HTTP/1.1 response head and chunked-body framing into caller-given buffers, without allocating.
//
//   HTTP/1.1 200 OK\r\n                 begin(ptr, cap, 200)
//   Content-Type: text/plain\r\n        header("Content-Type", "text/plain")
//   Content-Length: 2\r\n               contentLength(2)   (or chunked(): Transfer-Encoding: chunked)
//   Connection: close\r\n               close()            (or keepAlive() for an HTTP/1.0 client)
//   \r\n                                end() -> bytes written, or 0 if they did not fit or a field was invalid

import { isFieldByte, isTchar } from "./chars";
import {
  CONNECTION_CLOSE,
  CONNECTION_CLOSE_LENGTH,
  CONNECTION_KEEP_ALIVE,
  CONNECTION_KEEP_ALIVE_LENGTH,
  CONTENT_LENGTH_FIELD,
  CONTENT_LENGTH_FIELD_LENGTH,
  HTTP_1_1,
  HTTP_1_1_LENGTH,
  TRANSFER_CHUNKED,
  TRANSFER_CHUNKED_LENGTH,
} from "./tables";
import { writeReason } from "./status";
import { writeDecimal } from "./text";

/** Bytes of the longest chunk header `writeChunkHeader` writes: 8 hex digits and CRLF. */
export const CHUNK_HEADER_MAX: u32 = 10;
/** Bytes `writeChunkEnd` writes: the CRLF after a chunk's data. */
export const CHUNK_END_LEN: u32 = 2;
/** Bytes `writeLastChunk` writes: `0\r\n\r\n`. */
export const LAST_CHUNK_LEN: u32 = 5;

/** Writes one response head into a buffer; a call that does not fit, or a bad field, makes `end` return 0. */
export class ResponseWriter {
  private ptr: usize = 0;
  private cap: u32 = 0;
  /** Bytes written so far. */
  len: u32 = 0;
  /** Whether something did not fit or was not a valid field (the head is then unusable). */
  failed: bool = false;

  /** Starts a head at `ptr` (at most `cap` bytes) with the status line `HTTP/1.1 <status> <reason>`. */
  begin(ptr: usize, cap: u32, status: u32): ResponseWriter {
    this.ptr = ptr;
    this.cap = cap;
    this.len = 0;
    this.failed = status < 100 || status > 999;
    this.raw(HTTP_1_1, HTTP_1_1_LENGTH);
    this.decimal(status);
    this.byte(0x20);
    const n = writeReason(status, this.ptr + this.len, this.cap - this.len);
    if (this.len + n > this.cap) this.failed = true;
    else this.len += n;
    this.crlf();
    return this;
  }

  /** Starts writing header fields at `ptr` (at most `cap` bytes) with no status line (the server adds it last). */
  fields(ptr: usize, cap: u32): ResponseWriter {
    this.ptr = ptr;
    this.cap = cap;
    this.len = 0;
    this.failed = false;
    return this;
  }

  /** Adds `name: value`; the name must be a token and the value printable ASCII (no CR/LF: no injection). */
  header(name: string, value: string): ResponseWriter {
    return this.name(changetype<usize>(name), <u32>name.length, true).value(
      changetype<usize>(value),
      <u32>value.length,
      true,
    );
  }

  /** Adds `name: ` and the `len` bytes at `ptr` as the value (checked as `header` checks it). */
  headerBytes(name: string, ptr: usize, len: u32): ResponseWriter {
    return this.name(changetype<usize>(name), <u32>name.length, true).value(ptr, len, false);
  }

  /** Adds a field whose name is the `nameLen` bytes at `namePtr` and whose value the `len` bytes at `ptr` (checked as `header` checks them). */
  fieldBytes(namePtr: usize, nameLen: u32, ptr: usize, len: u32): ResponseWriter {
    return this.name(namePtr, nameLen, false).value(ptr, len, false);
  }

  /** Adds `name: <value in decimal>`. */
  headerNumber(name: string, value: u64): ResponseWriter {
    this.name(changetype<usize>(name), <u32>name.length, true);
    this.decimal(value);
    this.crlf();
    return this;
  }

  /** Adds `Content-Length: n`. */
  contentLength(n: u64): ResponseWriter {
    this.raw(CONTENT_LENGTH_FIELD, CONTENT_LENGTH_FIELD_LENGTH);
    this.decimal(n);
    this.crlf();
    return this;
  }

  /** Adds `Transfer-Encoding: chunked`; then write the body with the chunk helpers below. */
  chunked(): ResponseWriter {
    this.raw(TRANSFER_CHUNKED, TRANSFER_CHUNKED_LENGTH);
    return this;
  }

  /** Adds `Connection: close`: the server closes after this response. */
  close(): ResponseWriter {
    this.raw(CONNECTION_CLOSE, CONNECTION_CLOSE_LENGTH);
    return this;
  }

  /** Adds `Connection: keep-alive`, which an HTTP/1.0 client needs to keep the connection. */
  keepAlive(): ResponseWriter {
    this.raw(CONNECTION_KEEP_ALIVE, CONNECTION_KEEP_ALIVE_LENGTH);
    return this;
  }

  /**
   * Adds the framing and connection fields: `Content-Length` if `length >= 0`, else chunked (for an HTTP/1.1
   * request; an HTTP/1.0 client gets neither and the body ends when the server closes); then `Connection: close`
   * if the connection will not be kept, or `Connection: keep-alive` if it will be for an HTTP/1.0 client.
   * Returns whether the connection is kept (false also for a length-less body to HTTP/1.0).
   */
  framing(length: i64, keepAlive: bool, requestVersion: u32 = 11): bool {
    if (length >= 0) this.contentLength(<u64>length);
    else if (requestVersion >= 11) this.chunked();
    else keepAlive = false;
    if (!keepAlive) this.close();
    else if (requestVersion < 11) this.keepAlive();
    return keepAlive;
  }

  /** Ends the head with the empty line; returns its length in bytes, or 0 if it failed. */
  end(): u32 {
    this.crlf();
    return this.failed ? 0 : this.len;
  }

  // Appends a field's name, the `n` units at `q` (bytes, or a string's UTF-16 code units if `wide`), checked as a
  // token, and ": ".
  private name(q: usize, n: u32, wide: bool): ResponseWriter {
    if (n == 0) this.failed = true;
    this.units(q, n, wide, true);
    this.byte(0x3a);
    this.byte(0x20);
    return this;
  }

  // Appends a field's value, the `n` units at `q` (see `name`), checked as printable ASCII, and the CRLF that ends
  // the field.
  private value(q: usize, n: u32, wide: bool): ResponseWriter {
    this.units(q, n, wide, false);
    this.crlf();
    return this;
  }

  // Appends the `n` units at `q` (see `name`) if each is a tchar (`token`) or printable ASCII; else the head fails.
  private units(q: usize, n: u32, wide: bool, token: bool): void {
    for (let i: u32 = 0; i < n; i++) {
      const c = wide ? <u32>load<u16>(q + (i << 1)) : <u32>load<u8>(q + i);
      if (token ? !isTchar(c) : c > 0x7e || !isFieldByte(c)) this.failed = true;
      else this.byte(c);
    }
  }

  // Copies the `n` bytes at `src` (a line or part of one known to be valid).
  private raw(src: usize, n: u32): void {
    if (this.len + n > this.cap) this.failed = true;
    else {
      memory.copy(this.ptr + this.len, src, n);
      this.len += n;
    }
  }

  private decimal(v: u64): void {
    const n = writeDecimal(this.ptr + this.len, this.cap - this.len, v);
    if (n == 0) this.failed = true;
    this.len += n;
  }

  private crlf(): void {
    this.byte(0x0d);
    this.byte(0x0a);
  }

  private byte(c: u32): void {
    if (this.len < this.cap) store<u8>(this.ptr + this.len++, <u8>c);
    else this.failed = true;
  }
}

/** Writes the chunk header for `size` data bytes (`<hex size>\r\n`) at `ptr`; returns its length, or 0 if over `cap`. */
export function writeChunkHeader(ptr: usize, cap: u32, size: u32): u32 {
  let digits: u32 = 1;
  for (let t = size; t >= 16; t >>= 4) digits++;
  if (digits + 2 > cap) return 0;
  for (let k = digits; k > 0; k--) {
    const d = size & 15;
    store<u8>(ptr + k - 1, <u8>(d < 10 ? 0x30 + d : 0x57 + d)); // lower-case hex
    size >>= 4;
  }
  store<u16>(ptr + digits, 0x0a0d); // "\r\n"
  return digits + 2;
}

/** Writes the CRLF that follows a chunk's data; returns 2, or 0 if over `cap`. */
export function writeChunkEnd(ptr: usize, cap: u32): u32 {
  if (cap < CHUNK_END_LEN) return 0;
  store<u16>(ptr, 0x0a0d);
  return CHUNK_END_LEN;
}

/** Writes the last chunk and the empty trailer section (`0\r\n\r\n`); returns 5, or 0 if over `cap`. */
export function writeLastChunk(ptr: usize, cap: u32): u32 {
  if (cap < LAST_CHUNK_LEN) return 0;
  store<u32>(ptr, 0x0d0a0d30); // "0\r\n\r", little-endian
  store<u8>(ptr + 4, 0x0a);
  return LAST_CHUNK_LEN;
}

/** Bytes of framing around a chunk of `size` data bytes: its header and the CRLF after the data. */
export function chunkOverhead(size: u32): u32 {
  let digits: u32 = 1;
  for (let t = size; t >= 16; t >>= 4) digits++;
  return digits + 2 + CHUNK_END_LEN;
}
