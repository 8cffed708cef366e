// TCP connections (RFC 9293): handshakes, data, closes, loss, RSTs, RFC 5961 challenge ACKs, backpressure and RTO backoff.

import { Drop } from "@tessera/net/assembly/wire/drop";
import { expect, runTests, test } from "@tessera/test/assembly";
import { Pair } from "@tessera/net/assembly/__tests__/memory-wire";
import { TcpConnection, TcpEmitter, TcpHandler } from "@tessera/net/assembly/tcp/connection";
import { TcpAcceptor } from "@tessera/net/assembly/tcp/endpoint";
import { CloseReason, TcpConfig, TcpState, tcpStateName } from "@tessera/net/assembly/tcp/state";
import { TcpRepr, TCP_ACK, TCP_RST, TCP_SYN } from "@tessera/net/assembly/wire/tcp";

const B_IP: u32 = 0x0a000002; // 10.0.0.2
const A_IP: u32 = 0x0a000001;
const SECOND: i64 = 1_000_000_000;
const MS: i64 = 1_000_000;
const TOTAL: u32 = 65536;

/** An application: reads everything it is given, remembers what happened. */
class App extends TcpHandler {
  conn: TcpConnection | null = null;
  connects: i32 = 0;
  writables: i32 = 0;
  closes: i32 = 0;
  reason: CloseReason = CloseReason.Normal;
  received: u32 = 0;
  data: StaticArray<u8> = new StaticArray<u8>(<i32>TOTAL);
  connected(conn: TcpConnection, now: i64): void {
    this.conn = conn;
    this.connects++;
  }
  readable(conn: TcpConnection, now: i64): void {
    for (;;) {
      const n = conn.read(changetype<usize>(this.data) + this.received, TOTAL - this.received);
      if (n == 0) break;
      this.received += n;
    }
  }
  writable(conn: TcpConnection, now: i64): void {
    this.writables++;
  }
  closed(conn: TcpConnection, reason: CloseReason, now: i64): void {
    this.closes++;
    this.reason = reason;
  }
}

class Acceptor extends TcpAcceptor {
  app: App = new App();
  accept(remoteAddr: u32, remotePort: u32, now: i64): TcpHandler | null {
    return this.app;
  }
}

/** Polls both interfaces and delivers frames until the wire is quiet. */
function settle(pair: Pair, now: i64): void {
  for (let i = 0; i < 1000; i++) {
    pair.a.poll(now);
    pair.b.poll(now);
    if (pair.wire.pump(now) == 0) return;
  }
}

function state(conn: TcpConnection | null, want: TcpState, what: string): void {
  expect<string>(tcpStateName(conn!.state), tcpStateName(want), what);
}

function pattern(i: u32): u8 {
  return <u8>(i * 31 + (i >> 8));
}

/** A pair with a listener on B:80 and a connection from A, established at time 0. */
class Fixture {
  pair: Pair = new Pair();
  acceptor: Acceptor = new Acceptor();
  client: App = new App();
  conn!: TcpConnection;
  constructor(loseEvery: i32 = 0) {
    this.pair.a.tcp.config.msl = SECOND;
    this.pair.b.tcp.config.msl = SECOND;
    this.pair.a.tcp.config.sendBuffer = 16384; // smaller than TOTAL: the transfers close after the handshake
    this.pair.wire.loseEvery = loseEvery;
    this.pair.b.listenTcp(80, this.acceptor);
    this.conn = this.pair.a.connectTcp(B_IP, 80, this.client, 0)!;
    if (loseEvery == 0) settle(this.pair, 0);
  }
  get server(): TcpConnection {
    return this.acceptor.app.conn!;
  }
}

test("active and passive open: the three-way handshake establishes both ends", () => {
  const f = new Fixture();
  state(f.conn, TcpState.Established, "client");
  expect<i32>(f.client.connects, 1);
  expect<i32>(f.acceptor.app.connects, 1);
  state(f.server, TcpState.Established, "server");
  expect<u32>(f.server.remotePort, f.conn.localPort);
  expect<u32>(f.conn.sndMss, 1460, "MSS from the MTU");
});

