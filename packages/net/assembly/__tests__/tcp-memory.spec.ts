// What TCP state costs: a connection in TIME-WAIT leaves a record of about 100 bytes in its place
// (the connection too only while its handler is set), a half-open one allocates no buffers, a
// CLOSED one gives its rings back at once; the endpoint's memory budget (`TcpConfig.memory`) takes
// back the empty rings of idle connections, then refuses new connections rather than let the heap
// run out; a flood of spoofed SYNs through the interface leaves memory bounded while a real client
// gets through.
import { expect, runTests, test } from "@tessera/test/assembly";
import { heapUsage } from "@tessera/runtime/assembly/usage";
import { Pair, WireEnd } from "@tessera/net/assembly/__tests__/memory-wire";
import { Interface } from "@tessera/net/assembly/iface/interface";
import { IP_PROTOCOL_TCP } from "@tessera/net/assembly/wire/ipv4";
import { TcpPacket, TcpRepr, TCP_SYN } from "@tessera/net/assembly/wire/tcp";
import { TcpConnection, TcpHandler } from "@tessera/net/assembly/tcp/connection";
import { TcpAcceptor, TCP_CONNECTION_BYTES, TCP_TIME_WAIT_BYTES } from "@tessera/net/assembly/tcp/endpoint";
import { CloseReason, setDefaultTcpMemory, TcpConfig, TcpState, tcpStateName } from "@tessera/net/assembly/tcp/state";

const A_IP: u32 = 0x0a000001;
const B_IP: u32 = 0x0a000002;
const SECOND: i64 = 1_000_000_000;
const MS: i64 = 1_000_000;

const request = new StaticArray<u8>(100);
const response = new StaticArray<u8>(1000);

/**
 * An HTTP/1.0-like server: reads the request, answers, closes first (so its end goes to TIME-WAIT),
 * and lets go of the connection as it closes (`letGo`, as the HTTP server does) or keeps hearing it.
 */
class Server extends TcpHandler {
  served: i32 = 0;
  letGo: bool = true;
  buf: StaticArray<u8> = new StaticArray<u8>(2048);
  readable(conn: TcpConnection, now: i64): void {
    let n: u32 = 0;
    while (conn.read(changetype<usize>(this.buf), 2048) > 0) n++;
    if (n > 0 && conn.writable() > 0) {
      conn.write(changetype<usize>(response), 1000);
      if (this.letGo) conn.handler = null;
      conn.close(now);
      this.served++;
    }
  }
}

/** A client: reads what comes, closes when the server has. */
class Client extends TcpHandler {
  bytes: u32 = 0;
  closes: i32 = 0;
  buf: StaticArray<u8> = new StaticArray<u8>(2048);
  connected(conn: TcpConnection, now: i64): void {
    conn.write(changetype<usize>(request), 100);
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
  }
}

class Acceptor extends TcpAcceptor {
  server: Server = new Server();
  accept(remoteAddr: u32, remotePort: u32, now: i64): TcpHandler | null {
    return this.server;
  }
}

function settle(pair: Pair, now: i64): void {
  for (let i = 0; i < 1000; i++) {
    pair.a.poll(now);
    pair.b.poll(now);
    if (pair.wire.pump(now) == 0) return;
  }
}

/** The example http server's buffers: 4 KiB in, 16 KiB out. */
function httpConfig(c: TcpConfig): TcpConfig {
  c.recvBuffer = 4096;
  c.sendBuffer = 16384;
  c.msl = 10 * SECOND;
  return c;
}

/** Heap bytes in use (a full collection first). */
function used(): usize {
  return heapUsage().used;
}

/** `n` request/response exchanges from a to b:80; b closes first and keeps each in TIME-WAIT. */
function exchanges(pair: Pair, client: Client, n: i32, now: i64): void {
  for (let i = 0; i < n; i++) {
    pair.a.connectTcp(B_IP, 80, client, now);
    if (i % 8 == 7) settle(pair, now);
  }
  settle(pair, now);
  settle(pair, now + MS);
}

