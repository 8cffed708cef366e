// An incremental HTTP/1.1 request parser: fed a connection's bytes as they arrive, it reports heads, body spans and ends.
//
// Per request it reports `Head` once, then `Body` zero or more times, then `Complete`; a feed may stop early (it
// returns how much it consumed) so the caller can act, and is then called again with the rest. The head is copied
// into a buffer the parser owns (so it may arrive split anywhere); body bytes are never copied: `bodyPtr`/`bodyLen`
// point into the caller's bytes and are valid until the next feed. Nothing is allocated after construction.
//
// Line endings: the head accepts CRLF or a bare LF (RFC 9112 §2.2 allows it; curl, browsers and nginx-style
// peers never send it, but hand-written clients do). A CR not followed by LF is 400. Chunked bodies are decoded
// by chunked.ts, strictly (CRLF exactly, the grammar of size lines, extensions and trailers).

import { CR, LF, SP } from "./chars";
import { ChunkedDecoder } from "./chunked";
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

// Where the parser is inside a request.
enum Phase {
  Head,
  Fixed, // a Content-Length body
  Chunked, // a chunked body
  Done,
}
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
  private remaining: u64 = 0; // bytes left of a Content-Length body
  private empty: u32 = 0; // empty lines before the request line
  private readonly chunks: ChunkedDecoder = new ChunkedDecoder();

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
    return s == ParseState.NeedMore && this.phase == Phase.Head && (this.head.len | this.empty) == 0;
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
        if (h.chunked) {
          const d = this.chunks;
          d.reset();
          d.maxBody = this.limits.maxBody;
          d.maxTrailer = this.limits.maxHeaderBytes;
          this.phase = Phase.Chunked;
        } else if (h.contentLength > this.limits.maxBody) status = 413;
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

  // A chunked body: the decoder's data spans, its end or its error.
  private feedChunked(ptr: usize, len: u32): u32 {
    const d = this.chunks;
    const n = d.feed(ptr, len);
    if (d.status) this.fail(d.status);
    else if (d.dataLen) this.deliver(d.dataPtr, d.dataLen);
    else if (d.done) {
      this.phase = Phase.Done;
      this.state = ParseState.Complete;
    }
    return n;
  }
}
