// A TCP connection's variables (RFC 9293 §3.3.1) and its output side: what `dispatch` sends, when, and the timers behind `pollAt`.
//
// TcpConnection (connection.ts) extends this with the application's calls and segment arrival.
// Output is driven by the variables alone: data within min(cwnd, SND.WND) from the send ring,
// one retransmission at SND.UNA when fast retransmit or a partial ACK asks (with SACK: the holes
// the scoreboard shows, while the pipe estimate is below cwnd), go-back-N after a timeout, an ACK
// now or at the delayed-ACK deadline, zero-window, keepalive and FIN-WAIT-2 probes, RSTs.
//
// Timers, all deadlines in ns compared with the `now` passed in (never read from a clock):
//   rtoDeadline      retransmission (RFC 6298), armed while anything is in flight
//   ackDeadline      delayed ACK (RFC 5681 §4.2), at most `ackDelay` after unacknowledged data
//   probeDeadline    tail-loss probe (RFC 8985 §7): 2 SRTT after the last new data or ACK, with SACK
//   persistDeadline  zero-window probe (RFC 9293 §3.8.6.1), backing off from RTO to rtoMax
//   keepalive        RFC 1122 §4.2.3.6, from the last segment heard, when enabled
//   FIN-WAIT-2       `finWait2Timeout` of silence from the peer, then probes; unanswered ones end it
//   TIME-WAIT        2 * MSL, kept in rtoDeadline (nothing is in flight then)

import { TcpRepr, TCP_ACK, TCP_FIN, TCP_PSH, TCP_RST, TCP_SYN } from "../wire/tcp";
import { seqGe, seqGt, seqLt } from "../wire/seq";
import { ByteRing } from "./buffer";
import { NewReno } from "./congestion";
import { TcpConnection, TcpEmitter, TcpHandler } from "./connection";
import { Reassembly } from "./reassembly";
import { Scoreboard } from "./scoreboard";
import { TcpTimestamps } from "./timestamps";
import { RttEstimator } from "./rtt";
import { CloseReason, TcpConfig, TcpState } from "./state";

/** The MSS assumed when a SYN carries none (RFC 9293 §3.7.1). */
export const TCP_DEFAULT_MSS: u32 = 536;
/**
 * "No deadline": i64.MAX_VALUE. A variable nothing writes rather than a constant, because reading
 * a global takes 2 bytes of code where the constant takes 10, and TCP names it some 30 times.
 */
export let NEVER: i64 = i64.MAX_VALUE;
const MAX_WINDOW: u32 = 0xffff;
const MILLISECOND: i64 = 1_000_000;
const WORST_DELAYED_ACK: i64 = 200 * MILLISECOND; // RFC 8985 §7.2's WCDelAckT: a lone segment's ACK may wait this long
const MIN_PROBE_TIMEOUT: i64 = 10 * MILLISECOND; // the shortest tail-loss probe timeout (as Linux)
const MAX_SHIFT: u32 = 14;

/** The variables of one connection and everything it sends; see `TcpConnection`. */
export abstract class TcpOutput {
  /** The RFC 9293 state. */
  state: TcpState = TcpState.Closed;
  /** Local address. */
  localAddr: u32 = 0;
  /** Local port. */
  localPort: u32 = 0;
  /** Remote address (0 while listening). */
  remoteAddr: u32 = 0;
  /** Remote port (0 while listening). */
  remotePort: u32 = 0;
  /** Who hears about connection events. */
  handler: TcpHandler | null = null;
  /** The endpoint's mark: queued for its next flush (the connection itself never reads it). */
  woken: bool = false;
  /** The endpoint's mark: the bytes its memory budget counts for this connection (`TcpConfig.memory`). */
  charged: u64 = 0;
  /** Bytes of the application's own state for this connection, counted with it against the budget while it is open (its listener's `stateBytes`). */
  stateBytes: u64 = 0;
  /** The endpoint's queue of connections in TIME-WAIT (tcp/time-wait.ts): the next one to enter it. */
  nextTimeWait: TcpConnection | null = null;
  /** The endpoint's queue of connections in TIME-WAIT: the one that entered it before. */
  prevTimeWait: TcpConnection | null = null;
  /** Nagle's algorithm (RFC 896): hold a small segment while data is unacknowledged. */
  nagle: bool = this.config.nagle;
  /** Keepalive idle time (ns) before the first probe; 0 is off. */
  keepAliveIdle: i64 = this.config.keepAliveIdle;
  /** Time between unanswered keepalive probes (ns). */
  keepAliveInterval: i64 = this.config.keepAliveInterval;
  /** Unanswered keepalive probes before the connection times out. */
  keepAliveCount: u32 = this.config.keepAliveCount;