test("a write outside a callback wakes the connection: the interface's flush sends it, once", () => {
  const f = new Fixture();
  const msg = new StaticArray<u8>(100);
  expect<bool>(f.pair.a.flush(MS), false, "nothing queued yet");
  expect<u32>(f.conn.write(changetype<usize>(msg), 100), 100);
  expect<i32>(f.pair.wire.frames.length, 0, "write itself sends nothing");
  expect<bool>(f.pair.a.flush(MS), true, "the woken connection is dispatched");
  expect<i32>(f.pair.wire.frames.length, 1, "one segment with the data");
  expect<bool>(f.pair.a.flush(MS), false, "woken once");
  settle(f.pair, 2 * MS);
  expect<u32>(f.acceptor.app.received, 100, "server got it");
  f.conn.close(3 * MS);
  expect<bool>(f.pair.a.flush(3 * MS), true, "close wakes it too: the FIN goes");
});

test("data flows both ways", () => {
  const f = new Fixture();
  const msg = new StaticArray<u8>(3000);
  for (let i: u32 = 0; i < 3000; i++) msg[i] = pattern(i);
  expect<u32>(f.conn.write(changetype<usize>(msg), 3000), 3000);
  settle(f.pair, MS);
  expect<u32>(f.acceptor.app.received, 3000, "server got it");
  for (let i: u32 = 0; i < 3000; i++) expect<u8>(f.acceptor.app.data[i], pattern(i));
  expect<u32>(f.server.write(changetype<usize>(msg), 100), 100);
  settle(f.pair, 2 * MS);
  expect<u32>(f.client.received, 100, "client got the reply");
  expect<u32>(f.conn.sendBuffer.length, 0, "all acknowledged");
});

test("close from the client: FIN-WAIT-2/CLOSE-WAIT, then TIME-WAIT and CLOSED after 2*MSL", () => {
  const f = new Fixture();
  const server = f.server;
  f.conn.close(MS);
  settle(f.pair, MS);
  state(f.conn, TcpState.FinWait2, "client");
  state(server, TcpState.CloseWait, "server");
  expect<bool>(server.finReceived, true);
  server.close(2 * MS);
  settle(f.pair, 2 * MS);
  state(f.conn, TcpState.TimeWait, "client");
  state(server, TcpState.Closed, "server");
  expect<i32>(f.acceptor.app.closes, 1);
  expect<i64>(f.pair.a.pollAt(), 2 * MS + 2 * SECOND, "TIME-WAIT lasts 2*MSL");
  settle(f.pair, 2 * MS + 2 * SECOND);
  state(f.conn, TcpState.Closed, "client after 2*MSL");
  expect<i32>(f.client.closes, 1);
  expect<i32>(<i32>f.client.reason, <i32>CloseReason.Normal);
  expect<i32>(f.pair.a.tcp.connections.length, 0, "forgotten");
});

test("close from the server with data queued: the FIN follows the data", () => {
  const f = new Fixture();
  const server = f.server;
  const msg = new StaticArray<u8>(5000);
  server.write(changetype<usize>(msg), 5000);
  server.close(MS);
  settle(f.pair, MS);
  expect<u32>(f.client.received, 5000);
  state(f.conn, TcpState.CloseWait, "client");
  f.conn.close(2 * MS);
  settle(f.pair, 2 * MS);
  state(server, TcpState.TimeWait, "server");
  state(f.conn, TcpState.Closed, "client");
});

