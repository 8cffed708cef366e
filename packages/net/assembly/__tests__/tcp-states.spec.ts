// TCP state by state, as RFC 9293 §3.10.7 ("SEGMENT ARRIVES") reads: a fixture per state, built
// by driving one connection with segments made from templates, and a table per state of incoming
// segments with the state they lead to and the reply they get. RFC 5961 refines the RST and SYN
// rows: only an exact RST resets, an in-window RST or any SYN on a synchronized connection gets a
// challenge ACK.
//
// Sequence numbers are relative: our ISS is 1000 and the peer's IRS 5000. In a row, the segment's
// SEQ is given against RCV.NXT (IRS before the peer's SYN is known) and its ACK against our send
// sequence space, so a row says "an in-window RST" rather than a number.

import { expect, runTests, test } from "@tessera/test/assembly";
import { TcpState, tcpStateName } from "@tessera/net/assembly/tcp/state";
import { TcpRepr, TCP_ACK, TCP_FIN, TCP_PSH, TCP_RST, TCP_SYN } from "@tessera/net/assembly/wire/tcp";
import { A_IP, Ack, B_IP, build, Fixture, MS, Segment, SECOND, Seq } from "@tessera/net/assembly/__tests__/tcp-fixture";

// ---- the tables ----------------------------------------------------------------

/** Expect no segment in reply. */
const NONE: u32 = 0x1000;
/** Do not check the reply (the RFC leaves it to the implementation). */
const ANY: u32 = 0x2000;
/** A challenge ACK (RFC 5961): an ACK of RCV.NXT with SEQ = SND.NXT; counted. */
const CHALLENGE: u32 = 0x4000 | TCP_ACK;

/** One row: in `from`, segment `seg` leads to `next` with `reply` (flags of the first segment sent, or NONE/ANY). */
class Row {
  constructor(
    readonly what: string,
    readonly seg: Segment,
    readonly next: TcpState,
    readonly reply: u32,
  ) {}
}

function row(what: string, flags: u32, seq: Seq, ack: Ack, payload: u32, next: TcpState, reply: u32): Row {
  return new Row(what, new Segment(flags, seq, ack, payload), next, reply);
}

/** Runs each row on a fresh fixture in `state`. */
function table(state: TcpState, rows: Row[]): void {
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i];
    const f = new Fixture(state);
    const c = f.conn;
    const sndNxtBefore = c.sndNxt;
    const challenges = c.challengeAcks;
    const seg = build(c, r.seg);
    const segAck = seg.ackNumber;
    const reply = c.process(seg, B_IP, A_IP, 0);
    if (reply) f.rec.emit(c, reply, 0);
    c.dispatch(0);
    c.dispatch(100 * MS); // a delayed ACK is due by then (40 ms); no retransmission timer is (RTO >= 200 ms)
    const what = tcpStateName(state) + ", " + r.what;
    expect<string>(tcpStateName(c.state), tcpStateName(r.next), what + ": next state");
    const sent = f.rec.segments;
    if (r.reply == ANY) continue;
    if (r.reply == NONE) {
      expect<i32>(sent.length, 0, what + ": no reply");
      continue;
    }
    assert(sent.length > 0, what + ": a reply");
    const got = sent[0];
    expect<u32>(got.flags & ~TCP_PSH, r.reply & 0xff, what + ": reply flags");
    if (r.reply == CHALLENGE) {
      expect<u64>(c.challengeAcks, challenges + 1, what + ": counted as a challenge ACK");
      expect<u32>(got.seqNumber, sndNxtBefore, what + ": challenge SEQ = SND.NXT");
    }
    if (got.flags & TCP_RST && !(got.flags & TCP_ACK))
      expect<u32>(got.seqNumber, segAck, what + ": <SEQ=SEG.ACK><CTL=RST>");
    if (got.flags & TCP_ACK && !(got.flags & TCP_RST)) expect<u32>(got.ackNumber, c.rcvNxt, what + ": ACK = RCV.NXT");
  }
}

