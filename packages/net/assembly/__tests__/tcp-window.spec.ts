// TCP windows and RFC 7323: window scaling, timestamps (PAWS, RTTM), zero-window probes with backoff (RFC 9293 §3.8.6.1), Nagle (RFC 896).

import { expect, runTests, test } from "@tessera/test/assembly";
import { CloseReason, TcpConfig, TcpState } from "@tessera/net/assembly/tcp/state";
import { TcpConnection, TcpHandler } from "@tessera/net/assembly/tcp/connection";
import { Timestamps } from "@tessera/net/assembly/tcp/timestamps";
import { TcpRepr, TCP_ACK, TCP_RST, TCP_SYN } from "@tessera/net/assembly/wire/tcp";
import {
  A_IP,
  ackFromPeer,
  B_IP,
  established,
  expectState,
  ISS,
  MS,
  PEER_ISS,
  PeerSyn,
  Recorder,
  SECOND,
  segment,
  writeStream,
} from "@tessera/net/assembly/__tests__/tcp-script";

class Closes extends TcpHandler {
  reason: i32 = -1;
  closed(conn: TcpConnection, reason: CloseReason, now: i64): void {
    this.reason = <i32>reason;
  }
}

function scaled(shift: i32, window: u32): PeerSyn {
  const p = new PeerSyn();
  p.windowScale = shift;
  p.window = window;
  return p;
}

test("window scaling: offered on our SYN, used in both directions when the SYN-ACK offers it too", () => {
  const config = new TcpConfig();
  config.recvBuffer = 262144;
  const rec = new Recorder();
  const conn = new TcpConnection(config, rec, 1460);
  conn.connect(A_IP, 40000, B_IP, 80, ISS, 0);
  conn.dispatch(0);
  expect<bool>(rec.last.hasWindowScale, true, "offered");
  expect<u32>(rec.last.windowScale, 3, "256 KiB needs a shift of 3");
  expect<u32>(rec.last.window, 65535, "a SYN's window is not scaled");
  rec.clear();
  const conn2 = established(config, rec, scaled(7, 1000));
  expect<u32>(conn2.sndWnd, 1000, "the SYN-ACK's window is taken as is");
  ackFromPeer(conn2, ISS + 1, SECOND, 512);
  expect<u32>(conn2.sndWnd, 512 << 7, "later windows are scaled by the peer's shift");
  expect<u32>(conn2.rcvWscale, 3);
  conn2.process(segment(conn2, PEER_ISS + 1, ISS + 1, TCP_ACK, 512, 100), B_IP, A_IP, SECOND);
  conn2.dispatch(SECOND);
  expect<u32>(rec.last.window, (262144 - 100) >> 3, "our window scaled by our shift");
});

test("window scaling is used only when both ends offer it", () => {
  const config = new TcpConfig();
  config.recvBuffer = 262144;
  const rec = new Recorder();
  const conn = established(config, rec, scaled(-1, 20000));
  expect<u32>(conn.rcvWscale, 0);
  expect<u32>(conn.sndWscale, 0);
  ackFromPeer(conn, ISS + 1, SECOND, 30000);
  expect<u32>(conn.sndWnd, 30000, "not scaled");
  conn.process(segment(conn, PEER_ISS + 1, ISS + 1, TCP_ACK, 30000, 100), B_IP, A_IP, SECOND);
  conn.dispatch(SECOND);
  expect<u32>(rec.last.window, 65535, "the most an unscaled window can say");
  expect<u32>(conn.recvWindow(), 65535);
  config.windowScaling = false;
  const rec2 = new Recorder();
  const conn2 = new TcpConnection(config, rec2, 1460);
  conn2.connect(A_IP, 40001, B_IP, 80, ISS, 0);
  conn2.dispatch(0);
  expect<bool>(rec2.last.hasWindowScale, false, "not offered when turned off");
});

test("passive open: the SYN-ACK offers window scale and SACK only if the SYN did", () => {
  const config = new TcpConfig();
  config.recvBuffer = 1 << 20;
  for (let offer = 0; offer < 2; offer++) {
    const rec = new Recorder();
    const conn = new TcpConnection(config, rec, 1460);
    conn.listen(A_IP, 80, ISS);
    const syn = new TcpRepr();
    syn.srcPort = 5555;
    syn.dstPort = 80;
    syn.seqNumber = PEER_ISS;
    syn.flags = TCP_SYN;
    syn.window = 65535;
    syn.options.hasMaxSegSize = true;
    syn.options.maxSegSize = 1460;
    if (offer == 1) {
      syn.options.hasWindowScale = true;
      syn.options.windowScale = 2;
      syn.options.sackPermitted = true;
    }
    conn.process(syn, B_IP, A_IP, 0);
    conn.dispatch(0);
    expect<u32>(rec.last.flags, TCP_SYN | TCP_ACK);
    expect<bool>(rec.last.hasWindowScale, offer == 1, "window scale answered only if offered");
    expect<bool>(rec.last.sackPermitted, offer == 1, "SACK answered only if offered");
    if (offer == 1) expect<u32>(rec.last.windowScale, 5, "1 MiB needs a shift of 5");
  }
});

