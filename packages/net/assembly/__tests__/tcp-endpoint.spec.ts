// The TCP endpoint: the hash table of connections (1000 at once, memory given back when they
// close), listen backlogs and SYN cookies (RFC 4987), the acceptor asked at handshake completion,
// ICMP errors reaching connections, RFC 6528 initial sequence numbers and RFC 6056 ephemeral ports.

import { expect, runTests, test } from "@tessera/test/assembly";
import { Pair } from "@tessera/net/assembly/__tests__/memory-wire";
import { TcpConnection, TcpHandler } from "@tessera/net/assembly/tcp/connection";
import { TcpAcceptor, TCP_TIME_WAIT_BYTES } from "@tessera/net/assembly/tcp/endpoint";
import { Timestamps } from "@tessera/net/assembly/tcp/timestamps";
import { CloseReason, TcpConfig, TcpState, tcpStateName } from "@tessera/net/assembly/tcp/state";
import { TcpPacket, TcpRepr, TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN } from "@tessera/net/assembly/wire/tcp";
import { Interface } from "@tessera/net/assembly/iface/interface";
import { IP_PROTOCOL_TCP } from "@tessera/net/assembly/wire/ipv4";

const A_IP: u32 = 0x0a000001;
const B_IP: u32 = 0x0a000002;
const SECOND: i64 = 1_000_000_000;
const MS: i64 = 1_000_000;

/** Counts events; closes its end when the peer's FIN arrives; keeps no reference to a connection. */
class Counting extends TcpHandler {
  connects: i32 = 0;
  closes: i32 = 0;
  bytes: u32 = 0;
  lastReason: CloseReason = CloseReason.Normal;
  buf: StaticArray<u8> = new StaticArray<u8>(2048);
  connected(conn: TcpConnection, now: i64): void {
    this.connects++;
  }
  readable(conn: TcpConnection, now: i64): void {
    for (;;) {
      const n = conn.read(changetype<usize>(this.buf), 2048);
      if (n == 0) break;
      this.bytes += n;
    }
    if (conn.finReceived) conn.close(now);
  }
  closed(conn: TcpConnection, reason: CloseReason, now: i64): void {
    this.closes++;
    this.lastReason = reason;
  }
}

class Acceptor extends TcpAcceptor {
  handler: Counting = new Counting();
  asked: i32 = 0;
  refuse: bool = false;
  accept(remoteAddr: u32, remotePort: u32, now: i64): TcpHandler | null {
    this.asked++;
    return this.refuse ? null : this.handler;
  }
}

function settle(pair: Pair, now: i64): void {
  for (let i = 0; i < 1000; i++) {
    pair.a.poll(now);
    pair.b.poll(now);
    if (pair.wire.pump(now) == 0) return;
  }
}

function small(config: TcpConfig): void {
  config.sendBuffer = 2048;
  config.recvBuffer = 2048;
  config.msl = SECOND;
}

// One cycle: `n` connections from a to b:80, 100 bytes each way... then all closed and forgotten.
function cycle(pair: Pair, acceptor: Acceptor, client: Counting, n: i32, t0: i64): void {
  const msg = new StaticArray<u8>(100);
  const first = pair.a.connectTcp(B_IP, 80, client, t0)!;
  settle(pair, t0); // ARP resolved before the crowd
  const conns = new Array<TcpConnection>();
  conns.push(first);
  for (let i = 1; i < n; i++) {
    const c = pair.a.connectTcp(B_IP, 80, client, t0);
    assert(c != null, "connect " + i.toString());
    conns.push(c!);
    if (i % 8 == 0) settle(pair, t0); // the ARP queue holds 16 frames; be kind to it
  }
  settle(pair, t0);
  expect<i32>(pair.a.tcp.count, n, "client table");
  expect<i32>(pair.b.tcp.count, n, "server table");
  expect<i32>(pair.b.tcp.connections.length, n);
  for (let i = 0; i < n; i++) {
    expect<string>(tcpStateName(conns[i].state), "ESTABLISHED");
    conns[i].write(changetype<usize>(msg), 100);
  }
  settle(pair, t0 + MS);
  for (let i = 0; i < n; i++) conns[i].close(t0 + 2 * MS);
  settle(pair, t0 + 2 * MS);
  expect<i32>(pair.b.tcp.count, 0, "the server's ends are CLOSED and gone");
  for (let i = 0; i < n; i++) expect<string>(tcpStateName(conns[i].state), "TIME-WAIT");
  conns.length = 0;
  settle(pair, t0 + 3 * SECOND); // 2*MSL later
  expect<i32>(pair.a.tcp.count, 0, "TIME-WAIT over: gone");
  expect<i32>(pair.a.tcp.connections.length, 0);
}

