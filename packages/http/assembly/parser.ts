// An incremental HTTP/1.1 request parser: fed a connection's bytes as they arrive, it reports heads, body spans and ends.
//
// Per request it reports `Head` once, then `Body` zero or more times, then `Complete`; a feed may stop early (it
// returns how much it consumed) so the caller can act, and is then called again with the rest. The head is copied
// into a buffer the parser owns (so it may arrive split anywhere); body bytes are never copied: `bodyPtr`/`bodyLen`
// point into the caller's bytes and are valid until the next feed. Nothing is allocated after construction.
//
// Line endings: the head accepts CRLF or a bare LF (RFC 9112 §2.2 allows it; curl, browsers and nginx-style
// peers never send it, but hand-written clients do). A CR not followed by LF is 400. Chunked framing (size lines,
// the CRLF after data, trailers) requires CRLF exactly, since lenient chunk parsing is where smuggling lives.

import { CR, hexValue, isFieldByte, LF, SP } from "./chars";
import { RequestHead } from "./head";

/** What the parser has for its caller after a feed. */
export enum ParseState {
  /** Every byte given was consumed; feed more when they arrive. */
  NeedMore = 0,
  /** The head is complete: `head` holds the method, target, fields and framing. */
  Head,
  /** `bodyPtr`/`bodyLen` hold the next body bytes (a span of the fed bytes); use them before the next feed. */
  Body,
  /** The request is complete; the next feed starts the next request. */
  Complete,
  /** The request is malformed or over a limit: answer `status`, then close. Feeds consume nothing until `reset`. */
  Error,
}

/** Limits on a request; exceeding one is an `Error` with the status named. The parser sizes its buffers from
 * `maxHeaderBytes` and `maxHeaders` when constructed; the others may be changed at any time. */
export class Limits {
  /** Bytes of the head: request line, header fields and line endings (431; the same bound applies to trailers). */
  maxHeaderBytes: u32 = 8192;
  /** Header fields (431). */
  maxHeaders: u32 = 64;
  /** Bytes of the request target (414). */
  maxUri: u32 = 2048;
  /** Bytes of the body, declared by Content-Length or summed over chunks (413). */
  maxBody: u64 = 1 << 20;
}

// Where the parser is inside a request. The order matters: some steps go to the next phase (`phase + 1`).
enum Phase {
  Head,
  Fixed, // a Content-Length body
  ChunkDataCR, // after a chunk's data
  ChunkDataLF,
  ChunkSize,
  ChunkExt,
  ChunkSizeLF,
  ChunkData,
  Trailer,
  TrailerLF,
  Done,
}

/** The longest chunk extension accepted (bytes between the size and CRLF); longer is 400. */
export const MAX_CHUNK_EXT: u32 = 1024;
const MAX_CHUNK_DIGITS: u32 = 16; // leading zeros included
/** Empty lines ignored before a request line (RFC 9112 §2.2 says at least one); more is 400. */
export const MAX_EMPTY_LINES: u32 = 4;

/** Parses the requests of one connection in turn; reuse it across connections with `reset`. */
export class Parser {
  /** The current request's head, valid from `Head` until the next request starts. */
  readonly head: RequestHead;
  /** What the last feed produced. */
  state: ParseState = ParseState.NeedMore;
  /** With `Error`: the status code to answer (400, 413, 414, 431, 501, 505). */
  status: u32 = 0;
  /** With `Body`: address of the body bytes (inside the last fed bytes). */
  bodyPtr: usize = 0;
  /** With `Body`: number of body bytes. */
  bodyLen: u32 = 0;
  /** Body bytes delivered so far in this request. */
  bodyReceived: u64 = 0;
  private phase: Phase = Phase.Head;
  private lineStart: u32 = 0; // offset in head.buf of the line being received: 0 until the request line is in
  private remaining: u64 = 0; // body bytes left: of the Content-Length body or the current chunk
  private count: u32 = 0; // hex digits, extension bytes, or trailer bytes so far
  private lineLen: u32 = 0; // bytes in the current trailer line
  private empty: u32 = 0; // empty lines before the request line

  /** A parser with `limits` (the defaults if omitted); allocates its head buffer once, here. */
  constructor(readonly limits: Limits = new Limits()) {
    this.head = new RequestHead(limits.maxHeaderBytes, limits.maxHeaders);
  }