test("TIME-WAIT keeps a record of what it needs, about 100 bytes an entry; the connection only while its handler is set", () => {
  const pair = new Pair();
  httpConfig(pair.a.tcp.config);
  const acceptor = new Acceptor();
  pair.b.tcp.listen(80, acceptor, httpConfig(new TcpConfig()));
  const client = new Client();
  exchanges(pair, client, 8, 0); // ARP, tables and arrays warmed up
  settle(pair, 30 * SECOND); // their TIME-WAIT is over
  expect<i32>(pair.b.tcp.count, 0);
  const base = used();
  const n = 500;
  exchanges(pair, client, n, 31 * SECOND);
  expect<i32>(acceptor.server.served, 8 + n);
  expect<i32>(client.closes, 8 + n, "the client's ends are CLOSED");
  expect<i32>(pair.b.tcp.count, n, "the server's ends are in TIME-WAIT");
  expect<i32>(pair.b.tcp.timeWaitCount, n);
  expect<i32>(pair.b.tcp.connections.length, 0, "as records: the connections have left the endpoint");
  expect<u64>(pair.b.tcp.memoryUsed, <u64>n * TCP_TIME_WAIT_BYTES, "the budget counts the records");
  const perEntry = <i32>((used() - base) / n);
  settle(pair, 60 * SECOND);
  expect<i32>(pair.b.tcp.count, 0, "TIME-WAIT over");
  expect<u64>(pair.b.tcp.memoryUsed, 0);
  expect<bool>(perEntry < 128, true, "heap per TIME-WAIT entry: " + perEntry.toString() + " bytes");
  expect<bool>(
    perEntry <= <i32>TCP_TIME_WAIT_BYTES,
    true,
    "the budget counts what a record takes: " +
      perEntry.toString() +
      " bytes, counted " +
      TCP_TIME_WAIT_BYTES.toString(),
  );
  // A server that keeps its handler set hears `closed` when TIME-WAIT ends, so the record keeps
  // the connection (without its rings) until then, and the budget counts both.
  acceptor.server.letGo = false;
  const base2 = used();
  exchanges(pair, client, n, 61 * SECOND);
  expect<i32>(pair.b.tcp.count, n);
  expect<u64>(pair.b.tcp.memoryUsed, <u64>n * (TCP_TIME_WAIT_BYTES + TCP_CONNECTION_BYTES));
  const perKept = <i32>((used() - base2) / n);
  expect<bool>(
    perKept <= <i32>(TCP_TIME_WAIT_BYTES + TCP_CONNECTION_BYTES),
    true,
    "heap per TIME-WAIT entry that keeps its connection: " + perKept.toString() + " bytes",
  );
  settle(pair, 120 * SECOND);
  expect<i32>(pair.b.tcp.count, 0, "TIME-WAIT over");
});

test("a half-open connection allocates no buffers, and a CLOSED one gives its rings back at once", () => {
  const pair = new Pair();
  httpConfig(pair.a.tcp.config);
  const acceptor = new Acceptor();
  const l = pair.b.tcp.listen(80, acceptor, httpConfig(new TcpConfig()))!;
  l.backlog = 1000;
  const client = new Client();
  exchanges(pair, client, 8, 0);
  settle(pair, 30 * SECOND);
  const base = used();
  // 500 SYNs whose SYN-ACKs go unanswered: b holds 500 half-open connections.
  const conns = new Array<TcpConnection>();
  for (let i = 0; i < 500; i++) conns.push(pair.a.connectTcp(B_IP, 80, client, 31 * SECOND)!);
  pair.a.poll(31 * SECOND);
  const syns = new Array<StaticArray<u8>>();
  while (pair.wire.frames.length > 0) syns.push(pair.wire.take());
  for (let i = 0; i < syns.length; i++) pair.b.receive(changetype<usize>(syns[i]), <u32>syns[i].length, 31 * SECOND);
  syns.length = 0;
  while (pair.wire.frames.length > 0) pair.wire.take(); // b's SYN-ACKs are lost
  expect<i32>(pair.b.tcp.count, 500, "half-open");
  for (let i = 0; i < 500; i++) conns[i].abort(31 * SECOND);
  pair.a.poll(31 * SECOND);
  while (pair.wire.frames.length > 0) pair.wire.take();
  conns.length = 0;
  pair.a.poll(31 * SECOND);
  const perHalfOpen = <i32>((used() - base) / 500);
  expect<bool>(perHalfOpen < 1536, true, "heap per half-open connection: " + perHalfOpen.toString() + " bytes");
  // A connection that closes gives its rings back at once, even while the application holds it.
  const conn = pair.a.connectTcp(B_IP, 80, client, 40 * SECOND)!;
  conn.write(changetype<usize>(request), 100); // queued behind the SYN
  expect<bool>(conn.sendBuffer.allocated, true, "the request was written");
  conn.abort(41 * SECOND);
  expect<string>(tcpStateName(conn.state), "CLOSED");
  expect<bool>(conn.sendBuffer.allocated || conn.recvBuffer.allocated, false, "CLOSED holds no ring");
});

