// Slow clients on simulated time: the head and body timeouts, which connection a full table gives up, and a
// thousand clients dripping their heads a byte at a time while an ordinary client keeps being served.

import { expect, runTests, test } from "@tessera/test/assembly";
import { Pair } from "@tessera/net/assembly/__tests__/memory-wire";
import { TcpConnection, TcpHandler } from "@tessera/net/assembly/tcp/connection";
import { CloseReason, TcpState } from "@tessera/net/assembly/tcp/state";
import { HttpHandler, HttpRequest, HttpResponse } from "@tessera/http/assembly/exchange";
import { Router } from "@tessera/http/assembly/router";
import { HttpLimits, HttpServer } from "@tessera/http/assembly/server";
import { Fixture, MS, RawPeer, SECOND, SERVER_IP, settle } from "@tessera/http/assembly/__tests__/peer";

class Hello extends HttpHandler {
  handle(req: HttpRequest, res: HttpResponse): void {
    res.send("hi\n");
  }
}

class Echo extends HttpHandler {
  handle(req: HttpRequest, res: HttpResponse): void {
    res.send(req.bodyLength.toString());
  }
}

/** Answers later: holds the response (a connection mid-response). */
class Later extends HttpHandler {
  pending: HttpResponse | null = null;
  handle(req: HttpRequest, res: HttpResponse): void {
    this.pending = res;
  }
}

const later = new Later();

function router(): Router {
  const r = new Router();
  r.get("/", new Hello()).post("/echo", new Echo()).get("/later", later);
  return r;
}

const HI = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nhi\n";
const TIMEOUT = "HTTP/1.1 408 Request Timeout\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
const GET = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";

function closedByServer(p: RawPeer): bool {
  return p.conn!.finReceived || p.closes > 0;
}

/** Sends `text` a byte every `every` ns from `from`, polling the server's timeouts as time goes; returns when it stopped. */
function drip(f: Fixture, text: string, from: i64, every: i64): i64 {
  let t = from;
  for (let i = 0; i < text.length && !closedByServer(f.peer); i++) {
    t += every;
    f.server.poll(t);
    settle(f.pair, t);
    if (closedByServer(f.peer)) break;
    f.peer.send(text.charAt(i));
    settle(f.pair, t);
  }
  return t;
}

test("a head must be complete within headerTimeout (10 s) of its first byte, however often bytes arrive", () => {
  const f = new Fixture(router());
  const stopped = drip(f, "GET / HTTP/1.1\r\nHost: x\r\nX-Slow: " + "a".repeat(100), 0, SECOND);
  expect<string>(f.peer.text(), TIMEOUT);
  expect<bool>(stopped <= 11 * SECOND, true, "408 at 10 s, not " + (stopped / SECOND).toString() + " s");
  settle(f.pair, stopped + SECOND);
  expect<i32>(f.server.connections, 0);

  const g = new Fixture(router());
  drip(g, GET + GET, 0, 300 * MS); // each head takes 7.8 s: both are served
  expect<string>(g.peer.text(), HI + HI);
});

test("the clock of a head starts at its first byte: not at the connection, nor at the previous response", () => {
  const f = new Fixture(router());
  f.server.poll(25 * SECOND);
  settle(f.pair, 25 * SECOND);
  expect<string>(f.exchange(GET, 25 * SECOND), HI, "25 s idle, then a head");
  f.server.poll(50 * SECOND);
  expect<string>(f.exchange("GET / HTTP/1.1\r\n", 50 * SECOND), HI);
  expect<i64>(f.server.pollAt(), 60 * SECOND, "10 s from the head's first byte");
  f.server.poll(59 * SECOND);
  expect<string>(f.exchange("Host: x\r\n\r\n", 59 * SECOND), HI + HI);
});

test("empty lines before a request line start its clock too", () => {
  const f = new Fixture(router());
  drip(f, "\r\n\r\n", 0, SECOND);
  expect<i64>(f.server.pollAt(), 11 * SECOND);
  f.server.poll(11 * SECOND);
  settle(f.pair, 11 * SECOND);
  expect<string>(f.peer.text(), TIMEOUT);
});

