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
  expect<i64>(t, 200 * 1_000_000, "RTO = rtoMin (200 ms) after the handshake's sample");
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
  expect<i64>(t, 600 * 1_000_000, "RTO doubled: 200 ms, then 400 ms");
  conn.dispatch(t);
  expect<u32>(conn.congestion.ssthresh, ssthresh);
  expect<u32>(conn.cwnd, MSS);
  expect<u64>(conn.timeouts, 2);
});

/** A duplicate ACK of SND.UNA carrying SACK blocks for segments [from, to) (segment numbers from ISS + 1). */
function sackAck(conn: TcpConnection, blocks: u32[], now: i64, window: u32 = 65535): void {
  const r: TcpRepr = segment(conn, conn.rcvNxt, conn.sndUna, TCP_ACK, window);
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

/** An established connection to a peer that offered SACK, with `bytes` queued and sent as far as the windows allow at 0. */
function sackSending(rec: Recorder, bytes: u32, window: u32 = 65535): TcpConnection {
  const peer = new PeerSyn();
  peer.sack = true;
  peer.window = window;
  const conn = established(new TcpConfig(), rec, peer);
  writeStream(conn, 0, bytes);
  conn.dispatch(0);
  rec.clear();
  return conn;
}

test("an ACK with new SACK info and a changed window counts as a duplicate (RFC 6675 §2)", () => {
  const rec = new Recorder();
  const conn = sackSending(rec, 65536);
  // The receiver autotunes its buffer: each ACK offers another window, as Linux's do.
  sackAck(conn, [1, 2], 5 * 1_000_000, 60000);
  expect<u32>(conn.congestion.dupAcks, 1, "new SACK info: a duplicate whatever the window");
  sackAck(conn, [1, 3], 5 * 1_000_000, 61000);
  expect<u32>(conn.congestion.dupAcks, 2);
  expect<i32>(rec.count, 2, "limited transmit: two new segments");
  sackAck(conn, [1, 3], 5 * 1_000_000, 62000);
  expect<u32>(conn.congestion.dupAcks, 2, "no new SACK info and another window: not a duplicate (RFC 5681)");
});

test("the front segment is resent once 3 segments above it are SACKed (RFC 6675 IsLost)", () => {
  const rec = new Recorder();
  const conn = sackSending(rec, 65536);
  sackAck(conn, [1, 4], 5 * 1_000_000); // one ACK (the others were lost) SACKs segments 1-3
  expect<u64>(conn.congestion.fastRetransmits, 1, "recovery on the first duplicate");
  expect<u32>(rec.at(0).seq, ISS + 1, "segment 0 resent");
  expect<u32>(rec.at(0).len, MSS);
});

test("two SACKed segments in a flight of three the window holds to: early retransmit (RFC 5827)", () => {
  const rec = new Recorder();
  const conn = sackSending(rec, 65536, 3 * MSS);
  expect<u32>(conn.inFlight, 3 * MSS, "the peer's window holds the flight to 3 segments");
  sackAck(conn, [1, 2], 5 * 1_000_000, 3 * MSS);
  expect<u64>(conn.congestion.fastRetransmits, 0, "one SACKed of three: not yet");
  sackAck(conn, [1, 3], 6 * 1_000_000, 3 * MSS);
  expect<u64>(conn.congestion.fastRetransmits, 1, "two of three: ER_thresh = 2");
  expect<u32>(rec.last.seq, ISS + 1, "segment 0 resent");
  expect<u64>(conn.timeouts, 0);
});

test("a tail loss is probed before the RTO (RFC 8985 TLP): the last segment goes again", () => {
  const rec = new Recorder();
  const conn = sackSending(rec, 3 * MSS);
  ackFromPeer(conn, ISS + 1 + MSS, 10 * 1_000_000); // segments 1 and 2 are lost
  rec.clear();
  const rto = conn.rto;
  const t = conn.pollAt();
  expect<bool>(t < 10 * 1_000_000 + rto, true, "the probe timer comes before the RTO");
  conn.dispatch(t);
  expect<i32>(rec.count, 1, "one probe");
  expect<u32>(rec.at(0).seq, ISS + 1 + 2 * MSS, "the last segment sent");
  expect<u64>(conn.tailProbes, 1);
  expect<u64>(conn.timeouts, 0);
  // Its ACK SACKs it: with two segments out and nothing new to send, that is enough (RFC 5827).
  sackAck(conn, [2, 3], t + 10 * 1_000_000);
  expect<u64>(conn.congestion.fastRetransmits, 1, "the hole is resent without a timeout");
  expect<u32>(rec.last.seq, ISS + 1 + MSS);
  expect<u64>(conn.timeouts, 0);
});

test("no sub-MSS segment is sent while a full one's worth is queued (sender SWS avoidance)", () => {
  const rec = new Recorder();
  const conn = sackSending(rec, 65536, 5000); // 3 segments and 620 bytes fit the window
  expect<u32>(conn.inFlight, 3 * MSS, "the 620-byte leftover waits");
  ackFromPeer(conn, ISS + 1 + MSS, 10 * 1_000_000, 5000);
  expect<u32>(conn.inFlight, 3 * MSS, "one segment ACKed: one full segment more, the leftover still waits");
  for (let i = 0; i < rec.count; i++) expect<u32>(rec.at(i).len, MSS, "full-sized");
});

test("a small tail of the queue goes at once (Nagle off), and so does a sub-MSS window with nothing in flight", () => {
  const rec = new Recorder();
  const conn = sackSending(rec, 2 * MSS + 100);
  expect<i32>(rec.count, 0, "sackSending cleared the recorder");
  expect<u32>(conn.inFlight, 2 * MSS + 100, "the last 100 bytes are all that is queued: they go");
  const rec2 = new Recorder();
  const small = sackSending(rec2, 65536, 1000);
  expect<u32>(small.inFlight, 1000, "the peer's window is below one segment: it is filled");
});

test("after a timeout, duplicate ACKs let no old data out (RFC 3042 sends only new data)", () => {
  const rec = new Recorder();
  const conn = sending(rec);
  conn.dispatch(conn.pollAt());
  expect<u64>(conn.timeouts, 1);
  rec.clear();
  ackFromPeer(conn, ISS + 1, conn.pollAt() - 1_000_000);
  ackFromPeer(conn, ISS + 1, conn.pollAt() - 1_000_000);
  expect<u32>(conn.congestion.dupAcks, 2);
  expect<i32>(rec.count, 0, "SND.NXT is below SND.MAX: limited transmit has nothing new to send");
  expect<u64>(conn.retransmits, 1, "only the timeout's resend");
});

test("a resent hole lost again is resent once data sent after it is SACKed 3 segments beyond", () => {
  const rec = new Recorder();
  const conn = sackSending(rec, 65536);
  const una = ISS + 1;
  sackAck(conn, [1, 2], 5 * 1_000_000);
  sackAck(conn, [1, 3], 5 * 1_000_000);
  sackAck(conn, [1, 4], 5 * 1_000_000);
  expect<u64>(conn.congestion.fastRetransmits, 1);
  expect<u32>(conn.inFlight, 12 * MSS, "segment 0 was resent when 12 segments were out");
  // The resent segment 0 is lost too; the peer SACKs everything else as it arrives.
  sackAck(conn, [1, 10], 6 * 1_000_000);
  expect<u32>(conn.inFlight, 15 * MSS, "three new segments");
  sackAck(conn, [1, 14], 7 * 1_000_000);
  expect<u64>(conn.lostRetransmits, 0, "2 segments sent after the resend are SACKed: not yet");
  sackAck(conn, [1, 15], 8 * 1_000_000);
  let resends = 0;
  for (let i = 0; i < rec.count; i++) if (rec.at(i).seq == una) resends++;
  expect<i32>(resends, 2, "segment 0: the fast retransmit, then once more");
  expect<u64>(conn.lostRetransmits, 1);
  expect<u64>(conn.timeouts, 0);
  ackFromPeer(conn, una + conn.inFlight, 20 * 1_000_000);
  expect<bool>(conn.congestion.inRecovery, false);
});

export function _start(): void {
  runTests();
}