test("1000 concurrent connections: all established, found by hash, closed, and forgotten", () => {
  const pair = new Pair();
  small(pair.a.tcp.config);
  const acceptor = new Acceptor();
  const cfg = new TcpConfig();
  small(cfg);
  pair.b.tcp.listen(80, acceptor, cfg);
  const client = new Counting();
  cycle(pair, acceptor, client, 1000, 0);
  expect<i32>(acceptor.asked, 1000);
  expect<i32>(acceptor.handler.connects, 1000);
  expect<u32>(acceptor.handler.bytes, 100_000);
  expect<i32>(client.closes, 1000);
  expect<i32>(acceptor.handler.closes, 1000);
});

test("memory returns to its level after 1000 connections close: three cycles, no growth after the first", () => {
  const pair = new Pair();
  small(pair.a.tcp.config);
  const acceptor = new Acceptor();
  const cfg = new TcpConfig();
  small(cfg);
  pair.b.tcp.listen(80, acceptor, cfg);
  const client = new Counting();
  cycle(pair, acceptor, client, 1000, 0);
  __collect();
  const pages = memory.size();
  for (let k = 1; k <= 3; k++) {
    cycle(pair, acceptor, client, 1000, <i64>k * 10 * SECOND);
    __collect();
  }
  expect<i32>(memory.size(), pages, "pages after three more cycles of 1000");
  expect<i32>(client.closes, 4000);
});

test("buffers are allocated on first use: 1000 idle connections with the default 64 KiB buffers, and half-open ones, cost none", () => {
  const pair = new Pair();
  const acceptor = new Acceptor();
  pair.b.tcp.listen(80, acceptor);
  const client = new Counting();
  const first = pair.a.connectTcp(B_IP, 80, client, 0)!;
  settle(pair, 0);
  __collect();
  const before = memory.size();
  for (let i = 1; i < 1000; i++) {
    pair.a.connectTcp(B_IP, 80, client, 0);
    if (i % 8 == 0) settle(pair, 0);
  }
  settle(pair, 0);
  expect<i32>(pair.b.tcp.count, 1000);
  __collect();
  const pages = memory.size() - before;
  trace("pages (64 KiB) for 1000 idle connections, both ends", 1, <f64>pages);
  // Allocated up front, 2000 ends with 64 KiB each way would take 256 MiB (4096 pages).
  expect<bool>(pages < 400, true, "pages for 2000 idle ends: " + pages.toString());
  expect<bool>(first.sendBuffer.allocated || first.recvBuffer.allocated, false, "nothing sent or received yet");
  const msg = new StaticArray<u8>(10);
  first.write(changetype<usize>(msg), 10);
  expect<bool>(first.sendBuffer.allocated, true, "allocated by the first write");
  settle(pair, MS);
  expect<u32>(acceptor.handler.bytes, 10);
});

test("maxConnections: connect fails when the table is full; room comes back when one closes", () => {
  const pair = new Pair();
  pair.a.tcp.maxConnections = 3;
  const acceptor = new Acceptor();
  pair.b.tcp.listen(80, acceptor);
  const client = new Counting();
  const c1 = pair.a.connectTcp(B_IP, 80, client, 0)!;
  pair.a.connectTcp(B_IP, 80, client, 0);
  pair.a.connectTcp(B_IP, 80, client, 0);
  expect<bool>(pair.a.connectTcp(B_IP, 80, client, 0) == null, true, "full");
  c1.abort(0);
  settle(pair, 0);
  expect<bool>(pair.a.connectTcp(B_IP, 80, client, 0) != null, true, "room again");
});

