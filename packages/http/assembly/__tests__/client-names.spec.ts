// The client by name, over the in-memory wire: the client on 10.0.0.2 (b) looks names up at a fake DNS server on
// 10.0.0.1 (a), which also runs the HTTP server. Lookups, the Host field, the TTL, timeouts, and the failures.

import { expect, expectIn, runTests, test } from "@tessera/test/assembly";
import { Pair } from "@tessera/net/assembly/__tests__/memory-wire";
import { UdpHandler } from "@tessera/net/assembly/socket/udp";
import { DnsPacket, DnsRcode } from "@tessera/net/assembly/wire/dns";
import { DnsRepr } from "@tessera/net/assembly/wire/dns-repr";
import { TcpConnection, TcpHandler } from "@tessera/net/assembly/tcp/connection";
import { TcpAcceptor } from "@tessera/net/assembly/tcp/endpoint";
import { CloseReason } from "@tessera/net/assembly/tcp/state";
import { HttpHandler, HttpRequest, HttpResponse } from "@tessera/http/assembly/exchange";
import { ClientFailure, ClientResponse, HttpClient, HttpResponseHandler } from "@tessera/http/assembly/client";
import { HttpServer } from "@tessera/http/assembly/server";
import { MS, SECOND, SERVER_IP, settle } from "@tessera/http/assembly/__tests__/peer";

// ---- the fake DNS server on a's port 53 ---------------------------------------------------------------------

/** Answers A queries for `name` with `address` (TTL `ttl`), NXDOMAIN for other names; drops them all if silent. */
class FakeDns extends UdpHandler {
  name: string = "kv";
  address: u32 = SERVER_IP;
  ttl: u32 = 300;
  nxdomain: bool = false;
  silent: bool = false;
  queries: i32 = 0;
  asked: string = "";
  readonly query: DnsRepr = new DnsRepr();
  readonly out: StaticArray<u8> = new StaticArray<u8>(600);

  constructor(readonly pair: Pair) {
    super();
  }

  datagram(srcAddr: u32, srcPort: u32, ptr: usize, len: u32, now: i64): void {
    this.queries++;
    const q = this.query;
    expect<i32>(q.parse(new DnsPacket().wrap(ptr, len)), 0, "the query parses");
    this.asked = q.nameToString();
    if (this.silent) return;
    const r = new DnsRepr();
    r.id = q.id;
    memory.copy(changetype<usize>(r.name), changetype<usize>(q.name), q.nameLength);
    r.nameLength = q.nameLength;
    r.response = r.recursionAvailable = true;
    const found = !this.nxdomain && q.nameIs(this.name);
    r.rcode = found ? DnsRcode.NoError : DnsRcode.NXDomain;
    const base = changetype<usize>(this.out);
    let n = r.bufferLen();
    const packet = new DnsPacket().wrap(base, n);
    r.emit(packet);
    if (found) {
      // the answer: a pointer to the question's name, A, IN, the TTL, 4 bytes of address
      store<u16>(base + n, bswap<u16>(0xc00c));
      store<u16>(base + n + 2, bswap<u16>(1));
      store<u16>(base + n + 4, bswap<u16>(1));
      store<u32>(base + n + 6, bswap<u32>(this.ttl));
      store<u16>(base + n + 10, bswap<u16>(4));
      store<u32>(base + n + 12, bswap<u32>(this.address));
      n += 16;
      packet.answerCount = 1;
    }
    this.pair.a.sendUdp(53, srcAddr, srcPort, base, n, now);
  }
}

// ---- the HTTP server on a:80, and a server on a:8080 that accepts and never answers -------------------------

class Hello extends HttpHandler {
  requests: i32 = 0;
  host: string = "";
  handle(req: HttpRequest, res: HttpResponse): void {
    this.requests++;
    this.host = req.header("host")!;
    res.send("hello\n");
  }
}

class Mute extends TcpHandler {
  text: string = "";
  reason: CloseReason = CloseReason.Normal;
  closes: i32 = 0;
  readable(conn: TcpConnection, now: i64): void {
    const scratch = new StaticArray<u8>(1024);
    for (;;) {
      const n = conn.read(changetype<usize>(scratch), 1024);
      if (n == 0) break;
      this.text += String.UTF8.decodeUnsafe(changetype<usize>(scratch), n);
    }
  }
  closed(conn: TcpConnection, reason: CloseReason, now: i64): void {
    this.closes++;
    this.reason = reason;
  }
}

