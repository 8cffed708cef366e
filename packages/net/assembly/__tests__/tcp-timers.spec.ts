// TCP timers and limits: delayed ACKs, window updates, keepalive, FIN-WAIT-2 and TIME-WAIT, RFC 5961 rate limits and ACK checks, ICMP errors.

import { expect, runTests, test } from "@tessera/test/assembly";
import { CloseReason, TcpConfig, TcpState } from "@tessera/net/assembly/tcp/state";
import { TcpConnection, TcpHandler } from "@tessera/net/assembly/tcp/connection";
import { TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN } from "@tessera/net/assembly/wire/tcp";
import {
  A_IP,
  ackFromPeer,
  B_IP,
  dataFromPeer,
  established,
  expectState,
  ISS,
  MS,
  PEER_ISS,
  Recorder,
  SECOND,
  segment,
  writeStream,
} from "@tessera/net/assembly/__tests__/tcp-script";

const BASE: u32 = PEER_ISS + 1;
const NEVER: i64 = i64.MAX_VALUE;

class Closes extends TcpHandler {
  reason: i32 = -1;
  closed(conn: TcpConnection, reason: CloseReason, now: i64): void {
    this.reason = <i32>reason;
  }
}

function noQuickAcks(): TcpConfig {
  const c = new TcpConfig();
  c.quickAcks = 0;
  return c;
}

test("delayed ACK: one segment is ACKed at the 40 ms deadline and not before", () => {
  const rec = new Recorder();
  const conn = established(noQuickAcks(), rec);
  dataFromPeer(conn, BASE, 1000, 10 * MS);
  conn.dispatch(10 * MS);
  expect<i32>(rec.count, 0, "not at once");
  expect<i64>(conn.pollAt(), 50 * MS, "due 40 ms later");
  conn.dispatch(49 * MS);
  expect<i32>(rec.count, 0, "not before the deadline");
  conn.dispatch(50 * MS);
  expect<i32>(rec.count, 1, "at the deadline");
  expect<u32>(rec.last.ack, BASE + 1000);
  expect<i64>(conn.pollAt(), NEVER);
});

test("delayed ACK: every second full-sized segment is ACKed at once", () => {
  const rec = new Recorder();
  const conn = established(noQuickAcks(), rec);
  dataFromPeer(conn, BASE, 1460, MS);
  conn.dispatch(MS);
  expect<i32>(rec.count, 0);
  dataFromPeer(conn, BASE + 1460, 1460, 2 * MS);
  expect<i64>(conn.pollAt(), 0);
  conn.dispatch(2 * MS);
  expect<i32>(rec.count, 1, "the second segment");
  expect<u32>(rec.last.ack, BASE + 2920);
  dataFromPeer(conn, BASE + 2920, 1460, 3 * MS);
  conn.dispatch(3 * MS);
  expect<i32>(rec.count, 1, "the third waits again");
});

test("the first segments of a connection are ACKed at once (quick ACKs), then ACKs are delayed", () => {
  const config = new TcpConfig();
  config.quickAcks = 2;
  const rec = new Recorder();
  const conn = established(config, rec);
  for (let i: u32 = 0; i < 3; i++) {
    dataFromPeer(conn, BASE + i * 100, 100, MS);
    conn.dispatch(MS);
  }
  expect<i32>(rec.count, 2, "two at once, the third delayed");
});

test("a delayed ACK rides on data sent before its deadline", () => {
  const rec = new Recorder();
  const conn = established(noQuickAcks(), rec);
  dataFromPeer(conn, BASE, 500, MS);
  conn.dispatch(MS);
  writeStream(conn, 0, 300);
  conn.dispatch(5 * MS);
  expect<i32>(rec.count, 1, "one segment");
  expect<u32>(rec.last.len, 300);
  expect<u32>(rec.last.ack, BASE + 500, "it carries the ACK");
  expect<i64>(conn.pollAt(), 200 * MS + 5 * MS, "only the retransmission timer (rtoMin) is left");
});

