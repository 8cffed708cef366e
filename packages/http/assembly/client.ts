// A small HTTP/1.1 client: one request at a time to one address and port, over a kept-alive connection (opened on
// first use, reopened when the server closed it). Responses framed by Content-Length, chunked, or by the close.
//
// The response head is collected into a `RequestHead` (its field table and lookups serve responses as well);
// the status line is checked here. Body bytes go to the handler as they arrive, from the read buffer, uncopied;
// a chunked body is decoded by the server's decoder (chunked.ts), as strictly.

import { Interface } from "@tessera/net/assembly/iface/interface";
import { Stack } from "@tessera/net/assembly/stack";
import { TcpConnection, TcpHandler } from "@tessera/net/assembly/tcp/connection";
import { CloseReason, TcpState } from "@tessera/net/assembly/tcp/state";
import { bytesEqual, CR, LF } from "./chars";
import { ChunkedDecoder } from "./chunked";
import { RequestHead } from "./head";
import { ResponseWriter } from "./response";
import { statusHasBody } from "./status";

/** Hears how a request went: the head, the body in pieces, then `done` exactly once. */
export abstract class HttpResponseHandler {
  /** The status line and fields arrived (`res.status`, `res.header`). */
  head(res: ClientResponse): void {}
  /** The next `len` body bytes at `ptr`, valid only during the call. */
  body(res: ClientResponse, ptr: usize, len: u32): void {}
  /** The response is complete (`ok`), or the request failed: no connection, a reset, a malformed response. */
  abstract done(res: ClientResponse, ok: bool): void;
}

/** The response being received. */
export class ClientResponse {
  /** The status code (0 until the head arrived). */
  status: u32 = 0;
  /** The response's fields, as spans (`find`, `value`, `hasToken`); the status line is not among them. */
  readonly head: RequestHead;
  /** Body bytes received so far. */
  received: u64 = 0;
  /** Why the request failed (with `done(res, false)`): a short message. */
  error: string = "";

  constructor(maxHeadBytes: u32, maxFields: u32) {
    this.head = new RequestHead(maxHeadBytes, maxFields);
  }

  /** The first value of field `name` (any case), or null (allocates). */
  header(name: string): string | null {
    return this.head.value(name);
  }
}

enum Phase {
  Idle,
  Head,
  Fixed, // `remaining` bytes of a Content-Length body
  UntilClose,
  Chunked,
}

/**
 * An HTTP/1.1 client for one server: `client.get("/", handler)`; one request at a time (`busy` until the
 * handler's `done`). `keepAlive` false asks the server to close after each response.
 */
export class HttpClient extends TcpHandler {
  /** Keep the connection for the next request (default) or send `Connection: close`. */
  keepAlive: bool = true;
  /** The response being received. */
  readonly response: ClientResponse;
  /** Connections opened so far. */
  connections: u32 = 0;
  private conn: TcpConnection | null = null;
  private stack: Stack | null = null;
  private handler: HttpResponseHandler | null = null;
  private readonly out: StaticArray<u8>;
  private readonly input: StaticArray<u8>;
  private readonly w: ResponseWriter = new ResponseWriter();
  private outStart: u32 = 0;
  private outEnd: u32 = 0;
  private bodyPtr: usize = 0; // the request body still to write
  private bodyLeft: u32 = 0;
  private keep: ArrayBuffer | null = null;
  private phase: Phase = Phase.Idle;
  private headRequest: bool = false;
  private remaining: u64 = 0;
  private readonly chunks: ChunkedDecoder = new ChunkedDecoder();
  private lineLen: u32 = 0;
  private closeAfter: bool = false;

  /** A client of `addr:port` through `iface` (requests then need their `now`); see `HttpClient.open` for a stack. */
  constructor(
    private readonly iface: Interface,
    /** The server's IPv4 address. */
    readonly addr: u32,
    /** The server's port. */
    readonly port: u32,
    maxHeadBytes: u32 = 8192,
  ) {
    super();
    this.response = new ClientResponse(maxHeadBytes, 64);
    this.out = new StaticArray<u8>(1024);
    this.input = new StaticArray<u8>(4096);
  }

  /** A client of `addr:port` on `stack` (its loop gives the time). */
  static open(stack: Stack, addr: u32, port: u32): HttpClient {
    const c = new HttpClient(stack.iface, addr, port);
    c.stack = stack;
    return c;
  }

  /** Whether a request is under way. */
  get busy(): bool {
    return this.handler != null;
  }

  /** GET `path`; false if a request is under way or the head does not fit. */
  get(path: string, handler: HttpResponseHandler, now: i64 = -1): bool {
    return this.request("GET", path, null, 0, 0, handler, now);
  }

