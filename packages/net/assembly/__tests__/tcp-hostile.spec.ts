// TCP against a hostile peer: all 64 combinations of SYN/ACK/FIN/RST/PSH/URG with random sequence
// and acknowledgment numbers in every state; blind RST and SYN injection (RFC 5961: only an exact
// RST resets, in-window RSTs and SYNs get challenge ACKs, rate limited); data injected with ACKs
// outside the acceptable range; a peer holding a zero window for hours; and a SYN flood of 100,000
// SYNs from random addresses and ports. Throughout: no trap, every connection reaches CLOSED in
// bounded simulated time once the peer is quiet, memory stays bounded, and a legitimate client
// still gets through.

import { expect, runTests, test } from "@tessera/test/assembly";
import { Pair } from "@tessera/net/assembly/__tests__/memory-wire";
import { Fixture } from "@tessera/net/assembly/__tests__/tcp-fixture";
import { TcpConnection, TcpHandler } from "@tessera/net/assembly/tcp/connection";
import { TcpAcceptor } from "@tessera/net/assembly/tcp/endpoint";
import { CloseReason, TcpConfig, TcpState, tcpStateName } from "@tessera/net/assembly/tcp/state";
import {
  TcpPacket,
  TcpRepr,
  TCP_ACK,
  TCP_FIN,
  TCP_PSH,
  TCP_RST,
  TCP_SYN,
  TCP_URG,
} from "@tessera/net/assembly/wire/tcp";
import { Interface } from "@tessera/net/assembly/iface/interface";

const A_IP: u32 = 0x0a000001;
const B_IP: u32 = 0x0a000002;
const MS: i64 = 1_000_000;
const SECOND: i64 = 1_000_000_000;
const HOUR: i64 = 3600 * SECOND;

/** A seeded xorshift generator. */
class Rng {
  constructor(private s: u32) {
    if (this.s == 0) this.s = 1;
  }
  next(): u32 {
    let x = this.s;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    this.s = x;
    return x;
  }
}

function small(): TcpConfig {
  const c = new TcpConfig();
  c.sendBuffer = 4096;
  c.recvBuffer = 4096;
  c.msl = SECOND;
  return c;
}

const ALL_STATES: TcpState[] = [
  TcpState.Listen,
  TcpState.SynSent,
  TcpState.SynReceived,
  TcpState.Established,
  TcpState.FinWait1,
  TcpState.FinWait2,
  TcpState.CloseWait,
  TcpState.Closing,
  TcpState.LastAck,
  TcpState.TimeWait,
];

const junk = new StaticArray<u8>(1460);

/** Runs `conn`'s timers with a quiet peer until it is CLOSED; returns when (fails past `limit`). */
function quietUntilClosed(conn: TcpConnection, from: i64, limit: i64, what: string): i64 {
  let t = from;
  conn.dispatch(t); // what the application just queued (the endpoint's flush does this in a stack)
  for (let i = 0; i < 10_000 && conn.state != TcpState.Closed; i++) {
    const at = conn.pollAt();
    assert(at != i64.MAX_VALUE, what + ": no timer left, yet not CLOSED (" + tcpStateName(conn.state) + ")");
    t = max(t, at);
    assert(t - from <= limit, what + ": not CLOSED within the limit (" + tcpStateName(conn.state) + ")");
    conn.dispatch(t);
    if (at <= t) t++; // a timer due now: the next round is later
  }
  expect<string>(tcpStateName(conn.state), "CLOSED", what);
  return t;
}