  /** Forgets everything, as for a new connection (also the way out of `Error`). */
  reset(): void {
    this.state = ParseState.NeedMore;
    this.status = 0;
    this.next();
  }

  /** Whether the connection may carry another request after this one (false after an error). */
  get keepAlive(): bool {
    return this.state != ParseState.Error && this.head.keepAlive;
  }

  /** Whether no byte of a next request has arrived (an EOF or idle timeout now is a clean end, not a truncation). */
  get idle(): bool {
    const s = this.state;
    if (s == ParseState.Complete) return true;
    return s == ParseState.NeedMore && this.phase == Phase.Head && this.head.len == 0 && this.empty == 0;
  }

  /**
   * Consumes bytes of the connection from `ptr` and returns how many; then `state` says what is ready. Call again
   * with the unconsumed rest (it may consume 0, e.g. to report `Complete` after `Head`) until `NeedMore`.
   */
  feed(ptr: usize, len: u32): u32 {
    const s = this.state;
    if (s == ParseState.Error) return 0;
    if (s == ParseState.Complete) this.next();
    this.state = ParseState.NeedMore;
    this.bodyLen = 0;
    if (this.phase == Phase.Head) return this.feedHead(ptr, len);
    if (this.phase == Phase.Done) {
      this.state = ParseState.Complete;
      return 0;
    }
    if (this.phase == Phase.Fixed) return this.feedFixed(ptr, len);
    return this.feedChunked(ptr, len);
  }

  private next(): void {
    this.head.reset();
    this.phase = Phase.Head;
    this.lineStart = 0;
    this.bodyPtr = 0;
    this.bodyLen = 0;
    this.bodyReceived = 0;
    this.remaining = 0;
    this.count = 0;
    this.lineLen = 0;
    this.empty = 0;
  }

  private fail(status: u32): void {
    this.state = ParseState.Error;
    this.status = status;
  }

  // Copies head bytes a line at a time and checks each complete line.
  private feedHead(ptr: usize, len: u32): u32 {
    const h = this.head;
    const room = <u32>h.buf.length; // the header-bytes limit as it was at construction
    let i: u32 = 0;
    while (i < len) {
      let j = i;
      while (j < len && <u32>load<u8>(ptr + j) != LF) j++;
      const whole = j < len;
      const seg = j - i + (whole ? 1 : 0);
      const n = min(seg, room - h.len);
      memory.copy(h.base + h.len, ptr + i, n);
      h.len += n;
      i += n;
      if (n < seg) {
        // The head does not fit.
        this.fail(this.lineStart ? 431 : this.partialLine(true));
        return i;
      }
      if (!whole) {
        if (!this.lineStart && h.len > this.limits.maxUri) {
          const status = this.partialLine(false);
          if (status) this.fail(status);
        }
        return i;
      }
      if (this.line()) return i;
    }
    return i;
  }

  // Checks the line ending at head.buf[head.len - 1] (an LF); true if it produced a state.
  private line(): bool {
    const h = this.head;
    const p = h.base;
    const start = this.lineStart;
    let end = h.len - 1;
    if (end > start && <u32>load<u8>(p + end - 1) == CR) end--;
    for (let k = start; k < end; k++) {
      if (<u32>load<u8>(p + k) == CR) {
        this.fail(400); // a bare CR
        return true;
      }
    }
    this.lineStart = h.len;
    let status: u32 = 0;
    if (!start) {
      // The request line (the first line is at 0, and only it).
      if (end > start) status = h.requestLine(start, end, this.limits.maxUri);
      else if (++this.empty > MAX_EMPTY_LINES) status = 400;
      else {
        h.len = this.lineStart = 0; // RFC 9112 §2.2: empty lines before a request line are ignored (a few)
        return false;
      }
    } else if (end > start) {
      status = h.field(start, end, (<u32>h.table.length) >> 2); // the field limit at construction
    } else {
      status = h.finish();
      if (!status) {
        this.state = ParseState.Head;
        if (h.chunked) this.phase = Phase.ChunkSize;
        else if (h.contentLength > this.limits.maxBody) status = 413;
        else {
          this.remaining = h.contentLength;
          this.phase = this.remaining ? Phase.Fixed : Phase.Done;
        }
      }
    }
    if (status) this.fail(status);
    return status != 0 || this.state == ParseState.Head;
  }