function transfer(loseEvery: i32): void {
  const f = new Fixture(loseEvery);
  const data = new StaticArray<u8>(<i32>TOTAL);
  for (let i: u32 = 0; i < TOTAL; i++) data[i] = pattern(i);
  let sent: u32 = 0;
  let now: i64 = 0;
  let closed = false;
  for (let iter = 0; iter < 100_000; iter++) {
    if (sent < TOTAL) sent += f.conn.write(changetype<usize>(data) + sent, TOTAL - sent);
    else if (!closed) {
      f.conn.close(now);
      closed = true;
    }
    f.pair.a.poll(now);
    f.pair.b.poll(now);
    if (f.pair.wire.pump(now) > 0) continue;
    if (f.conn.state == TcpState.FinWait2 || f.conn.state == TcpState.Closed) break; // all sent and acknowledged
    const next = min(f.pair.a.pollAt(), f.pair.b.pollAt());
    assert(next != i64.MAX_VALUE, "stalled");
    now = max(now + 1, next);
  }
  const server = f.acceptor.app;
  state(f.conn, TcpState.FinWait2, "the client's FIN acknowledged");
  expect<u32>(server.received, TOTAL, "all bytes arrived");
  for (let i: u32 = 0; i < TOTAL; i++) expect<u8>(server.data[i], pattern(i), "byte-exact");
  expect<bool>(f.conn.retransmits > 0, true, "retransmissions happened");
  expect<bool>(server.conn!.finReceived, true, "FIN arrived");
}

test("64 KiB arrive byte-exact when every 3rd frame is lost", () => {
  transfer(3);
});

test("64 KiB arrive byte-exact when every 5th frame is lost", () => {
  transfer(5);
});

test("64 KiB arrive byte-exact when every 10th frame is lost", () => {
  transfer(10);
});

test("a SYN to a closed port is answered with RST: the connection is refused", () => {
  const pair = new Pair();
  const app = new App();
  expect<u64>(pair.b.tcp.resets, 0); // b uses TCP (on no port): TCP there answers for closed ports
  const conn = pair.a.connectTcp(B_IP, 81, app, 0)!;
  settle(pair, 0);
  expect<u64>(pair.b.tcp.resets, 1);
  state(conn, TcpState.Closed, "client");
  expect<i32>(<i32>app.reason, <i32>CloseReason.Refused);
});

test("an interface that never used TCP carries none of it and answers a SYN with ICMP protocol unreachable", () => {
  const pair = new Pair();
  const app = new App();
  const conn = pair.a.connectTcp(B_IP, 80, app, 0)!;
  pair.wire.pump(0);
  expect<u64>(pair.b.counters.dropped(Drop.Unsupported), 1, "b: no TCP here");
  expect<u64>(pair.a.tcp.icmpErrors, 1, "a's connection got the ICMP error");
  state(conn, TcpState.Closed, "protocol unreachable ends SYN-SENT");
  expect<i32>(<i32>app.reason, <i32>CloseReason.Unreachable);
});

function segment(conn: TcpConnection, seq: u32, flags: u32): TcpRepr {
  const r = new TcpRepr();
  r.srcPort = conn.remotePort;
  r.dstPort = conn.localPort;
  r.seqNumber = seq;
  r.ackNumber = conn.sndNxt;
  r.flags = flags;
  r.window = 8192;
  return r;
}

test("RFC 5961: an in-window RST that is not exact gets a challenge ACK; the exact one resets", () => {
  const f = new Fixture();
  const server = f.server;
  const reply = server.process(segment(server, server.rcvNxt + 100, TCP_RST), A_IP, B_IP, MS);
  expect<bool>(reply != null, true, "challenge ACK");
  expect<u32>(reply!.flags, TCP_ACK);
  expect<u32>(reply!.seqNumber, server.sndNxt);
  expect<u32>(reply!.ackNumber, server.rcvNxt);
  expect<u64>(server.challengeAcks, 1);
  state(server, TcpState.Established, "still open");
  expect<bool>(
    server.process(segment(server, server.rcvNxt + 100000, TCP_RST), A_IP, B_IP, MS) == null,
    true,
    "out of window: ignored",
  );
  expect<bool>(server.process(segment(server, server.rcvNxt, TCP_RST), A_IP, B_IP, MS) == null, true);
  state(server, TcpState.Closed, "exact RST");
  expect<i32>(<i32>f.acceptor.app.reason, <i32>CloseReason.Reset);
});