function withTimestamps(): TcpConfig {
  const c = new TcpConfig();
  c.timestamps = new Timestamps();
  c.rtoMin = 10 * 1_000_000;
  return c;
}

function peerTs(tsVal: u32): PeerSyn {
  const p = new PeerSyn();
  p.tsVal = tsVal;
  return p;
}

/** A segment from the peer with timestamps. */
function stamped(conn: TcpConnection, seq: u32, ack: u32, len: u32, tsVal: u32, tsEcr: u32): TcpRepr {
  const r = segment(conn, seq, ack, TCP_ACK, 65535, len);
  r.options.hasTimestamps = true;
  r.options.tsVal = tsVal;
  r.options.tsEcr = tsEcr;
  return r;
}

test("timestamps: negotiated when both SYNs carry them; every segment then carries TSval and TSecr, and data shrinks by 12 bytes", () => {
  const rec = new Recorder();
  const conn = new TcpConnection(withTimestamps(), rec, 1460);
  conn.connect(A_IP, 40000, B_IP, 80, ISS, 0);
  conn.dispatch(0);
  expect<bool>(rec.last.hasTimestamps, true, "offered on the SYN");
  expect<u32>(rec.last.tsEcr, 0);
  rec.clear();
  const c2 = established(withTimestamps(), rec, peerTs(5000));
  expect<bool>(c2.timestamps.ok, true);
  writeStream(c2, 0, 3000);
  c2.dispatch(5 * 1_000_000);
  expect<u32>(rec.at(0).len, 1448, "MSS less the option");
  expect<bool>(rec.at(0).hasTimestamps, true);
  expect<u32>(rec.at(0).tsEcr, 5000, "TS.Recent echoed");
  expect<u32>(rec.at(0).tsVal, ISS + 5, "a millisecond clock from a per-connection offset");
  const c3 = established(withTimestamps(), rec); // the peer did not offer them
  expect<bool>(c3.timestamps.ok, false);
  writeStream(c3, 0, 3000);
  rec.clear();
  c3.dispatch(0);
  expect<bool>(rec.at(0).hasTimestamps, false);
  expect<u32>(rec.at(0).len, 1460);
});

test("timestamps: PAWS drops a segment with an older TSval (RFC 7323 §5) and ACKs it", () => {
  const rec = new Recorder();
  const conn = established(withTimestamps(), rec, peerTs(5000));
  conn.process(stamped(conn, PEER_ISS + 1, ISS + 1, 100, 5100, 0), B_IP, A_IP, 1_000_000);
  expect<u32>(conn.rcvNxt, PEER_ISS + 101);
  expect<u32>((<Timestamps>conn.timestamps).recent, 5100);
  const reply = conn.process(stamped(conn, PEER_ISS + 101, ISS + 1, 100, 4000, 0), B_IP, A_IP, 2_000_000);
  expect<bool>(reply != null, true, "an ACK");
  expect<u32>(conn.rcvNxt, PEER_ISS + 101, "the old segment's data is not taken");
  expect<u64>((<Timestamps>conn.timestamps).rejected, 1);
  conn.process(stamped(conn, PEER_ISS + 101, ISS + 1, 100, 5200, 0), B_IP, A_IP, 3_000_000);
  expect<u32>(conn.rcvNxt, PEER_ISS + 201, "a newer one is");
});

test("timestamps: an ACK of a retransmission gives an RTT sample (RTTM), where Karn's rule gives none", () => {
  for (let ts = 0; ts < 2; ts++) {
    const rec = new Recorder();
    const conn = established(withTimestamps(), rec, peerTs(ts == 1 ? 5000 : 0));
    writeStream(conn, 0, 1000);
    conn.dispatch(0);
    conn.dispatch(SECOND); // the timeout: sent again
    const retransmission = rec.last;
    expect<i64>(retransmission.time, SECOND);
    const ack = stamped(conn, PEER_ISS + 1, ISS + 1001, 0, 5100, retransmission.tsVal);
    if (ts == 0) ack.options.hasTimestamps = false;
    conn.process(ack, B_IP, A_IP, SECOND + 100 * 1_000_000);
    // The handshake gave a 0 ms sample (RTO at rtoMin, 10 ms); the retransmission's ACK adds 100 ms only with timestamps.
    if (ts == 1) expect<i64>(conn.rto, 112_500_000, "SRTT 12.5 ms + 4 * RTTVAR 25 ms");
    else expect<i64>(conn.rto, 10 * 1_000_000, "no sample: back to the old estimate");
  }
});