  /** Out-of-order segments received (held for reassembly, or dropped if no range was free). */
  outOfOrder: u64 = 0;
  /** Retransmission timeouts that fired. */
  timeouts: u64 = 0;
  /** Segments sent again (timeouts, fast retransmits, partial ACKs, tail-loss probes). */
  retransmits: u64 = 0;
  /** Tail-loss probes sent (RFC 8985 §7). */
  tailProbes: u64 = 0;
  /** Resent holes found lost again in SACK recovery (and resent without waiting for the RTO). */
  lostRetransmits: u64 = 0;
  /** Zero-window probes sent. */
  windowProbes: u64 = 0;
  /** Keepalive probes sent. */
  keepAliveProbes: u64 = 0;
  /** Challenge ACKs sent (RFC 5961). */
  challengeAcks: u64 = 0;
  /** Challenge ACKs not sent because of the rate limit (RFC 5961 §7). */
  challengeAcksLimited: u64 = 0;
  /** The last soft ICMP error (destination unreachable code + 1; 0: none). */
  softError: u32 = 0;
  /** The peer's FIN has been received: after the buffered data, `read` returns 0 for good. */
  finReceived: bool = false;

  // Send sequence space (RFC 9293 §3.3.1).
  /** Initial send sequence number. */
  iss: u32 = 0;
  /** Oldest unacknowledged sequence number. */
  sndUna: u32 = 0;
  /** Next sequence number to send (goes back to SND.UNA on a timeout). */
  sndNxt: u32 = 0;
  /** The peer's window, scaled. */
  sndWnd: u32 = 0;
  /** The peer's MSS, capped by ours (and lowered by ICMP fragmentation needed). */
  sndMss: u32 = TCP_DEFAULT_MSS;
  /** The shift applied to windows the peer sends (RFC 7323), 0 without scaling. */
  sndWscale: u32 = 0;
  /** The shift applied to windows we send, 0 without scaling. */
  rcvWscale: u32 = 0;
  /** Both ends offered SACK: our ACKs carry SACK blocks. */
  sackOk: bool = false;
  protected peerScales: bool = false; // the peer's SYN offered window scaling (and so did we)
  /** Timestamps (RFC 7323): `timestamps.ok` once both ends offered them (a `Timestamps` if the config has them on). */
  readonly timestamps: TcpTimestamps = this.config.timestamps.create();
  protected clockNow: i64 = 0; // the `now` of the current process or dispatch call, for TSval
  /** Congestion control. */
  readonly congestion: NewReno = new NewReno();
  protected sndMax: u32 = 0; // highest sequence number sent + 1
  protected sndWl1: u32 = 0;
  protected sndWl2: u32 = 0;
  protected sndBase: u32 = 0; // sequence number of the first byte in the send buffer
  protected maxSndWnd: u32 = 0; // the largest window the peer offered (RFC 5961 §5)
  protected finQueued: bool = false; // close() called: FIN after the buffered data
  protected retransmitDue: bool = false; // resend the segment at SND.UNA (fast retransmit, partial ACK)
  protected retries: u32 = 0; // timeouts of the segment at SND.UNA
  protected readonly scoreboard: Scoreboard = new Scoreboard(8); // what the peer SACKed
  protected rexmitNext: u32 = 0; // SACK recovery: holes before this were resent (RFC 6675's HighRxt)
  protected rexmitMark: u32 = 0; // SND.MAX when the latest hole was resent