test("connections that left TIME-WAIT are let go even while an older one stays in it (its peer's FIN again, or a longer MSL)", () => {
  const pair = new Pair();
  httpConfig(pair.a.tcp.config);
  const acceptor = new Acceptor();
  const long = httpConfig(new TcpConfig());
  long.msl = 100 * SECOND;
  pair.b.tcp.listen(80, acceptor, long);
  pair.b.tcp.listen(81, acceptor, httpConfig(new TcpConfig())); // 2*MSL: 20 s
  const client = new Client();
  exchanges(pair, client, 8, 0); // warm-up, to port 80: these stay in TIME-WAIT 200 s
  for (let i = 0; i < 8; i++) pair.a.connectTcp(B_IP, 81, client, MS);
  settle(pair, MS);
  settle(pair, 30 * SECOND); // port 81's are over
  const base = used();
  for (let i = 0; i < 200; i++) {
    pair.a.connectTcp(B_IP, 81, client, 31 * SECOND);
    if (i % 8 == 7) settle(pair, 31 * SECOND);
  }
  settle(pair, 31 * SECOND);
  settle(pair, 31 * SECOND + MS);
  expect<i32>(pair.b.tcp.count, 8 + 200);
  settle(pair, 60 * SECOND); // port 81's TIME-WAIT is over, port 80's is not
  expect<i32>(pair.b.tcp.count, 8);
  expect<i32>(pair.b.tcp.timeWaitCount, 8);
  const growth = <i64>used() - <i64>base;
  expect<bool>(growth < 16 * 1024, true, "heap kept for 200 connections gone: " + growth.toString() + " bytes");
});

/** Keeps its connections open; counts what arrives and, if `echo`, sends it back. */
class Quiet extends TcpHandler {
  echo: bool = false;
  /** Reads what arrives (else leaves it in the receive ring). */
  reads: bool = true;
  bytes: u32 = 0;
  connects: i32 = 0;
  closes: i32 = 0;
  buf: StaticArray<u8> = new StaticArray<u8>(2048);
  connected(conn: TcpConnection, now: i64): void {
    this.connects++;
  }
  readable(conn: TcpConnection, now: i64): void {
    while (this.reads) {
      const n = conn.read(changetype<usize>(this.buf), 2048);
      if (n == 0) break;
      this.bytes += n;
      if (this.echo) conn.write(changetype<usize>(this.buf), n);
    }
    if (conn.finReceived) conn.close(now);
  }
  closed(conn: TcpConnection, reason: CloseReason, now: i64): void {
    this.closes++;
  }
}

class QuietAcceptor extends TcpAcceptor {
  handler: Quiet = new Quiet();
  asked: i32 = 0;
  constructor() {
    super();
    this.handler.echo = true;
  }
  accept(remoteAddr: u32, remotePort: u32, now: i64): TcpHandler | null {
    this.asked++;
    return this.handler;
  }
}

const PER: u64 = TCP_CONNECTION_BYTES + 4096 + 16384; // what one connection with the http buffers counts, both rings in use
const HOLDING: u64 = TCP_CONNECTION_BYTES + 4096; // one that holds data it has not read, its send ring given back (empty)

/** Writes the request on each of `conns` and lets the server echo it: every ring is in use. */
function talk(pair: Pair, conns: Array<TcpConnection>, now: i64): void {
  for (let i = 0; i < conns.length; i++) conns[i].write(changetype<usize>(request), 100);
  settle(pair, now);
}