test("a closed receive window that opens again is announced at once", () => {
  const config = new TcpConfig();
  config.recvBuffer = 4096;
  const rec = new Recorder();
  const conn = established(config, rec);
  dataFromPeer(conn, BASE, 4096, MS);
  conn.dispatch(MS);
  expect<u32>(rec.last.window, 0, "full");
  const buf = new StaticArray<u8>(4096);
  expect<u32>(conn.read(changetype<usize>(buf), 100), 100);
  expect<i64>(conn.pollAt(), NEVER, "100 bytes is not worth a window update (SWS avoidance)");
  conn.read(changetype<usize>(buf), 4096);
  expect<i64>(conn.pollAt(), 0, "the whole buffer is");
  conn.dispatch(2 * MS);
  expect<u32>(rec.last.window, 4096);
});

test("keepalive: off by default", () => {
  const rec = new Recorder();
  const conn = established(new TcpConfig(), rec);
  expect<i64>(conn.pollAt(), NEVER);
});

test("keepalive: probes after the idle time and each interval, then the connection times out", () => {
  const rec = new Recorder();
  const conn = established(new TcpConfig(), rec);
  const app = new Closes();
  conn.handler = app;
  conn.keepAliveIdle = 10 * SECOND;
  conn.keepAliveInterval = SECOND;
  conn.keepAliveCount = 3;
  expect<i64>(conn.pollAt(), 10 * SECOND);
  for (let i = 0; i < 10 && conn.state != TcpState.Closed; i++) conn.dispatch(conn.pollAt());
  expect<i32>(rec.count, 4, "3 probes and a RST");
  for (let i = 0; i < 3; i++) {
    expect<i64>(rec.at(i).time, (10 + <i64>i) * SECOND);
    expect<u32>(rec.at(i).seq, ISS, "SND.NXT - 1, no data");
    expect<u32>(rec.at(i).len, 0);
  }
  expect<i64>(rec.at(3).time, 13 * SECOND);
  expect<u32>(rec.at(3).flags, TCP_RST);
  expect<i32>(app.reason, <i32>CloseReason.TimedOut);
});

test("keepalive: an answered probe starts the idle time over", () => {
  const rec = new Recorder();
  const conn = established(new TcpConfig(), rec);
  conn.keepAliveIdle = 10 * SECOND;
  conn.keepAliveInterval = SECOND;
  conn.keepAliveCount = 3;
  conn.dispatch(10 * SECOND);
  expect<i32>(rec.count, 1);
  ackFromPeer(conn, ISS + 1, 10 * SECOND + 5 * MS);
  expect<i64>(conn.pollAt(), 20 * SECOND + 5 * MS);
  expectState(conn, TcpState.Established);
});

/** A connection we closed whose FIN the peer acknowledged at `at`: FIN-WAIT-2. */
function finWait2(rec: Recorder, at: i64): TcpConnection {
  const conn = established(new TcpConfig(), rec);
  conn.close(at);
  conn.dispatch(at);
  ackFromPeer(conn, ISS + 2, at);
  expectState(conn, TcpState.FinWait2);
  return conn;
}

test("FIN-WAIT-2: after 60 s without a word from the peer, probes; unanswered, they end the connection", () => {
  const rec = new Recorder();
  const conn = finWait2(rec, SECOND);
  const app = new Closes();
  conn.handler = app;
  expect<i64>(conn.pollAt(), 61 * SECOND);
  dataFromPeer(conn, BASE, 100, 30 * SECOND);
  conn.dispatch(30 * SECOND);
  expect<i64>(conn.pollAt(), 90 * SECOND, "the peer is still sending: the wait starts over");
  rec.clear();
  for (let i = 0; i < 20 && conn.state != TcpState.Closed; i++) conn.dispatch(conn.pollAt());
  expect<i32>(rec.count, 9, "8 probes, then a RST");
  const want: i64[] = [90000, 90200, 90600, 91400, 93000, 96200, 102600, 115400]; // backing off from the RTO (200 ms)
  for (let i = 0; i < 8; i++) {
    expect<i64>(rec.at(i).time, want[i] * MS, "probe time");
    expect<u32>(rec.at(i).seq, ISS + 1, "SND.UNA - 1: the peer must answer");
  }
  expect<u32>(rec.last.flags, TCP_RST);
  expect<i32>(app.reason, <i32>CloseReason.TimedOut);
});