  // Receive sequence space.
  /** Initial receive sequence number. */
  irs: u32 = 0;
  /** Next sequence number expected. */
  rcvNxt: u32 = 0;
  protected ackNow: bool = false; // an ACK goes out on the next dispatch
  protected ackDeadline: i64 = NEVER; // a delayed ACK is due then
  protected rcvUnacked: u32 = 0; // bytes received since our last ACK
  protected quickAcksLeft: u32 = this.config.quickAcks;
  protected rstDue: bool = false;
  protected advertisedEdge: u32 = 0; // RCV.NXT + the window in the last segment sent
  protected finSeqHeld: u32 = 0; // an out-of-order FIN's sequence number
  protected finHeld: bool = false;
  protected lastHeard: i64 = 0; // when the last acceptable segment arrived

  // Timers (ns).
  protected readonly rtt: RttEstimator = new RttEstimator(this.config);
  protected rtoDeadline: i64 = NEVER; // in TIME-WAIT: when it ends
  protected persistDeadline: i64 = NEVER;
  protected probeDeadline: i64 = NEVER; // tail-loss probe (RFC 8985 §7)
  protected probing: bool = false; // a tail-loss probe went out and no ACK of new data has come since
  protected persistBackoff: i64 = 0;
  protected probesUnanswered: u32 = 0; // zero-window probes since the peer last said anything
  protected keepProbes: u32 = 0;
  protected finProbes: u32 = 0; // FIN-WAIT-2 probes since the peer last spoke
  protected finProbeAt: i64 = NEVER;

  /** Data the application wrote, from SND.UNA (after the SYN) on. */
  readonly sendBuffer: ByteRing = new ByteRing(max<u32>(this.config.sendBuffer, 1));
  /** Data received in order, not yet read (out-of-order data waits past its tail). */
  readonly recvBuffer: ByteRing = new ByteRing(min<u32>(max<u32>(this.config.recvBuffer, 1), MAX_WINDOW << MAX_SHIFT));
  protected readonly reassembly: Reassembly = new Reassembly(max<u32>(this.config.reassemblyRanges, 1));
  protected readonly out: TcpRepr = new TcpRepr();
  private scratch: StaticArray<u8> | null = null; // a wrapped segment's payload, allocated at the first wrap

  constructor(
    /** The tunables (shared by an endpoint's connections). */
    readonly config: TcpConfig,
    protected readonly emitter: TcpEmitter,
    /** Our MSS: the largest payload we send and advertise (MTU - 40). */
    readonly mss: u32,
  ) {}

  // The window scale we offer: the least shift that lets the window cover the receive buffer.
  protected wsOffer(): u32 {
    let shift: u32 = 0;
    while (shift < MAX_SHIFT && this.recvBuffer.capacity >> shift > MAX_WINDOW) shift++;
    return shift;
  }

  /** The current retransmission timeout (ns). */
  get rto(): i64 {
    return this.rtt.rto;
  }

  /** The congestion window (bytes). */
  get cwnd(): u32 {
    return this.congestion.cwnd;
  }

  /** Bytes sent and not yet acknowledged. */
  get inFlight(): u32 {
    return this.sndMax - this.sndUna;
  }

  /** The payload of a full-sized segment: the MSS less the options every segment carries (RFC 5681's SMSS). */
  segmentSize(): u32 {
    return this.sndMss - (this.timestamps.ok ? 12 : 0);
  }

  /** The window we can offer now: free receive buffer, at most what the scale lets us say. */
  recvWindow(): u32 {
    return min(this.recvBuffer.free, MAX_WINDOW << this.rcvWscale);
  }

  protected finSeq(): u32 {
    return this.sndBase + this.sendBuffer.length;
  }

  protected finSent(): bool {
    return this.finQueued && seqGt(this.sndMax, this.finSeq());
  }

  protected finAcked(): bool {
    return this.finQueued && seqGt(this.sndUna, this.finSeq());
  }

  protected synchronized(): bool {
    const s = this.state;
    return s != TcpState.Closed && s != TcpState.Listen && s != TcpState.SynSent && s != TcpState.SynReceived;
  }

  /** The earliest time `dispatch` has something to do (`i64.MAX_VALUE`: nothing until a segment or a call). */
  pollAt(): i64 {
    if (this.ackNow || this.rstDue || this.retransmitDue) return 0;
    let t = min(this.rtoDeadline, min(this.ackDeadline, this.persistDeadline));
    return min(min(t, this.probeDeadline), min(this.keepAliveAt(), this.finWait2At()));
  }

