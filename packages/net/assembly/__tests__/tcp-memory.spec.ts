// What TCP state costs: a connection in TIME-WAIT keeps no buffers (its handful of variables only),
// a half-open one allocates none, a CLOSED one gives its rings back at once; the endpoint's memory
// budget (`TcpConfig.memory`) refuses new connections rather than let the heap run out; a flood of
// spoofed SYNs through the interface leaves memory bounded while a real client gets through.

import { expect, runTests, test } from "@tessera/test/assembly";
import { heapUsage } from "@tessera/runtime/assembly/usage";
import { Pair } from "@tessera/net/assembly/__tests__/memory-wire";
import { TcpConnection, TcpHandler } from "@tessera/net/assembly/tcp/connection";
import { TcpAcceptor } from "@tessera/net/assembly/tcp/endpoint";
import { CloseReason, TcpConfig, TcpState, tcpStateName } from "@tessera/net/assembly/tcp/state";

const A_IP: u32 = 0x0a000001;
const B_IP: u32 = 0x0a000002;
const SECOND: i64 = 1_000_000_000;
const MS: i64 = 1_000_000;

const request = new StaticArray<u8>(100);
const response = new StaticArray<u8>(1000);

/** An HTTP/1.0-like server: reads the request, answers, closes first (so its end goes to TIME-WAIT). */
class Server extends TcpHandler {
  served: i32 = 0;
  buf: StaticArray<u8> = new StaticArray<u8>(2048);
  readable(conn: TcpConnection, now: i64): void {
    let n: u32 = 0;
    while (conn.read(changetype<usize>(this.buf), 2048) > 0) n++;
    if (n > 0 && conn.writable() > 0) {
      conn.write(changetype<usize>(response), 1000);
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

test("TIME-WAIT keeps no buffers: each entry costs a small record, not its rings", () => {
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
  const c = pair.b.tcp.connections[0];
  expect<string>(tcpStateName(c.state), "TIME-WAIT");
  const perEntry = <i32>((used() - base) / n);
  expect<bool>(
    c.sendBuffer.allocated || c.recvBuffer.allocated,
    false,
    "TIME-WAIT holds no ring (" + perEntry.toString() + " bytes each)",
  );
  settle(pair, 60 * SECOND);
  expect<i32>(pair.b.tcp.count, 0, "TIME-WAIT over");
  expect<bool>(perEntry < 1536, true, "heap per TIME-WAIT entry: " + perEntry.toString() + " bytes");
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

export function _start(): void {
  runTests();
}
