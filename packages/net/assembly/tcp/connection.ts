// One TCP connection (RFC 9293): the state machine, retransmission (RFC 6298) and RST/SYN hardening (RFC 5961).
//
// Like smoltcp's socket it does no I/O and reads no clock: `process` takes a received segment (and
// may return an immediate reply), `dispatch` sends what is due through a `TcpEmitter`, `pollAt`
// says when `dispatch` next has a timer to serve. Nothing allocates per segment.
//
// RTO: RFC 6298 with rtoMin 1 s (TcpConfig; Linux uses 200 ms) and max 60 s, doubled per timeout,
// Karn's rule; an ACK of new data ends the backoff (RTO back to the SRTT/RTTVAR estimate, as Linux).
//
// Not yet implemented (segments are handled conservatively instead):
// - out-of-order reassembly: a segment that does not start at RCV.NXT is dropped, counted in
//   `outOfOrder` and answered with a duplicate ACK; retransmission is go-back-N from SND.UNA;
// - congestion control beyond a minimal slow start (cwnd starts at 4 MSS, grows by one MSS per
//   ACK, drops to 1 MSS on a timeout; no ssthresh, congestion avoidance or recovery), fast
//   retransmit, window scaling, SACK, timestamps, delayed ACK, Nagle, keepalive, zero-window
//   probes (a peer's zero window stalls until it sends a window update), challenge-ACK rate
//   limiting (RFC 5961 §7), data carried on a SYN (ignored; the peer resends it), urgent data.

import { TcpRepr, TCP_ACK, TCP_FIN, TCP_PSH, TCP_RST, TCP_SYN } from "../wire/tcp";
import { seqGe, seqGt, seqLe, seqLt } from "../wire/seq";
import { ByteRing } from "./buffer";
import { CloseReason, TcpConfig, TcpState } from "./state";

/** The MSS assumed when a SYN carries none (RFC 9293 §3.7.1). */
export const TCP_DEFAULT_MSS: u32 = 536;
const NEVER: i64 = i64.MAX_VALUE;
const MAX_WINDOW: u32 = 0xffff;
const ICMP_TYPE_UNREACHABLE: u32 = 3;
const ICMP_CODE_PROTOCOL: u32 = 2;
const ICMP_CODE_PORT: u32 = 3;
const ICMP_CODE_FRAG_NEEDED: u32 = 4;
const ICMP_MIN_PMTU: u32 = 552; // as Linux's min_pmtu: a forged "fragmentation needed" cannot shrink segments further

/** Sends the segments a connection builds (the interface in an image, a recorder in tests). */
export abstract class TcpEmitter {
  /** Sends `segment` from `conn`'s local end to its remote end; false if it could not. */
  abstract emit(conn: TcpConnection, segment: TcpRepr, now: i64): bool;
  /** `conn` has something to send outside `process` (the app wrote or closed): `dispatch` it soon. */
  wake(conn: TcpConnection): void {}
}

/** What a connection tells its application; override what you need. */
export abstract class TcpHandler {
  /** The handshake completed: the connection is ESTABLISHED. */
  connected(conn: TcpConnection, now: i64): void {}
  /** Data (or the peer's FIN: `conn.finReceived`) is ready for `read`. */
  readable(conn: TcpConnection, now: i64): void {}
  /** Sent data was acknowledged: `write` has room again. */
  writable(conn: TcpConnection, now: i64): void {}
  /** The connection reached CLOSED (TIME-WAIT counts as closed only when it expires). */
  closed(conn: TcpConnection, reason: CloseReason, now: i64): void {}
}

/** Fills `reply` with the RST that answers `seg` when no connection takes it (RFC 9293 §3.10.7.1); false for a RST. */
export function resetFor(seg: TcpRepr, reply: TcpRepr): bool {
  if (seg.has(TCP_RST)) return false;
  reply.srcPort = seg.dstPort;
  reply.dstPort = seg.srcPort;
  reply.window = 0;
  reply.urgentPointer = 0;
  reply.options.clear();
  reply.payloadLen = 0;
  if (seg.has(TCP_ACK)) {
    reply.seqNumber = seg.ackNumber;
    reply.ackNumber = 0;
    reply.flags = TCP_RST;
  } else {
    reply.seqNumber = 0;
    reply.ackNumber = seg.seqNumber + seg.seqLen();
    reply.flags = TCP_RST | TCP_ACK;
  }
  return true;
}