  private keepAliveAt(): i64 {
    const s = this.state;
    if (this.keepAliveIdle <= 0 || (s != TcpState.Established && s != TcpState.CloseWait)) return NEVER;
    if (this.sndUna != this.sndMax || this.persistDeadline != NEVER) return NEVER; // the RTO or probes watch the peer
    return this.lastHeard + this.keepAliveIdle + <i64>this.keepProbes * this.keepAliveInterval;
  }

  // FIN-WAIT-2: `finWait2Timeout` after the peer last spoke, then probes with backoff until one is answered.
  private finWait2At(): i64 {
    const t = this.config.finWait2Timeout;
    if (this.state != TcpState.FinWait2 || t <= 0) return NEVER;
    return this.finProbes == 0 ? this.lastHeard + t : this.finProbeAt;
  }

  /** Sends what is due at `now` (SYN, data, FIN, ACK, retransmissions, probes, RST); returns segments sent. */
  dispatch(now: i64): u32 {
    this.clockNow = now;
    if (this.rstDue) {
      this.rstDue = false;
      this.header(this.out, this.sndMax, TCP_RST); // SND.MAX: what the peer most likely expects (RFC 5961 wants it exact)
      this.emitter.emit(changetype<TcpConnection>(this), this.out, now);
      return 1;
    }
    const s = this.state;
    if (s == TcpState.Closed || s == TcpState.Listen) return 0;
    if (s == TcpState.TimeWait && now >= this.rtoDeadline) {
      this.enterClosed(CloseReason.Normal, now);
      return 0;
    }
    const finWait2 = now >= this.finWait2At();
    if (finWait2 && this.finProbes < this.config.maxRetransmissions) {
      // Silent too long in FIN-WAIT-2: is the peer there? A live one answers (a lossy one may take several probes).
      this.finProbes++;
      this.finProbeAt = now + min(this.rtt.rto << min<u32>(this.finProbes - 1, 16), this.config.rtoMax);
      return this.sendProbe(now);
    }
    const unanswered = this.keepProbes >= this.keepAliveCount && now >= this.keepAliveAt();
    if (finWait2 || unanswered) {
      this.rstDue = true; // the peer went quiet: FIN-WAIT-2 probes or keepalive probes unanswered
      this.enterClosed(CloseReason.TimedOut, now);
      return this.dispatch(now);
    }
    if (now >= this.rtoDeadline && !this.retransmissionTimeout(now)) return this.dispatch(now);
    let sent: u32 = 0;
    if (this.retransmitDue) {
      this.retransmitDue = false;
      if (this.sendAt(this.sndUna, now, this.scoreboard.holeLength(this.sndUna, u32.MAX_VALUE))) sent++;
    }
    if (this.sackRecovering()) sent += this.resendHoles(now);
    while (this.sendOne(now)) sent++;
    if (now >= this.probeDeadline) sent += this.tailProbe(now);
    sent += this.probe(now);
    if (this.ackNow || now >= this.ackDeadline) {
      if (s != TcpState.SynSent && s != TcpState.SynReceived) {
        // SND.MAX, not SND.NXT: after a timeout SND.NXT is back at SND.UNA, below the peer's RCV.NXT,
        // and an ACK carrying it would be unacceptable there (its ACK field ignored: both ends stall).
        this.header(this.out, this.sndMax, TCP_ACK);
        if (this.emit(now)) sent++;
      }
    }
    return sent;
  }

