// TCP over a bad wire: two stacks joined by an in-memory wire that loses, reorders, duplicates and
// delays frames (memory-wire.ts's seeded Impairment), a loss-rate matrix (0, 1, 5, 10, 20%) with
// several seeds per cell. In every run each end sends 256 KiB, reads the other's byte-exact, and
// closes; both ends must close cleanly (FINs exchanged, TIME-WAIT served, tables empty) within a
// bounded simulated time.

import { expect, runTests, test } from "@tessera/test/assembly";
import { Impairment, Pair } from "@tessera/net/assembly/__tests__/memory-wire";
import { TcpConnection, TcpHandler } from "@tessera/net/assembly/tcp/connection";
import { TcpAcceptor } from "@tessera/net/assembly/tcp/endpoint";
import { CloseReason, TcpState, tcpStateName } from "@tessera/net/assembly/tcp/state";

const B_IP: u32 = 0x0a000002;
const MS: i64 = 1_000_000;
const SECOND: i64 = 1_000_000_000;
const TOTAL: u32 = 256 * 1024;
/** The longest a run may take in simulated time. */
const LIMIT: i64 = 1800 * SECOND;

// The byte at offset `i` of the stream from side `side` (0: client, 1: server) in run `seed`.
function pattern(side: u32, seed: u32, i: u32): u8 {
  return <u8>((i * 131 + (i >> 9) * 7 + side * 101 + seed * 17) & 0xff);
}

/** One end: sends its 256 KiB, checks what it reads, closes when all is sent. */
class End extends TcpHandler {
  conn: TcpConnection | null = null;
  sent: u32 = 0;
  received: u32 = 0;
  mismatches: u32 = 0;
  closed_: bool = false;
  closing: bool = false;
  reason: CloseReason = CloseReason.Normal;
  private readonly src: StaticArray<u8> = new StaticArray<u8>(<i32>TOTAL);
  private readonly buf: StaticArray<u8> = new StaticArray<u8>(8192);

  constructor(
    readonly side: u32,
    readonly seed: u32,
  ) {
    super();
    for (let i: u32 = 0; i < TOTAL; i++) unchecked((this.src[i] = pattern(side, seed, i)));
  }

  connected(conn: TcpConnection, now: i64): void {
    this.conn = conn;
    this.pushData(now);
  }

  writable(conn: TcpConnection, now: i64): void {
    this.pushData(now);
  }

  /** Writes what fits; closes once everything is written. */
  pushData(now: i64): void {
    const c = this.conn;
    if (!c || this.closing) return;
    while (this.sent < TOTAL) {
      const n = c.write(changetype<usize>(this.src) + this.sent, TOTAL - this.sent);
      if (n == 0) break;
      this.sent += n;
    }
    if (this.sent == TOTAL) {
      this.closing = true;
      c.close(now);
    }
  }

  readable(conn: TcpConnection, now: i64): void {
    const other = 1 - this.side;
    for (;;) {
      const n = conn.read(changetype<usize>(this.buf), 8192);
      if (n == 0) break;
      for (let i: u32 = 0; i < n; i++)
        if (unchecked(this.buf[i]) != pattern(other, this.seed, this.received + i)) this.mismatches++;
      this.received += n;
    }
  }

  closed(conn: TcpConnection, reason: CloseReason, now: i64): void {
    this.closed_ = true;
    this.reason = reason;
  }
}

class Acceptor extends TcpAcceptor {
  constructor(readonly end: End) {
    super();
  }
  accept(remoteAddr: u32, remotePort: u32, now: i64): TcpHandler | null {
    return this.end;
  }
}

/** One cell run: what happened. */
class Outcome {
  time: i64 = 0;
  frames: i32 = 0;
  lost: i32 = 0;
  duplicated: i32 = 0;
  overtook: i32 = 0;
  timeouts: u64 = 0;
}

