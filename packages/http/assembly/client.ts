// A small HTTP/1.1 client: one request at a time to one server, named by a host name (looked up through DNS) or a
// dotted IPv4 address, over a kept-alive connection (opened on first use, reopened when the server closed it).
// Responses framed by Content-Length, chunked, or by the close (parsed by client-response.ts).
//
//   request ──> address known and within its TTL? ──no──> DnsResolver (config.dns) ──> resolved / Dns failure
//                     │ yes                                                                 │
//                     ▼                                                                     ▼
//               TCP connect ──> refused / unreachable / SYNs unanswered: a failure; the name is looked up again
//                     │         (no connection within connectTimeout, lookup included: ConnectTimeout)
//                     ▼
//   request sent ──> response (head, body, done) within `timeout` of the sending, or Timeout; aborted on failure
//
// It reads no clock of its own: a client opened on a Stack arms a timer on the stack's loop; one made on an
// Interface (the specs) is driven by `poll(now)` at `pollAt()`.

import { Timer } from "@tessera/runtime/assembly/heap";
import { formatIpv4, parseIpv4 } from "@tessera/net/assembly/iface/config";
import { Interface } from "@tessera/net/assembly/iface/interface";
import { DnsError, DnsHandler, DnsResolver, dnsErrorName } from "@tessera/net/assembly/socket/dns";
import { Stack } from "@tessera/net/assembly/stack";
import { TcpConnection, TcpHandler } from "@tessera/net/assembly/tcp/connection";
import { CloseReason, TcpState } from "@tessera/net/assembly/tcp/state";
import { ClientFailure, ClientResponse, HttpResponseHandler, ReadOutcome, ResponseReader } from "./client-response";
import { ResponseWriter } from "./response";

export { ClientFailure, ClientResponse, HttpResponseHandler, TextResponseHandler } from "./client-response";

const SECOND: i64 = 1_000_000_000;
const NEVER: i64 = i64.MAX_VALUE;

enum Stage {
  Idle, // no request
  Resolving, // looking the host name up
  Connecting, // the SYN is out
  Open, // the request is being sent and answered
}

/**
 * An HTTP/1.1 client for one server: `HttpClient.open(stack, "kv").get("/kv/a", handler)`; one request at a time
 * (`busy` until the handler's `done`). `keepAlive` false asks the server to close after each response.
 */
export class HttpClient extends TcpHandler {
  /** Keep the connection for the next request (default) or send `Connection: close`. */
  keepAlive: bool = true;
  /** How long opening a connection may take, the name's lookup included, in ns (0: no bound). */
  connectTimeout: i64 = 10 * SECOND;
  /** How long a response may take, from the request being sent to its last byte, in ns (0: no bound). */
  timeout: i64 = 30 * SECOND;
  /** The response being received. */
  readonly response: ClientResponse;
  /** Connections opened so far. */
  connections: u32 = 0;
  /** Requests sent again because the server closed their kept-alive connection before answering. */
  retries: u32 = 0;
  /** DNS lookups started so far (0 for a dotted IPv4 host). */
  lookups: u32 = 0;
  /** The server's address: the dotted host's, or the name's latest (0 before the first lookup). */
  address: u32 = 0;
  private addressUntil: i64 = NEVER; // when the address's TTL runs out
  private readonly named: bool;
  private conn: TcpConnection | null = null;
  private stack: Stack | null = null;
  private handler: HttpResponseHandler | null = null;
  private readonly reader: ResponseReader;
  private readonly out: StaticArray<u8>;
  private readonly input: StaticArray<u8>;
  private readonly w: ResponseWriter = new ResponseWriter();
  private outStart: u32 = 0;
  private outEnd: u32 = 0;
  private bodyPtr: usize = 0; // the request body still to write
  private bodyLeft: u32 = 0;
  private keep: ArrayBuffer | null = null; // the body `post` or `put` encoded, until done
  private stage: Stage = Stage.Idle;
  private deadline: i64 = NEVER; // the stage's: the connection's, then the response's
  private resolver: DnsResolver | null = null;
  private lookup: Lookup | null = null;
  private timer: PollTimer | null = null;
  private now: i64 = 0; // the latest time given or read
  private starting: bool = false; // inside `request`: a failure waits for the next poll
  private pending: ClientFailure = ClientFailure.None;
  private pendingWhy: string = "";
  private bodyStart: usize = 0; // the request body, for a retry
  private bodyLen: u32 = 0;
  private headRequest: bool = false;
  private retry: bool = false; // the request went on a kept-alive connection and may be sent once more