/** A connection whose peer's window is 0 from the start, with 1000 bytes waiting. */
function blocked(rec: Recorder): TcpConnection {
  const conn = established(new TcpConfig(), rec, scaled(-1, 0));
  expect<u32>(writeStream(conn, 0, 1000), 1000);
  conn.dispatch(0);
  expect<i32>(rec.count, 0, "nothing fits a zero window");
  return conn;
}

test("a zero window is probed with backoff up to 60 s, and a peer answering with zero keeps the connection alive", () => {
  const rec = new Recorder();
  const conn = blocked(rec);
  // From the RTO (rtoMin, 200 ms, after the handshake's sample), doubling up to 60 s.
  const want: i64[] = [200, 600, 1400, 3000, 6200, 12600, 25400, 51000, 102200, 162200, 222200, 282200, 342200];
  want.push(402200);
  want.push(462200);
  want.push(522200);
  want.push(582200);
  for (let i = 0; i < 100; i++) {
    const t = conn.pollAt();
    if (t > 600 * SECOND) break;
    const before = rec.count;
    conn.dispatch(t);
    if (rec.count > before) ackFromPeer(conn, ISS + 1, t, 0); // still no room
  }
  expect<i32>(rec.count, want.length, "probes in 10 minutes");
  for (let i = 0; i < want.length; i++) {
    expect<i64>(rec.at(i).time, want[i] * MS, "probe time");
    expect<u32>(rec.at(i).seq, ISS, "SND.UNA - 1: the peer must answer");
    expect<u32>(rec.at(i).len, 0);
  }
  expectState(conn, TcpState.Established, "alive after 10 minutes of zero windows");
  expect<u64>(conn.timeouts, 0);
  rec.clear();
  ackFromPeer(conn, ISS + 1, 601 * SECOND, 65535);
  expect<i32>(rec.count, 1, "the window opened: the data goes");
  expect<u32>(rec.last.len, 1000);
});

test("zero-window probes nobody answers time the connection out", () => {
  const rec = new Recorder();
  const conn = blocked(rec);
  const app = new Closes();
  conn.handler = app;
  for (let i = 0; i < 20 && conn.state != TcpState.Closed; i++) conn.dispatch(conn.pollAt());
  expect<u64>(conn.windowProbes, 8, "maxRetransmissions probes");
  expect<i32>(app.reason, <i32>CloseReason.TimedOut);
  expect<u32>(rec.last.flags, TCP_RST);
});

test("a window that closes with data in flight: after the timeout finds nothing it may resend, probes take over", () => {
  const rec = new Recorder();
  const conn = established(new TcpConfig(), rec);
  writeStream(conn, 0, 3000);
  conn.dispatch(0);
  expect<i32>(rec.count, 3);
  ackFromPeer(conn, ISS + 1 + 1000, 10 * 1_000_000, 0); // part acknowledged, window closed
  conn.dispatch(conn.pollAt()); // the timeout: nothing fits a zero window
  expect<u64>(conn.timeouts, 1);
  const t = conn.pollAt();
  expect<bool>(t != i64.MAX_VALUE, true, "a probe is scheduled");
  rec.clear();
  conn.dispatch(t);
  expect<i32>(rec.count, 1, "a probe");
  expect<u32>(rec.last.len, 0);
  ackFromPeer(conn, ISS + 1 + 1000, t, 8000);
  expect<u32>(rec.last.seq, ISS + 1 + 1000, "the window opened: the rest goes again");
  expectState(conn, TcpState.Established);
});

test("Nagle on: a small segment waits while data is unacknowledged; full segments go", () => {
  const rec = new Recorder();
  const conn = established(new TcpConfig(), rec);
  conn.nagle = true;
  writeStream(conn, 0, 100);
  conn.dispatch(0);
  expect<i32>(rec.count, 1, "nothing unacknowledged: the small segment goes");
  writeStream(conn, 100, 100);
  conn.dispatch(0);
  expect<i32>(rec.count, 1, "held: 100 bytes are unacknowledged");
  writeStream(conn, 200, 2000);
  conn.dispatch(0);
  expect<i32>(rec.count, 2, "a full segment goes");
  expect<u32>(rec.last.len, 1460);
  ackFromPeer(conn, ISS + 1 + 1560, 10 * 1_000_000);
  expect<i32>(rec.count, 3, "all acknowledged: the rest goes");
  expect<u32>(rec.last.len, 640);
});

test("Nagle off (the default): every write goes at once", () => {
  const rec = new Recorder();
  const conn = established(new TcpConfig(), rec);
  expect<bool>(conn.nagle, false);
  for (let i: u32 = 0; i < 5; i++) {
    writeStream(conn, i * 10, 10);
    conn.dispatch(0);
  }
  expect<i32>(rec.count, 5);
});

export function _start(): void {
  runTests();
}