/** Runs one transfer both ways over a wire with `imp`; asserts everything arrived and both ends closed cleanly. */
function run(imp: Impairment, seed: u32, what: string): Outcome {
  const pair = new Pair();
  pair.wire.impairment = imp;
  // TIME-WAIT (2 MSL) must outlast the peer's retransmission backoff, or a FIN resent after it ends
  // meets a RST: 30 s (simulated time costs nothing).
  pair.a.tcp.config.msl = 30 * SECOND;
  pair.b.tcp.config.msl = 30 * SECOND;
  pair.a.tcp.seed(seed);
  pair.b.tcp.seed(seed + 1000);
  const client = new End(0, seed);
  const server = new End(1, seed);
  pair.b.listenTcp(80, new Acceptor(server));
  const conn = pair.a.connectTcp(B_IP, 80, client, 0)!;
  let now: i64 = 0;
  let timeouts: u64 = 0;
  let serverConn: TcpConnection | null = null;
  for (let iter = 0; iter < 2_000_000; iter++) {
    pair.wire.advance(now);
    pair.a.poll(now);
    pair.b.poll(now);
    if (server.conn) serverConn = server.conn;
    if (pair.wire.pump(now) > 0) continue;
    if (client.closed_ && server.closed_ && pair.a.tcp.count == 0 && pair.b.tcp.count == 0) break;
    const next = min(min(pair.a.pollAt(), pair.b.pollAt()), pair.wire.nextDue());
    assert(next != i64.MAX_VALUE, what + ": stalled with nothing to do");
    now = max(now + 1, next);
    assert(now < LIMIT, what + ": took longer than the limit");
  }
  timeouts = conn.timeouts + (serverConn ? serverConn.timeouts : 0);
  if (server.received != TOTAL || client.received != TOTAL)
    trace(
      what + ": t, client reason, server reason, client got, server got",
      5,
      <f64>now / 1e9,
      <f64>client.reason,
      <f64>server.reason,
      <f64>client.received,
      <f64>server.received,
    );
  expect<u32>(server.received, TOTAL, what + ": client to server, all bytes");
  expect<u32>(client.received, TOTAL, what + ": server to client, all bytes");
  expect<u32>(server.mismatches + client.mismatches, 0, what + ": byte-exact");
  expect<string>(tcpStateName(conn.state), tcpStateName(TcpState.Closed), what + ": client closed");
  expect<i32>(<i32>client.reason, <i32>CloseReason.Normal, what + ": client closed normally");
  expect<i32>(<i32>server.reason, <i32>CloseReason.Normal, what + ": server closed normally");
  expect<i32>(pair.a.tcp.connections.length + pair.b.tcp.connections.length, 0, what + ": tables empty");
  const o = new Outcome();
  o.time = now;
  o.frames = pair.wire.carried;
  o.lost = pair.wire.lost;
  o.duplicated = pair.wire.duplicated;
  o.overtook = pair.wire.overtook;
  o.timeouts = timeouts;
  return o;
}

function impairment(seed: u32, loss: f64): Impairment {
  const imp = new Impairment(<u64>seed * 0x9e3779b9 + 12345);
  imp.loss = loss;
  imp.delay = 1 * MS;
  return imp;
}

function matrix(loss: f64, percent: string): void {
  for (let seed: u32 = 1; seed <= 3; seed++) {
    const what = "loss " + percent + "%, seed " + seed.toString();
    const o = run(impairment(seed, loss), seed, what);
    if (loss > 0) expect<bool>(o.lost > 0, true, what + ": frames were lost");
    // One line per cell, for the record (not checked).
    trace(what + ": s, frames, lost, timeouts", 4, <f64>o.time / 1e9, o.frames, o.lost, <f64>o.timeouts);
  }
}

test("loss 0%: 256 KiB both ways, three seeds", () => {
  matrix(0, "0");
});

test("loss 1%: 256 KiB both ways, three seeds", () => {
  matrix(0.01, "1");
});

test("loss 5%: 256 KiB both ways, three seeds", () => {
  matrix(0.05, "5");
});

test("loss 10%: 256 KiB both ways, three seeds", () => {
  matrix(0.1, "10");
});

test("loss 20%: 256 KiB both ways, three seeds", () => {
  matrix(0.2, "20");
});

test("reordering: 10% of frames held back 3 ms (behind a dozen others), three seeds", () => {
  for (let seed: u32 = 1; seed <= 3; seed++) {
    const imp = impairment(seed, 0);
    imp.reorder = 0.1;
    imp.jitter = 200_000;
    const what = "reorder, seed " + seed.toString();
    const o = run(imp, seed, what);
    expect<bool>(o.overtook > 0, true, what + ": frames arrived out of order");
  }
});

test("duplication: 10% of frames arrive twice, three seeds", () => {
  for (let seed: u32 = 1; seed <= 3; seed++) {
    const imp = impairment(seed, 0);
    imp.duplicate = 0.1;
    const what = "duplicate, seed " + seed.toString();
    const o = run(imp, seed, what);
    expect<bool>(o.duplicated > 0, true, what + ": frames arrived twice");
  }
});

test("everything at once: 5% loss, 5% reordering, 5% duplication, jitter, three seeds", () => {
  for (let seed: u32 = 1; seed <= 3; seed++) {
    const imp = impairment(seed, 0.05);
    imp.reorder = 0.05;
    imp.duplicate = 0.05;
    imp.jitter = 500_000;
    const what = "mixed, seed " + seed.toString();
    const o = run(imp, seed, what);
    expect<bool>(o.lost > 0 && o.duplicated > 0 && o.overtook > 0, true, what + ": lost, duplicated and reordered");
  }
});

export function _start(): void {
  runTests();
}