test("all 64 flag combinations with random numbers in every state: no trap, sane replies, CLOSED in bounded time", () => {
  const rng = new Rng(0x5eed);
  let fixtures = 0;
  let segments = 0;
  for (let si = 0; si < ALL_STATES.length; si++) {
    for (let flags: u32 = 0; flags < 64; flags++) {
      const state = ALL_STATES[si];
      const f = new Fixture(state, small());
      const c = f.conn;
      fixtures++;
      const what = tcpStateName(state) + " flags " + flags.toString();
      let t: i64 = 0;
      // Four segments with random SEQ and ACK, then two aimed at the window, with and without payload.
      for (let k = 0; k < 6; k++) {
        const r = new TcpRepr();
        r.srcPort = 80;
        r.dstPort = 40000;
        r.flags = flags;
        const base = c.state == TcpState.Listen || c.state == TcpState.SynSent ? 5000 : c.rcvNxt;
        r.seqNumber = k < 4 ? rng.next() : base + (rng.next() & 0xff);
        r.ackNumber = k < 4 ? rng.next() : c.sndUna + (rng.next() & 3);
        r.window = rng.next() & 0xffff;
        r.urgentPointer = flags & TCP_URG ? rng.next() & 0xffff : 0;
        r.payloadPtr = changetype<usize>(junk);
        r.payloadLen = k & 1 ? rng.next() % 1460 : 0;
        const before = f.rec.segments.length;
        const reply = c.process(r, 0x0a000002, 0x0a000001, t);
        if (reply) {
          expect<u32>(reply.flags & TCP_SYN, 0, what + ": an immediate reply never carries SYN");
          expect<bool>((reply.flags & (TCP_RST | TCP_ACK)) != 0, true, what + ": an immediate reply is RST or ACK");
        }
        c.dispatch(t);
        expect<bool>(f.rec.segments.length - before <= 12, true, what + ": no burst of replies");
        segments++;
        t += MS;
      }
      // Reading what arrived, then closing: the peer is quiet from now on.
      const buf = new StaticArray<u8>(4096);
      while (c.read(changetype<usize>(buf), 4096) > 0) {}
      c.close(t);
      quietUntilClosed(c, t, HOUR, what);
    }
  }
  expect<i32>(fixtures, 640);
  expect<i32>(segments, 3840);
});

test("with keepalive on, a connection in any state reaches CLOSED once the peer goes quiet, even if the application never closes", () => {
  for (let si = 1; si < ALL_STATES.length; si++) {
    const config = small();
    config.keepAliveIdle = 60 * SECOND;
    const state = ALL_STATES[si];
    const f = new Fixture(state, config);
    quietUntilClosed(f.conn, 0, HOUR, tcpStateName(state) + " with keepalive, the peer quiet");
  }
});

/** Counts and keeps everything an application gets. */
class App extends TcpHandler {
  conn: TcpConnection | null = null;
  received: u32 = 0;
  data: StaticArray<u8> = new StaticArray<u8>(1 << 17);
  reading: bool = true;
  closes: i32 = 0;
  reason: CloseReason = CloseReason.Normal;
  connected(conn: TcpConnection, now: i64): void {
    this.conn = conn;
  }
  readable(conn: TcpConnection, now: i64): void {
    if (this.reading) this.drain(conn);
  }
  drain(conn: TcpConnection): void {
    for (;;) {
      const n = conn.read(changetype<usize>(this.data) + (this.received & 0xffff), 4096);
      if (n == 0) break;
      this.received += n;
    }
  }
  closed(conn: TcpConnection, reason: CloseReason, now: i64): void {
    this.closes++;
    this.reason = reason;
  }
}

class Acceptor extends TcpAcceptor {
  app: App = new App();
  accepted: i32 = 0;
  accept(remoteAddr: u32, remotePort: u32, now: i64): TcpHandler | null {
    this.accepted++;
    return this.app;
  }
}

function settle(pair: Pair, now: i64): void {
  for (let i = 0; i < 1000; i++) {
    pair.wire.advance(now);
    pair.a.poll(now);
    pair.b.poll(now);
    if (pair.wire.pump(now) == 0) return;
  }
}

/** Raw segments into an endpoint, as if from anyone. */
class Injector {
  repr: TcpRepr = new TcpRepr();
  buf: StaticArray<u8> = new StaticArray<u8>(1600);
  packet: TcpPacket = new TcpPacket();
  send(to: Interface, src: u32, dst: u32, now: i64): void {
    const len = this.repr.bufferLen();
    this.repr.emit(this.packet.wrap(changetype<usize>(this.buf), len), src, dst);
    to.tcp.receive(src, dst, changetype<usize>(this.buf), len, now);
  }
}

