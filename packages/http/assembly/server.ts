// The HTTP/1.1 server: accepts TCP connections, parses their requests, hands them to a handler and writes the
// responses back in order, with keep-alive, pipelining, limits and timeouts.
//
// Each connection's state is allocated once and pooled (up to `poolSize`, the rest freed): a read buffer, the parser (head buffer and field table),
// the response's write buffer, and, the first time a body is collected, a body buffer. While a response is not
// fully queued in the send buffer the connection reads nothing more, so a pipelining peer that never reads what
// it is sent fills its own window, not our memory. A connection with no progress for `idleTimeout` is closed
// (idle between requests), answered 408 (stuck in a request) or reset (stuck in a response). A head must also be
// complete `headerTimeout` after its first byte, and a body keep up `minBodyRate` after `bodyTimeout` (else 408),
// however often bytes trickle in. A full table makes room for a new connection by giving up the one that has gone
// longest without a complete request (idle or slow; never one mid-response).

import { Timer } from "@tessera/runtime/assembly/heap";
import { Loop } from "@tessera/runtime/assembly/loop";
import { Interface } from "@tessera/net/assembly/iface/interface";
import { Stack } from "@tessera/net/assembly/stack";
import { TcpConnection, TcpHandler } from "@tessera/net/assembly/tcp/connection";
import { TcpAcceptor, TcpListener } from "@tessera/net/assembly/tcp/endpoint";
import { CloseReason } from "@tessera/net/assembly/tcp/state";
import { HttpHandler, HttpRequest, HttpResponse } from "./exchange";
import {
  CONTINUE_100,
  CONTINUE_100_LENGTH,
  CONTINUE_100_LINE,
  CONTINUE_100_LINE_LENGTH,
  EXPECT,
  EXPECT_LENGTH,
} from "./tables";
import { Method } from "./head";
import { Limits, ParseState, Parser } from "./parser";

const SECOND: i64 = 1_000_000_000;
const NEVER: i64 = i64.MAX_VALUE;
/** A collected body's buffer larger than this is let go after its request, not kept for the connection's next. */
const KEPT_BODY_BUFFER: i32 = 16384;

/** The server's limits and sizes: the parser's (`Limits`: head bytes, fields, target, body) and its own. */
export class HttpLimits extends Limits {
  /** The largest body collected for `handle` (413 above it); a handler that streams the body is not bound by it. */
  maxBufferedBody: u32 = 16384;
  /** Connections at once; a further one takes the place of the one longest without a complete request. */
  maxConnections: i32 = 64;
  /** Bytes read from TCP at a time (per connection). */
  readBuffer: u32 = 4096;
  /** The response head's room, also the staging buffer of text and streamed bodies (per connection). */
  writeBuffer: u32 = 2048;
  /** A connection without progress this long is closed (ns; 0 is never). */
  idleTimeout: i64 = 30 * SECOND;
  /** The longest a request head may take from its first byte (empty lines before it count), in ns (0: no bound). */
  headerTimeout: i64 = 10 * SECOND;
  /** The longest a body may take from the end of its head, plus a second per `minBodyRate` bytes received (ns). */
  bodyTimeout: i64 = 10 * SECOND;
  /** Bytes a second a body must keep up after `bodyTimeout` (0: `bodyTimeout` bounds the whole body). */
  minBodyRate: u32 = 1024;
  /** Closed connections' state kept for reuse; the rest is freed, so memory returns to its baseline after a burst. */
  poolSize: i32 = 8;

  /** The bytes one connection's state takes (its buffers, head and field table, and about 1 KiB of objects). */
  connectionBytes(): u64 {
    return <u64>this.maxHeaderBytes + <u64>this.maxHeaders * 16 + this.readBuffer + this.writeBuffer + 1024;
  }
}

// One TCP connection's HTTP side (pooled by the server).
class ServerConnection extends TcpHandler {
  tcp: TcpConnection | null = null;
  /** Index in the server's list of active connections. */
  index: i32 = -1;
  readonly parser: Parser;
  readonly req: HttpRequest;
  readonly res: HttpResponse;
  private readonly input: StaticArray<u8>;
  private inOff: u32 = 0;
  private inLen: u32 = 0;
  private bodyBuf: StaticArray<u8> | null = null;
  private route: HttpHandler; // the request's handler, once its head is in
  private streaming: bool = false;
  /** A request is complete and its response is not fully queued. */
  responding: bool = false;
  private closing: bool = false;
  private busy: bool = false;
  /** The last time bytes moved either way. */
  lastActive: i64 = 0;
  /** Since when the connection has been without a complete request: its accept, or its last response. */
  waiting: i64 = 0;
  private stage: u32 = 0; // 0 between requests, 1 in a head, 2 in a body
  private since: i64 = 0; // when the stage began: the head's first byte, the head's end

