// What an arriving segment does to a connection (RFC 9293 §3.10.7, "SEGMENT ARRIVES"): the state,
// the send sequence space and congestion control (ACK processing, duplicate ACKs), RFC 5961's
// checks against blind attacks, and the immediate replies (RSTs, ACKs to unacceptable segments,
// challenge ACKs). The data and FIN are receive.ts's; what is owed is sent by `dispatch`.

import { TcpRepr, TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN } from "../wire/tcp";
import { seqGt, seqLe, seqLt } from "../wire/seq";
import { enterClosed, NEVER, TcpControlBlock, TCP_DEFAULT_MSS } from "./control-block";
import { receiveData } from "./receive";
import { armTailProbe, checkLostRetransmits, frontLost } from "./recovery";
import { header, resetFor } from "./segment";
import { CloseReason, TcpState } from "./state";

const SECOND: i64 = 1_000_000_000;

/**
 * Handles a segment for `c` from `src` to `dst`. Returns a reply to send now (a RST, or an ACK for
 * an unacceptable segment or a challenge ACK), or null; ACKs of data and anything else due are
 * left for `dispatch`, which the caller runs next. The reply is the segment `dispatch` builds its
 * own in: send it before.
 */
export function segmentArrives<C extends TcpControlBlock>(
  c: C,
  seg: TcpRepr,
  src: u32,
  dst: u32,
  now: i64,
): TcpRepr | null {
  c.clockNow = now;
  const s = c.state;
  if (s == TcpState.Closed) return resetReply(c, seg);
  if (s == TcpState.Listen) return processListen(c, seg, src, dst, now);
  if (s == TcpState.SynSent) return processSynSent(c, seg, now);
  if (s == TcpState.TimeWait) return processTimeWait(c, seg, now);
  const seq = seg.seqNumber;
  // A repeated SYN in SYN-RECEIVED: our SYN-ACK was lost; send it again.
  if (s == TcpState.SynReceived && seg.has(TCP_SYN) && !seg.has(TCP_ACK) && seq == c.irs) {
    c.sndNxt = c.iss;
    return null;
  }
  // 4 (first). A SYN in a synchronized state, whatever its sequence number: challenge ACK (RFC 5961 §4.2).
  if (seg.has(TCP_SYN)) return challengeAck(c, now);
  // PAWS (RFC 7323 §5.3), then 1. sequence acceptability (RFC 9293 §3.10.7.4).
  if (!c.timestamps.accepts(seg.options, seg.has(TCP_RST), now)) return ackReply(c);
  // With our window zero nothing is acceptable, but the ACK and window of a segment at RCV.NXT
  // (the peer's window probe) still count (RFC 9293 §3.10.7.4): its data is dropped and ACKed.
  const closed = seq == c.rcvNxt && c.recvBuffer.free == 0;
  if (!acceptable(c, seq, seg.seqLen()) && !(closed && seg.has(TCP_ACK))) return seg.has(TCP_RST) ? null : ackReply(c);
  c.timestamps.update(seg.options, seq, now);
  // 2. RST: only an exact match resets (RFC 5961 §3.2); another in-window RST gets a challenge ACK.
  if (seg.has(TCP_RST)) {
    if (seq != c.rcvNxt) return challengeAck(c, now);
    enterClosed(c, s == TcpState.SynReceived ? CloseReason.Refused : CloseReason.Reset, now);
    return null;
  }
  // 5. ACK.
  if (!seg.has(TCP_ACK)) return null;
  c.lastHeard = now; // the peer is alive: keepalive and zero-window probes start over
  c.keepProbes = 0;
  c.finProbes = 0;
  c.probesUnanswered = 0;
  const ack = seg.ackNumber;
  if (s == TcpState.SynReceived) {
    if (!(seqLt(c.sndUna, ack) && seqLe(ack, c.sndMax))) return resetReply(c, seg);
    c.state = c.finQueued ? TcpState.FinWait1 : TcpState.Established;
    acked(c, ack, now, -1);
    updateWindow(c, seg);
    c.notifyConnected(now);
  } else {
    if (seqGt(ack, c.sndMax)) return ackReply(c); // acknowledges what we never sent (RFC 9293)
    if (seqLt(ack, c.sndUna - c.maxSndWnd)) return challengeAck(c, now); // too old (RFC 5961 §5)
    const advanced = seqGt(ack, c.sndUna);
    if (advanced) acked(c, ack, now, c.timestamps.sample(seg.options, now));
    const sackedBefore = c.scoreboard.sacked;
    if (c.sackOk && seg.options.sackCount > 0) c.scoreboard.update(seg.options, c.sndUna, c.sndMax);
    const newSack = c.scoreboard.sacked > sackedBefore;
    if (newSack) checkLostRetransmits(c);
    if (!advanced && ack == c.sndUna && isDuplicateAck(c, seg, newSack)) {
      if (c.congestion.onDupAck(ack, c.sndMax - c.sndUna, c.sndMax, frontLost(c))) {
        c.retransmitDue = true; // fast retransmit
        c.rexmitNext = c.sndUna;
      }
    }
    if (seqLe(c.sndUna, ack)) updateWindow(c, seg);
  }
  if (c.state == TcpState.Closed) return null; // LAST-ACK ended
  // 7. Data, and 8. FIN.
  if (seg.payloadLen > 0 || seg.has(TCP_FIN)) {
    if (closed) return ackReply(c); // no room: only its ACK was taken
    receiveData(c, seg, now);
  }
  return null;
}