/** One TCP connection between `localAddr:localPort` and `remoteAddr:remotePort`. */
export class TcpConnection {
  /** The RFC 9293 state. */
  state: TcpState = TcpState.Closed;
  /** Local address and port. */
  localAddr: u32 = 0;
  /** Local port. */
  localPort: u32 = 0;
  /** Remote address (0 while listening). */
  remoteAddr: u32 = 0;
  /** Remote port (0 while listening). */
  remotePort: u32 = 0;
  /** Who hears about connection events. */
  handler: TcpHandler | null = null;
  /** Set by the endpoint while the connection waits in its queue of woken connections. */
  woken: bool = false;

  /** Segments dropped because they did not start at RCV.NXT (no reassembly yet). */
  outOfOrder: u64 = 0;
  /** Retransmission timeouts that fired. */
  timeouts: u64 = 0;
  /** Challenge ACKs sent (RFC 5961). */
  challengeAcks: u64 = 0;
  /** The last soft ICMP error (destination unreachable code + 1; 0: none). */
  softError: u32 = 0;
  /** The peer's FIN has been received: after the buffered data, `read` returns 0 for good. */
  finReceived: bool = false;

  // Send sequence space (RFC 9293 §3.3.1).
  iss: u32 = 0;
  sndUna: u32 = 0;
  sndNxt: u32 = 0;
  private sndMax: u32 = 0; // highest sequence number sent + 1 (SND.NXT goes back on a timeout)
  sndWnd: u32 = 0;
  private sndWl1: u32 = 0;
  private sndWl2: u32 = 0;
  private sndBase: u32 = 0; // sequence number of the first byte in the send buffer
  /** The peer's MSS, capped by ours. */
  sndMss: u32 = TCP_DEFAULT_MSS;
  private cwnd: u32 = 4 * TCP_DEFAULT_MSS; // congestion window: slow start only (no ssthresh yet)
  private finQueued: bool = false; // close() called: FIN after the buffered data
  // Receive sequence space.
  irs: u32 = 0;
  rcvNxt: u32 = 0;
  private ackDue: bool = false;
  private rstDue: bool = false;
  private advertised: u32 = 0; // the window in the last segment we sent

  // Retransmission (RFC 6298), times in ns.
  /** The current retransmission timeout. */
  rto: i64;
  private srtt: i64 = 0;
  private rttvar: i64 = 0;
  private hasRtt: bool = false;
  private rttTiming: bool = false; // Karn: only segments sent once are timed
  private rttSeq: u32 = 0;
  private rttSent: i64 = 0;
  private rtoDeadline: i64 = NEVER;
  private retries: u32 = 0;
  private timeWaitDeadline: i64 = NEVER;

  /** Data the application wrote, from SND.UNA (after the SYN) on. */
  readonly sendBuffer: ByteRing;
  /** Data received in order, not yet read. */
  readonly recvBuffer: ByteRing;
  private readonly out: TcpRepr = new TcpRepr();
  private readonly reply: TcpRepr = new TcpRepr();
  private readonly scratch: StaticArray<u8>;

  constructor(
    /** The tunables (shared by an endpoint's connections). */
    readonly config: TcpConfig,
    private readonly emitter: TcpEmitter,
    /** Our MSS: the largest payload we send and advertise (MTU - 40). */
    readonly mss: u32 = 1460,
  ) {
    this.sendBuffer = new ByteRing(config.sendBuffer);
    this.recvBuffer = new ByteRing(min<u32>(config.recvBuffer, MAX_WINDOW));
    this.scratch = new StaticArray<u8>(<i32>mss);
    this.rto = config.rtoInitial;
  }

  // ---- opening ----------------------------------------------------------

  /** Active open: SYN-SENT; `dispatch` sends the SYN. `iss` is the initial sequence number. */
  connect(localAddr: u32, localPort: u32, remoteAddr: u32, remotePort: u32, iss: u32, now: i64): void {
    this.localAddr = localAddr;
    this.localPort = localPort;
    this.remoteAddr = remoteAddr;
    this.remotePort = remotePort;
    this.startSequence(iss);
    this.state = TcpState.SynSent;
  }