  // The status for an unfinished request line that is already too long: 414 if its target is, else 400 (or 431
  // if `full`, the head buffer being full); 0 if it may still turn out well.
  private partialLine(full: bool): u32 {
    const p = this.head.base;
    const end = this.head.len;
    let i: u32 = 0; // (the request line starts the head)
    while (i < end && <u32>load<u8>(p + i) != SP) i++;
    if (i == end) return 400; // a method longer than the URI limit
    const t = ++i;
    while (i < end && <u32>load<u8>(p + i) != SP) i++;
    if (i - t > this.limits.maxUri) return 414;
    if (i < end && end - i - 1 > 9) return 400; // longer than "HTTP/1.1\r"
    return full ? 431 : 0;
  }

  private feedFixed(ptr: usize, len: u32): u32 {
    if (len == 0) return 0;
    const n = <u32>min<u64>(this.remaining, len);
    this.deliver(ptr, n);
    this.remaining -= n;
    if (this.remaining == 0) this.phase = Phase.Done;
    return n;
  }

  private deliver(ptr: usize, n: u32): void {
    this.bodyPtr = ptr;
    this.bodyLen = n;
    this.bodyReceived += n;
    this.state = ParseState.Body;
  }

  // The chunked framing, a byte at a time, except chunk data which is delivered as one span.
  private feedChunked(ptr: usize, len: u32): u32 {
    let i: u32 = 0;
    while (i < len) {
      const phase = this.phase;
      if (phase == Phase.ChunkData) {
        const n = <u32>min<u64>(this.remaining, len - i);
        this.deliver(ptr + i, n);
        this.remaining -= n;
        if (this.remaining == 0) this.phase = Phase.ChunkDataCR;
        return i + n;
      }
      const c = <u32>load<u8>(ptr + i++);
      if (phase == Phase.ChunkSize) {
        const v = hexValue(c);
        if (v >= 0) {
          if (++this.count > MAX_CHUNK_DIGITS) return this.stop(i, 400);
          this.remaining = (this.remaining << 4) | (<u64>v);
          if (this.remaining > this.limits.maxBody - this.bodyReceived) return this.stop(i, 413);
          continue;
        }
        if (this.count == 0) return this.stop(i, 400);
        this.count = 0;
        if (c == CR) this.phase = Phase.ChunkSizeLF;
        else if (c == 0x3b || c == SP || c == 0x09)
          this.phase = Phase.ChunkExt; // ';' or BWS before it
        else return this.stop(i, 400);
      } else if (phase == Phase.ChunkExt || phase == Phase.Trailer) {
        // An extension or a trailer line, up to its CR: field bytes, so many at most.
        const ext = phase == Phase.ChunkExt;
        if (c == CR)
          this.phase = phase + 1; // ChunkSizeLF, TrailerLF
        else if (!isFieldByte(c)) return this.stop(i, 400);
        else if (++this.count > (ext ? MAX_CHUNK_EXT : this.limits.maxHeaderBytes))
          return this.stop(i, ext ? 400 : 431);
        else this.lineLen++;
      } else {
        // A line ending's CR or LF: the CR after chunk data, else an LF.
        if (c != (phase == Phase.ChunkDataCR ? CR : LF)) return this.stop(i, 400);
        if (phase == Phase.ChunkSizeLF) {
          this.count = this.lineLen = 0;
          this.phase = this.remaining ? Phase.ChunkData : Phase.Trailer;
        } else if (phase != Phase.TrailerLF)
          this.phase = phase + 1; // ChunkDataCR to ChunkDataLF to ChunkSize
        else if (this.lineLen == 0) {
          // An empty line ends the trailers and the request; other trailer fields are skipped.
          this.phase = Phase.Done;
          this.state = ParseState.Complete;
          return i;
        } else {
          this.lineLen = 0;
          this.phase = Phase.Trailer;
        }
      }
    }
    return i;
  }

  private stop(consumed: u32, status: u32): u32 {
    this.fail(status);
    return consumed;
  }
}