// RFC 5681 §2: outstanding data, no data or SYN/FIN on the segment, the same ACK and window; or,
// with SACK (RFC 6675 §2), an ACK that SACKs data not SACKed before, whatever its window (a
// receiver that autotunes its buffer, as Linux does, changes the window on nearly every ACK).
function isDuplicateAck(c: TcpControlBlock, seg: TcpRepr, newSack: bool): bool {
  if (seg.payloadLen != 0 || seg.has(TCP_FIN) || c.sndUna == c.sndMax) return false;
  return newSack || seg.window << c.sndWscale == c.sndWnd;
}

function processListen(c: TcpControlBlock, seg: TcpRepr, src: u32, dst: u32, now: i64): TcpRepr | null {
  if (seg.has(TCP_RST)) return null;
  if (seg.has(TCP_ACK)) return resetReply(c, seg);
  if (!seg.has(TCP_SYN)) return null;
  c.remoteAddr = src;
  c.localAddr = dst;
  c.remotePort = seg.srcPort;
  synReceived(c, seg, now);
  c.state = TcpState.SynReceived;
  return null;
}

function processSynSent<C extends TcpControlBlock>(c: C, seg: TcpRepr, now: i64): TcpRepr | null {
  const ackOk = seg.has(TCP_ACK) && seqGt(seg.ackNumber, c.iss) && seqLe(seg.ackNumber, c.sndMax);
  if (seg.has(TCP_ACK) && !ackOk) return resetReply(c, seg); // (none for a RST)
  if (seg.has(TCP_RST)) {
    if (ackOk) enterClosed(c, CloseReason.Refused, now);
    return null;
  }
  if (!seg.has(TCP_SYN)) return null;
  synReceived(c, seg, now);
  if (ackOk) {
    acked(c, seg.ackNumber, now, -1); // SND.WND was set from the SYN-ACK, unscaled
    c.state = TcpState.Established;
    c.ackNow = true;
    c.notifyConnected(now);
  } else {
    c.state = TcpState.SynReceived; // simultaneous open: answer with SYN-ACK
    c.sndNxt = c.iss;
  }
  return null;
}

// TIME-WAIT: the peer's FIN again is ACKed and restarts 2*MSL; a FIN at any other sequence
// number is only ACKed (an off-path attacker must not keep the entry alive); a RST is ignored
// (RFC 1337); a SYN gets a challenge ACK (the endpoint asks `reopens` first); anything else
// unacceptable an ACK.
function processTimeWait(c: TcpControlBlock, seg: TcpRepr, now: i64): TcpRepr | null {
  if (seg.has(TCP_RST)) return null;
  if (seg.has(TCP_SYN)) return challengeAck(c, now);
  if (seg.has(TCP_FIN)) {
    if (seg.seqNumber + seg.payloadLen + 1 == c.rcvNxt) c.rtoDeadline = now + 2 * c.config.msl;
    return ackReply(c);
  }
  return acceptable(c, seg.seqNumber, seg.seqLen()) ? null : ackReply(c);
}