  /** Passive open: LISTEN on `localAddr:localPort`; the first SYN `process`ed binds the remote end. */
  listen(localAddr: u32, localPort: u32, iss: u32): void {
    this.localAddr = localAddr;
    this.localPort = localPort;
    this.startSequence(iss);
    this.state = TcpState.Listen;
  }

  private startSequence(iss: u32): void {
    this.iss = iss;
    this.sndUna = iss;
    this.sndNxt = iss;
    this.sndMax = iss;
    this.sndBase = iss + 1;
  }

  // ---- the application's side -----------------------------------------

  /** Queues up to `len` bytes at `ptr` to send; returns how many were taken (0: the buffer is full, or sending is over). */
  write(ptr: usize, len: u32): u32 {
    const s = this.state;
    if (this.finQueued) return 0;
    if (s != TcpState.SynSent && s != TcpState.SynReceived && s != TcpState.Established && s != TcpState.CloseWait)
      return 0;
    const n = this.sendBuffer.write(ptr, len);
    if (n > 0) this.emitter.wake(this);
    return n;
  }

  /** Moves up to `cap` received bytes to `ptr`; returns how many (0: nothing yet, or `finReceived` and all read). */
  read(ptr: usize, cap: u32): u32 {
    const n = this.recvBuffer.read(ptr, cap);
    // Tell a peer we had throttled that the window has opened (no zero-window probes yet).
    if (n > 0 && this.advertised < this.mss && this.recvWindow() >= this.mss) {
      this.ackDue = true;
      this.emitter.wake(this);
    }
    return n;
  }

  /** Bytes `read` can return now. */
  readable(): u32 {
    return this.recvBuffer.length;
  }

  /** Bytes `write` can take now. */
  writable(): u32 {
    return this.finQueued ? 0 : this.sendBuffer.free;
  }

  /** Closes our direction: a FIN follows the queued data. LISTEN and SYN-SENT close at once. */
  close(now: i64): void {
    const s = this.state;
    if (s == TcpState.Listen || s == TcpState.SynSent) return this.enterClosed(CloseReason.Normal, now);
    if (this.finQueued) return;
    if (s == TcpState.SynReceived)
      this.finQueued = true; // FIN-WAIT-1 once the handshake completes
    else if (s == TcpState.Established) {
      this.finQueued = true;
      this.state = TcpState.FinWait1;
    } else if (s == TcpState.CloseWait) {
      this.finQueued = true;
      this.state = TcpState.LastAck;
    }
    this.emitter.wake(this);
  }

  /** Drops the connection: a RST goes to the peer (if synchronized) on the next `dispatch`; CLOSED now. */
  abort(now: i64): void {
    const s = this.state;
    if (s == TcpState.Closed) return;
    this.rstDue = s != TcpState.Listen && s != TcpState.SynSent && s != TcpState.TimeWait;
    this.enterClosed(CloseReason.Aborted, now);
    if (this.rstDue) this.emitter.wake(this);
  }

  /**
   * An ICMP error about a segment this connection sent (RFC 1122 §4.2.3.9, RFC 5927): `type` and
   * `code` of the ICMP message, `mtu` its next-hop MTU (type 3 code 4), `seq` the sequence number
   * quoted from our segment (-1 if unknown). Port or protocol unreachable in SYN-SENT closes the
   * connection (Refused, Unreachable); fragmentation needed lowers `sndMss`; the rest are soft
   * errors, remembered in `softError` and reported if the connection times out.
   */
  icmpError(code: u32, type: u32, mtu: u32, now: i64, seq: i64 = -1): void {
    const s = this.state;
    if (s == TcpState.Closed || s == TcpState.Listen) return;
    if (seq >= 0 && (seqLt(<u32>seq, this.sndUna) || seqGt(<u32>seq, this.sndMax))) return; // not in flight: forged or stale
    if (type != ICMP_TYPE_UNREACHABLE) return;
    if (code == ICMP_CODE_FRAG_NEEDED) {
      const m = max<u32>(mtu, ICMP_MIN_PMTU) - 40;
      if (mtu != 0 && m < this.sndMss) {
        this.sndMss = m;
        this.sndNxt = this.sndUna; // what was in flight was too big: send it again, smaller
      }
      return;
    }
    if (s == TcpState.SynSent && (code == ICMP_CODE_PORT || code == ICMP_CODE_PROTOCOL)) {
      this.enterClosed(code == ICMP_CODE_PORT ? CloseReason.Refused : CloseReason.Unreachable, now);
      return;
    }
    this.softError = code + 1;
  }

