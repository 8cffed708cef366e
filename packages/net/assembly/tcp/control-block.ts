// One TCP connection's variables (RFC 9293 §3.3.1's transmission control block): its state, the
// send and receive sequence spaces, buffers, timers and counters, the values derived from them,
// and the transitions to TIME-WAIT and CLOSED.
//
// The machinery is functions that take the block as a parameter: input.ts (what an arriving
// segment does, with receive.ts for its data), dispatch.ts (`dispatch`, `pollAt`), output.ts (the
// send path), recovery.ts (loss detection), segment.ts (our segments' headers). What it must tell
// the world (a segment to send, an event for the application) it tells through the abstract
// methods at the end of the class, which `TcpConnection` (connection.ts) implements with its
// emitter and handler. The functions that raise events are generic over the block's class
// (`<C extends TcpControlBlock>(c: C, ...)`), as smoltcp's `dispatch` is over its emitter: used
// with `TcpConnection`, they call its methods directly rather than through a virtual call, so the
// layering costs an image nothing at run time and next to nothing in size.
//
// Timers, all deadlines in ns compared with the `now` passed in (never read from a clock):
//   rtoDeadline      retransmission (RFC 6298), armed while anything is in flight
//   ackDeadline      delayed ACK (RFC 5681 §4.2), at most `ackDelay` after unacknowledged data
//   probeDeadline    tail-loss probe (RFC 8985 §7): 2 SRTT after the last new data or ACK, with SACK
//   persistDeadline  zero-window probe (RFC 9293 §3.8.6.1), backing off from RTO to rtoMax
//   keepalive        RFC 1122 §4.2.3.6, from the last segment heard, when enabled
//   FIN-WAIT-2       `finWait2Timeout` of silence from the peer, then probes; unanswered ones end it
//   TIME-WAIT        2 * MSL, kept in rtoDeadline (nothing is in flight then)

import { TcpRepr } from "../wire/tcp";
import { seqGt } from "../wire/seq";
import { ByteRing } from "./buffer";
import { NewReno } from "./congestion";
import { Reassembly } from "./reassembly";
import { Scoreboard } from "./scoreboard";
import { TcpTimestamps } from "./timestamps";
import { RttEstimator } from "./rtt";
import { CloseReason, TcpConfig, TcpState } from "./state";
import { TcpTuple } from "./tuple";

/** The MSS assumed when a SYN carries none (RFC 9293 §3.7.1). */
export const TCP_DEFAULT_MSS: u32 = 536;
/**
 * "No deadline": i64.MAX_VALUE. A variable nothing writes rather than a constant, because reading
 * a global takes 2 bytes of code where the constant takes 10, and TCP names it some 30 times.
 */
export let NEVER: i64 = i64.MAX_VALUE;
/** The largest window a segment's 16-bit field says. */
export const MAX_WINDOW: u32 = 0xffff;
const MAX_SHIFT: u32 = 14;

/**
 * The variables of one connection; see `TcpConnection`. The fields past the counters are the
 * machinery's: an application may read them, and never writes them.
 */
export abstract class TcpControlBlock extends TcpTuple {
  /** The RFC 9293 state. */
  state: TcpState = TcpState.Closed;
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
  /** The peer's SYN offered window scaling (and so did we). */
  peerScales: bool = false;
  /** Timestamps (RFC 7323): `timestamps.ok` once both ends offered them (a `Timestamps` if the config has them on). */
  readonly timestamps: TcpTimestamps = this.config.timestamps.create();
  /** The `now` of the current `process` or `dispatch` call, for TSval. */
  clockNow: i64 = 0;
  /** Congestion control. */
  readonly congestion: NewReno = new NewReno();
  /** The highest sequence number sent + 1. */
  sndMax: u32 = 0;
  /** The sequence number of the segment that last updated SND.WND. */
  sndWl1: u32 = 0;
  /** The acknowledgment number of the segment that last updated SND.WND. */
  sndWl2: u32 = 0;
  /** The sequence number of the first byte in the send buffer. */
  sndBase: u32 = 0;
  /** The largest window the peer offered (RFC 5961 §5). */
  maxSndWnd: u32 = 0;
  /** `close` was called: a FIN follows the buffered data. */
  finQueued: bool = false;
  /** Resend the segment at SND.UNA (fast retransmit, partial ACK). */
  retransmitDue: bool = false;
  /** Timeouts of the segment at SND.UNA. */
  retries: u32 = 0;
  /** What the peer SACKed. */
  readonly scoreboard: Scoreboard = new Scoreboard(8);
  /** SACK recovery: holes before this were resent (RFC 6675's HighRxt). */
  rexmitNext: u32 = 0;
  /** SND.MAX when the latest hole was resent. */
  rexmitMark: u32 = 0;