test("a body must come at minBodyRate (1 KiB/s) after the first bodyTimeout (10 s)", () => {
  const f = new Fixture(router());
  drip(f, "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 800\r\n\r\n" + "b".repeat(800), 0, 10 * MS);
  expect<string>(f.peer.text(), "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n800", "100 bytes a second for 8 s");

  const g = new Fixture(router());
  const head = "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 16000\r\n\r\n";
  const at = drip(g, "b".repeat(50), drip(g, head, 0, MS), SECOND);
  expect<string>(g.peer.text(), TIMEOUT, "a byte a second");
  expect<bool>(at <= 11 * SECOND, true, "at 10 s");

  // 1500 bytes a second for 8 s is fine: the bound grows by a second for each KiB received.
  const h = new Fixture(router());
  h.exchange(head, MS);
  for (let s: i64 = 1; s <= 8; s++) {
    h.server.poll(s * SECOND);
    h.exchange("c".repeat(1500), s * SECOND);
  }
  h.server.poll(20 * SECOND);
  settle(h.pair, 20 * SECOND);
  expect<string>(h.peer.text(), "", "12,000 bytes in 8 s: due at 10 s + 11 s");
  h.server.poll(21 * SECOND + MS);
  settle(h.pair, 21 * SECOND + MS);
  expect<string>(h.peer.text(), TIMEOUT, "then nothing: 408 at 21 s, before the idle timeout (38 s)");
  const l = new HttpLimits();
  l.minBodyRate = 0; // bodyTimeout bounds the whole body
  const k = new Fixture(router(), l);
  k.exchange(head, MS);
  k.server.poll(9 * SECOND);
  k.exchange("c".repeat(15000), 9 * SECOND);
  k.server.poll(11 * SECOND);
  settle(k.pair, 11 * SECOND);
  expect<string>(k.peer.text(), TIMEOUT, "15,000 of 16,000 bytes in 10 s");
});

test("limits of 0 turn the timeouts off", () => {
  const l = new HttpLimits();
  l.headerTimeout = 0;
  l.idleTimeout = 0;
  const f = new Fixture(router(), l);
  f.exchange("GET / HTTP/1.1\r\n", MS);
  expect<i64>(f.server.pollAt(), i64.MAX_VALUE);
  f.server.poll(1000 * SECOND);
  expect<string>(f.exchange("Host: x\r\n\r\n", 1000 * SECOND), HI);
});

/** Connects a raw peer to the fixture's server at `now` and sends `text`. */
function another(f: Fixture, text: string, now: i64): RawPeer {
  const p = new RawPeer();
  f.pair.b.connectTcp(SERVER_IP, 80, p, now);
  settle(f.pair, now);
  if (text.length) p.send(text);
  settle(f.pair, now);
  return p;
}

test("a full table gives the new connection the place of the one longest without a complete request", () => {
  const l = new HttpLimits();
  l.maxConnections = 3;
  const f = new Fixture(router(), l); // connected at 0
  const b = another(f, "GET / HTTP/1.1\r\n", SECOND); // a head since 1 s
  const c = another(f, GET, 2 * SECOND); // answered at 2 s, kept alive
  expect<string>(c.text(), HI);
  const d = another(f, GET, 3 * SECOND);
  expect<string>(d.text(), HI, "served");
  expect<u64>(f.server.evicted, 1);
  expect<bool>(closedByServer(f.peer), true, "the connection idle since 0 made room");
  expect<string>(f.peer.text(), "", "closed without a word");
  const e = another(f, GET, 4 * SECOND);
  expect<string>(e.text(), HI);
  expect<i32>(b.closes, 1, "then the head since 1 s, reset");
  expect<u32>(b.received, 0);
  const g = another(f, GET, 5 * SECOND);
  expect<string>(g.text(), HI);
  expect<bool>(closedByServer(c), true, "then the one idle since its answer at 2 s");
  expect<string>(c.text(), HI);
  expect<u64>(f.server.refused, 0);
  expect<u64>(f.server.evicted, 3);
});

test("connections mid-response are never given up: with all of them so, the new one is refused", () => {
  const l = new HttpLimits();
  l.maxConnections = 2;
  const f = new Fixture(router(), l);
  f.exchange("GET /later HTTP/1.1\r\nHost: x\r\n\r\n", MS);
  const first = later.pending!;
  const b = another(f, "GET /later HTTP/1.1\r\nHost: x\r\n\r\n", 2 * MS);
  const c = another(f, GET, 3 * MS);
  expect<u64>(f.server.refused, 1);
  expect<i32>(c.closes, 1, "reset");
  expect<u32>(c.received, 0);
  first.send("late");
  settle(f.pair, 4 * MS);
  expect<string>(f.peer.text(), "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nlate");
  const d = another(f, GET, 5 * MS);
  expect<string>(d.text(), HI, "the answered one, idle now, makes room");
  expect<bool>(closedByServer(f.peer), true);
  expect<bool>(closedByServer(b), false, "still waiting for its answer");
  later.pending!.send("x");
});