test("a full table reclaims its oldest TIME-WAIT connection for a new one; a table of live ones stays full", () => {
  const pair = new Pair();
  pair.a.tcp.maxConnections = 3;
  const acceptor = new Acceptor();
  pair.b.tcp.listen(80, acceptor);
  const client = new Counting();
  const conns = new Array<TcpConnection>();
  for (let i = 0; i < 3; i++) conns.push(pair.a.connectTcp(B_IP, 80, client, 0)!);
  settle(pair, 0);
  conns[0].close(MS); // a closes first: a's end lingers in TIME-WAIT (2*MSL)
  settle(pair, MS);
  expect<string>(tcpStateName(conns[0].state), "TIME-WAIT");
  const fresh = pair.a.connectTcp(B_IP, 80, client, 2 * MS);
  expect<bool>(fresh != null, true, "TIME-WAIT gave up its place");
  expect<u64>(pair.a.tcp.timeWaitReclaimed, 1);
  expect<string>(tcpStateName(conns[0].state), "CLOSED");
  expect<i32>(<i32>client.lastReason, <i32>CloseReason.Aborted, "its handler hears Aborted");
  settle(pair, 2 * MS);
  expect<bool>(pair.a.connectTcp(B_IP, 80, client, 3 * MS) == null, true, "three live connections: full");
});

test("the connection longest in TIME-WAIT is the one reclaimed, whatever its place in the table", () => {
  const pair = new Pair();
  pair.a.tcp.maxConnections = 3;
  pair.b.tcp.listen(80, new Acceptor());
  const client = new Counting();
  const conns = new Array<TcpConnection>();
  for (let i = 0; i < 3; i++) conns.push(pair.a.connectTcp(B_IP, 80, client, 0)!);
  settle(pair, 0);
  conns[2].close(MS); // the last made enters TIME-WAIT first
  settle(pair, MS);
  conns[0].close(2 * MS);
  settle(pair, 2 * MS);
  expect<string>(tcpStateName(conns[2].state), "TIME-WAIT");
  expect<string>(tcpStateName(conns[0].state), "TIME-WAIT");
  expect<bool>(pair.a.connectTcp(B_IP, 80, client, 3 * MS) != null, true, "room made");
  expect<string>(tcpStateName(conns[2].state), "CLOSED", "the oldest in TIME-WAIT went");
  expect<string>(tcpStateName(conns[0].state), "TIME-WAIT", "the younger stays");
  expect<bool>(pair.a.connectTcp(B_IP, 80, client, 4 * MS) != null, true, "room made again");
  expect<string>(tcpStateName(conns[0].state), "CLOSED");
  expect<u64>(pair.a.tcp.timeWaitReclaimed, 2);
  expect<bool>(pair.a.connectTcp(B_IP, 80, client, 5 * MS) == null, true, "no TIME-WAIT left: full");
  expect<u64>(pair.a.tcp.tableFull, 1);
});

test("the acceptor is asked when the handshake completes, not at the SYN; a refusal resets", () => {
  const pair = new Pair();
  const acceptor = new Acceptor();
  pair.b.tcp.listen(80, acceptor);
  const client = new Counting();
  const conn = pair.a.connectTcp(B_IP, 80, client, 0)!;
  // Deliver the SYN only: b holds a half-open connection and has not asked the app.
  for (let i = 0; i < 4 && pair.b.tcp.count == 0; i++) pair.wire.step(0); // ARP, then the SYN
  expect<i32>(pair.b.tcp.count, 1, "half-open");
  expect<i32>(acceptor.asked, 0, "not asked at SYN time");
  const listener = pair.b.tcp.listenerFor(80)!;
  expect<i32>(listener.halfOpen.length, 1, "in the backlog");
  settle(pair, 0);
  expect<i32>(acceptor.asked, 1);
  expect<i32>(listener.halfOpen.length, 0, "out of the backlog once established (it would pin the connection)");
  expect<i32>(acceptor.handler.connects, 1);
  acceptor.refuse = true;
  const conn2 = pair.a.connectTcp(B_IP, 80, client, MS)!;
  settle(pair, MS);
  expect<i32>(acceptor.asked, 2);
  expect<string>(tcpStateName(conn2.state), "CLOSED", "refused: reset");
  expect<i32>(<i32>client.lastReason, <i32>CloseReason.Reset);
  expect<string>(tcpStateName(conn.state), "ESTABLISHED");
});

/** Raw segments into an interface, as if from `src`. */
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

/** Records what b sends (reads the frames off the wire). */
function takeSegments(pair: Pair, out: Array<TcpRepr>): void {
  while (pair.wire.frames.length > 0) {
    const f = pair.wire.take();
    const ipLen = f.length - 14;
    if (ipLen < 20 || load<u8>(changetype<usize>(f) + 14 + 9) != <u8>IP_PROTOCOL_TCP) continue;
    const ihl = ((<u32>load<u8>(changetype<usize>(f) + 14)) & 15) * 4;
    const r = new TcpRepr();
    const p = new TcpPacket();
    r.parse(p.wrap(changetype<usize>(f) + 14 + ihl, <u32>ipLen - ihl), B_IP, A_IP);
    out.push(r);
  }
}