// Takes the peer's SYN: its sequence number, MSS, window and the options both sides offered.
function synReceived(c: TcpControlBlock, seg: TcpRepr, now: i64): void {
  const o = seg.options;
  c.irs = seg.seqNumber;
  c.rcvNxt = seg.seqNumber + 1;
  c.sndMss = min(c.mss, o.hasMaxSegSize ? max<u32>(o.maxSegSize, 64) : TCP_DEFAULT_MSS);
  if (c.config.windowScaling && o.hasWindowScale) {
    c.peerScales = true;
    c.sndWscale = o.windowScale;
    c.rcvWscale = c.wsOffer();
  }
  c.sackOk = c.config.sack && o.sackPermitted;
  c.timestamps.synReceived(o, now);
  c.congestion.sack = c.sackOk;
  c.sndWnd = seg.window; // a SYN's window is never scaled
  c.maxSndWnd = seg.window;
  c.sndWl1 = seg.seqNumber;
  c.sndWl2 = seg.ackNumber;
  c.congestion.start(c.segmentSize(), c.iss, c.config.initialWindow);
  c.lastHeard = now;
}

// RFC 9293 §3.10.7.4's table of segment length against receive window.
function acceptable(c: TcpControlBlock, seq: u32, segLen: u32): bool {
  // x is in [RCV.NXT, RCV.NXT + RCV.WND) when x - RCV.NXT < RCV.WND modulo 2^32 (the window is below 2^31).
  const wnd = c.recvWindow();
  const off = seq - c.rcvNxt;
  if (segLen == 0) return off < max<u32>(wnd, 1); // with a zero window, only SEG.SEQ = RCV.NXT
  return off < wnd || off + segLen - 1 < wnd; // its first or its last byte (none with a zero window)
}

// SND.UNA advances to `ack`: drop acknowledged data, grow cwnd, take an RTT sample, restart or stop the timer.
function acked<C extends TcpControlBlock>(c: C, ack: u32, now: i64, tsSample: i64): void {
  if (seqGt(ack, c.sndNxt)) c.sndNxt = ack; // acknowledges a segment sent before a timeout
  const bytes = ack - c.sndUna;
  const dataAcked = seqGt(ack, c.sndBase) ? min(ack - c.sndBase, c.sendBuffer.length) : 0;
  c.sendBuffer.discard(dataAcked);
  c.sndBase += dataAcked;
  c.sndUna = ack;
  c.scoreboard.advance(ack);
  c.rtt.acked(ack, now, tsSample);
  c.retries = 0;
  c.probing = false; // an ACK of new data ends a tail-loss probe episode
  if (dataAcked > 0 || c.congestion.inRecovery) {
    if (c.congestion.onAck(ack, bytes, c.sndMax - ack)) c.retransmitDue = true; // a partial ACK: the next hole
  }
  c.rtoDeadline = c.sndUna == c.sndMax ? NEVER : now + c.rtt.rto;
  armTailProbe(c, now);
  if (c.finQueued && c.finAcked()) {
    const s = c.state;
    if (s == TcpState.FinWait1) c.state = TcpState.FinWait2;
    else if (s == TcpState.Closing) c.enterTimeWait(now);
    else if (s == TcpState.LastAck) return enterClosed(c, CloseReason.Normal, now);
  }
  if (dataAcked > 0 && !c.finQueued) c.notifyWritable(now);
}

function updateWindow(c: TcpControlBlock, seg: TcpRepr): void {
  const seq = seg.seqNumber;
  if (seqLt(c.sndWl1, seq) || (c.sndWl1 == seq && seqLe(c.sndWl2, seg.ackNumber))) {
    c.sndWnd = seg.window << c.sndWscale;
    if (c.sndWnd > c.maxSndWnd) c.maxSndWnd = c.sndWnd;
    c.sndWl1 = seq;
    c.sndWl2 = seg.ackNumber;
  }
}

// A challenge ACK, at most `challengeAckLimit` a second (RFC 5961 §7); null when over the limit.
function challengeAck(c: TcpControlBlock, now: i64): TcpRepr | null {
  if (c.challengeCount == 0 || now - c.challengeStart >= SECOND || now < c.challengeStart) {
    c.challengeStart = now;
    c.challengeCount = 0;
  }
  if (c.challengeCount >= c.config.challengeAckLimit) {
    c.challengeAcksLimited++;
    return null;
  }
  c.challengeCount++;
  c.challengeAcks++;
  return ackReply(c);
}

// The RST that answers `seg` (none for a RST).
function resetReply(c: TcpControlBlock, seg: TcpRepr): TcpRepr | null {
  return resetFor(seg, c.out) ? c.out : null;
}

function ackReply(c: TcpControlBlock): TcpRepr {
  const r = c.out;
  header(c, r, c.sndMax, TCP_ACK); // SND.MAX: see the ACK in `dispatch`
  return r;
}