  // The retransmission timer expired: back off and go back to SND.UNA; false if the connection gave up.
  private retransmissionTimeout(now: i64): bool {
    const s = this.state;
    if (this.retries >= this.config.maxRetransmissions) {
      this.rstDue = s != TcpState.SynSent;
      const unreachable = s == TcpState.SynSent && this.softError != 0;
      this.enterClosed(unreachable ? CloseReason.Unreachable : CloseReason.TimedOut, now);
      return false;
    }
    this.timeouts++;
    if (this.retries == 0) this.congestion.onTimeout(this.sndMax - this.sndUna, this.sndMax);
    else this.congestion.cwnd = this.segmentSize(); // RFC 5681 §3.1: ssthresh is set once per lost segment
    this.retries++;
    this.sndNxt = this.sndUna; // go back N; ACKs of data the peer held move SND.NXT forward again
    this.retransmitDue = false;
    this.scoreboard.clear(); // the peer may have dropped what it SACKed (RFC 2018 §8)
    this.rexmitNext = this.sndUna;
    this.probeDeadline = NEVER;
    this.probing = false;
    this.rtt.backoff();
    this.rtoDeadline = NEVER; // rearmed by the first segment sent
    return true;
  }

  // A zero-window probe (RFC 9293 §3.8.6.1) or keepalive probe when due; returns segments sent.
  private probe(now: i64): u32 {
    const s = this.state;
    const sends = this.synchronized() && s != TcpState.FinWait2 && s != TcpState.TimeWait;
    // Blocked: data waits at SND.NXT, the window is zero, and no retransmission timer watches the
    // peer (nothing in flight, or a timeout went back to SND.UNA and nothing could be resent).
    const blocked =
      sends && this.sndWnd == 0 && this.rtoDeadline == NEVER && this.sndNxt - this.sndBase < this.sendBuffer.length;
    if (!blocked) {
      this.persistDeadline = NEVER;
      this.persistBackoff = 0;
      this.probesUnanswered = 0;
    } else if (this.persistDeadline == NEVER) {
      if (this.persistBackoff == 0) this.persistBackoff = this.rtt.rto;
      this.persistDeadline = now + this.persistBackoff;
    } else if (now >= this.persistDeadline) {
      if (this.probesUnanswered >= this.config.maxRetransmissions) {
        this.rstDue = true; // the peer stopped answering (a peer that answers, even with zero, is never timed out)
        this.enterClosed(CloseReason.TimedOut, now);
        return this.dispatch(now); // the RST
      }
      this.probesUnanswered++;
      this.windowProbes++;
      this.persistBackoff = min(this.persistBackoff * 2, this.config.rtoMax);
      this.persistDeadline = now + this.persistBackoff;
      return this.sendProbe(now);
    }
    if (now >= this.keepAliveAt()) {
      this.keepProbes++;
      this.keepAliveProbes++;
      return this.sendProbe(now);
    }
    return 0;
  }

  // A segment the peer must answer with an ACK of its state (window, RCV.NXT): SEG.SEQ = SND.UNA - 1, no data.
  private sendProbe(now: i64): u32 {
    this.header(this.out, this.sndUna - 1, TCP_ACK);
    return this.emit(now) ? 1 : 0;
  }

  // Sends one new (or, after a timeout, resent) segment at SND.NXT if the windows allow (only the
  // peer's if `ignoreCwnd`); false if none is due.
  private sendOne(now: i64, ignoreCwnd: bool = false): bool {
    const s = this.state;
    const out = this.out;
    if (s == TcpState.SynSent || s == TcpState.SynReceived) {
      if (this.sndNxt != this.iss) return false;
      this.header(out, this.iss, s == TcpState.SynSent ? TCP_SYN : TCP_SYN | TCP_ACK);
      this.synOptions(s == TcpState.SynSent);
      return this.transmit(this.iss, 1, now);
    }
    if (s == TcpState.TimeWait || s == TcpState.FinWait2 || s == TcpState.Closed) return false;
    const seq = this.sndNxt;
    const end = this.sndUna + this.sendWindow(seqGe(seq, this.sndMax), ignoreCwnd);
    return this.send(seq, seqGt(end, seq) ? end - seq : 0, this.finQueued, true, now) > 0;
  }