test("RFC 5961: a SYN on an established connection gets a challenge ACK", () => {
  const f = new Fixture();
  const server = f.server;
  const reply = server.process(segment(server, server.rcvNxt - 1, TCP_SYN), A_IP, B_IP, MS);
  expect<bool>(reply != null, true);
  expect<u32>(reply!.flags, TCP_ACK);
  expect<u64>(server.challengeAcks, 1);
  state(server, TcpState.Established, "unchanged");
});

test("backpressure: write returns 0 when the send buffer is full, and room comes back", () => {
  const f = new Fixture();
  const big = new StaticArray<u8>(100_000);
  const cap = f.conn.sendBuffer.capacity;
  expect<u32>(f.conn.write(changetype<usize>(big), 100_000), cap);
  expect<u32>(f.conn.write(changetype<usize>(big), 100_000), 0, "full");
  settle(f.pair, MS);
  settle(f.pair, 50 * MS); // past the delayed ACK of the last, odd segment
  expect<bool>(f.client.writables > 0, true, "writable callback");
  expect<u32>(f.conn.writable(), cap);
  expect<u32>(f.acceptor.app.received, cap);
});

class Recorder extends TcpEmitter {
  times: Array<i64> = new Array<i64>();
  flags: Array<u32> = new Array<u32>();
  emit(conn: TcpConnection, segment: TcpRepr, now: i64): bool {
    this.times.push(now);
    this.flags.push(segment.flags);
    return true;
  }
}

test("RTO backoff: the SYN is resent after 1, 2, 4 ... s, capped at 60 s, then the connection times out", () => {
  const rec = new Recorder();
  const conn = new TcpConnection(new TcpConfig(), rec, 1460);
  const app = new App();
  conn.handler = app;
  conn.connect(A_IP, 5000, B_IP, 80, 1000, 0);
  conn.dispatch(0);
  for (let i = 0; i < 20 && conn.state != TcpState.Closed; i++) conn.dispatch(conn.pollAt());
  const want: i64[] = [0, 1, 3, 7, 15, 31, 63, 123, 183];
  expect<i32>(rec.times.length, want.length, "SYN and 8 retransmissions");
  for (let i = 0; i < want.length; i++) {
    expect<i64>(rec.times[i], want[i] * SECOND, "send time");
    expect<u32>(rec.flags[i], TCP_SYN);
  }
  state(conn, TcpState.Closed, "gave up");
  expect<i32>(<i32>app.reason, <i32>CloseReason.TimedOut);
});

function synAck(conn: TcpConnection): TcpRepr {
  const r = segment(conn, 5000, TCP_SYN | TCP_ACK);
  r.ackNumber = conn.iss + 1;
  r.options.hasMaxSegSize = true;
  r.options.maxSegSize = 1000;
  return r;
}

test("RFC 6298: an RTT sample sets the RTO; Karn's rule ignores a retransmitted SYN", () => {
  const rec = new Recorder();
  const conn = new TcpConnection(new TcpConfig(), rec, 1460);
  conn.connect(A_IP, 5000, B_IP, 80, 1000, 0);
  conn.dispatch(0);
  conn.process(synAck(conn), B_IP, A_IP, 2 * SECOND);
  state(conn, TcpState.Established, "client");
  expect<i64>(conn.rto, 6 * SECOND, "SRTT 2 s + 4 * RTTVAR 1 s");
  expect<u32>(conn.sndMss, 1000, "the peer's MSS");

  const rec2 = new Recorder();
  const conn2 = new TcpConnection(new TcpConfig(), rec2, 1460);
  conn2.connect(A_IP, 5001, B_IP, 80, 1000, 0);
  conn2.dispatch(0);
  conn2.dispatch(SECOND); // timeout: RTO 2 s
  conn2.process(synAck(conn2), B_IP, A_IP, SECOND + 500 * MS);
  state(conn2, TcpState.Established, "client 2");
  expect<i64>(
    conn2.rto,
    SECOND,
    "no sample from the retransmitted SYN (one would give 1.5 s); progress ends the backoff",
  );
});

export function _start(): void {
  runTests();
}