  // ---- receiving --------------------------------------------------------

  /**
   * Handles a segment for this connection from `src` to `dst`. Returns a reply to send now (a RST,
   * or an ACK for an unacceptable segment or a challenge ACK), or null; ACKs of data and anything
   * else due are left for `dispatch`, which the caller runs next.
   */
  process(seg: TcpRepr, src: u32, dst: u32, now: i64): TcpRepr | null {
    const s = this.state;
    if (s == TcpState.Closed) return resetFor(seg, this.reply) ? this.reply : null;
    if (s == TcpState.Listen) return this.processListen(seg, src, dst, now);
    if (s == TcpState.SynSent) return this.processSynSent(seg, now);
    const segLen = seg.seqLen();
    const seq = seg.seqNumber;
    // A repeated SYN in SYN-RECEIVED: our SYN-ACK was lost; send it again.
    if (s == TcpState.SynReceived && seg.has(TCP_SYN) && !seg.has(TCP_ACK) && seq == this.irs) {
      this.sndNxt = this.iss;
      return null;
    }
    // 4 (first). A SYN in a synchronized state, whatever its sequence number: challenge ACK (RFC 5961 §4.2).
    if (seg.has(TCP_SYN)) return this.challengeAck();
    // 1. Sequence acceptability (RFC 9293 §3.10.7.4).
    if (!this.acceptable(seq, segLen)) return seg.has(TCP_RST) ? null : this.ackReply();
    // 2. RST: only an exact match resets (RFC 5961 §3.2); another in-window RST gets a challenge ACK.
    if (seg.has(TCP_RST)) {
      if (seq != this.rcvNxt) return this.challengeAck();
      this.enterClosed(s == TcpState.SynReceived ? CloseReason.Refused : CloseReason.Reset, now);
      return null;
    }
    // 5. ACK.
    if (!seg.has(TCP_ACK)) return null;
    const ack = seg.ackNumber;
    if (s == TcpState.SynReceived) {
      if (!(seqLt(this.sndUna, ack) && seqLe(ack, this.sndMax))) return resetFor(seg, this.reply) ? this.reply : null;
      this.state = this.finQueued ? TcpState.FinWait1 : TcpState.Established;
      this.acked(ack, now);
      this.updateWindow(seg);
      const h = this.handler;
      if (h) h.connected(this, now);
    } else {
      if (seqGt(ack, this.sndMax)) return this.ackReply(); // acknowledges what we never sent (RFC 9293)
      if (seqGt(ack, this.sndUna)) this.acked(ack, now);
      if (seqLe(this.sndUna, ack)) this.updateWindow(seg);
    }
    if (this.state == TcpState.Closed) return null; // LAST-ACK ended
    // 7. Data, in order only (no reassembly yet).
    let payload = seg.payloadPtr;
    let len = seg.payloadLen;
    let fin = seg.has(TCP_FIN);
    if (len > 0 || fin) {
      if (seqGt(seq, this.rcvNxt)) {
        this.outOfOrder++;
        this.ackDue = true; // a duplicate ACK
        return null;
      }
      const skip = this.rcvNxt - seq; // bytes already received
      if (skip > len) {
        payload += len; // only the FIN is new
        len = 0;
      } else {
        payload += skip;
        len -= skip;
      }
      let taken: u32 = 0;
      if (len > 0 && this.receivesData()) {
        taken = this.recvBuffer.write(payload, len);
        this.rcvNxt += taken;
      }
      this.ackDue = true;
      // 8. FIN, once everything before it is in.
      if (fin && taken == len && !this.finReceived) this.receiveFin(now);
      else if (fin && this.state == TcpState.TimeWait) this.timeWaitDeadline = now + 2 * this.config.msl;
      const h = this.handler;
      if (h && (taken > 0 || this.finReceived)) h.readable(this, now);
    }
    return null;
  }