  constructor(private readonly server: HttpServer) {
    super();
    const limits = server.limits;
    const parser = new Parser(limits);
    this.parser = parser;
    this.req = new HttpRequest(parser.head);
    this.res = new HttpResponse(limits.writeBuffer);
    this.input = new StaticArray<u8>(<i32>max<u32>(limits.readBuffer, 256));
    this.route = server.handler;
  }

  open(remoteAddr: u32, remotePort: u32, now: i64): void {
    this.parser.reset();
    this.req.remoteAddr = remoteAddr;
    this.req.remotePort = remotePort;
    this.inOff = this.inLen = 0;
    this.responding = this.closing = this.busy = false;
    this.stage = 0;
    this.lastActive = this.waiting = now;
  }

  connected(conn: TcpConnection, now: i64): void {
    this.tcp = conn;
    this.res.reset(conn, 11, true, false);
  }

  readable(conn: TcpConnection, now: i64): void {
    this.serve(now);
  }

  writable(conn: TcpConnection, now: i64): void {
    if (now > this.lastActive) this.lastActive = now;
    if (this.responding && this.res.pump()) this.responded();
    this.serve(this.lastActive);
  }

  closed(conn: TcpConnection, reason: CloseReason, now: i64): void {
    this.detach();
  }

  // Ends the connection with a FIN after what is queued (or a RST if `abort`) and returns this state to the pool
  // at once: TCP finishes the close on its own (TIME-WAIT lasts minutes) and needs nothing more from us.
  private end(now: i64, abort: bool): void {
    const tcp = this.tcp;
    this.closing = true;
    if (!tcp) return;
    tcp.handler = null;
    if (abort) tcp.abort(now);
    else tcp.close(now);
    this.detach();
  }

  private detach(): void {
    this.res.release(); // (its code stays the status answered, for a handler that logs it after sending)
    this.tcp = null;
    this.server.release(this);
  }

  /** When `expire` has something to do: no progress for `idleTimeout`, or a head or body too slow. */
  deadline(): i64 {
    if (this.index < 0) return NEVER;
    const l = this.server.limits;
    const stage = this.stage;
    let at = l.idleTimeout > 0 ? this.lastActive + l.idleTimeout : NEVER;
    const bound = stage == 1 ? l.headerTimeout : stage == 2 ? l.bodyTimeout : 0;
    if (bound > 0) {
      const rate = <u64>l.minBodyRate;
      const more = stage == 2 && rate ? <i64>(this.parser.bodyReceived / rate) * SECOND : 0;
      at = min(at, this.since + bound + more);
    }
    return at;
  }

  /** Closes, answers 408 or resets the connection if its `deadline` has passed. */
  expire(now: i64): void {
    if (!this.tcp || now < this.deadline()) return;
    if (this.responding) this.end(now, true);
    else if (this.parser.idle) this.end(now, false);
    else this.fail(408, now);
  }

  /** Makes room in a full table: closes the connection if idle, resets it inside a request. */
  evict(now: i64, reset: bool = false): void {
    this.end(now, reset || !this.parser.idle);
  }

  // Enters stage 1 (a head) or 2 (a body) at `now`; the server's timer must fire by the new deadline.
  private begin(stage: u32, now: i64): void {
    this.stage = stage;
    this.since = now;
    this.server.wake(this.deadline());
  }

  // Reads and parses until a response waits for the send buffer, the input runs dry, or the connection closes.
  private serve(now: i64): void {
    const tcp = this.tcp;
    if (!tcp || this.busy) return;
    this.busy = true;
    const parser = this.parser;
    const base = changetype<usize>(this.input);
    while (!this.closing && !this.responding) {
      // A feed that produced an event may have more to say with no more bytes (`Complete` after `Head`).
      if (this.inOff == this.inLen && parser.state == ParseState.NeedMore) {
        this.inOff = 0;
        this.inLen = tcp.read(base, <u32>this.input.length);
        if (this.inLen == 0) {
          if (tcp.finReceived) this.end(now, false); // the peer is done (a request cut short gets no answer)
          break;
        }
        this.lastActive = now;
      }
      this.inOff += parser.feed(base + this.inOff, this.inLen - this.inOff);
      if (!this.stage && !parser.idle) this.begin(1, now); // the first byte of a head
      const state = parser.state;
      if (state == ParseState.Head) this.onHead(tcp, now);
      else if (state == ParseState.Body) this.onBody(parser.bodyPtr, parser.bodyLen, now);
      else if (state == ParseState.Complete) this.onComplete(tcp, now);
      else if (state == ParseState.Error) this.fail(parser.status, now);
    }
    this.busy = false;
  }

