// One TCP connection (RFC 9293): the application's calls (open, read, write, close, ICMP errors),
// and the events it passes on to the application's handler and the emitter.
//
// Like smoltcp's socket it does no I/O and reads no clock: `process` takes a received segment (and
// may return an immediate reply), `dispatch` sends what is due through a `TcpEmitter`, `pollAt`
// says when `dispatch` next has a timer to serve. Nothing allocates per segment. The parts, each
// a module of functions over the connection's variables (but the first):
//   control-block.ts  the variables (RFC 9293's TCB), what follows from them, TIME-WAIT and CLOSED
//   input.ts       what each arriving segment does (process): states, ACKs, RFC 5961's checks
//   receive.ts     an arriving segment's data and FIN: the receive ring, reassembly, delayed ACKs
//   dispatch.ts    what is due at `now` (dispatch) and when (pollAt): every timer
//   output.ts      the send path: new data, retransmissions, probes
//   recovery.ts    loss detection: SACK recovery's pipe, IsLost, lost retransmissions, the tail-loss probe timer
//   segment.ts     our segments' headers and SYN options, and the RST that answers a stray segment
//   congestion.ts  NewReno (RFC 5681, 6582, 6928 initial window, 3042 limited transmit)
//   rtt.ts         the RTO (RFC 6298: Karn's rule, backoff; an ACK of new data ends the backoff)
//   reassembly.ts  out-of-order ranges past RCV.NXT (data held in the receive ring) and SACK blocks
//   buffer.ts      the byte rings; state.ts the states, close reasons and TcpConfig's knobs
//   scoreboard.ts  the peer's SACK blocks: which holes SACK recovery (RFC 6675) resends
//   ranges.ts      the sorted sequence ranges reassembly and the scoreboard keep
//   timestamps.ts  RFC 7323 timestamps (a plug-in, off unless set): TSval, TS.Recent, PAWS, RTT samples
// docs/tcp.md describes the design, the knobs and what is left out: data on a SYN (ignored; the
// peer resends it), urgent data, RFC 6191 TIME-WAIT reuse by timestamps, ECN.

import { TcpRepr, TCP_ACK, TCP_SYN } from "../wire/tcp";
import { seqGt } from "../wire/seq";
import { enterClosed, TcpControlBlock } from "./control-block";
import { dispatch, pollAt } from "./dispatch";
import { segmentArrives } from "./input";
import { CloseReason, TcpConfig, TcpState } from "./state";

export { TCP_DEFAULT_MSS } from "./control-block";
export { resetFor } from "./segment";

const ICMP_TYPE_UNREACHABLE: u32 = 3;
const ICMP_CODE_PROTOCOL: u32 = 2;
const ICMP_CODE_PORT: u32 = 3;
const ICMP_CODE_FRAG_NEEDED: u32 = 4;
const ICMP_MIN_PMTU: u32 = 552; // as Linux's min_pmtu: a forged "fragmentation needed" cannot shrink segments further

/** Sends the segments a connection builds (the interface in an image, a recorder in tests). */
export abstract class TcpEmitter {
  /** Sends `segment` from `conn`'s local end to its remote end; false if it could not. */
  abstract emit(conn: TcpConnection, segment: TcpRepr, now: i64): bool;
  /** `conn` has something to send outside `process` (the app wrote, read or closed): `dispatch` it soon. */
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

/** One TCP connection between `localAddr:localPort` and `remoteAddr:remotePort`. */
export class TcpConnection extends TcpControlBlock {
  /** Who hears about connection events. */
  handler: TcpHandler | null = null;
  /** The endpoint's mark: queued for its next flush (the connection itself never reads it). */
  woken: bool = false;
  /** The endpoint's mark: the bytes its memory budget counts for this connection (`TcpConfig.memory`). */
  charged: u64 = 0;
  /** Bytes of the application's own state for this connection, counted with it against the budget while it is open (its listener's `stateBytes`). */
  stateBytes: u64 = 0;

  constructor(
    /** The tunables (shared by an endpoint's connections). */
    config: TcpConfig,
    /** Sends the segments the connection builds. */
    readonly emitter: TcpEmitter,
    /** Our MSS: the largest payload we send and advertise (MTU - 40). */
    mss: u32 = 1460,
  ) {
    super(config, mss);
  }

  // ---- segments and time (the endpoint's calls): input.ts and dispatch.ts over this connection --

  /**
   * Handles a segment for this connection from `src` to `dst`. Returns a reply to send now (a RST,
   * or an ACK for an unacceptable segment or a challenge ACK), or null; ACKs of data and anything
   * else due are left for `dispatch`, which the caller runs next. The reply is the segment
   * `dispatch` builds its own in: send it before.
   */
  process(seg: TcpRepr, src: u32, dst: u32, now: i64): TcpRepr | null {
    return segmentArrives(this, seg, src, dst, now);
  }