  private processListen(seg: TcpRepr, src: u32, dst: u32, now: i64): TcpRepr | null {
    if (seg.has(TCP_RST)) return null;
    if (seg.has(TCP_ACK)) return resetFor(seg, this.reply) ? this.reply : null;
    if (!seg.has(TCP_SYN)) return null;
    this.remoteAddr = src;
    this.localAddr = dst;
    this.remotePort = seg.srcPort;
    this.synReceived(seg);
    this.state = TcpState.SynReceived;
    return null;
  }

  private processSynSent(seg: TcpRepr, now: i64): TcpRepr | null {
    const ackOk = seg.has(TCP_ACK) && seqGt(seg.ackNumber, this.iss) && seqLe(seg.ackNumber, this.sndMax);
    if (seg.has(TCP_ACK) && !ackOk) return seg.has(TCP_RST) ? null : resetFor(seg, this.reply) ? this.reply : null;
    if (seg.has(TCP_RST)) {
      if (ackOk) this.enterClosed(CloseReason.Refused, now);
      return null;
    }
    if (!seg.has(TCP_SYN)) return null;
    this.synReceived(seg);
    if (ackOk) {
      this.acked(seg.ackNumber, now);
      this.updateWindow(seg);
      this.state = TcpState.Established;
      this.ackDue = true;
      const h = this.handler;
      if (h) h.connected(this, now);
    } else {
      this.state = TcpState.SynReceived; // simultaneous open: answer with SYN-ACK
      this.sndNxt = this.iss;
    }
    return null;
  }

  // Takes the peer's SYN: its sequence number, MSS and window.
  private synReceived(seg: TcpRepr): void {
    this.irs = seg.seqNumber;
    this.rcvNxt = seg.seqNumber + 1;
    this.cwnd = 4 * min(this.mss, seg.options.hasMaxSegSize ? seg.options.maxSegSize : TCP_DEFAULT_MSS);
    this.sndMss = min(this.mss, seg.options.hasMaxSegSize ? max<u32>(seg.options.maxSegSize, 64) : TCP_DEFAULT_MSS);
    this.sndWnd = seg.window;
    this.sndWl1 = seg.seqNumber;
    this.sndWl2 = seg.ackNumber;
  }

  // RFC 9293 §3.10.7.4's table of segment length against receive window.
  private acceptable(seq: u32, segLen: u32): bool {
    const wnd = this.recvWindow();
    const nxt = this.rcvNxt;
    if (segLen == 0) return wnd == 0 ? seq == nxt : seqLe(nxt, seq) && seqLt(seq, nxt + wnd);
    if (wnd == 0) return false;
    const last = seq + segLen - 1;
    return (seqLe(nxt, seq) && seqLt(seq, nxt + wnd)) || (seqLe(nxt, last) && seqLt(last, nxt + wnd));
  }

  private receivesData(): bool {
    const s = this.state;
    return s == TcpState.Established || s == TcpState.FinWait1 || s == TcpState.FinWait2;
  }

  private receiveFin(now: i64): void {
    this.finReceived = true;
    this.rcvNxt += 1;
    const s = this.state;
    if (s == TcpState.SynReceived || s == TcpState.Established) this.state = TcpState.CloseWait;
    else if (s == TcpState.FinWait1) {
      if (this.finAcked()) this.enterTimeWait(now);
      else this.state = TcpState.Closing;
    } else if (s == TcpState.FinWait2) this.enterTimeWait(now);
  }

  // SND.UNA advances to `ack`: drop acknowledged data, take an RTT sample, restart or stop the timer.
  private acked(ack: u32, now: i64): void {
    if (seqGt(ack, this.sndNxt)) this.sndNxt = ack; // acknowledges a segment sent before a timeout
    const dataAcked = seqGt(ack, this.sndBase) ? min(ack - this.sndBase, this.sendBuffer.length) : 0;
    this.sendBuffer.discard(dataAcked);
    this.cwnd = min(this.cwnd + min(ack - this.sndUna, this.sndMss), MAX_WINDOW); // slow start
    this.sndBase += dataAcked;
    this.sndUna = ack;
    if (this.rttTiming && seqGe(ack, this.rttSeq)) {
      this.rttTiming = false;
      this.sample(now - this.rttSent);
    }
    this.retries = 0;
    // Progress ends the backoff (as Linux does): the RTO returns to the estimate, not the doubled value.
    this.rto = this.hasRtt
      ? min(max(this.srtt + 4 * this.rttvar, this.config.rtoMin), this.config.rtoMax)
      : this.config.rtoInitial;
    this.rtoDeadline = this.sndUna == this.sndMax ? NEVER : now + this.rto;
    if (this.finQueued && this.finAcked()) {
      const s = this.state;
      if (s == TcpState.FinWait1) this.state = TcpState.FinWait2;
      else if (s == TcpState.Closing) this.enterTimeWait(now);
      else if (s == TcpState.LastAck) return this.enterClosed(CloseReason.Normal, now);
    }
    const h = this.handler;
    if (h && dataAcked > 0 && !this.finQueued) h.writable(this, now);
  }