test("FIN-WAIT-2: a peer that answers a probe is not cut off", () => {
  const rec = new Recorder();
  const conn = finWait2(rec, 0);
  rec.clear();
  conn.dispatch(60 * SECOND);
  expect<i32>(rec.count, 1, "a probe");
  ackFromPeer(conn, ISS + 2, 65 * SECOND);
  expect<i64>(conn.pollAt(), 125 * SECOND, "60 s from the answer");
  expectState(conn, TcpState.FinWait2);
});

/** A connection in TIME-WAIT since `at` (its MSL 1 s). */
function timeWait(rec: Recorder, at: i64): TcpConnection {
  const config = new TcpConfig();
  config.msl = SECOND;
  const conn = established(config, rec);
  conn.close(at);
  conn.dispatch(at);
  conn.process(segment(conn, BASE, ISS + 2, TCP_ACK | TCP_FIN), B_IP, A_IP, at);
  conn.dispatch(at);
  expectState(conn, TcpState.TimeWait);
  return conn;
}

test("TIME-WAIT: a retransmitted FIN is ACKed and restarts 2*MSL", () => {
  const rec = new Recorder();
  const conn = timeWait(rec, 0);
  expect<i64>(conn.pollAt(), 2 * SECOND);
  const reply = conn.process(segment(conn, BASE, ISS + 2, TCP_ACK | TCP_FIN), B_IP, A_IP, SECOND);
  expect<bool>(reply != null, true, "ACKed");
  expect<u32>(reply!.ackNumber, BASE + 1);
  expect<i64>(conn.pollAt(), 3 * SECOND, "2*MSL from the retransmission");
  conn.dispatch(3 * SECOND);
  expectState(conn, TcpState.Closed);
});

test("TIME-WAIT: a FIN at any other sequence number is ACKed but does not restart 2*MSL (off-path attackers cannot keep it)", () => {
  const rec = new Recorder();
  const conn = timeWait(rec, 0);
  expect<i64>(conn.pollAt(), 2 * SECOND);
  const seqs: u32[] = [BASE + 1, BASE + 5000, BASE - 1, BASE - 70000, BASE + 0x80000000];
  for (let i = 0; i < seqs.length; i++) {
    const reply = conn.process(segment(conn, seqs[i], ISS + 2, TCP_ACK | TCP_FIN), B_IP, A_IP, SECOND);
    expect<bool>(reply != null && reply.flags == TCP_ACK, true, "ACKed");
    expect<i64>(conn.pollAt(), 2 * SECOND, "not restarted by a FIN at " + (seqs[i] - BASE).toString());
  }
  const withData = segment(conn, BASE - 10, ISS + 2, TCP_ACK | TCP_FIN, 65535, 10); // the last 10 bytes and the FIN again
  conn.process(withData, B_IP, A_IP, SECOND);
  expect<i64>(conn.pollAt(), 3 * SECOND, "the peer's FIN again, with the data before it: restarted");
  conn.dispatch(3 * SECOND);
  expectState(conn, TcpState.Closed);
});