test("SYN cookies: beyond the backlog SYNs get stateless SYN-ACKs; a valid cookie ACK rebuilds the connection", () => {
  const pair = new Pair();
  pair.b.arp.insert(A_IP, 0x020000000001, 0);
  const acceptor = new Acceptor();
  const l = pair.b.tcp.listen(80, acceptor)!;
  l.backlog = 4;
  const inj = new Injector();
  const r = inj.repr;
  r.dstPort = 80;
  r.flags = TCP_SYN;
  r.window = 8000;
  r.options.hasMaxSegSize = true;
  r.options.maxSegSize = 1400;
  for (let i: u32 = 0; i < 10; i++) {
    r.srcPort = 1000 + i;
    r.seqNumber = 7000 * i;
    inj.send(pair.b, A_IP, B_IP, 0);
  }
  expect<i32>(pair.b.tcp.count, 4, "the backlog");
  expect<u64>(l.cookiesSent, 6);
  const segs = new Array<TcpRepr>();
  takeSegments(pair, segs);
  expect<i32>(segs.length, 10, "ten SYN-ACKs");
  // Complete the handshake of port 1009 (a cookie) with data on the ACK.
  const sa = segs[9];
  expect<u32>(sa.flags, TCP_SYN | TCP_ACK);
  expect<u32>(sa.dstPort, 1009);
  r.options.clear();
  r.srcPort = 1009;
  r.seqNumber = 7000 * 9 + 1;
  r.ackNumber = sa.seqNumber + 1;
  r.flags = TCP_ACK;
  const data = new StaticArray<u8>(10);
  r.payloadPtr = changetype<usize>(data);
  r.payloadLen = 10;
  inj.send(pair.b, A_IP, B_IP, 2 * SECOND);
  expect<u64>(l.cookiesAccepted, 1);
  expect<i32>(acceptor.asked, 1);
  expect<u32>(acceptor.handler.bytes, 10, "the data on the ACK");
  const conn = pair.b.tcp.find(B_IP, 80, A_IP, 1009)!;
  expect<string>(tcpStateName(conn.state), "ESTABLISHED");
  expect<u32>(conn.sndMss, 1400, "the MSS coded in the cookie");
  // A forged cookie (wrong ACK number) is answered with RST and makes nothing.
  r.srcPort = 1008;
  r.seqNumber = 7000 * 8 + 1;
  r.ackNumber = segs[8].seqNumber + 2;
  r.payloadLen = 0;
  inj.send(pair.b, A_IP, B_IP, 2 * SECOND);
  expect<u64>(l.cookiesRejected, 1);
  expect<bool>(pair.b.tcp.find(B_IP, 80, A_IP, 1008) == null, true);
  // A cookie two ticks (over 64 s) old has expired.
  r.ackNumber = segs[8].seqNumber + 1;
  inj.send(pair.b, A_IP, B_IP, 130 * SECOND);
  expect<u64>(l.cookiesRejected, 2);
  // A cookie is good within its tick and the next.
  inj.send(pair.b, A_IP, B_IP, 100 * SECOND);
  expect<u64>(l.cookiesAccepted, 2);
});

test("a table full of half-open connections: SYNs get cookies, and a valid cookie takes the oldest half-open one's place", () => {
  const pair = new Pair();
  pair.b.arp.insert(A_IP, 0x020000000001, 0);
  pair.b.tcp.maxConnections = 4;
  const acceptor = new Acceptor();
  const l = pair.b.tcp.listen(80, acceptor)!;
  l.backlog = 100; // the table fills before the backlog does
  const inj = new Injector();
  const r = inj.repr;
  r.dstPort = 80;
  r.flags = TCP_SYN;
  r.window = 8000;
  for (let i: u32 = 0; i < 6; i++) {
    r.srcPort = 1000 + i;
    r.seqNumber = 7000 * i;
    inj.send(pair.b, A_IP, B_IP, 0);
  }
  expect<i32>(pair.b.tcp.count, 4, "the table is full of half-open connections");
  expect<u64>(l.cookiesSent, 2, "then cookies");
  const segs = new Array<TcpRepr>();
  takeSegments(pair, segs);
  r.srcPort = 1005;
  r.seqNumber = 7000 * 5 + 1;
  r.ackNumber = segs[5].seqNumber + 1;
  r.flags = TCP_ACK;
  inj.send(pair.b, A_IP, B_IP, MS);
  expect<u64>(l.cookiesAccepted, 1, "the cookie is taken");
  expect<u64>(l.evicted, 1, "in the place of the oldest half-open connection");
  expect<bool>(pair.b.tcp.find(B_IP, 80, A_IP, 1000) == null, true);
  expect<string>(tcpStateName(pair.b.tcp.find(B_IP, 80, A_IP, 1005)!.state), "ESTABLISHED");
  expect<i32>(acceptor.asked, 1);
  expect<u64>(pair.b.tcp.resets, 0, "no reset");
});

