// What a server's handler sees of one exchange: the request (head and body), the response it writes, and the
// handler and body-source classes an app extends.
//
// The response's bytes go straight into the TCP send buffer. A head is built in the connection's write buffer,
// status line last, in front of the fields:
//
//   buf: [ .. free .. | HTTP/1.1 200 OK\r\n | Content-Type: ..\r\n Content-Length: ..\r\n \r\n | .. ]
//        0            RESERVE - line       RESERVE                                              headEnd
//
// so `header` may come before `status`. A body from `sendStatic` is written from where it lies (the data
// segment) as the send buffer drains; text is encoded in pieces; a `BodySource` fills the write buffer, framed as
// chunks when its length is unknown. Nothing allocates per exchange.

import { TcpConnection } from "@tessera/net/assembly/tcp/connection";
import { Method, RequestHead } from "./head";
import {
  CHUNK_END_LEN,
  LAST_CHUNK_LEN,
  ResponseWriter,
  writeChunkEnd,
  writeChunkHeader,
  writeLastChunk,
} from "./response";
import { statusHasBody, writeStatusLine } from "./status";
import {
  CACHE_CONTROL,
  CACHE_CONTROL_LENGTH,
  CONTENT_TYPE,
  CONTENT_TYPE_LENGTH,
  NO_STORE,
  NO_STORE_LENGTH,
  TEXT_PLAIN,
  TEXT_PLAIN_LENGTH,
} from "./files-text";
import { TextBody, utf8Encode, utf8Length } from "./text";
import { decodePercent, Form } from "./form";

/** Bytes kept in front of the fields for the status line: the longest is "HTTP/1.1 NNN " + reason + CRLF. */
const RESERVE: u32 = 64;
/** Room kept around a chunk's data in the write buffer: the longest chunk header (10) and the CRLF after. */
const CHUNK_ROOM: u32 = 12;

/** One request, as its handler sees it: valid until the handler's response is complete. */
export class HttpRequest {
  /** The request line and header fields, as spans (see `RequestHead`). */
  readonly head: RequestHead;
  /** The peer's IPv4 address. */
  remoteAddr: u32 = 0;
  /** The peer's port. */
  remotePort: u32 = 0;
  /** Address of the collected body (when the handler does not stream it); valid during `handle`. */
  bodyPtr: usize = 0;
  /** Length of the collected body. */
  bodyLength: u32 = 0;
  /** Bytes of the path the route matched: the whole path for an exact route, the prefix for a prefix route. */
  routeLen: u32 = 0;

  /** A request whose line and fields are in `head` (the server makes one per connection). */
  constructor(head: RequestHead) {
    this.head = head;
  }

  /** The method, or `Method.Other` (then compare with `methodIs`). */
  get method(): Method {
    return this.head.method;
  }

  /** 10 for HTTP/1.0, 11 for HTTP/1.1. */
  get version(): u32 {
    return this.head.version;
  }

  /** Whether the method is exactly `name`. */
  methodIs(name: string): bool {
    return this.head.methodIs(name);
  }

  /** Address of the method's name (the request line's first word, ASCII). */
  get methodPtr(): usize {
    return this.head.base + this.head.methodStart;
  }

  /** Length of the method's name in bytes. */
  get methodLen(): u32 {
    return this.head.methodLen;
  }

  /** Whether the path (the target before any `?`) is exactly `path`. */
  pathIs(path: string): bool {
    return this.head.pathIs(path);
  }

  /** Address of the path's first byte (the target's). */
  get pathPtr(): usize {
    return this.head.targetPtr();
  }

  /** Length of the path in bytes. */
  get pathLen(): u32 {
    return this.head.pathLen();
  }

  /** The path as a string (allocates). */
  path(): string {
    return String.UTF8.decodeUnsafe(this.head.targetPtr(), this.head.pathLen());
  }