  // Receive sequence space.
  /** Initial receive sequence number. */
  irs: u32 = 0;
  /** Next sequence number expected. */
  rcvNxt: u32 = 0;
  /** An ACK goes out on the next dispatch. */
  ackNow: bool = false;
  /** A delayed ACK is due then. */
  ackDeadline: i64 = NEVER;
  /** Bytes received since our last ACK. */
  rcvUnacked: u32 = 0;
  /** Data segments still to be ACKed at once (`TcpConfig.quickAcks`). */
  quickAcksLeft: u32 = this.config.quickAcks;
  /** A RST goes out on the next dispatch. */
  rstDue: bool = false;
  /** RCV.NXT + the window in the last segment sent. */
  advertisedEdge: u32 = 0;
  /** An out-of-order FIN's sequence number. */
  finSeqHeld: u32 = 0;
  /** An out-of-order FIN was received. */
  finHeld: bool = false;
  /** When the last acceptable segment arrived. */
  lastHeard: i64 = 0;
  /** The largest segment the peer sent us: "full-sized" for delayed ACKs. */
  rcvMss: u32 = TCP_DEFAULT_MSS;
  /** The second in which `challengeCount` challenge ACKs went out. */
  challengeStart: i64 = 0;
  /** Challenge ACKs sent in the second from `challengeStart`. */
  challengeCount: u32 = 0;

  // Timers (ns).
  /** The round-trip estimate and the RTO. */
  readonly rtt: RttEstimator = new RttEstimator(this.config);
  /** The retransmission timer; in TIME-WAIT: when it ends. */
  rtoDeadline: i64 = NEVER;
  /** The zero-window probe timer. */
  persistDeadline: i64 = NEVER;
  /** The tail-loss probe timer (RFC 8985 §7). */
  probeDeadline: i64 = NEVER;
  /** A tail-loss probe went out and no ACK of new data has come since. */
  probing: bool = false;
  /** The time between zero-window probes. */
  persistBackoff: i64 = 0;
  /** Zero-window probes since the peer last said anything. */
  probesUnanswered: u32 = 0;
  /** Keepalive probes since the peer last said anything. */
  keepProbes: u32 = 0;
  /** FIN-WAIT-2 probes since the peer last spoke. */
  finProbes: u32 = 0;
  /** When the next FIN-WAIT-2 probe is due. */
  finProbeAt: i64 = NEVER;

  /** Data the application wrote, from SND.UNA (after the SYN) on. */
  readonly sendBuffer: ByteRing = new ByteRing(max<u32>(this.config.sendBuffer, 1));
  /** Data received in order, not yet read (out-of-order data waits past its tail). */
  readonly recvBuffer: ByteRing = new ByteRing(min<u32>(max<u32>(this.config.recvBuffer, 1), MAX_WINDOW << MAX_SHIFT));
  /** The out-of-order ranges held past RCV.NXT. */
  readonly reassembly: Reassembly = new Reassembly(max<u32>(this.config.reassemblyRanges, 1));
  /** The one segment the connection builds its own in (and its immediate replies). */
  readonly out: TcpRepr = new TcpRepr();
  /** A wrapped segment's payload, allocated at the first wrap. */
  scratch: StaticArray<u8> | null = null;