  /**
   * A client of `host:port` through `iface` (requests then need their `now`, and `poll` drives the timeouts);
   * see `HttpClient.open` for a stack. `host` is a DNS name ("kv") or a dotted IPv4 address ("10.0.0.1").
   */
  constructor(
    private readonly iface: Interface,
    /** The server's name or dotted address, as given (it is the Host field). */
    readonly host: string,
    /** The server's port. */
    readonly port: u32 = 80,
    maxHeadBytes: u32 = 8192,
  ) {
    super();
    const response = new ClientResponse(maxHeadBytes, 64);
    this.response = response;
    this.out = new StaticArray<u8>(1024);
    this.input = new StaticArray<u8>(4096);
    this.reader = new ResponseReader(response);
    const ip = parseIpv4(changetype<usize>(String.UTF8.encode(host)), <u32>String.UTF8.byteLength(host));
    this.named = ip < 0;
    if (ip < 0) this.addressUntil = i64.MIN_VALUE;
    else this.address = <u32>ip;
  }

  /** A client of `host:port` on `stack` (its loop gives the time; names are looked up at `config.dns`). */
  static open(stack: Stack, host: string, port: u32 = 80): HttpClient {
    const c = new HttpClient(stack.iface, host, port);
    c.stack = stack;
    return c;
  }

  /** A client of the IPv4 address `addr` (host order) and `port` on `stack`. */
  static openAddress(stack: Stack, addr: u32, port: u32 = 80): HttpClient {
    return HttpClient.open(stack, formatIpv4(addr), port);
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
    this.keep = b; // until done
    return this.request("POST", path, contentType, changetype<usize>(b), <u32>b.byteLength, handler, now);
  }

  /** PUT `body` (UTF-8) to `path` as `contentType`. */
  put(path: string, contentType: string, body: string, handler: HttpResponseHandler, now: i64 = -1): bool {
    if (this.handler) return false;
    const b = String.UTF8.encode(body);
    this.keep = b; // until done: a PUT is idempotent, so it may be sent again on a new connection
    return this.request("PUT", path, contentType, changetype<usize>(b), <u32>b.byteLength, handler, now);
  }

  /**
   * Sends `method path` with a body of `len` bytes at `ptr` (which must stay unchanged until `done`; `contentType`
   * null for no body), to be answered to `handler`. False if a request is under way or the head does not fit
   * (then `handler` hears nothing); otherwise `handler.done` is called exactly once, later.
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
    if (<u32>(method.length + path.length + this.host.length) + 80 > cap) return false;
    for (let i = 0; i < method.length; i++) store<u8>(base + i, <u8>method.charCodeAt(i));
    let n = <u32>method.length;
    store<u8>(base + n++, 0x20);
    for (let i = 0; i < path.length; i++) {
      const c = <u32>path.charCodeAt(i);
      if (c <= 0x20 || c >= 0x7f) return false;
      store<u8>(base + n++, <u8>c);
    }
    n = copyAscii(base, n, " HTTP/1.1\r\nHost: ");
    n = writeHost(base, n, this.host, this.port);
    if (n == 0) return false;
    const w = this.w.fields(base + n, cap - n);
    if (contentType !== null) w.header("Content-Type", contentType).contentLength(len);
    if (!this.keepAlive) w.close();
    const m = w.end();
    if (m == 0) return false;
    now = this.time(now);
    this.outStart = 0;
    this.outEnd = n + m;
    this.bodyPtr = ptr;
    this.bodyLeft = this.bodyLen = contentType !== null ? len : 0;
    this.bodyStart = ptr;
    this.headRequest = method == "HEAD";
    this.handler = handler;
    this.reader.start(handler, this.headRequest, !this.keepAlive);
    this.starting = true;
    const conn = this.conn;
    const reuse = conn != null && conn.state == TcpState.Established && !conn.finReceived;
    this.retry = reuse && method != "POST" && method != "PATCH"; // idempotent (RFC 9110 §9.2.2)
    if (reuse) this.opened(now);
    else this.connect(now);
    this.starting = false;
    this.arm();
    return true;
  }

  /** Runs the timeouts and the lookup's retries that are due (a stack's client has a timer that calls this). */
  poll(now: i64): void {
    this.now = now;
    if (this.pending != ClientFailure.None) this.fail(this.pending, this.pendingWhy);
    const resolver = this.resolver;
    if (this.stage == Stage.Resolving && resolver) resolver.poll(now);
    if (this.handler && now >= this.deadline) {
      if (this.stage == Stage.Open)
        this.fail(ClientFailure.Timeout, "no complete response within " + duration(this.timeout));
      else {
        const why = this.stage == Stage.Resolving ? " (the name's lookup had no answer yet)" : "";
        this.fail(ClientFailure.ConnectTimeout, "connect timed out after " + duration(this.connectTimeout) + why);
      }
    }
    this.arm();
  }