const LISTEN = TcpState.Listen;
const SYN_SENT = TcpState.SynSent;
const SYN_RECEIVED = TcpState.SynReceived;
const ESTABLISHED = TcpState.Established;
const FIN_WAIT_1 = TcpState.FinWait1;
const FIN_WAIT_2 = TcpState.FinWait2;
const CLOSE_WAIT = TcpState.CloseWait;
const CLOSING = TcpState.Closing;
const LAST_ACK = TcpState.LastAck;
const TIME_WAIT = TcpState.TimeWait;
const CLOSED = TcpState.Closed;
const NO: u32 = 0;

test("LISTEN (§3.10.7.2): RST ignored, ACK reset, SYN to SYN-RECEIVED, anything else dropped", () => {
  table(LISTEN, [
    row("RST", TCP_RST, Seq.Nxt, Ack.None, 0, LISTEN, NONE),
    row("RST+ACK", TCP_RST, Seq.Nxt, Ack.Nxt, 0, LISTEN, NONE),
    row("ACK", NO, Seq.Nxt, Ack.Ahead, 0, LISTEN, TCP_RST),
    row("data+ACK", TCP_PSH, Seq.Nxt, Ack.Ahead, 100, LISTEN, TCP_RST),
    row("SYN", TCP_SYN, Seq.Nxt, Ack.None, 0, SYN_RECEIVED, TCP_SYN | TCP_ACK),
    row("FIN", TCP_FIN, Seq.Nxt, Ack.None, 0, LISTEN, NONE),
    row("data without ACK", NO, Seq.Nxt, Ack.None, 100, LISTEN, NONE),
  ]);
});

test("SYN-SENT (§3.10.7.3): acceptable SYN-ACK establishes, bad ACK reset, RST only with a good ACK, SYN is simultaneous open", () => {
  table(SYN_SENT, [
    row("SYN-ACK", TCP_SYN, Seq.Nxt, Ack.Nxt, 0, ESTABLISHED, TCP_ACK),
    row("SYN-ACK acking ISS (unacceptable)", TCP_SYN, Seq.Nxt, Ack.Iss, 0, SYN_SENT, TCP_RST),
    row("SYN-ACK acking the future (unacceptable)", TCP_SYN, Seq.Nxt, Ack.Ahead, 0, SYN_SENT, TCP_RST),
    row("ACK acking ISS", NO, Seq.Nxt, Ack.Iss, 0, SYN_SENT, TCP_RST),
    row("RST+ACK acceptable", TCP_RST, Seq.Nxt, Ack.Nxt, 0, CLOSED, NONE),
    row("RST+ACK unacceptable", TCP_RST, Seq.Nxt, Ack.Ahead, 0, SYN_SENT, NONE),
    row("RST without ACK", TCP_RST, Seq.Nxt, Ack.None, 0, SYN_SENT, NONE),
    row("SYN (simultaneous open)", TCP_SYN, Seq.Nxt, Ack.None, 0, SYN_RECEIVED, TCP_SYN | TCP_ACK),
    row("FIN without SYN", TCP_FIN, Seq.Nxt, Ack.None, 0, SYN_SENT, NONE),
    row("data without SYN", NO, Seq.Nxt, Ack.None, 100, SYN_SENT, NONE),
  ]);
});