test("the memory budget: connect past it returns null, after the oldest TIME-WAIT is reclaimed; made connections are served", () => {
  const pair = new Pair();
  httpConfig(pair.a.tcp.config).memory = 3 * HOLDING + PER - 1; // three that hold data, not a fourth besides
  pair.b.tcp.listen(80, new QuietAcceptor(), httpConfig(new TcpConfig()));
  const client = new Quiet();
  client.reads = false; // the echoes stay in its receive rings
  const conns = new Array<TcpConnection>();
  for (let i = 0; i < 3; i++) conns.push(pair.a.connectTcp(B_IP, 80, client, 0)!);
  settle(pair, 0);
  expect<u64>(pair.a.tcp.memoryUsed, 3 * TCP_CONNECTION_BYTES, "three connections, no ring in use yet");
  talk(pair, conns, 0);
  expect<u64>(pair.a.tcp.memoryUsed, 3 * PER, "three connections, their rings in use");
  expect<bool>(pair.a.connectTcp(B_IP, 80, client, MS) == null, true, "a fourth would pass the budget");
  expect<u64>(pair.a.tcp.memoryRefused, 1);
  expect<u64>(pair.a.tcp.memoryUsed, 3 * HOLDING, "once the empty send rings were given back");
  conns[0].close(2 * MS); // a closes first: its end stays in TIME-WAIT, without its rings
  settle(pair, 2 * MS);
  expect<string>(tcpStateName(conns[0].state), "TIME-WAIT");
  expect<u64>(
    pair.a.tcp.memoryUsed,
    2 * HOLDING + TCP_TIME_WAIT_BYTES + HOLDING,
    "its record, and the connection it keeps for the handler, with the receive ring it has not read",
  );
  const fourth = pair.a.connectTcp(B_IP, 80, client, 3 * MS);
  expect<bool>(fourth != null, true, "room, once the TIME-WAIT connection is reclaimed");
  expect<u64>(pair.a.tcp.timeWaitReclaimed, 1);
  expect<u64>(pair.a.tcp.memoryUsed, 2 * HOLDING + TCP_CONNECTION_BYTES);
  settle(pair, 3 * MS);
  // Those made are served as usual, past the budget if their rings fill.
  for (let i = 1; i < 3; i++) conns[i].write(changetype<usize>(response), 1000);
  settle(pair, 4 * MS);
  expect<string>(tcpStateName(fourth!.state), "ESTABLISHED");
  conns[1].abort(5 * MS);
  settle(pair, 5 * MS);
  expect<u64>(pair.a.tcp.memoryUsed, PER + TCP_CONNECTION_BYTES, "a CLOSED connection counts nothing");
});

test("the memory budget: a full one first takes back the rings idle connections hold empty, and counts them again when they are used", () => {
  const pair = new Pair();
  httpConfig(pair.a.tcp.config);
  httpConfig(pair.b.tcp.config).memory = 3 * PER;
  pair.b.tcp.listen(80, new QuietAcceptor(), httpConfig(new TcpConfig()));
  const client = new Quiet();
  const conns = new Array<TcpConnection>();
  for (let i = 0; i < 3; i++) conns.push(pair.a.connectTcp(B_IP, 80, client, 0)!);
  settle(pair, 0);
  talk(pair, conns, 0); // the server reads each request and echoes it: its rings are allocated, and empty
  expect<u64>(pair.b.tcp.memoryUsed, 3 * PER, "three idle keep-alive connections, their rings allocated");
  const before = used();
  const fourth = pair.a.connectTcp(B_IP, 80, client, MS)!;
  settle(pair, MS);
  expect<i32>(pair.b.tcp.count, 4, "the fourth is let in: no cookie, no one shed");
  expect<u64>(pair.b.tcp.memoryRefused, 0);
  expect<u64>(pair.b.tcp.trimmedBytes, 3 * (4096 + 16384), "the three idle ones gave their rings back");
  expect<u64>(pair.b.tcp.memoryUsed, 4 * TCP_CONNECTION_BYTES);
  expect<bool>(used() < before - 3 * (4096 + 16384) + 4096, true, "and the heap has them back");
  conns.push(fourth);
  talk(pair, conns, 2 * MS); // each is used again: its rings come back, counted
  expect<u64>(pair.b.tcp.memoryUsed, 4 * PER, "past the budget: made connections are served");
  expect<u32>(client.bytes, 3 * 100 + 4 * 100, "every echo arrived, before and after");
  // Rings that hold data are not taken: a server that has not read its request keeps it.
  const slow = new QuietAcceptor();
  slow.handler.reads = false;
  const b2 = new Pair();
  httpConfig(b2.a.tcp.config);
  httpConfig(b2.b.tcp.config).memory = 2 * (TCP_CONNECTION_BYTES + 4096) + PER - 1; // not for a third
  b2.b.tcp.listen(80, slow, httpConfig(new TcpConfig()));
  const held = new Array<TcpConnection>();
  for (let i = 0; i < 2; i++) held.push(b2.a.connectTcp(B_IP, 80, client, 0)!);
  settle(b2, 0);
  talk(b2, held, 0);
  expect<u64>(b2.b.tcp.memoryUsed, 2 * (TCP_CONNECTION_BYTES + 4096), "each holds its unread request");
  b2.a.connectTcp(B_IP, 80, client, MS);
  settle(b2, MS);
  expect<u64>(b2.b.tcp.trimmedBytes, 0, "nothing to give back");
  expect<i32>(b2.b.tcp.count, 2, "no room for the third: its SYN got a cookie");
  expect<u64>(b2.b.tcp.memoryRefused, 1);
  expect<u32>(slow.handler.bytes, 0);
});

