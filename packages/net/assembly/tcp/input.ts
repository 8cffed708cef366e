// A TCP connection's input side (RFC 9293 §3.10.7): what each arriving segment does to the state,
// the send and receive sequence spaces, congestion control, reassembly and the ACKs owed.

import { TcpRepr, TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN } from "../wire/tcp";
import { seqGt, seqLe, seqLt } from "../wire/seq";
import { resetFor, TcpConnection } from "./connection";
import { NEVER, TcpOutput, TCP_DEFAULT_MSS } from "./output";
import { CloseReason, TcpState } from "./state";

const SECOND: i64 = 1_000_000_000;

/** `process` and what it needs; see `TcpConnection`. */
export abstract class TcpInput extends TcpOutput {
  private challengeStart: i64 = 0; // the second in which `challengeCount` ACKs went out
  private challengeCount: u32 = 0;
  private rcvMss: u32 = TCP_DEFAULT_MSS; // the largest segment the peer sent us: "full-sized" for delayed ACKs

  /**
   * Handles a segment for this connection from `src` to `dst`. Returns a reply to send now (a RST,
   * or an ACK for an unacceptable segment or a challenge ACK), or null; ACKs of data and anything
   * else due are left for `dispatch`, which the caller runs next. The reply is the segment
   * `dispatch` builds its own in: send it before.
   */
  process(seg: TcpRepr, src: u32, dst: u32, now: i64): TcpRepr | null {
    this.clockNow = now;
    const s = this.state;
    if (s == TcpState.Closed) return this.resetReply(seg);
    if (s == TcpState.Listen) return this.processListen(seg, src, dst, now);
    if (s == TcpState.SynSent) return this.processSynSent(seg, now);
    if (s == TcpState.TimeWait) return this.processTimeWait(seg, now);
    const seq = seg.seqNumber;
    // A repeated SYN in SYN-RECEIVED: our SYN-ACK was lost; send it again.
    if (s == TcpState.SynReceived && seg.has(TCP_SYN) && !seg.has(TCP_ACK) && seq == this.irs) {
      this.sndNxt = this.iss;
      return null;
    }
    // 4 (first). A SYN in a synchronized state, whatever its sequence number: challenge ACK (RFC 5961 §4.2).
    if (seg.has(TCP_SYN)) return this.challengeAck(now);
    // PAWS (RFC 7323 §5.3), then 1. sequence acceptability (RFC 9293 §3.10.7.4).
    if (!this.timestamps.accepts(seg.options, seg.has(TCP_RST), now)) return this.ackReply();
    // With our window zero nothing is acceptable, but the ACK and window of a segment at RCV.NXT
    // (the peer's window probe) still count (RFC 9293 §3.10.7.4): its data is dropped and ACKed.
    const closed = seq == this.rcvNxt && this.recvBuffer.free == 0;
    if (!this.acceptable(seq, seg.seqLen()) && !(closed && seg.has(TCP_ACK)))
      return seg.has(TCP_RST) ? null : this.ackReply();
    this.timestamps.update(seg.options, seq, now);
    // 2. RST: only an exact match resets (RFC 5961 §3.2); another in-window RST gets a challenge ACK.
    if (seg.has(TCP_RST)) {
      if (seq != this.rcvNxt) return this.challengeAck(now);
      this.enterClosed(s == TcpState.SynReceived ? CloseReason.Refused : CloseReason.Reset, now);
      return null;
    }
    // 5. ACK.
    if (!seg.has(TCP_ACK)) return null;
    this.lastHeard = now; // the peer is alive: keepalive and zero-window probes start over
    this.keepProbes = 0;
    this.finProbes = 0;
    this.probesUnanswered = 0;
    const ack = seg.ackNumber;
    if (s == TcpState.SynReceived) {
      if (!(seqLt(this.sndUna, ack) && seqLe(ack, this.sndMax))) return this.resetReply(seg);
      this.state = this.finQueued ? TcpState.FinWait1 : TcpState.Established;
      this.acked(ack, now, -1);
      this.updateWindow(seg);
      const h = this.handler;
      if (h) h.connected(changetype<TcpConnection>(this), now);
    } else {
      if (seqGt(ack, this.sndMax)) return this.ackReply(); // acknowledges what we never sent (RFC 9293)
      if (seqLt(ack, this.sndUna - this.maxSndWnd)) return this.challengeAck(now); // too old (RFC 5961 §5)
      const advanced = seqGt(ack, this.sndUna);
      if (advanced) this.acked(ack, now, this.timestamps.sample(seg.options, now));
      const sackedBefore = this.scoreboard.sacked;
      if (this.sackOk && seg.options.sackCount > 0) this.scoreboard.update(seg.options, this.sndUna, this.sndMax);
      const newSack = this.scoreboard.sacked > sackedBefore;
      if (newSack) this.checkLostRetransmits();
      if (!advanced && ack == this.sndUna && this.isDuplicateAck(seg, newSack)) {
        if (this.congestion.onDupAck(ack, this.sndMax - this.sndUna, this.sndMax, this.frontLost())) {
          this.retransmitDue = true; // fast retransmit
          this.rexmitNext = this.sndUna;
        }
      }
      if (seqLe(this.sndUna, ack)) this.updateWindow(seg);
    }
    if (this.state == TcpState.Closed) return null; // LAST-ACK ended
    // 7. Data, and 8. FIN.
    if (seg.payloadLen > 0 || seg.has(TCP_FIN)) {
      if (closed) return this.ackReply(); // no room: only its ACK was taken
      this.receiveData(seg, now);
    }
    return null;
  }