class MuteAcceptor extends TcpAcceptor {
  readonly mute: Mute = new Mute();
  accept(remoteAddr: u32, remotePort: u32, now: i64): TcpHandler | null {
    return this.mute;
  }
}

/** Keeps how the request ended, and when. */
class Outcome extends HttpResponseHandler {
  dones: i32 = 0;
  ok: bool = false;
  status: u32 = 0;
  text: string = "";
  failure: ClientFailure = ClientFailure.None;
  error: string = "";
  at: i64 = -1;
  body(res: ClientResponse, ptr: usize, len: u32): void {
    this.text += String.UTF8.decodeUnsafe(ptr, len);
  }
  done(res: ClientResponse, ok: bool): void {
    this.dones++;
    this.ok = ok;
    this.status = res.status;
    this.failure = res.failure;
    this.error = res.error;
    this.at = clock;
  }
}

let clock: i64 = 0;

class Setup {
  readonly pair: Pair;
  readonly dns: FakeDns;
  readonly hello: Hello;
  readonly server: HttpServer;
  readonly mute: MuteAcceptor = new MuteAcceptor();
  readonly client: HttpClient;
  /** Drop every SYN on the wire (a server behind a filter that drops them). */
  dropSyns: bool = false;

  constructor(host: string = "kv", port: u32 = 80) {
    const pair = new Pair();
    pair.b.config.dns = SERVER_IP;
    const dns = new FakeDns(pair);
    const hello = new Hello();
    const server = new HttpServer(hello);
    this.hello = hello;
    this.pair = pair;
    this.dns = dns;
    this.server = server;
    this.client = new HttpClient(pair.b, host, port);
    pair.a.bindUdp(53, dns);
    server.listenOn(pair.a, 80);
    pair.a.listenTcp(8080, this.mute);
    clock = 0;
  }

  /** Runs time from `clock` to `until` in steps of `step` (polling the client, settling the wire), or until `o` is done. */
  run(o: Outcome, until: i64, step: i64 = 10 * MS): void {
    while (clock <= until) {
      this.client.poll(clock);
      settleDropping(this.pair, clock, this.dropSyns);
      if (o.dones > 0) return;
      clock += step;
    }
  }

  /** GETs `path` at the current time and runs until the response ends (at most 60 s). */
  get(path: string = "/"): Outcome {
    const o = new Outcome();
    expect<bool>(this.client.get(path, o, clock), true, "the request starts");
    expect<i32>(o.dones, 0, "done is not called from inside get");
    this.run(o, clock + 60 * SECOND);
    expect<i32>(o.dones, 1, "done once");
    return o;
  }
}

/** As `settle`, but taking the TCP SYNs off the wire, frame by frame, before they are delivered when `drop`. */
function settleDropping(pair: Pair, now: i64, drop: bool): void {
  if (!drop) return settle(pair, now);
  const w = pair.wire;
  for (let k = 0; k < 10_000; k++) {
    pair.a.flush(now);
    pair.b.flush(now);
    pair.a.poll(now);
    pair.b.poll(now);
    while (w.frames.length > 0 && isSyn(w.frames[0])) w.take();
    if (!w.step(now)) return;
  }
}

/** Whether `frame` is an Ethernet frame carrying an IPv4 TCP segment with SYN set. */
function isSyn(frame: StaticArray<u8>): bool {
  const f = changetype<usize>(frame);
  if (frame.length < 54 || load<u16>(f + 12) != 0x0008 || load<u8>(f + 23) != 6) return false;
  const ihl = ((<u32>load<u8>(f + 14)) & 0xf) << 2;
  return (load<u8>(f + 14 + ihl + 13) & 0x02) != 0;
}

// ---- cases ----------------------------------------------------------------------------------------------------

test("a name is looked up, the request goes to its address, and Host is the name", () => {
  const s = new Setup();
  const o = s.get("/x");
  expect<bool>(o.ok, true, o.error);
  expect<u32>(o.status, 200);
  expect<string>(o.text, "hello\n");
  expect<i32>(o.failure, ClientFailure.None);
  expect<i32>(s.dns.queries, 1, "one query");
  expect<string>(s.dns.asked, "kv");
  expect<u32>(s.client.lookups, 1);
  expect<u32>(s.client.address, SERVER_IP);
  expect<i32>(s.hello.requests, 1);
  expect<string>(s.hello.host, "kv");
  // the next request reuses the connection and the address: no second lookup
  const p = s.get("/y");
  expect<bool>(p.ok, true);
  expect<i32>(s.dns.queries, 1);
  expect<u32>(s.client.connections, 1);
});