  // Builds the segment at `seq` in `out`, at most `room` bytes (and a full segment less options),
  // with a FIN if `finOk` and it reaches the end of the buffer, and transmits it; -1 if there is
  // nothing to send (or, if `wait`, what there is waits), else whether the emitter took it.
  private send(seq: u32, room: u32, finOk: bool, wait: bool, now: i64): i32 {
    const offset = seq - this.sndBase;
    const buffered = this.sendBuffer.length;
    if (offset > buffered) return -1; // the FIN is out
    const out = this.out;
    this.header(out, seq, TCP_ACK);
    const segMax = this.sndMss - min(this.sndMss - 1, out.options.bufferLen(false));
    const left = buffered - offset;
    const n = min(min(left, room), segMax);
    const fin = finOk && n == left;
    if (n == 0 && !fin) return -1;
    // Sender silly-window avoidance (RFC 9293 §3.8.6.2.1): while more is queued than the windows let
    // out, a segment short of a full one waits, unless it is at least half the largest window the
    // peer offered. The wait lasts only while data is in flight: its ACK reopens the question (and
    // the retransmission timer stands behind it), which serves as the RFC's override timer.
    // Nagle (RFC 9293 §3.7.4): new data smaller than a segment waits while anything is unacknowledged.
    if (wait && n < segMax && !fin && this.sndUna != this.sndMax) {
      if ((n < left && n < this.maxSndWnd / 2) || (this.nagle && seqGe(seq, this.sndMax))) return -1;
    }
    if (fin) out.flags |= TCP_FIN;
    if (n > 0) {
      if (n == left) out.flags |= TCP_PSH;
      let at = this.sendBuffer.contiguous(offset, n); // straight from the ring when it does not wrap
      if (at == 0) {
        let scratch = this.scratch;
        if (!scratch) this.scratch = scratch = new StaticArray<u8>(<i32>this.mss);
        at = changetype<usize>(scratch);
        this.sendBuffer.peek(offset, at, n);
      }
      out.payloadPtr = at;
      out.payloadLen = n;
    }
    return this.transmit(seq, n + (fin ? 1 : 0), now) ? 1 : 0;
  }

  // Bytes past SND.UNA that may be outstanding: the peer's window and cwnd (in SACK recovery, what
  // cwnd leaves above the pipe, added to what is out). Limited transmit counts only for `newData`.
  private sendWindow(newData: bool, ignoreCwnd: bool): u32 {
    if (ignoreCwnd) return this.sndWnd;
    if (!this.sackRecovering()) {
      const cc = this.congestion;
      return min(this.sndWnd, cc.window(newData));
    }
    const pipe = this.pipe();
    const cwnd = this.congestion.cwnd;
    return min(this.sndWnd, this.sndNxt - this.sndUna + (cwnd > pipe ? cwnd - pipe : 0));
  }

  private sackRecovering(): bool {
    return this.congestion.inRecovery && this.congestion.sack && !this.scoreboard.empty;
  }

  // RFC 6675's pipe, simplified: bytes in flight, less those SACKed, less the holes below the
  // highest SACKed byte (taken as lost, as FACK does), plus the holes already resent.
  private pipe(): u32 {
    const sb = this.scoreboard;
    const una = this.sndUna;
    const high = sb.highest;
    const lost = sb.unsackedBetween(una, high);
    const resent = seqGt(this.rexmitNext, una)
      ? sb.unsackedBetween(una, seqLt(this.rexmitNext, high) ? this.rexmitNext : high)
      : 0;
    const out = this.sndMax - una;
    const gone = sb.sacked + lost;
    return (out > gone ? out - gone : 0) + resent;
  }

  // SACK recovery: resends the holes below the highest SACKed byte while cwnd exceeds the pipe by a segment.
  private resendHoles(now: i64): u32 {
    let sent: u32 = 0;
    for (let i = 0; i < 64; i++) {
      const pipe = this.pipe();
      const cwnd = this.congestion.cwnd;
      if (cwnd <= pipe || cwnd - pipe < this.sndMss) break;
      const from = seqGt(this.rexmitNext, this.sndUna) ? this.rexmitNext : this.sndUna;
      const hole = this.scoreboard.nextHole(from);
      if (!seqLt(hole, this.scoreboard.highest)) break;
      if (!this.sendAt(hole, now, this.scoreboard.holeLength(hole, u32.MAX_VALUE))) break;
      sent++;
    }
    return sent;
  }