  /** POST `body` (UTF-8) to `path` as `contentType`. */
  post(path: string, contentType: string, body: string, handler: HttpResponseHandler, now: i64 = -1): bool {
    if (this.handler) return false;
    const b = String.UTF8.encode(body);
    this.keep = b; // until it is written
    return this.request("POST", path, contentType, changetype<usize>(b), <u32>b.byteLength, handler, now);
  }

  /**
   * Sends `method path` with a body of `len` bytes at `ptr` (which must stay unchanged until sent; `contentType`
   * null for no body), to be answered to `handler`. False if a request is under way or the head does not fit.
   */
  request(
    method: string,
    path: string,
    contentType: string | null,
    ptr: usize,
    len: u32,
    handler: HttpResponseHandler,
    now: i64 = -1,
  ): bool {
    if (this.handler) return false;
    const base = changetype<usize>(this.out);
    const cap = <u32>this.out.length;
    if (<u32>(method.length + path.length) + 64 > cap) return false;
    for (let i = 0; i < method.length; i++) store<u8>(base + i, <u8>method.charCodeAt(i));
    let n = <u32>method.length;
    store<u8>(base + n++, 0x20);
    for (let i = 0; i < path.length; i++) {
      const c = <u32>path.charCodeAt(i);
      if (c <= 0x20 || c >= 0x7f) return false;
      store<u8>(base + n++, <u8>c);
    }
    n = copyAscii(base, n, " HTTP/1.1\r\nHost: ");
    n = writeHost(base, n, this.addr, this.port);
    const w = this.w.fields(base + n, cap - n);
    if (contentType !== null) w.header("Content-Type", contentType).contentLength(len);
    if (!this.keepAlive) w.close();
    const m = w.end();
    if (m == 0) return false;
    this.outStart = 0;
    this.outEnd = n + m;
    this.bodyPtr = ptr;
    this.bodyLeft = contentType !== null ? len : 0;
    this.handler = handler;
    this.headRequest = method == "HEAD";
    this.closeAfter = !this.keepAlive;
    this.startResponse();
    const conn = this.conn;
    if (conn && conn.state == TcpState.Established && !conn.finReceived) this.send();
    else this.connect(now);
    return true;
  }

  private connect(now: i64): void {
    const old = this.conn;
    if (old) {
      old.handler = null;
      if (old.state != TcpState.Closed) old.abort(now < 0 ? 0 : now);
    }
    const stack = this.stack;
    const conn = stack
      ? stack.connect(this.addr, this.port, this)
      : this.iface.connectTcp(this.addr, this.port, this, now);
    this.conn = conn;
    if (!conn) this.fail("no connection could be opened");
    else this.connections++;
  }

  private startResponse(): void {
    const r = this.response;
    r.status = 0;
    r.received = 0;
    r.error = "";
    r.head.reset();
    this.phase = Phase.Head;
    this.lineLen = 0;
  }

  connected(conn: TcpConnection, now: i64): void {
    if (conn === this.conn) this.send();
  }

  writable(conn: TcpConnection, now: i64): void {
    if (conn === this.conn) this.send();
  }

  readable(conn: TcpConnection, now: i64): void {
    if (conn !== this.conn) return;
    const base = changetype<usize>(this.input);
    for (;;) {
      const n = conn.read(base, <u32>this.input.length);
      if (n == 0) break;
      if (this.handler) this.receive(base, n);
    }
    if (conn.finReceived) {
      if (this.handler && this.phase == Phase.UntilClose) this.finish();
      else if (this.handler) this.fail("the server closed the connection before the response ended");
      conn.close(now);
      this.conn = null;
      conn.handler = null;
    }
  }

  closed(conn: TcpConnection, reason: CloseReason, now: i64): void {
    if (conn !== this.conn) return;
    this.conn = null;
    if (!this.handler) return;
    if (this.phase == Phase.UntilClose && reason == CloseReason.Normal) this.finish();
    else this.fail("the connection closed before the response ended");
  }

  // Writes what is left of the request.
  private send(): void {
    const conn = this.conn;
    if (!conn || !this.handler) return;
    if (this.outStart < this.outEnd) {
      this.outStart += conn.write(changetype<usize>(this.out) + this.outStart, this.outEnd - this.outStart);
      if (this.outStart < this.outEnd) return;
    }
    while (this.bodyLeft > 0) {
      const k = conn.write(this.bodyPtr, this.bodyLeft);
      if (k == 0) return;
      this.bodyPtr += k;
      this.bodyLeft -= k;
    }
    this.keep = null;
  }