/** An established connection from a (client) to b:80 (server), at time 0. */
class Established {
  pair: Pair;
  acceptor: Acceptor;
  client: App;
  conn: TcpConnection;
  constructor() {
    const pair = new Pair();
    const acceptor = new Acceptor();
    const client = new App();
    pair.a.tcp.config.msl = SECOND;
    pair.b.tcp.config.msl = SECOND;
    pair.b.listenTcp(80, acceptor);
    this.conn = pair.a.connectTcp(B_IP, 80, client, 0)!;
    this.pair = pair;
    this.acceptor = acceptor;
    this.client = client;
    settle(pair, 0);
  }
  get server(): TcpConnection {
    return this.acceptor.app.conn!;
  }
  /** Spoofs a segment from the client's address and port to the server. */
  spoof(flags: u32, seq: u32, ack: u32, payload: u32, now: i64): void {
    const inj = new Injector();
    const r = inj.repr;
    r.srcPort = this.conn.localPort;
    r.dstPort = 80;
    r.flags = flags;
    r.seqNumber = seq;
    r.ackNumber = ack;
    r.window = 65535;
    r.payloadPtr = changetype<usize>(junk);
    r.payloadLen = payload;
    inj.send(this.pair.b, A_IP, B_IP, now);
  }
  /** Checks data still flows both ways. */
  stillWorks(now: i64): void {
    const msg = new StaticArray<u8>(1000);
    const before = this.acceptor.app.received;
    const beforeC = this.client.received;
    this.conn.write(changetype<usize>(msg), 1000);
    this.server.write(changetype<usize>(msg), 500);
    for (let i = 0; i < 20; i++) settle(this.pair, now + <i64>i * 300 * MS);
    expect<u32>(this.acceptor.app.received - before, 1000, "client to server still works");
    expect<u32>(this.client.received - beforeC, 500, "server to client still works");
  }
}

test("blind RST injection: 100,000 random sequence numbers never reset; in-window ones get rate-limited challenge ACKs", () => {
  const e = new Established();
  const server = e.server;
  const rng = new Rng(7);
  let t: i64 = SECOND;
  let exact = 0;
  for (let i = 0; i < 100_000; i++) {
    const seq = rng.next();
    if (seq == server.rcvNxt) {
      exact++;
      continue;
    }
    e.spoof(TCP_RST, seq, 0, 0, t);
    t += 10_000; // 100,000 a second
  }
  expect<i32>(exact, 0);
  expect<string>(tcpStateName(server.state), "ESTABLISHED", "a random RST does not reset");
  // Now aim at the window: 5,000 in-window RSTs within a second.
  const c0 = server.challengeAcks;
  for (let i: u32 = 1; i <= 5000; i++) e.spoof(TCP_RST, server.rcvNxt + i, 0, 0, t + <i64>i * 100_000);
  expect<string>(tcpStateName(server.state), "ESTABLISHED", "an in-window RST does not reset");
  const sent = server.challengeAcks - c0;
  expect<bool>(sent >= 1 && sent <= 2 * <u64>server.config.challengeAckLimit, true, "challenge ACKs rate limited");
  expect<bool>(server.challengeAcksLimited > 4000, true, "most were not answered");
  e.pair.wire.frames.length = 0;
  e.pair.wire.targets.length = 0;
  e.pair.wire.dues.length = 0;
  e.stillWorks(t + 2 * SECOND);
  // The exact RST resets.
  e.spoof(TCP_RST, server.rcvNxt, 0, 0, t + 10 * SECOND);
  expect<string>(tcpStateName(server.state), "CLOSED", "the exact RST resets");
  expect<i32>(<i32>e.acceptor.app.reason, <i32>CloseReason.Reset);
});

test("blind SYN injection: SYNs at any sequence number get rate-limited challenge ACKs, never a reset", () => {
  const e = new Established();
  const server = e.server;
  const rng = new Rng(11);
  const c0 = server.challengeAcks;
  for (let i = 0; i < 20_000; i++) e.spoof(TCP_SYN, rng.next(), 0, 0, SECOND + <i64>i * 50_000); // over 1 s
  expect<string>(tcpStateName(server.state), "ESTABLISHED");
  expect<bool>(server.challengeAcks - c0 <= 2 * <u64>server.config.challengeAckLimit, true, "rate limited");
  expect<i32>(e.acceptor.accepted, 1, "no new connection for the same 4-tuple");
  expect<i32>(e.pair.b.tcp.count, 1);
  e.pair.wire.frames.length = 0;
  e.pair.wire.targets.length = 0;
  e.pair.wire.dues.length = 0;
  e.stillWorks(3 * SECOND);
});