  /** When `poll` next has something to do (i64.MAX_VALUE: nothing, no request is under way). */
  pollAt(): i64 {
    if (!this.handler) return NEVER;
    if (this.pending != ClientFailure.None) return this.now;
    const resolver = this.resolver;
    if (this.stage == Stage.Resolving && resolver) return min(this.deadline, resolver.pollAt());
    return this.deadline;
  }

  /** The lookup found `addr`, good for `ttl` seconds (the client's DNS handler calls this). */
  resolvedTo(addr: u32, ttl: u32): void {
    if (this.stage != Stage.Resolving) return;
    const now = this.time(-1);
    this.address = addr;
    this.addressUntil = now + <i64>ttl * SECOND;
    this.dial(now);
    this.arm();
  }

  /** The lookup failed (the client's DNS handler calls this). */
  lookupFailed(reason: DnsError): void {
    if (this.stage != Stage.Resolving) return;
    this.time(-1);
    this.fail(ClientFailure.Dns, "DNS lookup failed: " + dnsErrorName(reason));
  }

  connected(conn: TcpConnection, now: i64): void {
    if (conn !== this.conn || this.stage != Stage.Connecting) return;
    this.opened(this.time(now));
    this.arm();
  }

  writable(conn: TcpConnection, now: i64): void {
    if (conn === this.conn) this.send();
  }

  readable(conn: TcpConnection, now: i64): void {
    if (conn !== this.conn) return;
    this.time(now);
    const base = changetype<usize>(this.input);
    while (conn === this.conn) {
      const n = conn.read(base, <u32>this.input.length);
      if (n == 0) break;
      if (!this.handler) continue;
      const r = this.reader.feed(base, n);
      if (r == ReadOutcome.Complete) this.end(true);
      else if (r == ReadOutcome.Failed) this.fail(this.reader.failure, "bad response: " + this.reader.why);
    }
    if (conn === this.conn && conn.finReceived) {
      if (this.handler && this.reader.untilClose) this.end(true);
      else if (this.handler)
        this.fail(ClientFailure.Closed, "the server closed the connection before the response ended");
      if (conn === this.conn) {
        conn.handler = null;
        conn.close(now);
        this.conn = null;
      }
    }
  }

  closed(conn: TcpConnection, reason: CloseReason, now: i64): void {
    if (conn !== this.conn) return;
    this.conn = null;
    if (!this.handler) return;
    this.time(now);
    if (this.stage == Stage.Connecting) {
      if (this.named) this.addressUntil = i64.MIN_VALUE; // look the name up again for the next connection
      if (reason == CloseReason.Refused) this.fail(ClientFailure.Refused, "connection refused");
      else if (reason == CloseReason.Unreachable) this.fail(ClientFailure.Unreachable, "host unreachable");
      else if (reason == CloseReason.TimedOut) this.fail(ClientFailure.ConnectTimeout, "no answer to the SYNs");
      else this.fail(ClientFailure.Reset, "the connection was reset while opening");
    } else if (this.reader.untilClose && reason == CloseReason.Normal) this.end(true);
    else if (reason == CloseReason.Reset) this.fail(ClientFailure.Reset, "the server reset the connection");
    else if (reason == CloseReason.TimedOut || reason == CloseReason.Unreachable)
      this.fail(ClientFailure.Unreachable, "the server stopped answering (TCP gave up)");
    else this.fail(ClientFailure.Closed, "the connection closed before the response ended");
  }

  // `now`, or the stack's time when it is -1 (or the latest known without a stack), kept as the latest.
  private time(now: i64): i64 {
    const stack = this.stack;
    if (now < 0) now = stack ? stack.loop.now() : this.now;
    this.now = now;
    return now;
  }

  // Opens a connection for the request: from the known address, or after looking the name up.
  private connect(now: i64): void {
    const old = this.conn;
    if (old) {
      old.handler = null;
      if (old.state != TcpState.Closed) old.abort(now);
      this.conn = null;
    }
    this.deadline = this.connectTimeout > 0 ? now + this.connectTimeout : NEVER;
    if (now < this.addressUntil) return this.dial(now);
    this.stage = Stage.Resolving;
    let resolver = this.resolver;
    if (!resolver) this.resolver = resolver = new DnsResolver(this.iface);
    let lookup = this.lookup;
    if (!lookup) this.lookup = lookup = new Lookup(this);
    this.lookups++;
    resolver.resolve(this.host, lookup, now); // one that cannot start calls lookupFailed at once
  }

