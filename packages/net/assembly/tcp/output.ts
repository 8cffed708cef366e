// A connection's send path: the segments `dispatch` (dispatch.ts) sends, built in the connection's
// one outgoing segment and handed to its emitter. Output is driven by the variables alone: the SYN
// or SYN-ACK, data within min(cwnd, SND.WND) from the send ring, one retransmission at a given
// sequence number (SND.UNA after fast retransmit or a partial ACK; with SACK, the holes the
// scoreboard shows while the pipe estimate is below cwnd), go-back-N after a timeout (SND.NXT back
// at SND.UNA), tail-loss probes and the probes that make the peer answer.

import { TCP_ACK, TCP_FIN, TCP_PSH, TCP_SYN } from "../wire/tcp";
import { seqGe, seqGt, seqLt } from "../wire/seq";
import { NEVER, TcpControlBlock } from "./control-block";
import { armTailProbe, pipe, sackRecovering } from "./recovery";
import { header, synOptions } from "./segment";
import { TcpState } from "./state";

/** Emits `c.out`; an ACK sent settles what was owed (the ACK due now or at the delayed-ACK deadline). */
export function emit<C extends TcpControlBlock>(c: C, now: i64): bool {
  const ok = c.emitSegment(c.out, now);
  if (ok && c.out.has(TCP_ACK)) {
    c.ackNow = false;
    c.ackDeadline = NEVER;
    c.rcvUnacked = 0;
  }
  return ok;
}

/** A segment the peer must answer with an ACK of its state (window, RCV.NXT): SEG.SEQ = SND.UNA - 1, no data. */
export function sendProbe<C extends TcpControlBlock>(c: C, now: i64): u32 {
  header(c, c.out, c.sndUna - 1, TCP_ACK);
  return emit(c, now) ? 1 : 0;
}

/**
 * Sends one new (or, after a timeout, resent) segment at SND.NXT if the windows allow (only the
 * peer's if `ignoreCwnd`); false if none is due.
 */
export function sendOne<C extends TcpControlBlock>(c: C, now: i64, ignoreCwnd: bool = false): bool {
  const s = c.state;
  const out = c.out;
  if (s == TcpState.SynSent || s == TcpState.SynReceived) {
    if (c.sndNxt != c.iss) return false;
    header(c, out, c.iss, s == TcpState.SynSent ? TCP_SYN : TCP_SYN | TCP_ACK);
    synOptions(c, s == TcpState.SynSent);
    return transmit(c, c.iss, 1, now);
  }
  if (s == TcpState.TimeWait || s == TcpState.FinWait2 || s == TcpState.Closed) return false;
  const seq = c.sndNxt;
  const end = c.sndUna + sendWindow(c, seqGe(seq, c.sndMax), ignoreCwnd);
  return send(c, seq, seqGt(end, seq) ? end - seq : 0, c.finQueued, true, now) > 0;
}

// Builds the segment at `seq` in `out`, at most `room` bytes (and a full segment less options),
// with a FIN if `finOk` and it reaches the end of the buffer, and transmits it; -1 if there is
// nothing to send (or, if `wait`, what there is waits), else whether the emitter took it.
function send<C extends TcpControlBlock>(c: C, seq: u32, room: u32, finOk: bool, wait: bool, now: i64): i32 {
  const offset = seq - c.sndBase;
  const buffered = c.sendBuffer.length;
  if (offset > buffered) return -1; // the FIN is out
  const out = c.out;
  header(c, out, seq, TCP_ACK);
  const segMax = c.sndMss - min(c.sndMss - 1, out.options.bufferLen(false));
  const left = buffered - offset;
  const n = min(min(left, room), segMax);
  const fin = finOk && n == left;
  if (n == 0 && !fin) return -1;
  // Sender silly-window avoidance (RFC 9293 §3.8.6.2.1): while more is queued than the windows let
  // out, a segment short of a full one waits, unless it is at least half the largest window the
  // peer offered. The wait lasts only while data is in flight: its ACK reopens the question (and
  // the retransmission timer stands behind it), which serves as the RFC's override timer.
  // Nagle (RFC 9293 §3.7.4): new data smaller than a segment waits while anything is unacknowledged.
  if (wait && n < segMax && !fin && c.sndUna != c.sndMax) {
    if ((n < left && n < c.maxSndWnd / 2) || (c.nagle && seqGe(seq, c.sndMax))) return -1;
  }
  if (fin) out.flags |= TCP_FIN;
  if (n > 0) {
    if (n == left) out.flags |= TCP_PSH;
    let at = c.sendBuffer.contiguous(offset, n); // straight from the ring when it does not wrap
    if (at == 0) {
      let scratch = c.scratch;
      if (!scratch) c.scratch = scratch = new StaticArray<u8>(<i32>c.mss);
      at = changetype<usize>(scratch);
      c.sendBuffer.peek(offset, at, n);
    }
    out.payloadPtr = at;
    out.payloadLen = n;
  }
  return transmit(c, seq, n + (fin ? 1 : 0), now) ? 1 : 0;
}