// A client that drips a head that never ends, a byte every `period`, and reconnects when the server closes.
class Dripper extends TcpHandler {
  conn: TcpConnection | null = null;
  sent: i32 = 0;
  connects: i32 = 0;
  next: i64;
  private readonly scratch: StaticArray<u8> = new StaticArray<u8>(256);

  constructor(
    readonly pair: Pair,
    first: i64,
    readonly period: i64,
  ) {
    super();
    this.next = first;
  }

  tick(now: i64): void {
    if (now < this.next) return;
    this.next += this.period;
    const conn = this.conn;
    if (!conn || conn.state == TcpState.Closed) {
      this.conn = this.pair.b.connectTcp(SERVER_IP, 80, this, now);
      this.connects++;
      this.sent = 0;
    }
    const c = this.conn;
    if (!c) return;
    // "GET / HTTP/1.1\r\nHost: x\r\nX: aaaa..." a byte at a time, never ending (8 KiB would take 7 hours).
    const head = "GET / HTTP/1.1\r\nHost: x\r\nX: ";
    const b = this.sent < head.length ? <u8>head.charCodeAt(this.sent) : <u8>0x61;
    store<u8>(changetype<usize>(this.scratch), b);
    if (c.write(changetype<usize>(this.scratch), 1) == 1) this.sent++;
  }

  readable(conn: TcpConnection, now: i64): void {
    while (conn.read(changetype<usize>(this.scratch), 256) > 0);
    if (conn.finReceived) {
      conn.handler = null;
      conn.close(now);
      this.conn = null;
    }
  }

  closed(conn: TcpConnection, reason: CloseReason, now: i64): void {
    if (conn === this.conn) this.conn = null;
  }
}

// An ordinary client: a new connection and one GET with Connection: close; notes when the answer is complete.
class Ordinary extends TcpHandler {
  started: i64 = 0;
  answered: i64 = -1;
  text: string = "";
  private readonly scratch: StaticArray<u8> = new StaticArray<u8>(256);

  connected(conn: TcpConnection, now: i64): void {
    const req = String.UTF8.encode("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    conn.write(changetype<usize>(req), <u32>req.byteLength);
  }

  readable(conn: TcpConnection, now: i64): void {
    for (;;) {
      const n = conn.read(changetype<usize>(this.scratch), 256);
      if (n == 0) break;
      this.text += String.UTF8.decodeUnsafe(changetype<usize>(this.scratch), n);
    }
    if (conn.finReceived) {
      if (this.text.endsWith("\r\n\r\nhi\n")) this.answered = now;
      conn.close(now);
    }
  }
}

test("a thousand clients dripping heads with the table full: an ordinary client is served within a second", () => {
  const pair = new Pair();
  const tcp = pair.b.tcp;
  tcp.maxConnections = 4096;
  tcp.config.sendBuffer = 256;
  tcp.config.recvBuffer = 1024;
  pair.a.tcp.maxConnections = 4096;
  const limits = new HttpLimits(); // 64 connections
  const server = new HttpServer(router(), limits);
  server.listenOn(pair.a, 80);
  const step = 100 * MS;
  const drippers = new Array<Dripper>();
  for (let i = 0; i < 1000; i++) drippers.push(new Dripper(pair, (<i64>i * 3 * SECOND) / 1000, 3 * SECOND));
  const clients = new Array<Ordinary>();
  let full = 0;
  for (let t: i64 = 0; t <= 60 * SECOND; t += step) {
    for (let i = 0; i < drippers.length; i++) drippers[i].tick(t);
    if (t % SECOND == 500 * MS) {
      const o = new Ordinary();
      o.started = t;
      pair.b.connectTcp(SERVER_IP, 80, o, t);
      clients.push(o);
    }
    settle(pair, t);
    if (server.pollAt() <= t) server.poll(t);
    settle(pair, t);
    if (server.connections == limits.maxConnections) full++;
  }
  expect<bool>(full > 500, true, "the table was full most of the time: " + full.toString() + " of 600 steps");
  let worst: i64 = 0;
  for (let i = 0; i < clients.length - 1; i++) {
    const o = clients[i];
    expect<bool>(o.answered >= 0, true, "client " + i.toString() + " is answered");
    worst = max(worst, o.answered - o.started);
  }
  expect<bool>(worst <= SECOND, true, "within a second: " + worst.toString() + " ns");
  let reconnects = 0;
  for (let i = 0; i < drippers.length; i++) reconnects += drippers[i].connects - 1;
  expect<bool>(reconnects > 1000, true, "the drippers were cut off and came back: " + reconnects.toString());
});

export function _start(): void {
  runTests();
}
