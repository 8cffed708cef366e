// The client's side of a response: what the app sees (ClientResponse, HttpResponseHandler, ClientFailure) and the
// reader that parses the response bytes as they arrive (ResponseReader), apart from the connection (client.ts).
//
// The response head is collected into a `RequestHead` (its field table and lookups serve responses as well);
// the status line is checked here. Body bytes go to the handler as they arrive, from the read buffer, uncopied;
// a chunked body is decoded by the server's decoder (chunked.ts), as strictly.

import { bytesEqual, CR, LF } from "./chars";
import { ChunkedDecoder } from "./chunked";
import { RequestHead } from "./head";
import { statusHasBody } from "./status";

/** Why a request failed (`ClientResponse.failure`), so that the app can act on it. */
export enum ClientFailure {
  /** It did not fail (yet). */
  None = 0,
  /** The host name could not be resolved (no DNS server, NXDOMAIN, no answer, ...): `error` says which. */
  Dns,
  /** Nothing listens on the port: the server's host answered the SYN with a RST (or ICMP port unreachable). */
  Refused,
  /** The server cannot be reached: ICMP host or network unreachable, or TCP gave up retransmitting. */
  Unreachable,
  /** No connection within `connectTimeout` (the name's lookup and the handshake), or the SYNs went unanswered. */
  ConnectTimeout,
  /** No complete response within `timeout` of the request being sent. */
  Timeout,
  /** The server reset the connection. */
  Reset,
  /** The server closed the connection before the response ended. */
  Closed,
  /** The response is malformed: its status line, a field, or the chunked framing. */
  BadResponse,
  /** The response head is larger than the client's buffer for it. */
  TooLarge,
  /** No connection could be opened: the stack's table of connections is full (try again later). */
  Busy,
}

/** Hears how a request went: the head, the body in pieces, then `done` exactly once. */
export abstract class HttpResponseHandler {
  /** The status line and fields arrived (`res.status`, `res.header`). */
  head(res: ClientResponse): void {}
  /** The next `len` body bytes at `ptr`, valid only during the call. */
  body(res: ClientResponse, ptr: usize, len: u32): void {}
  /**
   * The response is complete (`ok`), or the request failed (`res.failure` says why, `res.error` in words).
   * Never called from inside the `get`, `post` or `request` call that started the request.
   */
  abstract done(res: ClientResponse, ok: bool): void;
}

/**
 * Hears a response whole: the body is collected as it arrives and `received` is called once, with the body as
 * text (UTF-8; empty if the request failed). Up to `maxBytes` of body are kept; the rest is dropped and
 * `truncated` set. For bodies an app reads as a whole: a JSON answer, a value from a key-value store.
 */
export abstract class TextResponseHandler extends HttpResponseHandler {
  /** The most body bytes kept (1 MiB unless set). */
  maxBytes: u32 = 1 << 20;
  /** Whether body bytes past `maxBytes` were dropped. */
  truncated: bool = false;
  private buf: StaticArray<u8> | null = null;
  private len: u32 = 0;

  /** The response is complete (`ok`, `text` its body) or the request failed (`res.error` says why). */
  abstract received(res: ClientResponse, ok: bool, text: string): void;

  body(res: ClientResponse, ptr: usize, len: u32): void {
    const room = this.maxBytes - this.len;
    if (len > room) {
      this.truncated = true;
      len = room;
    }
    let buf = this.buf;
    const need = this.len + len;
    if (!buf || <u32>buf.length < need) {
      const grown = new StaticArray<u8>(
        <i32>min<u32>(this.maxBytes, max<u32>(need, buf ? (<u32>buf.length) << 1 : 256)),
      );
      if (buf) memory.copy(changetype<usize>(grown), changetype<usize>(buf), this.len);
      this.buf = buf = grown;
    }
    memory.copy(changetype<usize>(buf) + this.len, ptr, len);
    this.len = need;
  }

  done(res: ClientResponse, ok: bool): void {
    const buf = this.buf;
    const text = ok && buf ? String.UTF8.decodeUnsafe(changetype<usize>(buf), this.len) : "";
    this.buf = null;
    this.len = 0;
    this.received(res, ok, text);
  }
}

/** The response being received. */
export class ClientResponse {
  /** The status code (0 until the head arrived). */
  status: u32 = 0;
  /** The response's fields, as spans (`find`, `value`, `hasToken`); the status line is not among them. */
  readonly head: RequestHead;
  /** Body bytes received so far. */
  received: u64 = 0;
  /** Why the request failed (with `done(res, false)`); None otherwise. */
  failure: ClientFailure = ClientFailure.None;
  /** Why the request failed, in one line naming the server and the cause ("kv:80: DNS lookup failed: ..."). */
  error: string = "";

  constructor(maxHeadBytes: u32, maxFields: u32) {
    this.head = new RequestHead(maxHeadBytes, maxFields);
  }

  /** The first value of field `name` (any case), or null (allocates). */
  header(name: string): string | null {
    return this.head.value(name);
  }
}

/** Where a `ResponseReader.feed` left the response. */
export enum ReadOutcome {
  /** More bytes are needed. */
  More,
  /** The response is complete. */
  Complete,
  /** The response is malformed or too large (`failure`, `why`). */
  Failed,
}

enum Phase {
  Idle,
  Head,
  Fixed, // `remaining` bytes of a Content-Length body
  UntilClose,
  Chunked,
}

