// TCP congestion control: NewReno (RFC 5681, RFC 6582), the RFC 6928 initial window, limited transmit, timeouts, SACK recovery (RFC 6675).

import { expect, runTests, test } from "@tessera/test/assembly";
import { NewReno } from "@tessera/net/assembly/tcp/congestion";
import { TcpConfig } from "@tessera/net/assembly/tcp/state";
import { TcpConnection } from "@tessera/net/assembly/tcp/connection";
import { TcpRepr, TCP_ACK } from "@tessera/net/assembly/wire/tcp";
import {
  A_IP,
  ackFromPeer,
  B_IP,
  established,
  ISS,
  PeerSyn,
  Recorder,
  SECOND,
  segment,
  writeStream,
} from "@tessera/net/assembly/__tests__/tcp-script";

const MSS: u32 = 1460;

/** An established connection with 64 KiB queued and its initial window sent at time 0. */
function sending(rec: Recorder): TcpConnection {
  const conn = established(new TcpConfig(), rec);
  expect<u32>(writeStream(conn, 0, 65536), 65536);
  conn.dispatch(0);
  return conn;
}

test("the initial window is 10 full segments (RFC 6928)", () => {
  const rec = new Recorder();
  const conn = sending(rec);
  expect<i32>(rec.count, 10, "segments sent before any ACK");
  for (let i = 0; i < 10; i++) {
    expect<u32>(rec.at(i).len, MSS, "full-sized");
    expect<u32>(rec.at(i).seq, ISS + 1 + <u32>i * MSS);
  }
  expect<u32>(conn.cwnd, 10 * MSS);
  expect<u32>(conn.inFlight, 10 * MSS);
});

test("slow start: cwnd grows by the bytes acknowledged, at most 2 MSS per ACK", () => {
  const rec = new Recorder();
  const conn = sending(rec);
  ackFromPeer(conn, ISS + 1 + MSS, 10 * 1_000_000);
  expect<u32>(conn.cwnd, 11 * MSS, "one segment acknowledged: +1 MSS");
  ackFromPeer(conn, ISS + 1 + 3 * MSS, 11 * 1_000_000);
  expect<u32>(conn.cwnd, 13 * MSS, "two segments: +2 MSS");
  ackFromPeer(conn, ISS + 1 + 7 * MSS, 12 * 1_000_000);
  expect<u32>(conn.cwnd, 15 * MSS, "four segments: +2 MSS (RFC 3465, L = 2)");
  expect<u32>(conn.inFlight, conn.cwnd, "the window is filled again");
});

test("congestion avoidance: one MSS per cwnd of bytes acknowledged", () => {
  const cc = new NewReno();
  cc.start(1000, 0, 10);
  expect<u32>(cc.cwnd, 10000);
  cc.ssthresh = 10000;
  for (let i = 0; i < 9; i++) cc.onAck(<u32>(i + 1) * 1000, 1000, 9000);
  expect<u32>(cc.cwnd, 10000, "nine ACKs of 1000 bytes: not yet");
  cc.onAck(10000, 1000, 9000);
  expect<u32>(cc.cwnd, 11000, "the tenth completes a window: +1 MSS");
});

test("the initial window is capped at 14600 bytes for a large MSS, and at least 2 segments", () => {
  const cc = new NewReno();
  cc.start(8960, 0, 10);
  expect<u32>(cc.cwnd, 17920, "max(2 * MSS, 14600)");
  cc.start(1460, 0, 4);
  expect<u32>(cc.cwnd, 5840, "initialWindow = 4 segments");
});