  /** The path after the part the route matched, e.g. `a/b.css` for `/static/*` and `/static/a/b.css` (allocates). */
  rest(): string {
    return String.UTF8.decodeUnsafe(this.head.targetPtr() + this.routeLen, this.head.pathLen() - this.routeLen);
  }

  /**
   * The path after the part the route matched, percent-decoded: under `/kv/*`, `/kv/a%2Fb` gives the bytes `a/b`.
   * Null if an escape is bad (`%` without two hex digits). Allocates.
   */
  decodedRest(): Uint8Array | null {
    return decodePercent(this.head.targetPtr() + this.routeLen, this.head.pathLen() - this.routeLen);
  }

  /** The query string's fields (the target after `?`; none without one): `req.query().get("prefix")`. */
  query(): Form {
    const path = this.head.pathLen();
    return new Form(this.head.targetPtr() + path, this.head.targetLen - path);
  }

  /** The collected body's fields, for a form posted as `application/x-www-form-urlencoded`: `req.form().get("text")`. */
  form(): Form {
    return new Form(this.bodyPtr, this.bodyLength);
  }

  /** The whole target, query included (allocates). */
  target(): string {
    return this.head.target();
  }

  /** The first value of header `name` (any case), or null (allocates). */
  header(name: string): string | null {
    return this.head.value(name);
  }

  /** Whether header `name` is present. */
  hasHeader(name: string): bool {
    return this.head.find(name) >= 0;
  }

  /** Whether the first header `name` has exactly `value`, ignoring case. */
  headerIs(name: string, value: string): bool {
    const i = this.head.find(name);
    return i >= 0 && this.head.valueIs(i, value);
  }

  /** The collected body, copied into a new array (to keep after the response, as a store keeps a value). */
  bodyBytes(): Uint8Array {
    const bytes = new Uint8Array(this.bodyLength);
    memory.copy(bytes.dataStart, this.bodyPtr, this.bodyLength);
    return bytes;
  }

  /** The collected body as a string (allocates). */
  bodyText(): string {
    return String.UTF8.decodeUnsafe(this.bodyPtr, this.bodyLength);
  }
}

/** Produces a response body piece by piece, as the send buffer drains (see `HttpResponse.stream`). */
export abstract class BodySource {
  /**
   * Writes up to `cap` (> 0) body bytes at `ptr`; returns how many, 0 if none are ready yet (call
   * `HttpResponse.resume` when they are), or -1 at the end of the body.
   */
  abstract fill(ptr: usize, cap: u32): i32;
}

/** Handles requests: extend it and implement `handle`; a `Router` picks one per request. */
export abstract class HttpHandler {
  /** The handler for this request (a router returns the route's; a plain handler itself). Called at the head. */
  select(req: HttpRequest): HttpHandler {
    return this;
  }

  /**
   * Whether to receive the body piece by piece in `body` (true) rather than collected into `req.bodyPtr`
   * (false, the default; a body over `HttpLimits.maxBufferedBody` is then answered 413). Called at the head.
   */
  streamsBody(req: HttpRequest): bool {
    return false;
  }

  /** The next piece of a streamed body: `len` bytes at `ptr`, valid only during the call. */
  body(req: HttpRequest, ptr: usize, len: u32): void {}

  /** The request is complete (body included): respond with `res`, now or later (say, from a timer). */
  abstract handle(req: HttpRequest, res: HttpResponse): void;
}

// Where a response's body comes from.
enum Body {
  None,
  Bytes, // `ptr`/`remaining`: static data or a kept buffer
  Source, // `source`, `remaining` bytes left if not chunked
}

// The body of `send`: a string's characters, encoded as UTF-8 into the space given, whole characters at a time.
class TextSource extends BodySource {
  private index: i32 = 0;

  constructor(private readonly text: string) {
    super();
  }

  fill(ptr: usize, cap: u32): i32 {
    const text = this.text;
    if (this.index >= text.length) return -1;
    const r = utf8Encode(text, this.index, text.length, ptr, cap);
    this.index = <i32>(r >>> 32);
    return <i32>r; // (the response gives room for the longest character, 4 bytes)
  }
}