  // Tail-loss probe (RFC 8985 §7.3): one segment that makes the peer's ACK (with SACK blocks)
  // reveal a loss at the tail of the flight, where too few segments follow it to produce three
  // duplicate ACKs: a new segment if the peer's window takes one (cwnd is not consulted), else the
  // last segment sent, again. One probe per episode; an ACK of new data starts the next.
  private tailProbe(now: i64): u32 {
    this.probeDeadline = NEVER;
    if (this.congestion.inRecovery || this.sndUna == this.sndMax || !this.synchronized()) return 0;
    this.probing = true;
    this.tailProbes++;
    if (this.sndNxt == this.sndMax && this.sendOne(now, true)) return 1;
    const fin: u32 = this.finSent() ? 1 : 0;
    const data = this.sndMax - this.sndUna - fin;
    return this.sendAt(this.sndMax - fin - min(data, this.segmentSize()), now, u32.MAX_VALUE) ? 1 : 0;
  }

  // (Re)starts the tail-loss probe timer after new data went out or new data was ACKed: PTO =
  // 2 SRTT (plus the peer's worst delayed ACK when one segment is out), at least 10 ms, and only if
  // it comes before the retransmission timer. With SACK only (RFC 8985 §7), outside recovery and
  // timeouts, once per episode.
  protected armTailProbe(now: i64): void {
    this.probeDeadline = NEVER;
    const flight = this.sndMax - this.sndUna;
    if (!this.sackOk || !this.rtt.hasSample || this.congestion.inRecovery || this.retries > 0) return;
    if (this.probing || flight == 0 || !this.synchronized()) return;
    let pto = 2 * this.rtt.srtt;
    if (flight <= this.segmentSize()) pto += WORST_DELAYED_ACK;
    const at = now + max(pto, MIN_PROBE_TIMEOUT);
    if (at < this.rtoDeadline) this.probeDeadline = at;
  }

  // SACK recovery: the peer SACKed data 3 segments past what was sent before the latest resent hole,
  // so every resent hole still missing was lost again (as RACK, RFC 8985, would find by time): walk
  // the holes once more instead of waiting for the retransmission timer.
  protected checkLostRetransmits(): void {
    if (!this.sackRecovering() || !seqGt(this.rexmitNext, this.sndUna)) return;
    if (!seqGe(this.scoreboard.highest, this.rexmitMark + 3 * this.segmentSize())) return;
    this.lostRetransmits++;
    this.rexmitNext = this.sndUna;
    this.rexmitMark = this.sndMax;
  }

  // RFC 6675's IsLost(SND.UNA): more than (DupThresh - 1) segments' worth SACKed above it, where
  // DupThresh is 3, or (RFC 5827 early retransmit) one less than the segments outstanding when
  // fewer than four are and the peer's window lets nothing new out.
  protected frontLost(): bool {
    if (!this.sackOk || this.scoreboard.empty) return false;
    const smss = this.segmentSize();
    const flight = this.sndMax - this.sndUna;
    const segments = (flight + smss - 1) / smss;
    let thresh: u32 = 3;
    if (segments < 4) {
      const unsent = this.sndMax - this.sndBase < this.sendBuffer.length;
      const wndEnd = this.sndUna + this.sndWnd;
      const roomy = seqGt(wndEnd, this.sndMax) && wndEnd - this.sndMax >= smss;
      if (!(unsent && roomy)) thresh = max<u32>(segments, 2) - 1;
    }
    return this.scoreboard.sacked > (thresh - 1) * smss;
  }

  // Sends again the segment at `seq`, at most `limit` bytes (up to the next SACKed range), without moving SND.NXT.
  protected sendAt(seq: u32, now: i64, limit: u32): bool {
    if (!this.synchronized() || !seqGt(this.sndMax, seq)) return false;
    const next = this.sndNxt;
    const sent = this.send(seq, min(this.sndMax - seq, limit), this.finSent(), false, now);
    if (sent < 0) return false;
    const out = this.out;
    const end = seq + out.payloadLen + (out.has(TCP_FIN) ? 1 : 0);
    if (seqGt(end, this.rexmitNext)) this.rexmitNext = end;
    this.rexmitMark = this.sndMax;
    if (seqGt(next, this.sndNxt)) this.sndNxt = next; // SND.NXT stays ahead
    this.rtoDeadline = now + this.rtt.rto; // RFC 6582 §3.2 step 5: restart the timer
    return sent > 0;
  }