  constructor(
    /** The tunables (shared by an endpoint's connections). */
    readonly config: TcpConfig,
    /** Our MSS: the largest payload we send and advertise (MTU - 40). */
    readonly mss: u32,
  ) {
    super();
  }

  /** The window scale we offer: the least shift that lets the window cover the receive buffer. */
  wsOffer(): u32 {
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

  /** The sequence number of our FIN (once `finQueued`). */
  finSeq(): u32 {
    return this.sndBase + this.sendBuffer.length;
  }

  /** Our FIN has been sent. */
  finSent(): bool {
    return this.finQueued && seqGt(this.sndMax, this.finSeq());
  }

  /** Our FIN has been acknowledged. */
  finAcked(): bool {
    return this.finQueued && seqGt(this.sndUna, this.finSeq());
  }

  /** Past the handshake: not CLOSED, LISTEN, SYN-SENT or SYN-RECEIVED. */
  synchronized(): bool {
    const s = this.state;
    return s != TcpState.Closed && s != TcpState.Listen && s != TcpState.SynSent && s != TcpState.SynReceived;
  }

  /** The state takes the peer's data: ESTABLISHED, FIN-WAIT-1 or FIN-WAIT-2. */
  receivesData(): bool {
    const s = this.state;
    return s == TcpState.Established || s == TcpState.FinWait1 || s == TcpState.FinWait2;
  }

  // ---- closing ----------------------------------------------------------

  /** TIME-WAIT and CLOSED send no data: the buffers go back to the heap (the receive ring once read). */
  release(): void {
    this.sendBuffer.clear(); // (in TIME-WAIT all was acknowledged; in CLOSED it will never be sent)
    this.sendBuffer.release();
    this.recvBuffer.release();
    this.scratch = null;
  }

  /**
   * Gives back the rings that hold nothing: the send ring once all it held is acknowledged, the
   * receive ring once all is read and no out-of-order data waits past its tail. The next write or
   * segment allocates them again. An idle keep-alive connection holds both; the endpoint asks for
   * this only when its memory budget is full.
   */
  trimBuffers(): void {
    this.sendBuffer.release(); // (each only if empty)
    if (this.reassembly.empty) this.recvBuffer.release();
  }

  /** Enters TIME-WAIT for 2 * MSL from `now`. */
  enterTimeWait(now: i64): void {
    this.release();
    this.state = TcpState.TimeWait;
    this.probeDeadline = NEVER;
    this.persistDeadline = NEVER;
    this.rtoDeadline = now + 2 * this.config.msl; // (all we sent is acknowledged: no retransmission timer)
  }

  // ---- what the machinery tells the connection (TcpConnection: its emitter and handler) ----

  /** Sends `segment` from the local end to the remote end (the emitter's `emit`); false if it could not. */
  abstract emitSegment(segment: TcpRepr, now: i64): bool;
  /** The handshake completed: ESTABLISHED (the handler's `connected`). */
  abstract notifyConnected(now: i64): void;
  /** Data or the peer's FIN is ready to read (the handler's `readable`). */
  abstract notifyReadable(now: i64): void;
  /** Sent data was acknowledged (the handler's `writable`). */
  abstract notifyWritable(now: i64): void;
  /** The connection reached CLOSED (the handler's `closed`). */
  abstract notifyClosed(reason: CloseReason, now: i64): void;
}

/**
 * Enters CLOSED for `reason`, stops every timer, and tells the connection (`notifyClosed`) if it
 * was not CLOSED already. (A function generic over the connection's class, as the machinery's
 * functions that raise events are: see the top of the file.)
 */
export function enterClosed<C extends TcpControlBlock>(c: C, reason: CloseReason, now: i64): void {
  const was = c.state;
  c.release();
  c.state = TcpState.Closed;
  c.rtoDeadline = NEVER;
  c.probeDeadline = NEVER;
  c.persistDeadline = NEVER;
  c.ackDeadline = NEVER;
  c.ackNow = false;
  c.retransmitDue = false;
  c.keepAliveIdle = 0;
  if (was != TcpState.Closed) c.notifyClosed(reason, now);
}
