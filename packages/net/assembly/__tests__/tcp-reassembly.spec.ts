// TCP out-of-order reassembly: ranges held in the receive ring, immediate duplicate ACKs with SACK blocks, bounds, a held FIN.

import { expect, runTests, test } from "@tessera/test/assembly";
import { Reassembly } from "@tessera/net/assembly/tcp/reassembly";
import { TcpConfig, TcpState } from "@tessera/net/assembly/tcp/state";
import { TcpConnection } from "@tessera/net/assembly/tcp/connection";
import { TCP_ACK, TCP_FIN } from "@tessera/net/assembly/wire/tcp";
import {
  dataFromPeer,
  established,
  expectState,
  MS,
  pattern,
  PEER_ISS,
  PeerSyn,
  Recorder,
} from "@tessera/net/assembly/__tests__/tcp-script";

const BASE: u32 = PEER_ISS + 1; // the peer's first data byte

function sackPeer(): PeerSyn {
  const p = new PeerSyn();
  p.sack = true;
  return p;
}

/** Reads everything readable and checks it is the stream from `offset`; returns the bytes read. */
function readChecked(conn: TcpConnection, offset: u32): u32 {
  const n = conn.readable();
  const buf = new StaticArray<u8>(<i32>max<u32>(n, 1));
  expect<u32>(conn.read(changetype<usize>(buf), n), n);
  for (let i: u32 = 0; i < n; i++) expect<u8>(buf[i], pattern(offset + i), "in order, byte-exact");
  return n;
}

test("ranges merge when they touch or overlap and leave when RCV.NXT reaches them", () => {
  const r = new Reassembly(4);
  expect<bool>(r.add(300, 400), true);
  expect<bool>(r.add(100, 200), true);
  expect<u32>(r.ranges, 2);
  expect<bool>(r.add(200, 300), true);
  expect<u32>(r.ranges, 1, "[100, 400)");
  expect<bool>(r.holds(399), true);
  expect<bool>(r.holds(400), false);
  expect<u32>(r.advance(50), 50, "a hole remains before 100");
  expect<u32>(r.advance(100), 400, "the hole filled: RCV.NXT jumps");
  expect<bool>(r.empty, true);
  expect<bool>(r.add(0xfffffff0, 0x10), true); // across the sequence wrap
  expect<u32>(r.advance(0xfffffff0), 0x10);
});

test("at most `capacity` ranges: a segment needing one more is refused", () => {
  const r = new Reassembly(2);
  expect<bool>(r.add(100, 200), true);
  expect<bool>(r.add(300, 400), true);
  expect<bool>(r.add(500, 600), false, "no free range");
  expect<bool>(r.add(200, 250), true, "merging needs none");
  expect<bool>(r.add(0, 10), false);
});

test("an out-of-order segment is held and answered at once with a duplicate ACK carrying a SACK block", () => {
  const rec = new Recorder();
  const conn = established(new TcpConfig(), rec, sackPeer());
  expect<bool>(conn.sackOk, true, "SACK negotiated");
  expect<bool>(dataFromPeer(conn, BASE + 1000, 1000, MS) == null, true);
  expect<u32>(conn.readable(), 0, "nothing in order yet");
  expect<i64>(conn.pollAt(), 0, "an ACK is due now");
  conn.dispatch(MS);
  expect<i32>(rec.count, 1);
  expect<u32>(rec.last.ack, BASE, "a duplicate ACK");
  expect<u32>(rec.last.sackCount, 1);
  expect<u32>(rec.last.sackLeft, BASE + 1000);
  expect<u32>(rec.last.sackRight, BASE + 2000);
  dataFromPeer(conn, BASE + 3000, 500, 2 * MS);
  conn.dispatch(2 * MS);
  expect<u32>(rec.last.sackCount, 2, "two ranges held");
  expect<u32>(rec.last.sackLeft, BASE + 3000, "the latest first (RFC 2018 §4)");
  dataFromPeer(conn, BASE + 2000, 1000, 3 * MS);
  conn.dispatch(3 * MS);
  expect<u32>(rec.last.sackCount, 1, "the two merged");
  expect<u32>(rec.last.sackLeft, BASE + 1000);
  expect<u32>(rec.last.sackRight, BASE + 3500);
  expect<u64>(conn.outOfOrder, 3);
  // The hole fills: everything up to 3500 becomes readable at once, in order, and is ACKed at once.
  dataFromPeer(conn, BASE, 1000, 4 * MS);
  expect<u32>(conn.rcvNxt, BASE + 3500);
  expect<i64>(conn.pollAt(), 0, "the hole-filling segment is ACKed at once");
  conn.dispatch(4 * MS);
  expect<u32>(rec.last.ack, BASE + 3500);
  expect<u32>(rec.last.sackCount, 0, "no SACK blocks once nothing is held");
  expect<u32>(readChecked(conn, 0), 3500);
});