  // Emits `out` (occupying `len` sequence numbers at `seq`), then advances SND.NXT, timing and the timer.
  private transmit(seq: u32, len: u32, now: i64): bool {
    const ok = this.emit(now); // a segment the link refused counts as lost: the timer recovers it
    const end = seq + len;
    if (seqGe(seq, this.sndMax))
      this.rtt.start(end, now); // new data: time it
    else this.retransmits++;
    if (seqLt(seq, this.sndMax) && seqGt(end, this.sndMax)) this.rtt.cancel(); // partly old: no sample (Karn)
    if (seqGt(end, this.sndNxt)) this.sndNxt = end;
    const fresh = seqGt(end, this.sndMax);
    if (fresh) this.sndMax = end;
    if (this.rtoDeadline == NEVER) this.rtoDeadline = now + this.rtt.rto;
    if (fresh) this.armTailProbe(now);
    return ok;
  }

  protected emit(now: i64): bool {
    const ok = this.emitter.emit(changetype<TcpConnection>(this), this.out, now);
    if (ok && this.out.has(TCP_ACK)) {
      this.ackNow = false;
      this.ackDeadline = NEVER;
      this.rcvUnacked = 0;
    }
    return ok;
  }

  // The options of our SYN or SYN-ACK: MSS, and window scale and SACK-permitted if offered (on a SYN-ACK: if the peer offered them).
  private synOptions(active: bool): void {
    const o = this.out.options;
    o.hasMaxSegSize = true;
    o.maxSegSize = this.mss;
    if (this.config.windowScaling && (active || this.peerScales)) {
      o.hasWindowScale = true;
      o.windowScale = this.wsOffer();
    }
    if (this.config.sack && (active || this.sackOk)) o.sackPermitted = true;
    this.timestamps.offer(o, this.clockNow, active);
  }

  /** Fills `r`'s header for a segment at `seq` with `flags`: ports, ACK, window (scaled unless SYN), timestamps, SACK blocks. */
  protected header(r: TcpRepr, seq: u32, flags: u32): void {
    const rst = (flags & TCP_RST) != 0;
    const syn = (flags & TCP_SYN) != 0;
    const ack = (flags & TCP_ACK) != 0;
    const shift = syn ? 0 : this.rcvWscale; // a SYN's window is never scaled
    const field = rst ? 0 : min(this.recvWindow() >> shift, MAX_WINDOW);
    r.set(this.localPort, this.remotePort, seq, ack ? this.rcvNxt : 0, flags, field);
    if (rst) return;
    this.advertisedEdge = this.rcvNxt + (field << shift);
    if (syn) return;
    if (this.timestamps.ok) this.timestamps.stamp(r.options, this.clockNow, ack, this.rcvNxt);
    if (ack && this.sackOk && !this.reassembly.empty) this.reassembly.sackBlocks(r.options);
  }

  // ---- closing ----------------------------------------------------------

  // TIME-WAIT and CLOSED send no data: the buffers go back to the heap (the receive ring once read).
  protected release(): void {
    this.sendBuffer.clear(); // (in TIME-WAIT all was acknowledged; in CLOSED it will never be sent)
    this.sendBuffer.release();
    this.recvBuffer.release();
    this.scratch = null;
  }

  protected enterTimeWait(now: i64): void {
    this.release();
    this.state = TcpState.TimeWait;
    this.probeDeadline = NEVER;
    this.persistDeadline = NEVER;
    this.rtoDeadline = now + 2 * this.config.msl; // (all we sent is acknowledged: no retransmission timer)
  }

  protected enterClosed(reason: CloseReason, now: i64): void {
    const was = this.state;
    this.release();
    this.state = TcpState.Closed;
    this.rtoDeadline = NEVER;
    this.probeDeadline = NEVER;
    this.persistDeadline = NEVER;
    this.ackDeadline = NEVER;
    this.ackNow = false;
    this.retransmitDue = false;
    this.keepAliveIdle = 0;
    const h = this.handler;
    if (h && was != TcpState.Closed) h.closed(changetype<TcpConnection>(this), reason, now);
  }
}