  /** Sends what is due at `now` (SYN, data, FIN, ACK, retransmissions, probes, RST); returns segments sent. */
  dispatch(now: i64): u32 {
    return dispatch(this, now);
  }

  /** The earliest time `dispatch` has something to do (`i64.MAX_VALUE`: nothing until a segment or a call). */
  pollAt(): i64 {
    return pollAt(this);
  }

  // ---- what the machinery tells the connection (TcpControlBlock's events): to the emitter and handler

  emitSegment(segment: TcpRepr, now: i64): bool {
    return this.emitter.emit(this, segment, now);
  }

  notifyConnected(now: i64): void {
    const h = this.handler;
    if (h) h.connected(this, now);
  }

  notifyReadable(now: i64): void {
    const h = this.handler;
    if (h) h.readable(this, now);
  }

  notifyWritable(now: i64): void {
    const h = this.handler;
    if (h) h.writable(this, now);
  }

  notifyClosed(reason: CloseReason, now: i64): void {
    const h = this.handler;
    if (h) h.closed(this, reason, now);
  }

  // ---- opening ----------------------------------------------------------

  /** Active open: SYN-SENT; `dispatch` sends the SYN. `iss` is the initial sequence number. */
  connect(localAddr: u32, localPort: u32, remoteAddr: u32, remotePort: u32, iss: u32, now: i64): void {
    this.localAddr = localAddr;
    this.localPort = localPort;
    this.remoteAddr = remoteAddr;
    this.remotePort = remotePort;
    this.startSequence(iss);
    this.lastHeard = now;
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
    this.timestamps.start(iss); // an unpredictable TSval offset (RFC 7323 §5.4)
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
    if (this.state == TcpState.Closed || this.state == TcpState.TimeWait) this.recvBuffer.release(); // once all is read
    // A window update when the window grew enough to matter (receiver SWS avoidance, RFC 9293
    // §3.8.6.2.2): at least min(MSS, buffer / 2) more, and at least double what the peer may still send.
    if (n > 0 && this.synchronized()) {
      const wnd = this.recvWindow();
      const left = seqGt(this.advertisedEdge, this.rcvNxt) ? this.advertisedEdge - this.rcvNxt : 0;
      if (wnd >= 2 * left && wnd - left >= min(this.mss, this.recvBuffer.capacity / 2)) {
        this.ackNow = true;
        this.emitter.wake(this);
      }
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
    if (s == TcpState.Listen || s == TcpState.SynSent) return enterClosed(this, CloseReason.Normal, now);
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
    enterClosed(this, CloseReason.Aborted, now);
    if (this.rstDue) this.emitter.wake(this);
  }

  /**
   * An ICMP error about a segment this connection sent (RFC 1122 §4.2.3.9, RFC 5927): `code` and
   * `type` of the ICMP message, `mtu` its next-hop MTU (type 3 code 4), `seq` the sequence number
   * quoted from our segment (-1 if unknown; otherwise one not in [SND.UNA, SND.MAX), sent and
   * not yet acknowledged, is ignored: RFC 5927 §4.1's SND.NXT is our SND.MAX).
   * Port or protocol unreachable in SYN-SENT closes the connection (Refused, Unreachable);
   * fragmentation needed lowers `sndMss` (not below a 552-byte MTU) and resends what was in flight;
   * the rest are soft errors, kept in `softError`, which turn a SYN-SENT timeout into Unreachable.
   */
  icmpError(code: u32, type: u32, mtu: u32, now: i64, seq: i64 = -1): void {
    const s = this.state;
    if (s == TcpState.Closed || s == TcpState.Listen || s == TcpState.TimeWait) return;
    if (seq >= 0 && <u32>seq - this.sndUna >= this.sndMax - this.sndUna) return; // not in [SND.UNA, SND.MAX): forged or stale
    if (type != ICMP_TYPE_UNREACHABLE) return;
    if (code == ICMP_CODE_FRAG_NEEDED) {
      const m = max<u32>(mtu, ICMP_MIN_PMTU) - 40;
      if (mtu != 0 && m < this.sndMss) {
        this.sndMss = m;
        this.congestion.resize(this.segmentSize());
        if (this.synchronized()) this.sndNxt = this.sndUna; // what was in flight was too big: send it again, smaller
      }
      return;
    }
    if (s == TcpState.SynSent && (code == ICMP_CODE_PORT || code == ICMP_CODE_PROTOCOL)) {
      enterClosed(this, code == ICMP_CODE_PORT ? CloseReason.Refused : CloseReason.Unreachable, now);
      return;
    }
    this.softError = code + 1;
  }

  /** Whether `seg` is a SYN that may reopen this connection in TIME-WAIT (RFC 1122 §4.2.2.13): above RCV.NXT. */
  reopens(seg: TcpRepr): bool {
    return (
      this.state == TcpState.TimeWait && seg.has(TCP_SYN) && !seg.has(TCP_ACK) && seqGt(seg.seqNumber, this.rcvNxt)
    );
  }
}