test("fast retransmit after exactly 3 duplicate ACKs; limited transmit on the first two", () => {
  const rec = new Recorder();
  const conn = sending(rec);
  rec.clear();
  const una = ISS + 1;
  ackFromPeer(conn, una, 5 * 1_000_000);
  expect<i32>(rec.count, 1, "dup 1: one new segment (RFC 3042)");
  expect<u32>(rec.last.seq, una + 10 * MSS);
  ackFromPeer(conn, una, 6 * 1_000_000);
  expect<i32>(rec.count, 2, "dup 2: one more new segment");
  expect<u32>(rec.last.seq, una + 11 * MSS);
  expect<u64>(conn.congestion.fastRetransmits, 0, "no retransmission after 2 duplicates");
  ackFromPeer(conn, una, 7 * 1_000_000);
  expect<u64>(conn.congestion.fastRetransmits, 1);
  expect<u32>(rec.at(2).seq, una, "dup 3: the first unacknowledged segment is sent again");
  expect<u32>(rec.at(2).len, MSS);
  expect<u32>(conn.congestion.ssthresh, (12 * MSS) / 2, "ssthresh = FlightSize / 2");
  expect<u32>(conn.cwnd, 9 * MSS, "cwnd = ssthresh + 3 MSS");
  expect<bool>(conn.congestion.inRecovery, true);
  expect<i32>(rec.count, 3, "nothing else: the inflated window is still below the flight");
  expect<u64>(conn.timeouts, 0);
});

test("fast recovery: duplicates inflate cwnd, a partial ACK resends the next hole, a full ACK deflates", () => {
  const rec = new Recorder();
  const conn = sending(rec);
  const una = ISS + 1;
  for (let i = 0; i < 3; i++) ackFromPeer(conn, una, 5 * 1_000_000);
  const recover = una + 12 * MSS; // the highest sent when recovery began, plus one
  expect<u32>(conn.congestion.recover, recover);
  for (let i = 0; i < 4; i++) ackFromPeer(conn, una, 6 * 1_000_000);
  expect<u32>(conn.cwnd, 13 * MSS, "4 more duplicates: +4 MSS");
  rec.clear();
  ackFromPeer(conn, una + 2 * MSS, 7 * 1_000_000); // the retransmission arrived; segment 3 was lost too
  expect<bool>(conn.congestion.inRecovery, true, "a partial ACK stays in recovery");
  expect<u32>(rec.at(0).seq, una + 2 * MSS, "the next hole is sent at once");
  expect<u32>(conn.cwnd, 13 * MSS - 2 * MSS + MSS, "deflated by the bytes acknowledged, plus one MSS");
  ackFromPeer(conn, recover, 8 * 1_000_000);
  expect<bool>(conn.congestion.inRecovery, false, "a full ACK ends recovery");
  expect<bool>(conn.cwnd <= conn.congestion.ssthresh, true, "cwnd deflated to at most ssthresh");
  expect<u64>(conn.timeouts, 0, "no timeout needed");
});

test("duplicate ACKs of data sent before a timeout do not start a fast retransmit (RFC 6582 §3.2)", () => {
  const cc = new NewReno();
  cc.start(1000, 0, 10);
  cc.onTimeout(10000, 10001);
  expect<u32>(cc.cwnd, 1000, "the loss window");
  expect<u32>(cc.ssthresh, 5000);
  for (let i = 0; i < 3; i++) expect<bool>(cc.onDupAck(2001, 8000, 10001), false, "below recover");
  expect<bool>(cc.inRecovery, false);
});

test("a timeout: cwnd = 1 MSS, ssthresh = FlightSize / 2, one segment resent; an ACK of all skips the rest", () => {
  const rec = new Recorder();
  const conn = sending(rec);
  rec.clear();
  const t = conn.pollAt();
  expect<i64>(t, SECOND, "RTO 1 s before any sample");
  conn.dispatch(t);
  expect<u64>(conn.timeouts, 1);
  expect<u32>(conn.cwnd, MSS);
  expect<u32>(conn.congestion.ssthresh, (10 * MSS) / 2);
  expect<i32>(rec.count, 1, "only the first segment goes again");
  expect<u32>(rec.at(0).seq, ISS + 1);
  // The peer held the other nine: its ACK covers all ten, so nothing else is sent twice.
  rec.clear();
  ackFromPeer(conn, ISS + 1 + 10 * MSS, t + 10 * 1_000_000);
  expect<u32>(conn.cwnd, 3 * MSS, "slow start from 1 MSS: +2 MSS");
  expect<u32>(conn.sndNxt, ISS + 1 + 13 * MSS, "three new segments");
  expect<i32>(rec.count, 3);
  expect<u32>(rec.at(0).seq, ISS + 1 + 10 * MSS, "not a resend");
  expect<u64>(conn.retransmits, 1);
});