test("Host carries the port when it is not 80", () => {
  const s = new Setup("kv", 8080);
  s.client.timeout = SECOND;
  const o = s.get();
  expect<i32>(o.failure, ClientFailure.Timeout); // the mute server
  expect<bool>(s.mute.mute.text.includes("\r\nHost: kv:8080\r\n"), true, s.mute.mute.text);
  const t = new Setup("10.0.0.1", 80);
  t.get();
  expect<string>(t.hello.host, "10.0.0.1");
});

test("a dotted IPv4 host needs no DNS", () => {
  const s = new Setup("10.0.0.1");
  s.pair.b.config.dns = 0; // no server: a lookup would fail
  const o = s.get();
  expect<bool>(o.ok, true, o.error);
  expect<i32>(s.dns.queries, 0);
  expect<u32>(s.client.lookups, 0);
  expect<u32>(s.client.address, SERVER_IP);
});

test("NXDOMAIN: a Dns failure naming the host and the cause", () => {
  const s = new Setup("nope");
  const o = s.get();
  expect<bool>(o.ok, false);
  expect<i32>(o.failure, ClientFailure.Dns);
  expect<string>(o.error, "nope:80: DNS lookup failed: not found (NXDOMAIN)");
  expect<i32>(s.dns.queries, 1);
  expect<i32>(s.hello.requests, 0);
  expect<u32>(s.client.connections, 0);
});

test("no DNS server: the failure comes at the next poll, not from inside get", () => {
  const s = new Setup();
  s.pair.b.config.dns = 0;
  const o = new Outcome();
  expect<bool>(s.client.get("/", o, 0), true);
  expect<i32>(o.dones, 0);
  expect<i64>(s.client.pollAt(), 0);
  s.client.poll(0);
  expect<i32>(o.dones, 1);
  expect<i32>(o.failure, ClientFailure.Dns);
  expect<string>(o.error, "kv:80: DNS lookup failed: no DNS server configured");
  expect<i64>(s.client.pollAt(), i64.MAX_VALUE, "nothing left to do");
});

test("a DNS server that never answers: a Dns failure after the resolver's three tries (7 s)", () => {
  const s = new Setup();
  s.dns.silent = true;
  const o = s.get();
  expect<i32>(o.failure, ClientFailure.Dns);
  expect<string>(o.error, "kv:80: DNS lookup failed: timed out");
  expect<i32>(s.dns.queries, 3);
  expectIn<i64>(o.at, 7 * SECOND, 7 * SECOND + 10 * MS, "after 1 + 2 + 4 s");
});

test("a connectTimeout shorter than the lookup's tries ends it as ConnectTimeout", () => {
  const s = new Setup();
  s.dns.silent = true;
  s.client.connectTimeout = 2500 * MS;
  const o = s.get();
  expect<i32>(o.failure, ClientFailure.ConnectTimeout);
  expect<string>(o.error, "kv:80: connect timed out after 2500 ms (the name's lookup had no answer yet)");
  expect<i64>(o.at, 2500 * MS);
  expect<i32>(s.dns.queries, 2);
  // the lookup was abandoned with the request: later replies and deadlines do nothing
  s.run(o, 10 * SECOND, 100 * MS);
  expect<i32>(o.dones, 1);
  expect<i32>(s.dns.queries, 2);
});

test("connection refused names the host and its address; the next request looks the name up again", () => {
  const s = new Setup("kv", 81);
  const o = s.get();
  expect<i32>(o.failure, ClientFailure.Refused);
  expect<string>(o.error, "kv:81 (10.0.0.1): connection refused");
  expect<i64>(o.at, 0, "at once");
  const p = s.get();
  expect<i32>(p.failure, ClientFailure.Refused);
  expect<i32>(s.dns.queries, 2, "looked up again after the failed connect");
});