  private updateWindow(seg: TcpRepr): void {
    const seq = seg.seqNumber;
    if (seqLt(this.sndWl1, seq) || (this.sndWl1 == seq && seqLe(this.sndWl2, seg.ackNumber))) {
      this.sndWnd = seg.window;
      this.sndWl1 = seq;
      this.sndWl2 = seg.ackNumber;
    }
  }

  // RFC 6298 §2: SRTT and RTTVAR from a sample, RTO = SRTT + 4 * RTTVAR within [rtoMin, rtoMax].
  private sample(rtt: i64): void {
    if (!this.hasRtt) {
      this.srtt = rtt;
      this.rttvar = rtt / 2;
      this.hasRtt = true;
    } else {
      const delta = this.srtt > rtt ? this.srtt - rtt : rtt - this.srtt;
      this.rttvar = (3 * this.rttvar + delta) / 4;
      this.srtt = (7 * this.srtt + rtt) / 8;
    }
    this.rto = min(max(this.srtt + 4 * this.rttvar, this.config.rtoMin), this.config.rtoMax);
  }

  private challengeAck(): TcpRepr {
    this.challengeAcks++;
    return this.ackReply();
  }

  private ackReply(): TcpRepr {
    const r = this.reply;
    this.header(r, this.sndNxt, TCP_ACK);
    r.payloadLen = 0;
    return r;
  }

  // ---- sending ----------------------------------------------------------

  private finSeq(): u32 {
    return this.sndBase + this.sendBuffer.length;
  }

  private finSent(): bool {
    return this.finQueued && seqGt(this.sndMax, this.finSeq());
  }

  private finAcked(): bool {
    return this.finQueued && seqGt(this.sndUna, this.finSeq());
  }

  private recvWindow(): u32 {
    return min(this.recvBuffer.free, MAX_WINDOW);
  }

  /** The earliest time `dispatch` has a timer to serve (`i64.MAX_VALUE`: none). */
  pollAt(): i64 {
    if (this.ackDue || this.rstDue) return 0;
    return min(this.rtoDeadline, this.timeWaitDeadline);
  }

  /** Sends what is due at `now` (SYN, data within the peer's window and MSS, FIN, ACK, retransmissions, RST); returns segments sent. */
  dispatch(now: i64): u32 {
    if (this.rstDue) {
      this.rstDue = false;
      this.header(this.out, this.sndNxt, TCP_RST);
      this.out.payloadLen = 0;
      this.emitter.emit(this, this.out, now);
      return 1;
    }
    const s = this.state;
    if (s == TcpState.TimeWait && now >= this.timeWaitDeadline) {
      this.enterClosed(CloseReason.Normal, now);
      return 0;
    }
    if (s == TcpState.Closed || s == TcpState.Listen) return 0;
    if (now >= this.rtoDeadline) {
      if (this.retries >= this.config.maxRetransmissions) {
        this.rstDue = s != TcpState.SynSent;
        this.enterClosed(
          s == TcpState.SynSent && this.softError != 0 ? CloseReason.Unreachable : CloseReason.TimedOut,
          now,
        );
        return this.dispatch(now); // the RST, if synchronized
      }
      this.timeouts++;
      this.retries++;
      this.sndNxt = this.sndUna; // go back N
      this.cwnd = this.sndMss; // restart slowly (RFC 5681 §3.1): one segment until it is acknowledged
      this.rttTiming = false; // Karn: no samples from retransmitted segments
      this.rto = min(this.rto * 2, this.config.rtoMax);
      this.rtoDeadline = NEVER; // rearmed by the first segment sent below
    }
    let sent: u32 = 0;
    for (;;) {
      if (!this.sendOne(now)) break;
      sent++;
    }
    if (this.ackDue && s != TcpState.SynSent && s != TcpState.SynReceived) {
      this.header(this.out, this.sndNxt, TCP_ACK);
      this.out.payloadLen = 0;
      if (this.emit(now)) sent++;
    }
    return sent;
  }