test("the second timeout of a segment keeps ssthresh (RFC 5681 §3.1) and backs off", () => {
  const rec = new Recorder();
  const conn = sending(rec);
  conn.dispatch(conn.pollAt());
  const ssthresh = conn.congestion.ssthresh;
  const t = conn.pollAt();
  expect<i64>(t, 3 * SECOND, "RTO doubled");
  conn.dispatch(t);
  expect<u32>(conn.congestion.ssthresh, ssthresh);
  expect<u32>(conn.cwnd, MSS);
  expect<u64>(conn.timeouts, 2);
});

/** A duplicate ACK of SND.UNA carrying SACK blocks for segments [from, to) (segment numbers from SND.UNA). */
function sackAck(conn: TcpConnection, blocks: u32[], now: i64): void {
  const r: TcpRepr = segment(conn, conn.rcvNxt, conn.sndUna, TCP_ACK, 65535);
  const una = ISS + 1;
  for (let i = 0; i + 1 < blocks.length; i += 2) r.options.addSack(una + blocks[i] * MSS, una + blocks[i + 1] * MSS);
  conn.process(r, B_IP, A_IP, now);
  conn.dispatch(now);
}

test("SACK recovery (RFC 6675): every hole below the highest SACKed byte is resent in one round trip, then new data", () => {
  const rec = new Recorder();
  const peer = new PeerSyn();
  peer.sack = true;
  const conn = established(new TcpConfig(), rec, peer);
  expect<bool>(conn.congestion.sack, true);
  writeStream(conn, 0, 65536);
  conn.dispatch(0);
  rec.clear();
  const una = ISS + 1;
  // Segments 0 and 3 of the initial window are lost; the peer reports the others as they arrive.
  sackAck(conn, [1, 2], 5 * 1_000_000);
  sackAck(conn, [1, 3], 5 * 1_000_000);
  expect<i32>(rec.count, 2, "limited transmit: segments 10 and 11");
  sackAck(conn, [1, 3, 4, 5], 5 * 1_000_000);
  expect<i32>(rec.count, 3);
  expect<u32>(rec.last.seq, una, "fast retransmit of segment 0");
  expect<u32>(conn.cwnd, 6 * MSS, "cwnd = ssthresh: no inflation with SACK");
  sackAck(conn, [1, 3, 4, 10], 6 * 1_000_000);
  expect<i32>(rec.count, 6, "the second hole, then two new segments");
  expect<u32>(rec.at(3).seq, una + 3 * MSS, "segment 3 resent without waiting for a partial ACK");
  expect<u32>(rec.at(4).seq, una + 12 * MSS, "then new data");
  expect<u32>(rec.at(5).seq, una + 13 * MSS);
  expect<u64>(conn.retransmits, 2, "only the two lost segments were sent twice");
  ackFromPeer(conn, una + 14 * MSS, 20 * 1_000_000);
  expect<bool>(conn.congestion.inRecovery, false, "a full ACK ends recovery");
  expect<u64>(conn.timeouts, 0);
});

test("SACK blocks outside (SND.UNA, SND.MAX] are ignored", () => {
  const rec = new Recorder();
  const peer = new PeerSyn();
  peer.sack = true;
  const conn = established(new TcpConfig(), rec, peer);
  writeStream(conn, 0, 65536);
  conn.dispatch(0);
  rec.clear();
  for (let i = 0; i < 3; i++) sackAck(conn, [20, 30], 5 * 1_000_000); // beyond anything sent
  expect<u32>(rec.last.seq, ISS + 1, "fast retransmit");
  expect<u32>(rec.last.len, MSS);
  for (let i = 0; i < 3; i++) sackAck(conn, [20, 30], 6 * 1_000_000);
  expect<u64>(conn.retransmits, 1, "no hole walk on forged blocks");
});

export function _start(): void {
  runTests();
}