/** Gives up its oldest connection when asked to make room (as an HTTP server gives up an idle or slow one). */
class Shedding extends Acceptor {
  taken: Array<TcpConnection> = new Array<TcpConnection>();
  makeRoom(now: i64): TcpConnection | null {
    return this.taken.length > 0 ? this.taken.shift() : null;
  }
}

test("a table full of established connections: the acceptor makes room for a client with a valid cookie", () => {
  const pair = new Pair();
  pair.b.arp.insert(A_IP, 0x020000000001, 0);
  pair.b.tcp.maxConnections = 4;
  const acceptor = new Shedding();
  const l = pair.b.tcp.listen(80, acceptor)!;
  const inj = new Injector();
  const r = inj.repr;
  r.dstPort = 80;
  r.window = 8000;
  for (let i: u32 = 0; i < 5; i++) {
    r.srcPort = 1000 + i;
    r.seqNumber = 7000 * i;
    r.ackNumber = 0;
    r.flags = TCP_SYN;
    inj.send(pair.b, A_IP, B_IP, 0);
    const segs = new Array<TcpRepr>();
    takeSegments(pair, segs);
    expect<i32>(segs.length, 1, "a SYN-ACK");
    r.seqNumber = 7000 * i + 1;
    r.ackNumber = segs[0].seqNumber + 1;
    r.flags = TCP_ACK;
    inj.send(pair.b, A_IP, B_IP, MS);
    if (i < 4) {
      const c = pair.b.tcp.find(B_IP, 80, A_IP, 1000 + i)!;
      expect<string>(tcpStateName(c.state), "ESTABLISHED");
      acceptor.taken.push(c);
    }
  }
  expect<u64>(l.cookiesSent, 1, "the fifth SYN found the table full: a cookie");
  expect<u64>(l.shed, 1, "its ACK made the acceptor give up a connection");
  expect<bool>(pair.b.tcp.find(B_IP, 80, A_IP, 1000) == null, true, "the oldest, out of the table");
  expect<string>(tcpStateName(pair.b.tcp.find(B_IP, 80, A_IP, 1004)!.state), "ESTABLISHED");
  expect<i32>(pair.b.tcp.count, 4);
  pair.b.poll(2 * MS); // the RST goes out with the next flush
  const segs = new Array<TcpRepr>();
  takeSegments(pair, segs);
  let resets = 0;
  for (let i = 0; i < segs.length; i++) if (segs[i].has(TCP_RST) && segs[i].dstPort == 1000) resets++;
  expect<i32>(resets, 1, "the connection given up was reset");
  // An acceptor with nothing to give up: the new client is refused for now (it retries).
  acceptor.taken.length = 0;
  r.srcPort = 1005;
  r.seqNumber = 9000;
  r.ackNumber = 0;
  r.flags = TCP_SYN;
  inj.send(pair.b, A_IP, B_IP, 2 * MS);
  takeSegments(pair, segs);
  r.seqNumber = 9001;
  r.ackNumber = segs[segs.length - 1].seqNumber + 1;
  r.flags = TCP_ACK;
  inj.send(pair.b, A_IP, B_IP, 3 * MS);
  expect<bool>(pair.b.tcp.find(B_IP, 80, A_IP, 1005) == null, true);
  expect<u64>(l.shed, 1);
});