test("SYN-RECEIVED: the ACK of our SYN establishes; bad ACK reset; exact RST closes; others get ACKs", () => {
  table(SYN_RECEIVED, [
    row("ACK of our SYN", NO, Seq.Nxt, Ack.Nxt, 0, ESTABLISHED, ANY),
    row("ACK of our SYN with data", TCP_PSH, Seq.Nxt, Ack.Nxt, 100, ESTABLISHED, TCP_ACK),
    row("ACK of our SYN with FIN", TCP_FIN, Seq.Nxt, Ack.Nxt, 0, CLOSE_WAIT, TCP_ACK),
    row("ACK of the future", NO, Seq.Nxt, Ack.Ahead, 0, SYN_RECEIVED, TCP_RST),
    row("ACK of ISS (old)", NO, Seq.Nxt, Ack.Una, 0, SYN_RECEIVED, TCP_RST),
    row("exact RST", TCP_RST, Seq.Nxt, Ack.None, 0, CLOSED, NONE),
    row("in-window RST", TCP_RST, Seq.InWindow, Ack.None, 0, SYN_RECEIVED, CHALLENGE),
    row("out-of-window RST", TCP_RST, Seq.Far, Ack.None, 0, SYN_RECEIVED, NONE),
    row("the SYN again (our SYN-ACK was lost)", TCP_SYN, Seq.Below, Ack.None, 0, SYN_RECEIVED, TCP_SYN | TCP_ACK),
    row("another SYN in the window", TCP_SYN, Seq.InWindow, Ack.None, 0, SYN_RECEIVED, CHALLENGE),
    row("out-of-window ACK", NO, Seq.Far, Ack.Nxt, 0, SYN_RECEIVED, TCP_ACK),
    row("data without ACK", NO, Seq.Nxt, Ack.None, 100, SYN_RECEIVED, NONE),
  ]);
});

test("ESTABLISHED: data is ACKed, FIN to CLOSE-WAIT, exact RST closes, in-window RST and SYN get challenge ACKs", () => {
  table(ESTABLISHED, [
    row("data in order", TCP_PSH, Seq.Nxt, Ack.Nxt, 100, ESTABLISHED, TCP_ACK),
    row("data past the window", TCP_PSH, Seq.Far, Ack.Nxt, 100, ESTABLISHED, TCP_ACK),
    row("old data (a retransmission)", TCP_PSH, Seq.Below, Ack.Nxt, 1, ESTABLISHED, TCP_ACK),
    row("out-of-order data in the window", TCP_PSH, Seq.InWindow, Ack.Nxt, 100, ESTABLISHED, TCP_ACK),
    row("ACK of what we never sent", NO, Seq.Nxt, Ack.Ahead, 0, ESTABLISHED, TCP_ACK),
    row("duplicate ACK", NO, Seq.Nxt, Ack.Una, 0, ESTABLISHED, NONE),
    row("FIN", TCP_FIN, Seq.Nxt, Ack.Nxt, 0, CLOSE_WAIT, TCP_ACK),
    row("data and FIN", TCP_FIN | TCP_PSH, Seq.Nxt, Ack.Nxt, 100, CLOSE_WAIT, TCP_ACK),
    row("out-of-order FIN", TCP_FIN, Seq.InWindow, Ack.Nxt, 0, ESTABLISHED, TCP_ACK),
    row("exact RST", TCP_RST, Seq.Nxt, Ack.None, 0, CLOSED, NONE),
    row("in-window RST", TCP_RST, Seq.InWindow, Ack.None, 0, ESTABLISHED, CHALLENGE),
    row("out-of-window RST", TCP_RST, Seq.Far, Ack.None, 0, ESTABLISHED, NONE),
    row("SYN in the window", TCP_SYN, Seq.InWindow, Ack.None, 0, ESTABLISHED, CHALLENGE),
    row("SYN out of the window", TCP_SYN, Seq.Far, Ack.None, 0, ESTABLISHED, CHALLENGE),
    row("SYN-ACK", TCP_SYN, Seq.Below, Ack.Nxt, 0, ESTABLISHED, CHALLENGE),
    row("data without ACK", TCP_PSH, Seq.Nxt, Ack.None, 100, ESTABLISHED, NONE),
  ]);
});