  // RFC 5681 §2: outstanding data, no data or SYN/FIN on the segment, the same ACK and window; or,
  // with SACK (RFC 6675 §2), an ACK that SACKs data not SACKed before, whatever its window (a
  // receiver that autotunes its buffer, as Linux does, changes the window on nearly every ACK).
  private isDuplicateAck(seg: TcpRepr, newSack: bool): bool {
    if (seg.payloadLen != 0 || seg.has(TCP_FIN) || this.sndUna == this.sndMax) return false;
    return newSack || seg.window << this.sndWscale == this.sndWnd;
  }

  private receiveData(seg: TcpRepr, now: i64): void {
    const seq = seg.seqNumber;
    let payload = seg.payloadPtr;
    let len = seg.payloadLen;
    const fin = seg.has(TCP_FIN);
    if (len > this.rcvMss) this.rcvMss = min(len, this.mss);
    if (seqGt(seq, this.rcvNxt)) return this.receiveOutOfOrder(seq, payload, len, fin);
    const skip = this.rcvNxt - seq; // bytes already received
    if (skip > len) {
      payload += len; // only the FIN is new
      len = 0;
    } else {
      payload += skip;
      len -= skip;
    }
    const holes = !this.reassembly.empty;
    let taken: u32 = 0;
    let gained: u32 = 0;
    if (len > 0 && this.receivesData()) {
      taken = this.recvBuffer.writeAt(0, payload, len);
      let end = this.rcvNxt + taken;
      if (holes) end = this.reassembly.advance(end); // data held past the hole joins
      gained = this.recvBuffer.commit(end - this.rcvNxt);
      this.rcvNxt = end;
    }
    // Delayed ACK (RFC 5681 §4.2): every second full-sized segment, or at the deadline; at once for
    // the connection's first segments, for a segment that fills a hole, and for a FIN.
    this.rcvUnacked += taken;
    if (holes || fin || taken < len || this.quickAcksLeft > 0 || this.rcvUnacked >= 2 * this.rcvMss) {
      this.ackNow = true;
      if (this.quickAcksLeft > 0) this.quickAcksLeft--;
    } else if (this.ackDeadline == NEVER) this.ackDeadline = now + this.config.ackDelay;
    if ((fin && taken == len) || (this.finHeld && this.rcvNxt == this.finSeqHeld)) {
      if (!this.finReceived) this.receiveFin(now);
    }
    const h = this.handler;
    if (h && (gained > 0 || this.finReceived)) h.readable(changetype<TcpConnection>(this), now);
  }