/**
 * The response to one request. Set `status` and `header`s, then finish it with exactly one of `send`,
 * `sendStatic`, `sendBytes`, `stream` or `end`. Methods chain: `res.status(404).send("no\n")`.
 */
export class HttpResponse {
  /** The status code (200 unless set). */
  code: u32 = 200;
  /** Whether the response is committed (a send, stream or end was called). */
  sent: bool = false;
  /** Whether every byte is queued in the send buffer. */
  done: bool = false;
  /** Whether the connection stays open afterwards (decided when the response is committed). */
  keepAlive: bool = true;
  /** Counts the exchanges this object has served: the server reuses it for the connection's next request, and for another connection after a close. */
  exchange: u32 = 0;
  private tcp: TcpConnection | null = null;
  private readonly buf: StaticArray<u8>;
  private readonly w: ResponseWriter = new ResponseWriter();
  private fieldsOpen: bool = false;
  private version: u32 = 11;
  private headOnly: bool = false; // a HEAD request: the head as for GET, no body
  private headStart: u32 = 0;
  private headEnd: u32 = 0;
  private kind: Body = Body.None;
  private chunked: bool = false;
  private lastChunk: bool = false; // the last chunk is still to be written
  private waiting: bool = false; // the source had nothing; `resume` restarts it
  private ptr: usize = 0;
  private remaining: u64 = 0;
  private keep: ArrayBuffer | null = null; // keeps a `sendBytes` buffer alive until it is written
  private source: BodySource | null = null;

  /** A response whose head (and chunk staging) uses a buffer of `bufferSize` bytes (at least 128). */
  constructor(bufferSize: u32) {
    this.buf = new StaticArray<u8>(<i32>max<u32>(bufferSize, 128));
  }

  /** Prepares for the next request on `tcp` (the server calls this). */
  reset(tcp: TcpConnection | null, version: u32, keepAlive: bool, headOnly: bool): void {
    this.tcp = tcp;
    this.exchange++;
    this.version = version;
    this.keepAlive = keepAlive;
    this.headOnly = headOnly;
    this.code = 200;
    this.sent = this.done = this.fieldsOpen = false;
    this.kind = Body.None;
    this.chunked = this.lastChunk = this.waiting = false;
    this.keep = null;
    this.source = null;
    this.remaining = 0;
  }

  /**
   * Lets go of the connection, closed or gone (the server calls this): a later send is dropped, a `Deferred` of
   * this exchange gives null, and `code` stays the status answered.
   */
  release(): void {
    this.tcp = null;
    this.exchange++;
    this.kind = Body.None;
    this.keep = null;
    this.source = null;
  }

  /**
   * This response, to finish after `handle` returned (when a client's answer or a timer comes): see `Deferred`.
   */
  defer(): Deferred {
    return new Deferred(this);
  }

  /** Sets the status code (100..999; the reason phrase is the standard one). */
  status(code: u32): HttpResponse {
    this.code = code;
    return this;
  }

  /** Adds a header field; a name that is not a token or a value with CR, LF or controls turns the response into 500. */
  header(name: string, value: string): HttpResponse {
    this.fields().header(name, value);
    return this;
  }

  /** Adds a header field whose value is a decimal number. */
  headerNumber(name: string, value: u64): HttpResponse {
    this.fields().headerNumber(name, value);
    return this;
  }

  /** Adds a header field whose value is the `len` bytes at `ptr`. */
  headerBytes(name: string, ptr: usize, len: u32): HttpResponse {
    this.fields().headerBytes(name, ptr, len);
    return this;
  }

  /**
   * Adds a header field whose name is the `nameLen` bytes at `namePtr` and whose value is the `len` bytes at `ptr`
   * (a table of names in the data segment costs half what strings do).
   */
  field(namePtr: usize, nameLen: u32, ptr: usize, len: u32): HttpResponse {
    this.fields().fieldBytes(namePtr, nameLen, ptr, len);
    return this;
  }