test("without cookies, a full backlog evicts its oldest half-open connection", () => {
  const pair = new Pair();
  pair.b.arp.insert(A_IP, 0x020000000001, 0);
  const l = pair.b.tcp.listen(80, new Acceptor())!;
  l.backlog = 4;
  l.syncookies = false;
  const inj = new Injector();
  inj.repr.dstPort = 80;
  inj.repr.flags = TCP_SYN;
  inj.repr.window = 8000;
  for (let i: u32 = 0; i < 10; i++) {
    inj.repr.srcPort = 1000 + i;
    inj.send(pair.b, A_IP, B_IP, 0);
  }
  pair.b.poll(0);
  expect<i32>(pair.b.tcp.count, 4);
  expect<u64>(l.evicted, 6);
  expect<bool>(pair.b.tcp.find(B_IP, 80, A_IP, 1009) != null, true, "the newest stay");
  expect<bool>(pair.b.tcp.find(B_IP, 80, A_IP, 1000) == null, true, "the oldest went");
});

test("ICMP port unreachable quoting our SYN ends SYN-SENT; one quoting a sequence number not in flight is ignored", () => {
  const pair = new Pair();
  pair.b.tcp.listen(80, new Acceptor()); // b speaks TCP but we forge its ICMP by hand
  const client = new Counting();
  const conn = pair.a.connectTcp(B_IP, 80, client, 0)!;
  const t = pair.a.tcp;
  expect<bool>(t.icmpError(A_IP, conn.localPort, B_IP, 80, conn.iss + 1000, 3, 3, 0, 0), true, "matched");
  expect<string>(tcpStateName(conn.state), "SYN-SENT", "not in flight: ignored");
  expect<bool>(t.icmpError(A_IP, conn.localPort, B_IP, 81, conn.iss, 3, 3, 0, 0), false, "no such connection");
  t.icmpError(A_IP, conn.localPort, B_IP, 80, conn.iss, 3, 3, 0, 0);
  expect<string>(tcpStateName(conn.state), "CLOSED");
  expect<i32>(<i32>client.lastReason, <i32>CloseReason.Refused);
});

test("ICMP fragmentation needed through the interface lowers the connection's MSS", () => {
  const pair = new Pair();
  pair.b.tcp.listen(80, new Acceptor());
  const client = new Counting();
  const conn = pair.a.connectTcp(B_IP, 80, client, 0)!;
  settle(pair, 0);
  expect<u32>(conn.sndMss, 1460);
  const big = new StaticArray<u8>(3000);
  conn.write(changetype<usize>(big), 3000);
  pair.a.poll(MS);
  // Take the first data frame off the wire and send back "fragmentation needed, MTU 1000" quoting it.
  let frame = pair.wire.take();
  const icmp = new StaticArray<u8>(8 + 28);
  const p = changetype<usize>(icmp);
  store<u8>(p, 3);
  store<u8>(p + 1, 4);
  store<u8>(p + 6, 1000 >> 8);
  store<u8>(p + 7, 1000 & 255);
  memory.copy(p + 8, changetype<usize>(frame) + 14, 28);
  let sum: u32 = 0;
  for (let i = 0; i < 36; i += 2) sum += ((<u32>load<u8>(p + i)) << 8) | load<u8>(p + i + 1);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >> 16);
  store<u8>(p + 2, <u8>(~sum >> 8));
  store<u8>(p + 3, <u8>~sum);
  pair.b.sendIpv4(B_IP, A_IP, 1, p, 36, MS);
  while (pair.wire.frames.length > 1) pair.wire.take(); // the rest of the data
  pair.wire.pump(MS);
  expect<u64>(pair.a.tcp.icmpErrors, 1);
  expect<u32>(conn.sndMss, 960, "1000 - 40");
  settle(pair, 2 * MS);
  expect<u32>(conn.sendBuffer.length, 0, "all delivered, smaller");
});

test("RFC 6528: initial sequence numbers differ per 4-tuple and advance with the 4 µs clock", () => {
  const pair = new Pair();
  const t = pair.a.tcp;
  t.seed(42);
  const a = t.iss(A_IP, 50000, B_IP, 80, 0);
  const b = t.iss(A_IP, 50001, B_IP, 80, 0);
  expect<bool>(a != b, true, "another port, another offset");
  expect<u32>(t.iss(A_IP, 50000, B_IP, 80, 4000 * 1000) - a, 1000, "1000 ticks of 4 µs later");
  t.seed(43);
  expect<bool>(t.iss(A_IP, 50000, B_IP, 80, 0) != a, true, "another key, another sequence");
});