// Bytes past SND.UNA that may be outstanding: the peer's window and cwnd (in SACK recovery, what
// cwnd leaves above the pipe, added to what is out). Limited transmit counts only for `newData`.
function sendWindow(c: TcpControlBlock, newData: bool, ignoreCwnd: bool): u32 {
  if (ignoreCwnd) return c.sndWnd;
  if (!sackRecovering(c)) {
    const cc = c.congestion;
    return min(c.sndWnd, cc.window(newData));
  }
  const p = pipe(c);
  const cwnd = c.congestion.cwnd;
  return min(c.sndWnd, c.sndNxt - c.sndUna + (cwnd > p ? cwnd - p : 0));
}

/** SACK recovery: resends the holes below the highest SACKed byte while cwnd exceeds the pipe by a segment. */
export function resendHoles<C extends TcpControlBlock>(c: C, now: i64): u32 {
  let sent: u32 = 0;
  for (let i = 0; i < 64; i++) {
    const p = pipe(c);
    const cwnd = c.congestion.cwnd;
    if (cwnd <= p || cwnd - p < c.sndMss) break;
    const from = seqGt(c.rexmitNext, c.sndUna) ? c.rexmitNext : c.sndUna;
    const hole = c.scoreboard.nextHole(from);
    if (!seqLt(hole, c.scoreboard.highest)) break;
    if (!sendAt(c, hole, now, c.scoreboard.holeLength(hole, u32.MAX_VALUE))) break;
    sent++;
  }
  return sent;
}

/**
 * Tail-loss probe (RFC 8985 §7.3): one segment that makes the peer's ACK (with SACK blocks)
 * reveal a loss at the tail of the flight, where too few segments follow it to produce three
 * duplicate ACKs: a new segment if the peer's window takes one (cwnd is not consulted), else the
 * last segment sent, again. One probe per episode; an ACK of new data starts the next.
 */
export function tailProbe<C extends TcpControlBlock>(c: C, now: i64): u32 {
  c.probeDeadline = NEVER;
  if (c.congestion.inRecovery || c.sndUna == c.sndMax || !c.synchronized()) return 0;
  c.probing = true;
  c.tailProbes++;
  if (c.sndNxt == c.sndMax && sendOne(c, now, true)) return 1;
  const fin: u32 = c.finSent() ? 1 : 0;
  const data = c.sndMax - c.sndUna - fin;
  return sendAt(c, c.sndMax - fin - min(data, c.segmentSize()), now, u32.MAX_VALUE) ? 1 : 0;
}

/** Sends again the segment at `seq`, at most `limit` bytes (up to the next SACKed range), without moving SND.NXT. */
export function sendAt<C extends TcpControlBlock>(c: C, seq: u32, now: i64, limit: u32): bool {
  if (!c.synchronized() || !seqGt(c.sndMax, seq)) return false;
  const next = c.sndNxt;
  const sent = send(c, seq, min(c.sndMax - seq, limit), c.finSent(), false, now);
  if (sent < 0) return false;
  const out = c.out;
  const end = seq + out.payloadLen + (out.has(TCP_FIN) ? 1 : 0);
  if (seqGt(end, c.rexmitNext)) c.rexmitNext = end;
  c.rexmitMark = c.sndMax;
  if (seqGt(next, c.sndNxt)) c.sndNxt = next; // SND.NXT stays ahead
  c.rtoDeadline = now + c.rtt.rto; // RFC 6582 §3.2 step 5: restart the timer
  return sent > 0;
}

// Emits `out` (occupying `len` sequence numbers at `seq`), then advances SND.NXT, timing and the timer.
function transmit<C extends TcpControlBlock>(c: C, seq: u32, len: u32, now: i64): bool {
  const ok = emit(c, now); // a segment the link refused counts as lost: the timer recovers it
  const end = seq + len;
  if (seqGe(seq, c.sndMax))
    c.rtt.start(end, now); // new data: time it
  else c.retransmits++;
  if (seqLt(seq, c.sndMax) && seqGt(end, c.sndMax)) c.rtt.cancel(); // partly old: no sample (Karn)
  if (seqGt(end, c.sndNxt)) c.sndNxt = end;
  const fresh = seqGt(end, c.sndMax);
  if (fresh) c.sndMax = end;
  if (c.rtoDeadline == NEVER) c.rtoDeadline = now + c.rtt.rto;
  if (fresh) armTailProbe(c, now);
  return ok;
}