test("the memory budget: memory 0 is the default a Stack sets (half of memoryLimit()), none without one", () => {
  const pair = new Pair();
  httpConfig(pair.a.tcp.config);
  pair.b.tcp.listen(80, new QuietAcceptor(), httpConfig(new TcpConfig()));
  const client = new Quiet();
  client.reads = false;
  setDefaultTcpMemory(2 * HOLDING + PER - 1);
  const conns = new Array<TcpConnection>();
  for (let i = 0; i < 2; i++) conns.push(pair.a.connectTcp(B_IP, 80, client, 0)!);
  settle(pair, 0);
  talk(pair, conns, 0);
  expect<bool>(pair.a.connectTcp(B_IP, 80, client, MS) == null, true, "past the default");
  setDefaultTcpMemory(0);
  expect<bool>(pair.a.connectTcp(B_IP, 80, client, MS) != null, true, "no budget");
});

test("the memory budget: a SYN past it gets a cookie, which is redeemed only once there is room, without a reset meanwhile", () => {
  const pair = new Pair();
  httpConfig(pair.a.tcp.config);
  httpConfig(pair.b.tcp.config).memory = 2 * HOLDING + PER - 1;
  const acceptor = new QuietAcceptor();
  acceptor.handler.reads = false; // the server leaves the requests in its receive rings
  const l = pair.b.tcp.listen(80, acceptor, httpConfig(new TcpConfig()))!;
  const client = new Quiet();
  const first = new Array<TcpConnection>();
  first.push(pair.a.connectTcp(B_IP, 80, client, 0)!);
  first.push(pair.a.connectTcp(B_IP, 80, client, 0)!);
  settle(pair, 0);
  talk(pair, first, 0);
  expect<u64>(pair.b.tcp.memoryUsed, 2 * HOLDING, "the server's two connections, holding their requests");
  const c0 = first[0];
  const c2 = pair.a.connectTcp(B_IP, 80, client, MS)!;
  settle(pair, MS);
  expect<u64>(l.cookiesSent, 1, "the third SYN got a cookie");
  expect<u64>(pair.b.tcp.memoryRefused, 1, "its ACK was not redeemed");
  expect<i32>(pair.b.tcp.count, 2);
  expect<string>(tcpStateName(c2.state), "ESTABLISHED", "no reset: the client thinks it is in");
  c2.write(changetype<usize>(request), 100);
  settle(pair, 2 * MS);
  expect<u64>(pair.b.tcp.memoryRefused, 2, "its data is dropped too, without a reset");
  c0.close(3 * MS); // the client closes one; the server's end is gone once the FINs are done
  settle(pair, 3 * MS);
  expect<i32>(pair.b.tcp.count, 1);
  acceptor.handler.reads = true;
  for (let t = 4; t < 4000 && acceptor.handler.bytes < 100; t += 100) settle(pair, <i64>t * MS); // the client's retransmission
  expect<u64>(l.cookiesAccepted, 1, "redeemed now");
  expect<u32>(acceptor.handler.bytes, 100, "the request arrived");
  expect<i32>(acceptor.asked, 2 + 1);
});

test("the memory budget counts a listener's stateBytes with each connection it accepted, until TIME-WAIT", () => {
  const pair = new Pair();
  httpConfig(pair.a.tcp.config);
  httpConfig(pair.b.tcp.config).memory = 64 * PER;
  const l = pair.b.tcp.listen(80, new QuietAcceptor(), httpConfig(new TcpConfig()))!;
  l.stateBytes = 10_000;
  const c = pair.a.connectTcp(B_IP, 80, new Quiet(), 0)!;
  settle(pair, 0);
  const conns = new Array<TcpConnection>();
  conns.push(c);
  talk(pair, conns, MS);
  const server = pair.b.tcp.find(B_IP, 80, A_IP, c.localPort)!;
  expect<u64>(server.charged, PER + 10_000, "accepted, its rings in use: its state counts too");
  expect<u64>(pair.b.tcp.memoryUsed, PER + 10_000);
  server.close(2 * MS); // the server closes first: its end goes to TIME-WAIT
  settle(pair, 2 * MS);
  c.close(3 * MS);
  settle(pair, 3 * MS);
  expect<string>(tcpStateName(server.state), "TIME-WAIT");
  expect<u64>(server.charged, 0, "out of the table: its record took its place");
  expect<u64>(
    pair.b.tcp.memoryUsed,
    TCP_TIME_WAIT_BYTES + TCP_CONNECTION_BYTES,
    "in TIME-WAIT: the record and the connection it keeps for the handler, neither rings nor state",
  );
  server.handler = null; // the application lets go
  pair.b.poll(4 * MS);
  expect<u64>(pair.b.tcp.memoryUsed, TCP_TIME_WAIT_BYTES, "the record alone");
  expect<string>(tcpStateName(server.state), "TIME-WAIT");
});