  private onHead(tcp: TcpConnection, now: i64): void {
    const req = this.req;
    const head = this.parser.head;
    req.bodyPtr = 0;
    req.bodyLength = 0;
    req.routeLen = head.pathLen();
    this.begin(2, now);
    const route = this.server.handler.select(req);
    this.route = route;
    this.streaming = route.streamsBody(req);
    if (!this.streaming && head.contentLength > this.server.limits.maxBufferedBody) return this.fail(413, now);
    // RFC 9110 §10.1.1: a client waiting for 100 Continue before it sends the body gets it (or the error above).
    if (
      head.version == 11 &&
      (head.hasContentLength || head.chunked) &&
      head.hasTokenBytes(EXPECT, EXPECT_LENGTH, CONTINUE_100, CONTINUE_100_LENGTH)
    )
      tcp.write(CONTINUE_100_LINE, CONTINUE_100_LINE_LENGTH);
  }

  private onBody(ptr: usize, len: u32, now: i64): void {
    const req = this.req;
    if (this.streaming) {
      this.route.body(req, ptr, len);
      return;
    }
    const limit = this.server.limits.maxBufferedBody;
    const need = req.bodyLength + len;
    if (need > limit) return this.fail(413, now);
    let buf = this.bodyBuf;
    if (!buf || <u32>buf.length < need) {
      // As long as the declared length, or for a chunked body twice what it had (at least 4 KiB); never over the limit.
      const head = this.parser.head;
      const want = head.hasContentLength ? <u32>head.contentLength : max<u32>(4096, buf ? (<u32>buf.length) << 1 : 0);
      const grown = new StaticArray<u8>(<i32>min(limit, max(need, want)));
      if (buf) memory.copy(changetype<usize>(grown), changetype<usize>(buf), req.bodyLength);
      this.bodyBuf = buf = grown;
    }
    memory.copy(changetype<usize>(buf) + req.bodyLength, ptr, len);
    req.bodyLength = need;
  }

  private onComplete(tcp: TcpConnection, now: i64): void {
    const req = this.req;
    const parser = this.parser;
    const buf = this.bodyBuf;
    if (buf && !this.streaming) req.bodyPtr = changetype<usize>(buf);
    this.res.reset(tcp, parser.head.version, parser.keepAlive, parser.head.method == Method.Head);
    this.responding = true;
    this.stage = 0;
    this.server.requests++;
    this.route.handle(req, this.res);
    if (this.res.done) this.responded();
  }

  // The response is queued: close if it said so, else carry on with the next request.
  private responded(): void {
    if (!this.responding) return;
    this.responding = false;
    this.waiting = this.lastActive;
    this.route = this.server.handler; // (lets a handler made for the request go)
    // A body buffer grown past the usual size goes too, so a large upload does not pin its memory to the connection.
    const buf = this.bodyBuf;
    if (buf && buf.length > KEPT_BODY_BUFFER) this.bodyBuf = null;
    if (!this.res.keepAlive) this.end(this.lastActive, false);
  }

  // Answers `status` with an empty body and closes (a malformed request, a limit, a timeout).
  private fail(status: u32, now: i64): void {
    if (this.responding) return this.end(now, true); // a response is under way: nothing else can be said
    this.res.reset(this.tcp, 11, false, false);
    this.responding = true;
    this.res.status(status).end();
    if (this.res.done) this.responded();
    this.closing = true;
  }
}

// Runs the server's timeouts on the stack's loop.
class IdleTimer extends Timer {
  server: HttpServer | null = null;

  fire(now: i64): void {
    const server = this.server;
    if (!server) return;
    server.poll(now);
    server.schedule();
  }
}

/**
 * An HTTP/1.1 server: `HttpServer.listen(stack, 80, router)`. Each request goes to `handler` (usually a
 * `Router`), whose `select` picks the handler that answers it.
 */
export class HttpServer extends TcpAcceptor {
  /** The TCP listener, once listening. */
  listener: TcpListener | null = null;
  /** Connections accepted so far. */
  accepted: u64 = 0;
  /** Requests handed to a handler so far (complete requests; those answered with an error by the server are not). */
  requests: u64 = 0;
  /** Handshakes refused because `maxConnections` were open, all of them mid-response. */
  refused: u64 = 0;
  /** Connections given up to make room for a new one (`maxConnections` were open). */
  evicted: u64 = 0;
  private readonly active: Array<ServerConnection> = new Array<ServerConnection>();
  private readonly pool: Array<ServerConnection> = new Array<ServerConnection>();
  private loop: Loop | null = null;
  private readonly timer: IdleTimer = new IdleTimer();