test("data injection: in-window data with an ACK outside [SND.UNA - MAX.SND.WND, SND.NXT] is not taken", () => {
  const e = new Established();
  const server = e.server;
  const before = e.acceptor.app.received;
  const rng = new Rng(3);
  for (let i = 0; i < 1000; i++) {
    const old = server.sndUna - 70_000 - (rng.next() & 0xffffff); // older than any window the client offered
    e.spoof(TCP_ACK | TCP_PSH, server.rcvNxt, old, 100, SECOND + <i64>i * MS);
    const ahead = server.sndNxt + 1 + (rng.next() & 0xffffff); // acknowledges what was never sent
    e.spoof(TCP_ACK | TCP_PSH, server.rcvNxt, ahead, 100, SECOND + <i64>i * MS);
  }
  expect<u32>(e.acceptor.app.received, before, "no injected byte reached the application");
  expect<string>(tcpStateName(server.state), "ESTABLISHED");
  e.pair.wire.frames.length = 0;
  e.pair.wire.targets.length = 0;
  e.pair.wire.dues.length = 0;
  e.stillWorks(3 * SECOND);
});

test("a peer holding a zero window for 2 hours: probes keep the connection, bounded traffic, then the data flows", () => {
  const pair = new Pair();
  pair.a.tcp.config.msl = SECOND;
  const acceptor = new Acceptor();
  acceptor.app.reading = false; // the server's application does not read: its window closes
  const cfg = small();
  pair.b.tcp.listen(80, acceptor, cfg);
  const client = new App();
  const conn = pair.a.connectTcp(B_IP, 80, client, 0)!;
  settle(pair, 0);
  const TOTAL: u32 = 65536;
  const src = new StaticArray<u8>(<i32>TOTAL);
  for (let i: u32 = 0; i < TOTAL; i++) src[i] = <u8>(i * 7);
  let sent: u32 = 0;
  let now: i64 = 0;
  let reads = false;
  for (let iter = 0; iter < 1_000_000; iter++) {
    if (sent < TOTAL) sent += conn.write(changetype<usize>(src) + sent, TOTAL - sent);
    if (!reads && now >= 2 * HOUR) {
      expect<string>(tcpStateName(conn.state), "ESTABLISHED", "alive after 2 hours of zero window");
      expect<bool>(conn.windowProbes > 10, true, "probed");
      expect<bool>(pair.wire.carried < 2000, true, "bounded traffic: " + pair.wire.carried.toString() + " frames");
      expect<u32>(acceptor.app.received, 0);
      reads = true;
      acceptor.app.reading = true;
      acceptor.app.drain(acceptor.app.conn!);
    }
    pair.wire.advance(now);
    pair.a.poll(now);
    pair.b.poll(now);
    if (pair.wire.pump(now) > 0) continue;
    if (reads && acceptor.app.received == TOTAL) break;
    let next = min(min(pair.a.pollAt(), pair.b.pollAt()), pair.wire.nextDue());
    if (next == i64.MAX_VALUE) next = reads ? now + SECOND : 2 * HOUR;
    if (!reads) next = min(next, 2 * HOUR);
    now = max(now + 1, next);
    assert(now < 3 * HOUR, "bounded");
  }
  expect<u32>(acceptor.app.received, TOTAL, "all data after the window opened");
  for (let i: u32 = 0; i < 65536; i++) expect<u8>(acceptor.app.data[i], <u8>(i * 7));
});

/** Keeps the wire from growing: delivers what is there (the flood's SYN-ACKs and ARP go nowhere useful). */
function drain(pair: Pair, now: i64): void {
  pair.wire.pump(now);
}