  /** Adds `Cache-Control: no-store`: no cache keeps this response (for answers that change each time, like a health check). */
  noStore(): HttpResponse {
    return this.field(CACHE_CONTROL, CACHE_CONTROL_LENGTH, NO_STORE, NO_STORE_LENGTH);
  }

  /** Sends `text`, UTF-8 encoded, with a Content-Length: encoded in pieces straight into the send buffer. */
  send(text: string): void {
    if (!this.sent) this.stream(new TextSource(text), utf8Length(text));
  }

  /**
   * Sends the `len` bytes at `ptr` without copying them first: they are written into the send buffer from where
   * they lie as it drains, so they must stay unchanged until the response is done (data-segment bytes do).
   */
  sendStatic(ptr: usize, len: u32): void {
    if (!this.commit(len)) return;
    if (!this.headOnly && len > 0) {
      this.kind = Body.Bytes;
      this.ptr = ptr;
      this.remaining = len;
    }
    this.go();
  }

  /** Sends the bytes of `data` (kept alive until written; do not change them meanwhile). */
  sendBytes(data: ArrayBuffer): void {
    if (this.sent) return;
    this.keep = data;
    this.sendStatic(changetype<usize>(data), <u32>data.byteLength);
  }

  /** Sends the text of `body` as `text/plain; charset=utf-8`. */
  sendText(body: TextBody): void {
    if (this.sent) return;
    this.fields().fieldBytes(CONTENT_TYPE, CONTENT_TYPE_LENGTH, TEXT_PLAIN, TEXT_PLAIN_LENGTH);
    this.keep = body.buffer;
    this.sendStatic(changetype<usize>(body.buffer), body.length);
  }

  /**
   * Sends a body that `source` produces as the send buffer drains: `length` bytes with a Content-Length, or,
   * with `length` -1, chunked until `fill` returns -1 (to an HTTP/1.0 client: unframed, then the connection closes).
   */
  stream(source: BodySource, length: i64 = -1): void {
    if (!this.commit(length)) return;
    if (!this.headOnly) {
      this.kind = Body.Source;
      this.source = source;
      this.remaining = length < 0 ? 0 : <u64>length;
      if (length == 0) this.kind = Body.None;
    }
    this.go();
  }

  /** Ends the response with no body (Content-Length: 0, or none for 1xx, 204 and 304). */
  end(): void {
    if (this.commit(0)) this.go();
  }

  /** Tells a streamed response whose source returned 0 that it has bytes now. */
  resume(): void {
    if (!this.waiting) return;
    this.waiting = false;
    this.go();
  }

  /**
   * Writes what it can into the send buffer; true once everything is queued. The server calls it when the
   * buffer drains; an app never needs to.
   */
  pump(): bool {
    if (!this.sent || this.done || this.waiting) return this.done;
    const tcp = this.tcp;
    if (!tcp) return false;
    const base = changetype<usize>(this.buf);
    if (this.headStart < this.headEnd) {
      this.headStart += tcp.write(base + this.headStart, this.headEnd - this.headStart);
      if (this.headStart < this.headEnd) return false;
    }
    const kind = this.kind;
    if (kind == Body.Bytes) {
      while (this.remaining > 0) {
        const n = tcp.write(this.ptr, <u32>min<u64>(this.remaining, 0x4000_0000));
        if (n == 0) return false;
        this.ptr += n;
        this.remaining -= n;
      }
    } else if (kind == Body.Source) {
      const source = this.source;
      if (source && !this.pumpSource(tcp, base, source)) return false;
    }
    if (this.lastChunk) {
      if (tcp.writable() < LAST_CHUNK_LEN) return false;
      tcp.write(base, writeLastChunk(base, LAST_CHUNK_LEN));
      this.lastChunk = false;
    }
    this.kind = Body.None;
    this.keep = null;
    this.source = null;
    this.done = true;
    return true;
  }