  // A segment past RCV.NXT: its data goes into the receive ring at its offset and its range is
  // remembered, if a range is free; a duplicate ACK (with SACK blocks) goes out at once.
  private receiveOutOfOrder(seq: u32, payload: usize, len: u32, fin: bool): void {
    this.outOfOrder++;
    this.ackNow = true;
    if (!this.receivesData()) return;
    const n = len > 0 ? this.recvBuffer.writeAt(seq - this.rcvNxt, payload, len) : 0;
    if (n > 0 && !this.reassembly.add(seq, seq + n)) return;
    if (fin && n == len) {
      this.finHeld = true;
      this.finSeqHeld = seq + len;
    }
  }

  private processListen(seg: TcpRepr, src: u32, dst: u32, now: i64): TcpRepr | null {
    if (seg.has(TCP_RST)) return null;
    if (seg.has(TCP_ACK)) return this.resetReply(seg);
    if (!seg.has(TCP_SYN)) return null;
    this.remoteAddr = src;
    this.localAddr = dst;
    this.remotePort = seg.srcPort;
    this.synReceived(seg, now);
    this.state = TcpState.SynReceived;
    return null;
  }

  private processSynSent(seg: TcpRepr, now: i64): TcpRepr | null {
    const ackOk = seg.has(TCP_ACK) && seqGt(seg.ackNumber, this.iss) && seqLe(seg.ackNumber, this.sndMax);
    if (seg.has(TCP_ACK) && !ackOk) return this.resetReply(seg); // (none for a RST)
    if (seg.has(TCP_RST)) {
      if (ackOk) this.enterClosed(CloseReason.Refused, now);
      return null;
    }
    if (!seg.has(TCP_SYN)) return null;
    this.synReceived(seg, now);
    if (ackOk) {
      this.acked(seg.ackNumber, now, -1); // SND.WND was set from the SYN-ACK, unscaled
      this.state = TcpState.Established;
      this.ackNow = true;
      const h = this.handler;
      if (h) h.connected(changetype<TcpConnection>(this), now);
    } else {
      this.state = TcpState.SynReceived; // simultaneous open: answer with SYN-ACK
      this.sndNxt = this.iss;
    }
    return null;
  }

  // TIME-WAIT: the peer's FIN again is ACKed and restarts 2*MSL; a FIN at any other sequence
  // number is only ACKed (an off-path attacker must not keep the entry alive); a RST is ignored
  // (RFC 1337); a SYN gets a challenge ACK (the endpoint asks `reopens` first); anything else
  // unacceptable an ACK.
  private processTimeWait(seg: TcpRepr, now: i64): TcpRepr | null {
    if (seg.has(TCP_RST)) return null;
    if (seg.has(TCP_SYN)) return this.challengeAck(now);
    if (seg.has(TCP_FIN)) {
      if (seg.seqNumber + seg.payloadLen + 1 == this.rcvNxt) this.rtoDeadline = now + 2 * this.config.msl;
      return this.ackReply();
    }
    return this.acceptable(seg.seqNumber, seg.seqLen()) ? null : this.ackReply();
  }

  // Takes the peer's SYN: its sequence number, MSS, window and the options both sides offered.
  protected synReceived(seg: TcpRepr, now: i64): void {
    const o = seg.options;
    this.irs = seg.seqNumber;
    this.rcvNxt = seg.seqNumber + 1;
    this.sndMss = min(this.mss, o.hasMaxSegSize ? max<u32>(o.maxSegSize, 64) : TCP_DEFAULT_MSS);
    if (this.config.windowScaling && o.hasWindowScale) {
      this.peerScales = true;
      this.sndWscale = o.windowScale;
      this.rcvWscale = this.wsOffer();
    }
    this.sackOk = this.config.sack && o.sackPermitted;
    this.timestamps.synReceived(o, now);
    this.congestion.sack = this.sackOk;
    this.sndWnd = seg.window; // a SYN's window is never scaled
    this.maxSndWnd = seg.window;
    this.sndWl1 = seg.seqNumber;
    this.sndWl2 = seg.ackNumber;
    this.congestion.start(this.segmentSize(), this.iss, this.config.initialWindow);
    this.lastHeard = now;
  }