test("a server that drops SYNs: ConnectTimeout after connectTimeout (10 s), the connection aborted", () => {
  const s = new Setup();
  s.dropSyns = true;
  const o = s.get();
  expect<i32>(o.failure, ClientFailure.ConnectTimeout);
  expect<string>(o.error, "kv:80 (10.0.0.1): connect timed out after 10 s");
  expect<i64>(o.at, 10 * SECOND);
  expect<i32>(s.pair.b.tcp.count, 0, "aborted");
  // the next request, with the SYNs let through, connects
  s.dropSyns = false;
  const p = s.get();
  expect<bool>(p.ok, true, p.error);
  expect<u32>(s.client.connections, 2);
});

test("an address nobody answers ARP for: ConnectTimeout (TCP is not told the SYN never left)", () => {
  const s = new Setup();
  s.dns.address = 0x0a000009; // 10.0.0.9, on the link, nobody there
  const o = s.get();
  expect<i32>(o.failure, ClientFailure.ConnectTimeout);
  expect<string>(o.error, "kv:80 (10.0.0.9): connect timed out after 10 s");
  expect<i64>(o.at, 10 * SECOND);
  expect<i32>(s.hello.requests, 0);
});

test("a server that accepts and never answers: Timeout after `timeout`, and the server sees the reset", () => {
  const s = new Setup("kv", 8080);
  s.client.timeout = 5 * SECOND;
  const o = s.get();
  expect<i32>(o.failure, ClientFailure.Timeout);
  expect<string>(o.error, "kv:8080 (10.0.0.1): no complete response within 5 s");
  expectIn<i64>(o.at, 5 * SECOND, 5 * SECOND + 10 * MS);
  expect<i32>(s.mute.mute.closes, 1, "the server heard the abort");
  expect<i32>(s.mute.mute.reason, CloseReason.Reset);
});

test("the address is kept for its TTL, then looked up again", () => {
  const s = new Setup();
  s.client.keepAlive = false; // a connection per request, so each needs the address
  s.dns.ttl = 5;
  expect<bool>(s.get().ok, true);
  expect<i32>(s.dns.queries, 1);
  s.dns.nxdomain = true; // from now on the name is gone
  clock = 4 * SECOND;
  const o = s.get();
  expect<bool>(o.ok, true, "within the TTL: the cached address");
  expect<i32>(s.dns.queries, 1);
  expect<u32>(s.client.connections, 2);
  clock = 5 * SECOND + 20 * MS;
  const p = s.get();
  expect<i32>(p.failure, ClientFailure.Dns, "past the TTL: looked up again");
  expect<i32>(s.dns.queries, 2);
  expect<u32>(s.client.lookups, 2);
});

test("the server closes a kept-alive connection as a request goes out: a GET is sent once more, a POST is not", () => {
  const s = new Setup();
  expect<bool>(s.get().ok, true);
  clock = 40 * SECOND;
  s.server.poll(clock); // its idle timeout: the server closes; the FIN has not reached the client yet
  const o = new Outcome();
  expect<bool>(s.client.get("/", o, clock), true);
  s.run(o, clock + 10 * SECOND);
  expect<bool>(o.ok, true, o.error);
  expect<u32>(o.status, 200);
  expect<u32>(s.client.retries, 1);
  expect<u32>(s.client.connections, 2);
  expect<i32>(s.hello.requests, 2);
  clock = 80 * SECOND;
  s.server.poll(clock);
  const p = new Outcome();
  expect<bool>(s.client.post("/", "text/plain", "x", p, clock), true);
  s.run(p, clock + 10 * SECOND);
  expect<i32>(p.failure, ClientFailure.Closed, p.error);
  expect<string>(p.error, "kv:80 (10.0.0.1): the server closed the connection before the response ended");
  expect<u32>(s.client.retries, 1, "a POST is not sent twice");
  expect<i32>(s.hello.requests, 2);
});

test("a request that returns false is never answered; a busy client refuses a second request", () => {
  const s = new Setup();
  const o = new Outcome();
  expect<bool>(s.client.get("/a b", o, 0), false, "a space in the path");
  const p = new Outcome();
  expect<bool>(s.client.get("/", p, 0), true);
  expect<bool>(s.client.get("/", o, 0), false, "busy");
  s.run(p, SECOND);
  s.run(o, 2 * SECOND, 100 * MS);
  expect<i32>(o.dones, 0);
  expect<i32>(p.dones, 1);
  expect<bool>(p.ok, true);
  const bad = new Setup("bad host");
  expect<bool>(bad.client.get("/", o, 0), false, "a host with a space cannot be a Host field");
});

export function _start(): void {
  runTests();
}