test("TIME-WAIT: a RST is ignored (RFC 1337); a higher SYN may reopen, an old one may not", () => {
  const rec = new Recorder();
  const conn = timeWait(rec, 0);
  expect<bool>(conn.process(segment(conn, BASE + 1, 0, TCP_RST), B_IP, A_IP, MS) == null, true);
  expectState(conn, TcpState.TimeWait, "a RST does not cut TIME-WAIT short");
  expect<bool>(conn.reopens(segment(conn, BASE + 100000, 0, TCP_SYN)), true);
  expect<bool>(conn.reopens(segment(conn, BASE - 100, 0, TCP_SYN)), false);
  const reply = conn.process(segment(conn, BASE - 100, 0, TCP_SYN), B_IP, A_IP, MS);
  expect<bool>(reply != null && reply.flags == TCP_ACK, true, "an old SYN gets a challenge ACK");
});

test("RFC 5961 §7: at most 10 challenge ACKs a second", () => {
  const rec = new Recorder();
  const conn = established(new TcpConfig(), rec);
  let replies = 0;
  for (let i = 0; i < 15; i++) {
    if (conn.process(segment(conn, BASE + 100, ISS + 1, TCP_RST), B_IP, A_IP, <i64>i * MS)) replies++;
  }
  expect<i32>(replies, 10);
  expect<u64>(conn.challengeAcks, 10);
  expect<u64>(conn.challengeAcksLimited, 5);
  expect<bool>(
    conn.process(segment(conn, BASE + 100, ISS + 1, TCP_RST), B_IP, A_IP, SECOND) != null,
    true,
    "next second",
  );
  expectState(conn, TcpState.Established);
});

test("RFC 5961 §5: an ACK older than SND.UNA - MAX.SND.WND is dropped with a challenge ACK", () => {
  const rec = new Recorder();
  const conn = established(new TcpConfig(), rec);
  writeStream(conn, 0, 1000);
  conn.dispatch(0);
  ackFromPeer(conn, ISS + 1001, MS);
  const old = ISS + 1001 - 65535 - 1;
  const reply = conn.process(segment(conn, BASE, old, TCP_ACK, 65535, 100), B_IP, A_IP, 2 * MS);
  expect<bool>(reply != null, true, "challenge ACK");
  expect<u32>(conn.rcvNxt, BASE, "its data is not taken");
  expect<u32>(conn.sndUna, ISS + 1001);
  dataFromPeer(conn, BASE, 100, 3 * MS); // an ACK just inside the range is fine
  expect<u32>(conn.rcvNxt, BASE + 100);
});

test("ICMP fragmentation needed lowers the MSS and resends what was in flight, smaller", () => {
  const rec = new Recorder();
  const conn = established(new TcpConfig(), rec);
  writeStream(conn, 0, 4000);
  conn.dispatch(0);
  rec.clear();
  conn.icmpError(4, 3, 1000, MS, <i64>(ISS + 1));
  expect<u32>(conn.sndMss, 960);
  conn.dispatch(MS);
  expect<u32>(rec.at(0).seq, ISS + 1, "from SND.UNA again");
  expect<u32>(rec.at(0).len, 960);
  conn.icmpError(4, 3, 100, MS, <i64>(ISS + 1));
  expect<u32>(conn.sndMss, 512, "not below a 552-byte MTU");
});

test("ICMP errors: port unreachable refuses a SYN; soft errors keep a connection; a forged sequence is ignored", () => {
  const rec = new Recorder();
  const c1 = new TcpConnection(new TcpConfig(), rec, 1460);
  const app1 = new Closes();
  c1.handler = app1;
  c1.connect(A_IP, 40000, B_IP, 80, ISS, 0);
  c1.dispatch(0);
  c1.icmpError(3, 3, 0, MS, <i64>ISS);
  expectState(c1, TcpState.Closed);
  expect<i32>(app1.reason, <i32>CloseReason.Refused);

  const c2 = established(new TcpConfig(), rec);
  writeStream(c2, 0, 100);
  c2.dispatch(0);
  c2.icmpError(3, 3, 0, MS, <i64>(ISS + 1)); // port unreachable once synchronized: soft (RFC 5927)
  c2.icmpError(1, 3, 0, MS, <i64>(ISS + 1));
  expectState(c2, TcpState.Established);
  expect<u32>(c2.softError, 2, "host unreachable, remembered");
  c2.icmpError(4, 3, 600, MS, <i64>(ISS + 50000));
  expect<u32>(c2.sndMss, 1460, "a quoted sequence number outside the flight is ignored");

  const c3 = new TcpConnection(new TcpConfig(), rec, 1460);
  const app3 = new Closes();
  c3.handler = app3;
  c3.connect(A_IP, 40001, B_IP, 80, ISS, 0);
  c3.dispatch(0);
  c3.icmpError(1, 3, 0, MS); // host unreachable: soft, the SYN keeps trying
  expectState(c3, TcpState.SynSent);
  for (let i = 0; i < 20 && c3.state != TcpState.Closed; i++) c3.dispatch(c3.pollAt());
  expect<i32>(app3.reason, <i32>CloseReason.Unreachable, "the timeout reports the soft error");
});