test("FIN-WAIT-1: the ACK of our FIN to FIN-WAIT-2, their FIN to CLOSING, FIN+ACK to TIME-WAIT", () => {
  table(FIN_WAIT_1, [
    row("ACK of our FIN", NO, Seq.Nxt, Ack.Nxt, 0, FIN_WAIT_2, NONE),
    row("ACK short of our FIN", NO, Seq.Nxt, Ack.NxtLess1, 0, FIN_WAIT_1, NONE),
    row("FIN, not acking ours", TCP_FIN, Seq.Nxt, Ack.NxtLess1, 0, CLOSING, TCP_ACK),
    row("FIN acking ours", TCP_FIN, Seq.Nxt, Ack.Nxt, 0, TIME_WAIT, TCP_ACK),
    row("data", TCP_PSH, Seq.Nxt, Ack.NxtLess1, 100, FIN_WAIT_1, TCP_ACK),
    row("exact RST", TCP_RST, Seq.Nxt, Ack.None, 0, CLOSED, NONE),
    row("in-window RST", TCP_RST, Seq.InWindow, Ack.None, 0, FIN_WAIT_1, CHALLENGE),
    row("SYN", TCP_SYN, Seq.InWindow, Ack.None, 0, FIN_WAIT_1, CHALLENGE),
    row("out-of-window data", TCP_PSH, Seq.Far, Ack.NxtLess1, 10, FIN_WAIT_1, TCP_ACK),
  ]);
});

test("FIN-WAIT-2: their FIN to TIME-WAIT; data still received", () => {
  table(FIN_WAIT_2, [
    row("FIN", TCP_FIN, Seq.Nxt, Ack.Nxt, 0, TIME_WAIT, TCP_ACK),
    row("data", TCP_PSH, Seq.Nxt, Ack.Nxt, 100, FIN_WAIT_2, TCP_ACK),
    row("data and FIN", TCP_PSH | TCP_FIN, Seq.Nxt, Ack.Nxt, 100, TIME_WAIT, TCP_ACK),
    row("ACK", NO, Seq.Nxt, Ack.Nxt, 0, FIN_WAIT_2, NONE),
    row("exact RST", TCP_RST, Seq.Nxt, Ack.None, 0, CLOSED, NONE),
    row("in-window RST", TCP_RST, Seq.InWindow, Ack.None, 0, FIN_WAIT_2, CHALLENGE),
    row("out-of-window RST", TCP_RST, Seq.Far, Ack.None, 0, FIN_WAIT_2, NONE),
    row("SYN", TCP_SYN, Seq.Nxt, Ack.None, 0, FIN_WAIT_2, CHALLENGE),
  ]);
});

test("CLOSE-WAIT: their FIN again is ACKed; our close goes to LAST-ACK; exact RST closes", () => {
  table(CLOSE_WAIT, [
    row("ACK", NO, Seq.Nxt, Ack.Nxt, 0, CLOSE_WAIT, NONE),
    row("their FIN again", TCP_FIN, Seq.Below, Ack.Nxt, 0, CLOSE_WAIT, TCP_ACK),
    row("data after their FIN", TCP_PSH, Seq.Nxt, Ack.Nxt, 100, CLOSE_WAIT, ANY),
    row("exact RST", TCP_RST, Seq.Nxt, Ack.None, 0, CLOSED, NONE),
    row("in-window RST", TCP_RST, Seq.InWindow, Ack.None, 0, CLOSE_WAIT, CHALLENGE),
    row("SYN", TCP_SYN, Seq.Nxt, Ack.None, 0, CLOSE_WAIT, CHALLENGE),
  ]);
  const f = new Fixture(CLOSE_WAIT);
  f.conn.close(0);
  f.conn.dispatch(0);
  expect<string>(tcpStateName(f.conn.state), "LAST-ACK", "close in CLOSE-WAIT");
  expect<u32>(f.rec.segments[0].flags & TCP_FIN, TCP_FIN, "our FIN");
});