  // Parses `len` response bytes at `ptr`.
  private receive(ptr: usize, len: u32): void {
    let i: u32 = 0;
    const res = this.response;
    while (i < len && this.handler) {
      const phase = this.phase;
      if (phase == Phase.Head) {
        const h = res.head;
        const c = load<u8>(ptr + i++);
        if (h.len >= <u32>h.buf.length) return this.fail("the response head is too large");
        store<u8>(h.base + h.len++, c);
        if (c != LF) continue;
        if (this.lineEnded()) continue;
        return;
      }
      if (phase == Phase.Chunked) {
        const d = this.chunks;
        i += d.feed(ptr + i, len - i);
        if (d.status) return this.fail("bad chunked framing");
        if (d.dataLen) {
          res.received += d.dataLen;
          this.handler!.body(res, d.dataPtr, d.dataLen);
        } else if (d.done) this.finish();
        continue;
      }
      let n = len - i;
      if (phase == Phase.Fixed) n = <u32>min<u64>(n, this.remaining);
      res.received += n;
      this.handler!.body(res, ptr + i, n);
      i += n;
      if (phase == Phase.Fixed && (this.remaining -= n) == 0) this.finish();
    }
  }

  // A head line ended (its LF is the last byte in the head buffer); false if the request failed or ended.
  private lineEnded(): bool {
    const res = this.response;
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
        return true;
      }
      if (end - start < 12 || !bytesEqual(p, 7, "HTTP/1.") || load<u8>(p + 8) != 0x20) {
        this.fail("bad status line");
        return false;
      }
      let code: u32 = 0;
      for (let k = 9; k < 12; k++) {
        const d = <u32>load<u8>(p + k) - 0x30;
        if (d > 9) {
          this.fail("bad status code");
          return false;
        }
        code = code * 10 + d;
      }
      h.version = load<u8>(p + 7) == 0x31 ? 11 : 10;
      res.status = code;
      if (code < 200) res.status = 0; // 100 Continue and the like: skip, the real head follows
      h.len = this.lineLen = 0;
      return true;
    }
    if (end > start) {
      if (h.field(start, end, (<u32>h.table.length) >> 2) != 0) {
        this.fail("bad header field");
        return false;
      }
      return true;
    }
    // The empty line: the head is complete; decide the framing.
    if (h.version == 10 || h.hasToken("connection", "close")) this.closeAfter = true;
    this.handler!.head(res);
    if (!this.handler) return false;
    if (this.headRequest || !statusHasBody(res.status)) this.finish();
    else if (h.hasToken("transfer-encoding", "chunked")) {
      this.chunks.reset();
      this.chunks.maxTrailer = h.buf.length;
      this.phase = Phase.Chunked;
    } else if (h.hasContentLength) {
      this.remaining = h.contentLength;
      this.phase = Phase.Fixed;
      if (this.remaining == 0) this.finish();
    } else {
      this.phase = Phase.UntilClose;
      this.closeAfter = true;
    }
    return this.handler != null;
  }

  private finish(): void {
    this.end(true);
  }

  private fail(why: string): void {
    this.response.error = why;
    this.closeAfter = true;
    this.end(false);
  }

  private end(ok: bool): void {
    const handler = this.handler;
    this.handler = null;
    this.phase = Phase.Idle;
    this.keep = null;
    const conn = this.conn;
    if (conn && this.closeAfter) {
      conn.handler = null;
      if (ok) conn.close(0);
      else conn.abort(0);
      this.conn = null;
    }
    if (handler) handler.done(this.response, ok);
  }
}

function copyAscii(base: usize, n: u32, s: string): u32 {
  for (let i = 0; i < s.length; i++) store<u8>(base + n++, <u8>s.charCodeAt(i));
  return n;
}

function writeDecimal(base: usize, n: u32, v: u32): u32 {
  let digits: u32 = 1;
  for (let t = v; t >= 10; t /= 10) digits++;
  for (let k = digits; k > 0; k--) {
    store<u8>(base + n + k - 1, <u8>(0x30 + (v % 10)));
    v /= 10;
  }
  return n + digits;
}

// Writes "a.b.c.d[:port]\r\n" for the Host field.
function writeHost(base: usize, n: u32, addr: u32, port: u32): u32 {
  for (let s = 24; s >= 0; s -= 8) {
    n = writeDecimal(base, n, (addr >> s) & 0xff);
    if (s) store<u8>(base + n++, 0x2e);
  }
  if (port != 80) {
    store<u8>(base + n++, 0x3a);
    n = writeDecimal(base, n, port);
  }
  store<u16>(base + n, 0x0a0d);
  return n + 2;
}