test("RFC 6056 algorithm 3: ephemeral ports in 49152..65535, unique, counting up from a secret offset per destination", () => {
  const pair = new Pair();
  pair.a.tcp.maxConnections = 2000;
  small(pair.a.tcp.config);
  const client = new Counting();
  let sequential = 0;
  let last: u32 = 0;
  const seen = new Set<u32>();
  for (let i = 0; i < 1000; i++) {
    const c = pair.a.connectTcp(B_IP, 80, client, 0)!;
    const p = c.localPort;
    expect<bool>(p >= 49152 && p <= 65535, true, "range");
    expect<bool>(seen.has(p), false, "unique");
    seen.add(p);
    if (p == last + 1) sequential++;
    last = p;
  }
  // Algorithm 3 counts up from a secret offset per destination: ports to one destination are
  // consecutive, but another destination starts somewhere else.
  const other = pair.a.connectTcp(B_IP, 443, client, 0)!;
  expect<bool>(other.localPort != last + 1, true, "another destination, another offset");
  expect<bool>(sequential >= 998, true, "consecutive for one destination (one wrap at 65535)");
});

test("TIME-WAIT reuse: a new SYN above RCV.NXT from the same port reopens the server's TIME-WAIT connection", () => {
  const pair = new Pair();
  const acceptor = new Acceptor();
  pair.b.tcp.listen(80, acceptor);
  const client = new Counting();
  const c1 = pair.a.tcp.connect(B_IP, 80, client, 0, 40000)!;
  settle(pair, 0);
  const s1 = pair.b.tcp.find(B_IP, 80, A_IP, 40000)!;
  s1.close(MS); // the server closes first: it ends in TIME-WAIT
  settle(pair, MS);
  expect<string>(tcpStateName(s1.state), "TIME-WAIT");
  expect<string>(tcpStateName(c1.state), "CLOSED");
  settle(pair, 2 * SECOND);
  const c2 = pair.a.tcp.connect(B_IP, 80, client, 2 * SECOND, 40000)!;
  settle(pair, 2 * SECOND);
  expect<string>(tcpStateName(c2.state), "ESTABLISHED", "reopened");
  const s2 = pair.b.tcp.find(B_IP, 80, A_IP, 40000)!;
  expect<bool>(s2 !== s1, true, "a new connection");
  expect<bool>(s2.iss - s1.iss < 0x80000000, true, "the new ISS is past the old one");
  expect<i32>(acceptor.asked, 2);
});