test("without SACK negotiated the duplicate ACK carries no blocks, but the data is still held", () => {
  const rec = new Recorder();
  const conn = established(new TcpConfig(), rec);
  expect<bool>(conn.sackOk, false);
  dataFromPeer(conn, BASE + 1460, 1460, MS);
  conn.dispatch(MS);
  expect<u32>(rec.last.sackCount, 0);
  dataFromPeer(conn, BASE, 1460, 2 * MS);
  expect<u32>(readChecked(conn, 0), 2920);
});

test("bounded: with 2 ranges, a third out-of-order segment is dropped and must come again", () => {
  const config = new TcpConfig();
  config.reassemblyRanges = 2;
  const rec = new Recorder();
  const conn = established(config, rec, sackPeer());
  dataFromPeer(conn, BASE + 200, 100, MS);
  dataFromPeer(conn, BASE + 400, 100, MS);
  dataFromPeer(conn, BASE + 600, 100, MS); // no range left
  dataFromPeer(conn, BASE, 200, MS);
  expect<u32>(conn.rcvNxt, BASE + 300, "joined the first range");
  dataFromPeer(conn, BASE + 300, 100, MS);
  expect<u32>(conn.rcvNxt, BASE + 500, "joined the second");
  dataFromPeer(conn, BASE + 500, 100, MS);
  expect<u32>(conn.rcvNxt, BASE + 600, "the third was not kept");
  dataFromPeer(conn, BASE + 600, 100, MS);
  expect<u32>(readChecked(conn, 0), 700);
});

test("out-of-order data beyond the receive window is not taken", () => {
  const config = new TcpConfig();
  config.recvBuffer = 4096;
  const rec = new Recorder();
  const conn = established(config, rec, sackPeer());
  const reply = dataFromPeer(conn, BASE + 5000, 1000, MS);
  expect<bool>(reply != null, true, "unacceptable: an ACK at once");
  expect<u32>(reply!.ackNumber, BASE);
  expect<u64>(conn.outOfOrder, 0);
  dataFromPeer(conn, BASE + 3500, 1000, MS); // partly in the window: the part that fits is held
  dataFromPeer(conn, BASE, 3500, MS);
  expect<u32>(conn.rcvNxt, BASE + 4096, "up to the window's edge");
  expect<u32>(readChecked(conn, 0), 4096);
});

test("a FIN out of order is kept and takes effect when the data before it arrives", () => {
  const rec = new Recorder();
  const conn = established(new TcpConfig(), rec, sackPeer());
  dataFromPeer(conn, BASE + 1000, 1000, MS, TCP_ACK | TCP_FIN);
  expect<bool>(conn.finReceived, false);
  expectState(conn, TcpState.Established);
  dataFromPeer(conn, BASE, 1000, 2 * MS);
  expect<bool>(conn.finReceived, true);
  expectState(conn, TcpState.CloseWait);
  expect<u32>(conn.rcvNxt, BASE + 2001, "the FIN counted");
  conn.dispatch(2 * MS);
  expect<u32>(rec.last.ack, BASE + 2001);
  expect<u32>(readChecked(conn, 0), 2000);
});

test("the receive ring wraps while data waits past a hole", () => {
  const config = new TcpConfig();
  config.recvBuffer = 3000;
  const rec = new Recorder();
  const conn = established(config, rec);
  let offset: u32 = 0;
  for (let round = 0; round < 20; round++) {
    dataFromPeer(conn, BASE + offset + 700, 700, MS); // past a hole
    dataFromPeer(conn, BASE + offset, 700, MS); // the hole
    expect<u32>(conn.rcvNxt, BASE + offset + 1400);
    offset += readChecked(conn, offset);
  }
  expect<u32>(offset, 28000);
});

export function _start(): void {
  runTests();
}