test("RFC 5927: an ICMP error counts only for a sequence number in [SND.UNA, SND.MAX): sent and not yet acknowledged", () => {
  const rec = new Recorder();
  const conn = established(new TcpConfig(), rec);
  conn.icmpError(4, 3, 1000, 0, <i64>(ISS + 1));
  expect<u32>(conn.sndMss, 1460, "nothing in flight: SND.UNA = SND.MAX, nothing to quote");
  writeStream(conn, 0, 1000);
  conn.dispatch(0);
  ackFromPeer(conn, ISS + 101, MS); // SND.UNA = ISS + 101, SND.MAX = ISS + 1001
  conn.icmpError(4, 3, 1000, 2 * MS, <i64>(ISS + 100));
  expect<u32>(conn.sndMss, 1460, "SND.UNA - 1: acknowledged already");
  conn.icmpError(4, 3, 1000, 2 * MS, <i64>(ISS + 1001));
  expect<u32>(conn.sndMss, 1460, "SND.MAX: never sent");
  conn.icmpError(4, 3, 1000, 2 * MS, <i64>(ISS + 1000));
  expect<u32>(conn.sndMss, 960, "SND.MAX - 1: in flight");
  conn.icmpError(4, 3, 900, 2 * MS, <i64>(ISS + 101));
  expect<u32>(conn.sndMss, 860, "SND.UNA: in flight");
});

test("RFC 9293 §3.10.7.4: with our window zero, a segment carrying data is not taken, but its ACK and window are", () => {
  const rec = new Recorder();
  const config = new TcpConfig();
  config.recvBuffer = 1000;
  const conn = established(config, rec);
  dataFromPeer(conn, BASE, 1000, 0); // the application reads nothing: our window is zero
  conn.dispatch(0);
  expect<u32>(conn.recvWindow(), 0);
  writeStream(conn, 0, 3000);
  conn.dispatch(MS);
  expect<u32>(conn.inFlight, 3000);
  ackFromPeer(conn, ISS + 1001, 2 * MS, 0); // the peer closes its window too
  expect<u32>(conn.sndWnd, 0);
  // The peer's window probe: one byte at RCV.NXT, acknowledging the rest and opening its window.
  const reply = conn.process(segment(conn, BASE + 1000, ISS + 3001, TCP_ACK, 65535, 1), B_IP, A_IP, 3 * MS);
  expect<bool>(reply != null && reply.flags == TCP_ACK, true, "ACKed at once");
  expect<u32>(reply!.ackNumber, BASE + 1000, "its byte not taken");
  expect<u32>(reply!.window, 0);
  expect<u32>(conn.rcvNxt, BASE + 1000);
  expect<u32>(conn.sndUna, ISS + 3001, "its ACK processed");
  expect<u32>(conn.sndWnd, 65535, "its window processed");
  rec.clear();
  writeStream(conn, 3000, 500);
  conn.dispatch(4 * MS);
  expect<i32>(rec.dataSegments(), 1, "the sender goes on at once, without waiting for a pure ACK");
});

export function _start(): void {
  runTests();
}