test("TIME-WAIT as a record: the connection leaves the endpoint, and the record answers as it would (RFC 9293 §3.10.7.4)", () => {
  const pair = new Pair();
  pair.a.tcp.config.timestamps = new Timestamps();
  pair.b.tcp.config.timestamps = new Timestamps();
  pair.b.tcp.config.msl = SECOND;
  pair.b.tcp.listen(80, new Acceptor());
  const c1 = pair.a.tcp.connect(B_IP, 80, new Counting(), 0, 40000)!;
  settle(pair, 0);
  const s1 = pair.b.tcp.find(B_IP, 80, A_IP, 40000)!;
  s1.handler = null; // the application lets go as it closes, as the HTTP server does
  s1.close(MS); // the server closes first: it ends in TIME-WAIT
  settle(pair, MS);
  expect<string>(tcpStateName(s1.state), "TIME-WAIT");
  expect<string>(tcpStateName(c1.state), "CLOSED");
  expect<bool>(pair.b.tcp.find(B_IP, 80, A_IP, 40000) == null, true, "the connection left the table");
  expect<i32>(pair.b.tcp.connections.length, 0);
  expect<i32>(pair.b.tcp.count, 1, "its record took its place");
  expect<i32>(pair.b.tcp.timeWaitCount, 1);
  const r = pair.b.tcp.findTimeWait(B_IP, 80, A_IP, 40000)!;
  expect<u32>(r.rcvNxt, s1.rcvNxt);
  expect<u32>(r.sndNxt, s1.sndNxt);
  expect<bool>(r.conn == null, true, "no handler: the record alone");
  expect<i64>(r.expires, MS + 2 * SECOND);
  expect<bool>(r.timestamps, true);
  expect<u64>(pair.b.tcp.memoryUsed, TCP_TIME_WAIT_BYTES);
  const ts = changetype<Timestamps>(s1.timestamps);
  expect<u32>(r.tsRecent, ts.recent);

  const inj = new Injector();
  const q = inj.repr;
  q.srcPort = 40000;
  q.dstPort = 80;
  q.window = 8000;
  const out = new Array<TcpRepr>();
  // The peer's FIN again (our ACK was lost): ACKed with the connection's numbers and clock; 2 MSL starts over.
  q.flags = TCP_FIN | TCP_ACK;
  q.seqNumber = r.rcvNxt - 1;
  q.ackNumber = r.sndNxt;
  inj.send(pair.b, A_IP, B_IP, SECOND);
  takeSegments(pair, out);
  expect<i32>(out.length, 1, "the FIN is ACKed");
  expect<u32>(out[0].flags, TCP_ACK);
  expect<u32>(out[0].seqNumber, r.sndNxt);
  expect<u32>(out[0].ackNumber, r.rcvNxt);
  expect<bool>(out[0].options.hasTimestamps, true);
  expect<u32>(out[0].options.tsVal, ts.clock(SECOND), "TSval on the connection's clock");
  expect<u32>(out[0].options.tsEcr, ts.recent, "TSecr: TS.Recent");
  expect<i64>(r.expires, 3 * SECOND, "2 MSL from the FIN again");
  // A FIN at any other sequence number is ACKed and restarts nothing.
  q.seqNumber = r.rcvNxt + 1000;
  inj.send(pair.b, A_IP, B_IP, 2 * SECOND);
  out.length = 0;
  takeSegments(pair, out);
  expect<i32>(out.length, 1, "ACKed");
  expect<i64>(r.expires, 3 * SECOND, "not restarted");
  // A RST is ignored (RFC 1337), exact or not; an ACK in the window needs nothing; one far out gets an ACK.
  q.flags = TCP_RST;
  q.seqNumber = r.rcvNxt;
  inj.send(pair.b, A_IP, B_IP, 2 * SECOND);
  q.seqNumber = r.rcvNxt + 100;
  inj.send(pair.b, A_IP, B_IP, 2 * SECOND);
  q.flags = TCP_ACK;
  q.seqNumber = r.rcvNxt;
  inj.send(pair.b, A_IP, B_IP, 2 * SECOND);
  out.length = 0;
  takeSegments(pair, out);
  expect<i32>(out.length, 0, "RSTs ignored, an acceptable ACK unanswered");
  expect<bool>(pair.b.tcp.findTimeWait(B_IP, 80, A_IP, 40000) === r, true, "still in TIME-WAIT");
  q.seqNumber = r.rcvNxt + 1_000_000;
  inj.send(pair.b, A_IP, B_IP, 2 * SECOND);
  takeSegments(pair, out);
  expect<i32>(out.length, 1, "an unacceptable segment is ACKed");
  // A SYN at or below RCV.NXT cannot reopen it: challenge ACKs, at most challengeAckLimit a second.
  q.flags = TCP_SYN;
  q.seqNumber = r.rcvNxt - 5;
  out.length = 0;
  for (let i = 0; i < 30; i++) inj.send(pair.b, A_IP, B_IP, 2 * SECOND + <i64>i * 10 * MS);
  takeSegments(pair, out);
  expect<i32>(out.length, <i32>pair.b.tcp.config.challengeAckLimit, "rate limited");
  for (let i = 0; i < out.length; i++) expect<u32>(out[i].flags, TCP_ACK);
  // ICMP: counted, and ignored (nothing is in flight).
  expect<bool>(pair.b.tcp.icmpError(B_IP, 80, A_IP, 40000, r.sndNxt - 1, 3, 3, 0, 2 * SECOND), true);
  expect<u64>(pair.b.tcp.icmpErrors, 1);
  expect<i32>(pair.b.tcp.timeWaitCount, 1);
  // 2 MSL after the FIN again, the record goes.
  expect<i64>(pair.b.pollAt(), 3 * SECOND);
  settle(pair, 3 * SECOND);
  expect<i32>(pair.b.tcp.count, 0, "TIME-WAIT over");
  expect<i32>(pair.b.tcp.timeWaitCount, 0);
  expect<u64>(pair.b.tcp.memoryUsed, 0);
});

test("a RST with a valid sequence number and no connection is not answered", () => {
  const pair = new Pair();
  pair.b.tcp.listen(80, new Acceptor());
  const inj = new Injector();
  inj.repr.srcPort = 1234;
  inj.repr.dstPort = 80;
  inj.repr.flags = TCP_RST | TCP_ACK;
  inj.send(pair.b, A_IP, B_IP, 0);
  expect<i32>(pair.wire.frames.length, 0);
  expect<i32>(pair.b.tcp.count, 0);
});

export function _start(): void {
  runTests();
}