  // RFC 9293 §3.10.7.4's table of segment length against receive window.
  private acceptable(seq: u32, segLen: u32): bool {
    // x is in [RCV.NXT, RCV.NXT + RCV.WND) when x - RCV.NXT < RCV.WND modulo 2^32 (the window is below 2^31).
    const wnd = this.recvWindow();
    const off = seq - this.rcvNxt;
    if (segLen == 0) return off < max<u32>(wnd, 1); // with a zero window, only SEG.SEQ = RCV.NXT
    return off < wnd || off + segLen - 1 < wnd; // its first or its last byte (none with a zero window)
  }

  protected receivesData(): bool {
    const s = this.state;
    return s == TcpState.Established || s == TcpState.FinWait1 || s == TcpState.FinWait2;
  }

  private receiveFin(now: i64): void {
    this.finReceived = true;
    this.rcvNxt += 1;
    this.finHeld = false;
    this.ackNow = true;
    const s = this.state;
    if (s == TcpState.SynReceived || s == TcpState.Established) this.state = TcpState.CloseWait;
    else if (s == TcpState.FinWait1) {
      if (this.finAcked()) this.enterTimeWait(now);
      else this.state = TcpState.Closing;
    } else if (s == TcpState.FinWait2) this.enterTimeWait(now);
  }

  // SND.UNA advances to `ack`: drop acknowledged data, grow cwnd, take an RTT sample, restart or stop the timer.
  private acked(ack: u32, now: i64, tsSample: i64): void {
    if (seqGt(ack, this.sndNxt)) this.sndNxt = ack; // acknowledges a segment sent before a timeout
    const bytes = ack - this.sndUna;
    const dataAcked = seqGt(ack, this.sndBase) ? min(ack - this.sndBase, this.sendBuffer.length) : 0;
    this.sendBuffer.discard(dataAcked);
    this.sndBase += dataAcked;
    this.sndUna = ack;
    this.scoreboard.advance(ack);
    this.rtt.acked(ack, now, tsSample);
    this.retries = 0;
    this.probing = false; // an ACK of new data ends a tail-loss probe episode
    if (dataAcked > 0 || this.congestion.inRecovery) {
      if (this.congestion.onAck(ack, bytes, this.sndMax - ack)) this.retransmitDue = true; // a partial ACK: the next hole
    }
    this.rtoDeadline = this.sndUna == this.sndMax ? NEVER : now + this.rtt.rto;
    this.armTailProbe(now);
    if (this.finQueued && this.finAcked()) {
      const s = this.state;
      if (s == TcpState.FinWait1) this.state = TcpState.FinWait2;
      else if (s == TcpState.Closing) this.enterTimeWait(now);
      else if (s == TcpState.LastAck) return this.enterClosed(CloseReason.Normal, now);
    }
    const h = this.handler;
    if (h && dataAcked > 0 && !this.finQueued) h.writable(changetype<TcpConnection>(this), now);
  }

  private updateWindow(seg: TcpRepr): void {
    const seq = seg.seqNumber;
    if (seqLt(this.sndWl1, seq) || (this.sndWl1 == seq && seqLe(this.sndWl2, seg.ackNumber))) {
      this.sndWnd = seg.window << this.sndWscale;
      if (this.sndWnd > this.maxSndWnd) this.maxSndWnd = this.sndWnd;
      this.sndWl1 = seq;
      this.sndWl2 = seg.ackNumber;
    }
  }

  // A challenge ACK, at most `challengeAckLimit` a second (RFC 5961 §7); null when over the limit.
  private challengeAck(now: i64): TcpRepr | null {
    if (this.challengeCount == 0 || now - this.challengeStart >= SECOND || now < this.challengeStart) {
      this.challengeStart = now;
      this.challengeCount = 0;
    }
    if (this.challengeCount >= this.config.challengeAckLimit) {
      this.challengeAcksLimited++;
      return null;
    }
    this.challengeCount++;
    this.challengeAcks++;
    return this.ackReply();
  }

  // The RST that answers `seg` (none for a RST).
  private resetReply(seg: TcpRepr): TcpRepr | null {
    return resetFor(seg, this.out) ? this.out : null;
  }

  private ackReply(): TcpRepr {
    const r = this.out;
    this.header(r, this.sndMax, TCP_ACK); // SND.MAX: see the ACK in `dispatch`
    return r;
  }
}