test("SYN flood: 100,000 SYNs from random addresses and ports; bounded table and memory; a real client gets in; all half-open connections end", () => {
  const pair = new Pair();
  pair.a.tcp.config.msl = SECOND;
  pair.b.tcp.config.msl = SECOND;
  const acceptor = new Acceptor();
  const l = pair.b.tcp.listen(80, acceptor)!;
  const rng = new Rng(0xf100d);
  const inj = new Injector();
  const r = inj.repr;
  r.dstPort = 80;
  r.flags = TCP_SYN;
  r.window = 65535;
  r.options.hasMaxSegSize = true;
  r.options.maxSegSize = 1460;
  let pages: i32 = 0;
  let maxCount = 0;
  let t: i64 = 0;
  const client = new App();
  let legit: TcpConnection | null = null;
  for (let i = 0; i < 100_000; i++) {
    let src = 0x0a000000 | (rng.next() & 0xff);
    if (src == A_IP || src == B_IP || (src & 0xff) == 0 || (src & 0xff) == 0xff) src = 0x0a000003;
    r.srcPort = 1024 + (rng.next() % 64000);
    r.seqNumber = rng.next();
    inj.send(pair.b, src, B_IP, t);
    t += 10_000; // 100,000 SYNs a second
    maxCount = max(maxCount, pair.b.tcp.count);
    if (i % 1000 == 999) {
      pair.b.poll(t);
      drain(pair, t);
    }
    if (i == 10_000) {
      __collect();
      pages = memory.size();
    }
    if (i == 50_000) legit = pair.a.connectTcp(B_IP, 80, client, t); // a real client, mid-flood
    if (legit && i > 50_000 && i < 50_100) {
      pair.a.poll(t);
      drain(pair, t);
    }
  }
  expect<bool>(maxCount <= l.backlog + 1, true, "the table holds at most the backlog (and the real client)");
  expect<bool>(l.cookiesSent > 90_000, true, "cookies answered the rest");
  __collect();
  expect<i32>(memory.size(), pages, "no memory growth over the last 90,000 SYNs");
  expect<string>(tcpStateName(legit!.state), "ESTABLISHED", "the real client got in during the flood");
  expect<i32>(acceptor.accepted, 1, "the application saw only the real client");
  // The flood stops; the real client talks; the half-open connections time out.
  const msg = new StaticArray<u8>(3000);
  legit!.write(changetype<usize>(msg), 3000);
  let now = t;
  for (let k = 0; k < 100_000 && pair.b.tcp.count > 1; k++) {
    settle(pair, now);
    const next = min(pair.a.pollAt(), pair.b.pollAt());
    now = max(now + MS, next);
    assert(now - t < 10 * 60 * SECOND, "half-open connections end within 10 minutes of quiet");
  }
  expect<i32>(pair.b.tcp.count, 1, "only the real connection is left");
  expect<u32>(acceptor.app.received, 3000, "its data arrived");
  // And a client after the flood gets in too, without cookies.
  const late = new App();
  const conn2 = pair.a.connectTcp(B_IP, 80, late, now)!;
  settle(pair, now);
  expect<string>(tcpStateName(conn2.state), "ESTABLISHED", "a client after the flood");
  expect<i32>(acceptor.accepted, 2);
});

test("forged cookie ACKs: 50,000 ACKs with random numbers to a listener make no connection and no growth", () => {
  const pair = new Pair();
  const acceptor = new Acceptor();
  const l = pair.b.tcp.listen(80, acceptor)!;
  l.backlog = 1;
  const inj = new Injector();
  const r = inj.repr;
  // A SYN first, so the listener is in cookie mode (a cookie was sent).
  r.srcPort = 999;
  r.dstPort = 80;
  r.flags = TCP_SYN;
  inj.send(pair.b, 0x0a000005, B_IP, 0);
  r.srcPort = 998;
  inj.send(pair.b, 0x0a000005, B_IP, 0);
  expect<u64>(l.cookiesSent, 1);
  const rng = new Rng(99);
  let pages = 0;
  r.flags = TCP_ACK;
  for (let i = 0; i < 50_000; i++) {
    r.srcPort = 1024 + (rng.next() % 60000);
    r.seqNumber = rng.next();
    r.ackNumber = rng.next();
    inj.send(pair.b, 0x0a000000 | (3 + (rng.next() % 250)), B_IP, <i64>i * 10_000);
    if (i % 1000 == 999) pair.wire.pump(<i64>i * 10_000);
    if (i == 5000) {
      __collect();
      pages = memory.size();
    }
  }
  expect<u64>(l.cookiesAccepted, 0);
  expect<bool>(l.cookiesRejected >= 49_990, true);
  expect<i32>(pair.b.tcp.count, 1, "only the one half-open connection");
  expect<i32>(acceptor.accepted, 0);
  __collect();
  expect<i32>(memory.size(), pages);
});

test("URG and PSH are harmless: urgent data is delivered in line, the urgent pointer ignored", () => {
  const e = new Established();
  const server = e.server;
  e.spoof(TCP_ACK | TCP_URG | TCP_PSH, server.rcvNxt, server.sndNxt, 100, SECOND);
  expect<u32>(e.acceptor.app.received, 100);
  e.spoof(TCP_ACK | TCP_URG | TCP_FIN, server.rcvNxt, server.sndNxt, 0, SECOND);
  expect<string>(tcpStateName(server.state), "CLOSE-WAIT");
});

export function _start(): void {
  runTests();
}