  // Sends the SYN to the address.
  private dial(now: i64): void {
    this.stage = Stage.Connecting;
    const stack = this.stack;
    const conn = stack
      ? stack.connect(this.address, this.port, this)
      : this.iface.connectTcp(this.address, this.port, this, now);
    this.conn = conn;
    if (!conn) this.fail(ClientFailure.Busy, "no connection could be opened (the connection table is full)");
    else this.connections++;
  }

  // The request has its connection: send it, and time the response.
  private opened(now: i64): void {
    this.stage = Stage.Open;
    this.deadline = this.timeout > 0 ? now + this.timeout : NEVER;
    this.send();
  }

  // Writes what is left of the request.
  private send(): void {
    const conn = this.conn;
    if (!conn || !this.handler || this.stage != Stage.Open) return;
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
  }

  // Arms the stack's timer for `pollAt` (nothing without a stack: the caller polls).
  private arm(): void {
    const stack = this.stack;
    if (!stack) return;
    const at = this.pollAt();
    let timer = this.timer;
    if (at == NEVER) {
      if (timer) timer.cancel();
    } else {
      if (!timer) this.timer = timer = new PollTimer(this);
      if (!timer.armed || timer.deadline != at) stack.loop.at(timer, at);
    }
    stack.schedule(); // a query or a SYN may wait for ARP, an abort's RST to go out
  }

  // Ends the request with `failure`: "host:port (address): why".
  private fail(failure: ClientFailure, why: string): void {
    const res = this.response;
    if (
      this.retry &&
      (failure == ClientFailure.Closed || failure == ClientFailure.Reset) &&
      res.status == 0 &&
      res.head.len == 0
    ) {
      // The server closed the kept-alive connection as the request went out (its idle timeout): send it again,
      // once, on a new connection, as browsers do; nothing of the response had arrived.
      this.retry = false;
      this.outStart = 0;
      this.bodyPtr = this.bodyStart;
      this.bodyLeft = this.bodyLen;
      this.reader.start(this.handler!, this.headRequest, !this.keepAlive);
      this.retries++;
      this.connect(this.now);
      return;
    }
    if (this.starting) {
      this.pending = failure; // `done` is never called from inside `request`
      this.pendingWhy = why;
      return;
    }
    res.failure = failure;
    let at = this.host + ":" + this.port.toString();
    if (this.named && failure != ClientFailure.Dns && this.stage > Stage.Resolving)
      at += " (" + formatIpv4(this.address) + ")";
    res.error = at + ": " + why;
    this.end(false);
  }

  // Ends the request: complete (`ok`) or failed; the connection is closed if it is not kept, aborted on a failure.
  private end(ok: bool): void {
    const handler = this.handler;
    this.handler = null;
    this.reader.stop();
    this.stage = Stage.Idle;
    this.deadline = NEVER;
    this.pending = ClientFailure.None;
    this.retry = false;
    this.keep = null;
    const resolver = this.resolver;
    if (resolver && resolver.busy) resolver.cancel();
    const conn = this.conn;
    if (conn && (!ok || this.reader.closeAfter)) {
      conn.handler = null;
      if (ok) conn.close(this.now);
      else conn.abort(this.now);
      this.conn = null;
    }
    this.arm();
    if (handler) handler.done(this.response, ok);
  }
}

// Hears the client's lookups.
class Lookup extends DnsHandler {
  constructor(readonly client: HttpClient) {
    super();
  }
  resolved(name: string, addresses: StaticArray<u32>, count: i32, ttl: u32): void {
    this.client.resolvedTo(addresses[0], ttl);
  }
  failed(name: string, reason: DnsError): void {
    this.client.lookupFailed(reason);
  }
}

// Polls a stack's client at its `pollAt`.
class PollTimer extends Timer {
  constructor(readonly client: HttpClient) {
    super();
  }
  fire(now: i64): void {
    this.client.poll(now);
  }
}

// "30 s", or "250 ms" for what is not whole seconds.
function duration(ns: i64): string {
  return ns % SECOND == 0 ? (ns / SECOND).toString() + " s" : (ns / 1_000_000).toString() + " ms";
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

// Writes "host[:port]\r\n" for the Host field; 0 if the host has a byte a field may not (a space, CR, non-ASCII).
function writeHost(base: usize, n: u32, host: string, port: u32): u32 {
  for (let i = 0; i < host.length; i++) {
    const c = <u32>host.charCodeAt(i);
    if (c <= 0x20 || c >= 0x7f) return 0;
    store<u8>(base + n++, <u8>c);
  }
  if (port != 80) {
    store<u8>(base + n++, 0x3a);
    n = writeDecimal(base, n, port);
  }
  store<u16>(base + n, 0x0a0d);
  return n + 2;
}