test("CLOSING: the ACK of our FIN to TIME-WAIT", () => {
  table(CLOSING, [
    row("ACK of our FIN", NO, Seq.Nxt, Ack.Nxt, 0, TIME_WAIT, NONE),
    row("ACK short of our FIN", NO, Seq.Nxt, Ack.NxtLess1, 0, CLOSING, NONE),
    row("their FIN again", TCP_FIN, Seq.Below, Ack.NxtLess1, 0, CLOSING, TCP_ACK),
    row("exact RST", TCP_RST, Seq.Nxt, Ack.None, 0, CLOSED, NONE),
    row("in-window RST", TCP_RST, Seq.InWindow, Ack.None, 0, CLOSING, CHALLENGE),
    row("SYN", TCP_SYN, Seq.Nxt, Ack.None, 0, CLOSING, CHALLENGE),
  ]);
});

test("LAST-ACK: the ACK of our FIN closes", () => {
  table(LAST_ACK, [
    row("ACK of our FIN", NO, Seq.Nxt, Ack.Nxt, 0, CLOSED, NONE),
    row("ACK short of our FIN", NO, Seq.Nxt, Ack.NxtLess1, 0, LAST_ACK, NONE),
    row("their FIN again", TCP_FIN, Seq.Below, Ack.NxtLess1, 0, LAST_ACK, TCP_ACK),
    row("exact RST", TCP_RST, Seq.Nxt, Ack.None, 0, CLOSED, NONE),
    row("in-window RST", TCP_RST, Seq.InWindow, Ack.None, 0, LAST_ACK, CHALLENGE),
    row("SYN", TCP_SYN, Seq.Nxt, Ack.None, 0, LAST_ACK, CHALLENGE),
  ]);
});

test("TIME-WAIT: a retransmitted FIN is ACKed, RSTs are ignored (RFC 1337); 2*MSL later CLOSED", () => {
  table(TIME_WAIT, [
    row("their FIN again", TCP_FIN, Seq.Below, Ack.Nxt, 0, TIME_WAIT, TCP_ACK),
    row("ACK", NO, Seq.Nxt, Ack.Nxt, 0, TIME_WAIT, NONE),
    // RFC 9293 lets a RST end TIME-WAIT; RFC 1337 ("TIME-WAIT assassination") says ignore it, as we do.
    row("exact RST (RFC 1337: ignored)", TCP_RST, Seq.Nxt, Ack.None, 0, TIME_WAIT, NONE),
    row("in-window RST", TCP_RST, Seq.InWindow, Ack.None, 0, TIME_WAIT, ANY),
    row("out-of-window RST", TCP_RST, Seq.Far, Ack.None, 0, TIME_WAIT, NONE),
  ]);
  const f = new Fixture(TIME_WAIT);
  expect<i64>(f.conn.pollAt(), 2 * SECOND, "2*MSL");
  f.conn.dispatch(2 * SECOND - 1);
  expect<string>(tcpStateName(f.conn.state), "TIME-WAIT");
  f.conn.dispatch(2 * SECOND);
  expect<string>(tcpStateName(f.conn.state), "CLOSED");
});

test("timers: SYN-SENT and SYN-RECEIVED give up after their retransmissions; LISTEN and CLOSED have none", () => {
  for (let k = 0; k < 2; k++) {
    const f = new Fixture(k == 0 ? SYN_SENT : SYN_RECEIVED);
    let t: i64 = 0;
    for (let i = 0; i < 30 && f.conn.state != CLOSED; i++) {
      t = f.conn.pollAt();
      f.conn.dispatch(t);
    }
    expect<string>(tcpStateName(f.conn.state), "CLOSED", tcpStateName(k == 0 ? SYN_SENT : SYN_RECEIVED) + " gives up");
    expect<bool>(t < 400 * SECOND, true, "within bounded time");
  }
  expect<i64>(new Fixture(LISTEN).conn.pollAt(), i64.MAX_VALUE);
});

export function _start(): void {
  runTests();
}