  // Fills the send buffer from the source; true at the end of the body.
  private pumpSource(tcp: TcpConnection, base: usize, source: BodySource): bool {
    const chunked = this.chunked;
    const size = <u32>this.buf.length;
    for (;;) {
      if (!chunked && this.remaining == 0) return true;
      const room = min<u32>(tcp.writable(), size);
      if (room <= CHUNK_ROOM) return false;
      let cap = chunked ? room - CHUNK_ROOM : room;
      if (!chunked) cap = <u32>min<u64>(cap, this.remaining);
      const at = chunked ? base + 10 : base;
      let n = source.fill(at, cap);
      if (n == 0) {
        this.waiting = true;
        return false;
      }
      if (n < 0) {
        if (!chunked) {
          tcp.abort(0); // the body is shorter than its Content-Length said: the framing is broken
          return false;
        }
        return true;
      }
      if (<u32>n > cap) n = cap;
      if (!chunked) {
        tcp.write(base, n);
        this.remaining -= n;
        continue;
      }
      let digits: u32 = 1;
      for (let t = <u32>n; t >= 16; t >>= 4) digits++;
      const start = at - digits - 2;
      writeChunkHeader(start, digits + 2, n);
      writeChunkEnd(at + n, CHUNK_END_LEN);
      tcp.write(start, digits + 2 + n + CHUNK_END_LEN);
    }
    return false; // not reached
  }

  private fields(): ResponseWriter {
    if (!this.fieldsOpen) {
      this.fieldsOpen = true;
      this.w.fields(changetype<usize>(this.buf) + RESERVE, <u32>this.buf.length - RESERVE);
    }
    return this.w;
  }

  // Finishes the head for a body of `length` bytes (-1: unknown); false if the response was already committed.
  private commit(length: i64): bool {
    if (this.sent) return false;
    this.sent = true;
    const w = this.fields();
    let code = this.code;
    if (code < 100 || code > 999) code = 500;
    if (statusHasBody(code)) {
      this.keepAlive = w.framing(length, this.keepAlive, this.version);
      this.chunked = length < 0 && this.version >= 11 && !this.headOnly;
      this.lastChunk = this.chunked;
    } else {
      if (!this.keepAlive) w.close();
      this.headOnly = true; // 1xx, 204 and 304 carry no body
    }
    let n = w.end();
    if (n == 0) {
      // A field was invalid or the head did not fit: answer 500 instead, and close.
      code = 500;
      this.keepAlive = false;
      this.kind = Body.None;
      this.chunked = this.lastChunk = false;
      this.headOnly = true;
      w.fields(changetype<usize>(this.buf) + RESERVE, <u32>this.buf.length - RESERVE).framing(0, false);
      n = w.end();
    }
    this.code = code;
    this.headStart = RESERVE - writeStatusLine(code, changetype<usize>(this.buf) + RESERVE);
    this.headEnd = RESERVE + n;
    return true;
  }

  // Writes what it can; the connection learns of completion through its `writable` (it calls `pump` there).
  private go(): void {
    const tcp = this.tcp;
    if (!tcp) return;
    if (this.pump()) {
      const handler = tcp.handler;
      if (handler) handler.writable(tcp, 0); // the connection carries on with the next request
    }
  }
}

/**
 * A response to finish later, from `res.defer()` in `handle`: `response` is the response while it is still
 * that request's and unsent, and null once the client went away (the server has then reused the object for
 * another request, which must not get this answer). Copy what you need of the request (its body, its path)
 * before `handle` returns: the request is valid only until then.
 */
export class Deferred {
  private readonly exchange: u32;

  constructor(private readonly res: HttpResponse) {
    this.exchange = res.exchange;
  }

  /** The response to finish, or null if the request is gone (or already answered). */
  get response(): HttpResponse | null {
    const res = this.res;
    return res.exchange == this.exchange && !res.sent ? res : null;
  }
}