/** Parses one response at a time into a `ClientResponse`, calling the handler's `head` and `body` as it goes. */
export class ResponseReader {
  /** Why the response failed, after `feed` returned Failed. */
  failure: ClientFailure = ClientFailure.None;
  why: string = "";
  /** The connection ends with this response (HTTP/1.0, `Connection: close`, a body framed by the close). */
  closeAfter: bool = false;
  private phase: Phase = Phase.Idle;
  private handler: HttpResponseHandler | null = null;
  private headRequest: bool = false;
  private remaining: u64 = 0;
  private readonly chunks: ChunkedDecoder = new ChunkedDecoder();
  private lineLen: u32 = 0;

  constructor(readonly res: ClientResponse) {}

  /** Waits for the response to a request (`headRequest`: to HEAD, so without a body) for `handler`. */
  start(handler: HttpResponseHandler, headRequest: bool, closeAfter: bool): void {
    const r = this.res;
    r.status = 0;
    r.received = 0;
    r.failure = ClientFailure.None;
    r.error = "";
    r.head.reset();
    this.handler = handler;
    this.headRequest = headRequest;
    this.closeAfter = closeAfter;
    this.phase = Phase.Head;
    this.lineLen = 0;
  }

  /** Stops reading (the request ended); later bytes are not looked at. */
  stop(): void {
    this.phase = Phase.Idle;
    this.handler = null;
  }

  /** Whether the response's body runs until the server closes (the close then completes it). */
  get untilClose(): bool {
    return this.phase == Phase.UntilClose;
  }

  /** Parses `len` response bytes at `ptr`; bytes after the response's end are not looked at. */
  feed(ptr: usize, len: u32): ReadOutcome {
    let i: u32 = 0;
    const res = this.res;
    while (i < len) {
      const phase = this.phase;
      if (phase == Phase.Idle) return ReadOutcome.More; // stopped from a callback
      if (phase == Phase.Head) {
        const h = res.head;
        const c = load<u8>(ptr + i++);
        if (h.len >= <u32>h.buf.length) {
          const max = h.buf.length.toString();
          return this.fail(ClientFailure.TooLarge, "the response head is over " + max + " bytes");
        }
        store<u8>(h.base + h.len++, c);
        if (c != LF) continue;
        const r = this.lineEnded();
        if (r != ReadOutcome.More) return r;
        continue;
      }
      if (phase == Phase.Chunked) {
        const d = this.chunks;
        i += d.feed(ptr + i, len - i);
        if (d.status) return this.fail(ClientFailure.BadResponse, "bad chunked framing");
        if (d.dataLen) {
          res.received += d.dataLen;
          this.handler!.body(res, d.dataPtr, d.dataLen);
        } else if (d.done) return this.complete();
        continue;
      }
      let n = len - i;
      if (phase == Phase.Fixed) n = <u32>min<u64>(n, this.remaining);
      res.received += n;
      this.handler!.body(res, ptr + i, n);
      i += n;
      if (phase == Phase.Fixed && (this.remaining -= n) == 0) return this.complete();
    }
    return ReadOutcome.More;
  }

  // A head line ended (its LF is the last byte in the head buffer).
  private lineEnded(): ReadOutcome {
    const res = this.res;
    const h = res.head;
    const start = this.lineLen; // offset of the line's first byte
    let end = h.len - 1;
    if (end > start && load<u8>(h.base + end - 1) == <u8>CR) end--;
    this.lineLen = h.len;
    if (res.status == 0) {
      // "HTTP/1.x SSS reason"; empty lines before it (as after a 1xx head) are skipped
      const p = h.base + start;
      if (end == start) {
        h.len = this.lineLen = 0;
        return ReadOutcome.More;
      }
      if (end - start < 12 || !bytesEqual(p, 7, "HTTP/1.") || load<u8>(p + 8) != 0x20)
        return this.fail(ClientFailure.BadResponse, "bad status line");
      let code: u32 = 0;
      for (let k = 9; k < 12; k++) {
        const d = <u32>load<u8>(p + k) - 0x30;
        if (d > 9) return this.fail(ClientFailure.BadResponse, "bad status code");
        code = code * 10 + d;
      }
      h.version = load<u8>(p + 7) == 0x31 ? 11 : 10;
      res.status = code;
      if (code < 200) res.status = 0; // 100 Continue and the like: skip, the real head follows
      h.len = this.lineLen = 0;
      return ReadOutcome.More;
    }
    if (end > start) {
      if (h.field(start, end, (<u32>h.table.length) >> 2) != 0)
        return this.fail(ClientFailure.BadResponse, "bad header field");
      return ReadOutcome.More;
    }
    // The empty line: the head is complete; decide the framing.
    if (h.version == 10 || h.hasToken("connection", "close")) this.closeAfter = true;
    this.handler!.head(res);
    if (this.phase == Phase.Idle) return ReadOutcome.More; // stopped from the callback
    if (this.headRequest || !statusHasBody(res.status)) return this.complete();
    if (h.hasToken("transfer-encoding", "chunked")) {
      this.chunks.reset();
      this.chunks.maxTrailer = h.buf.length;
      this.phase = Phase.Chunked;
    } else if (h.hasContentLength) {
      this.remaining = h.contentLength;
      this.phase = Phase.Fixed;
      if (this.remaining == 0) return this.complete();
    } else {
      this.phase = Phase.UntilClose;
      this.closeAfter = true;
    }
    return ReadOutcome.More;
  }

  private complete(): ReadOutcome {
    this.stop();
    return ReadOutcome.Complete;
  }

  private fail(failure: ClientFailure, why: string): ReadOutcome {
    this.failure = failure;
    this.why = why;
    this.closeAfter = true;
    this.stop();
    return ReadOutcome.Failed;
  }
}