/** A seeded xorshift generator. */
class Rng {
  constructor(private s: u32) {}
  next(): u32 {
    let x = this.s;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    this.s = x;
    return x;
  }
}

test("SYN flood through the interface: 20,000 spoofed sources on and off the link; cookies take over, memory stays bounded, a real client is served", () => {
  const pair = new Pair();
  const b = pair.b;
  b.config.gateway = 0x0a0000fe; // off-link sources are answered through it (it never answers ARP)
  httpConfig(pair.a.tcp.config);
  const acceptor = new Acceptor();
  const l = b.tcp.listen(80, acceptor, httpConfig(new TcpConfig()))!;
  l.backlog = 1024; // as examples/http had it: the table (1024) fills with half-open connections
  // The attacker: another station on the wire, sending as anyone.
  const end = new WireEnd(pair.wire);
  end.peer = b;
  const attacker = new Interface(end, 0x020000000066, 1500);
  attacker.config.cidr.addr = 0x0a000066;
  attacker.config.cidr.prefixLen = 24;
  attacker.arp.insert(B_IP, b.mac, 0);
  const syn = new TcpRepr();
  syn.dstPort = 80;
  syn.flags = TCP_SYN;
  syn.window = 65535;
  syn.options.hasMaxSegSize = true;
  syn.options.maxSegSize = 1460;
  const buf = new StaticArray<u8>(64);
  const packet = new TcpPacket();
  const rng = new Rng(0x5eed);
  const client = new Client();
  let base: usize = 0;
  let peak: usize = 0;
  let t: i64 = 0;
  for (let i = 0; i < 20_000; i++) {
    // Every source differs: half on the link (10.0.0.0/24 less a and b: each SYN-ACK waits for ARP),
    // half from elsewhere (through the gateway).
    const src = i & 1 ? 0x0a000000 | (3 + ((i >> 1) % 250)) : 0x0b000000 | ((<u32>i) << 4) | (rng.next() & 15);
    syn.srcPort = 1024 + (rng.next() % 60000);
    syn.seqNumber = rng.next();
    const len = syn.bufferLen();
    syn.emit(packet.wrap(changetype<usize>(buf), len), src, B_IP);
    attacker.sendIpv4(src, B_IP, IP_PROTOCOL_TCP, changetype<usize>(buf), len, t);
    t += 50_000; // 20,000 SYNs a second
    if (i % 100 == 99) {
      pair.wire.advance(t);
      pair.a.poll(t);
      b.poll(t);
      pair.wire.pump(t);
    }
    if (i == 2000) pair.a.connectTcp(B_IP, 80, client, t); // a real client, its handshake and request mid-flood
    if (i == 1999) base = used();
    if (i > 2000 && i % 1000 == 0) peak = max(peak, used());
  }
  for (let k = 0; k < 100 && client.closes == 0; k++) settle(pair, t + <i64>k * 200 * MS);
  expect<u32>(client.bytes, 1000, "the real client got its response");
  expect<i32>(client.closes, 1);
  expect<bool>(l.cookiesSent > 18_000, true, "cookies answered the flood: " + l.cookiesSent.toString());
  expect<u64>(l.cookiesAccepted, 1, "and let the real client in");
  expect<bool>(b.tcp.count <= 1024, true, "the table stays bounded");
  expect<bool>(b.pending.size <= b.pending.slots, true, "frames waiting for ARP stay bounded");
  expect<bool>(b.arp.size <= b.arp.capacity, true);
  const growth = <i64>peak - <i64>base;
  expect<bool>(growth < 64 * 1024, true, "heap growth over the last 18,000 SYNs: " + growth.toString() + " bytes");
});

export function _start(): void {
  runTests();
}