  // Sends one segment that is due (SYN, SYN-ACK, data and/or FIN); false if nothing is.
  private sendOne(now: i64): bool {
    const s = this.state;
    const out = this.out;
    out.payloadLen = 0;
    if (s == TcpState.SynSent || s == TcpState.SynReceived) {
      if (this.sndNxt != this.iss) return false;
      this.header(out, this.iss, s == TcpState.SynSent ? TCP_SYN : TCP_SYN | TCP_ACK);
      out.options.hasMaxSegSize = true;
      out.options.maxSegSize = this.mss;
      return this.transmit(1, now);
    }
    if (s == TcpState.TimeWait || s == TcpState.FinWait2 || s == TcpState.Closed) return false;
    const offset = this.sndNxt - this.sndBase;
    const buffered = this.sendBuffer.length;
    if (offset > buffered) return false; // the FIN is out
    const end = this.sndUna + min(this.sndWnd, this.cwnd);
    const room = seqGt(end, this.sndNxt) ? end - this.sndNxt : 0;
    const n = min(min(buffered - offset, room), this.sndMss);
    const fin = this.finQueued && offset + n == buffered;
    if (n == 0 && !fin) return false;
    let flags = TCP_ACK;
    if (fin) flags |= TCP_FIN;
    if (n > 0 && offset + n == buffered) flags |= TCP_PSH;
    this.header(out, this.sndNxt, flags);
    if (n > 0) {
      const at = changetype<usize>(this.scratch);
      this.sendBuffer.peek(offset, at, n);
      out.payloadPtr = at;
      out.payloadLen = n;
    }
    return this.transmit(n + (fin ? 1 : 0), now);
  }

  // Emits `out` (occupying `len` sequence numbers at SND.NXT) and advances SND.NXT, timing and the timer.
  private transmit(len: u32, now: i64): bool {
    const seq = this.sndNxt;
    const ok = this.emit(now); // a segment the link refused counts as lost: the timer recovers it
    this.sndNxt = seq + len;
    if (seqGe(seq, this.sndMax) && !this.rttTiming) {
      this.rttTiming = true; // new data: time it (Karn)
      this.rttSeq = this.sndNxt;
      this.rttSent = now;
    }
    if (seqGt(this.sndNxt, this.sndMax)) this.sndMax = this.sndNxt;
    if (this.rtoDeadline == NEVER) this.rtoDeadline = now + this.rto;
    return ok;
  }

  private emit(now: i64): bool {
    const ok = this.emitter.emit(this, this.out, now);
    if (ok && this.out.has(TCP_ACK)) this.ackDue = false;
    return ok;
  }

  private header(r: TcpRepr, seq: u32, flags: u32): void {
    r.srcPort = this.localPort;
    r.dstPort = this.remotePort;
    r.seqNumber = seq;
    r.ackNumber = (flags & TCP_ACK) != 0 ? this.rcvNxt : 0;
    r.flags = flags;
    const wnd = (flags & TCP_RST) != 0 ? 0 : this.recvWindow();
    r.window = wnd;
    if ((flags & TCP_RST) == 0) this.advertised = wnd;
    r.urgentPointer = 0;
    r.options.clear();
  }

  // ---- closing ----------------------------------------------------------

  private enterTimeWait(now: i64): void {
    this.state = TcpState.TimeWait;
    this.rtoDeadline = NEVER;
    this.timeWaitDeadline = now + 2 * this.config.msl;
  }

  private enterClosed(reason: CloseReason, now: i64): void {
    const was = this.state;
    this.state = TcpState.Closed;
    this.rtoDeadline = NEVER;
    this.timeWaitDeadline = NEVER;
    this.ackDue = false;
    const h = this.handler;
    if (h && was != TcpState.Closed) h.closed(this, reason, now);
  }
}