  /** A server for `handler` with `limits` (the defaults if omitted); call `listenOn` or use `HttpServer.listen`. */
  constructor(
    /** Who answers requests. */
    readonly handler: HttpHandler,
    /** Limits and buffer sizes, shared by all connections (do not change the parser's after the first). */
    readonly limits: HttpLimits = new HttpLimits(),
  ) {
    super();
    this.timer.server = this;
  }

  /** Serves `handler` on TCP `port` of `stack`, with timeouts on the stack's loop; null if the port is taken. */
  static listen(
    stack: Stack,
    port: u32,
    handler: HttpHandler,
    limits: HttpLimits = new HttpLimits(),
  ): HttpServer | null {
    const server = new HttpServer(handler, limits);
    return server.listenOn(stack.iface, port, stack.loop) ? server : null;
  }

  /**
   * Listens on `port` of `iface`; false if the port is taken. The idle timeouts run on `loop` if given (a stack's:
   * `server.listenOn(stack.iface, 80, stack.loop)`), else call `poll` (when `pollAt` says), as tests do.
   */
  listenOn(iface: Interface, port: u32, loop: Loop | null = null): bool {
    const listener = iface.listenTcp(port, this);
    if (listener) listener.stateBytes = this.limits.connectionBytes(); // TCP's memory budget counts it with each connection
    this.listener = listener;
    this.loop = loop;
    return this.listener != null;
  }

  /** The timer that runs `poll` on the loop (armed while a connection may time out). */
  get idleTimer(): Timer {
    return this.timer;
  }

  /** Open connections. */
  get connections(): i32 {
    return this.active.length;
  }

  accept(remoteAddr: u32, remotePort: u32, now: i64): TcpHandler | null {
    const active = this.active;
    if (active.length >= this.limits.maxConnections) {
      const victim = this.victim();
      if (!victim) {
        this.refused++;
        return null;
      }
      victim.evict(now);
      this.evicted++;
    }
    const pool = this.pool;
    const c = pool.length > 0 ? pool.pop() : new ServerConnection(this);
    c.open(remoteAddr, remotePort, now);
    c.index = active.length;
    active.push(c);
    this.accepted++;
    this.wake(c.deadline());
    return c;
  }

  // The connection that gives up its place for a new one: the one longest without a complete request
  // (idle or slow), never one mid-response; null if every connection is mid-response.
  private victim(): ServerConnection | null {
    const active = this.active;
    let victim: ServerConnection | null = null;
    for (let i = 0, n = active.length; i < n; i++) {
      const c = unchecked(active[i]);
      if (!c.responding && (!victim || c.waiting < victim.waiting)) victim = c;
    }
    return victim;
  }

  /** TCP's table or memory budget is full: the connection longest without a complete request is reset for a new client. */
  makeRoom(now: i64): TcpConnection | null {
    const victim = this.victim();
    if (!victim) return null;
    const tcp = victim.tcp;
    victim.evict(now, true);
    this.evicted++;
    return tcp;
  }

  /** Returns a closed connection's state to the pool (its connection calls this). */
  release(c: ServerConnection): void {
    const i = c.index;
    if (i < 0) return;
    const active = this.active;
    const last = active.pop();
    if (last !== c) {
      unchecked((active[i] = last));
      last.index = i;
    }
    c.index = -1;
    if (this.pool.length < this.limits.poolSize) this.pool.push(c);
  }

  /** Runs the timeouts due at `now`. */
  poll(now: i64): void {
    const active = this.active;
    for (let i = active.length - 1; i >= 0; i--) if (i < active.length) unchecked(active[i]).expire(now);
  }

  /** When `poll` next has something to do (i64.MAX_VALUE: never). */
  pollAt(): i64 {
    let at = NEVER;
    const active = this.active;
    for (let i = 0, n = active.length; i < n; i++) at = min(at, unchecked(active[i]).deadline());
    return at;
  }

  /** Arms the timer for `at` if it is not armed for sooner (nothing without a loop). */
  wake(at: i64): void {
    const loop = this.loop;
    const timer = this.timer;
    if (loop && at != NEVER && (!timer.armed || at < timer.deadline)) loop.at(timer, at);
  }

  /** Arms the timer on the loop for `pollAt` (nothing without a loop). */
  schedule(): void {
    const loop = this.loop;
    if (!loop) return;
    const at = this.pollAt();
    if (at == NEVER) this.timer.cancel();
    else loop.at(this.timer, at);
  }
}
