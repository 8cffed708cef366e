// TCP connection states (RFC 9293 §3.3.2), why a connection closed, and the tunables.

/** The RFC 9293 connection states. */
export enum TcpState {
  /** No connection. */
  Closed = 0,
  /** Waiting for a SYN. */
  Listen,
  /** Our SYN sent, waiting for the peer's. */
  SynSent,
  /** SYN received and SYN-ACK sent, waiting for its ACK. */
  SynReceived,
  /** Open: data flows both ways. */
  Established,
  /** We closed; our FIN not yet acknowledged. */
  FinWait1,
  /** We closed and our FIN is acknowledged; waiting for the peer's FIN. */
  FinWait2,
  /** The peer closed; we may still send. */
  CloseWait,
  /** Both closed at once; waiting for the ACK of our FIN. */
  Closing,
  /** The peer closed, then we did; waiting for the ACK of our FIN. */
  LastAck,
  /** Both closed; lingering 2*MSL for a retransmitted FIN. */
  TimeWait,
}

/** A short name for a state, for logs and test messages. */
export function tcpStateName(s: TcpState): string {
  switch (s) {
    case TcpState.Closed:
      return "CLOSED";
    case TcpState.Listen:
      return "LISTEN";
    case TcpState.SynSent:
      return "SYN-SENT";
    case TcpState.SynReceived:
      return "SYN-RECEIVED";
    case TcpState.Established:
      return "ESTABLISHED";
    case TcpState.FinWait1:
      return "FIN-WAIT-1";
    case TcpState.FinWait2:
      return "FIN-WAIT-2";
    case TcpState.CloseWait:
      return "CLOSE-WAIT";
    case TcpState.Closing:
      return "CLOSING";
    case TcpState.LastAck:
      return "LAST-ACK";
    case TcpState.TimeWait:
      return "TIME-WAIT";
    default:
      return "?";
  }
}

/** Why a connection closed. */
export enum CloseReason {
  /** Both sides closed (FIN exchanged). */
  Normal = 0,
  /** The peer reset the connection. */
  Reset,
  /** The peer refused the connection (RST to our SYN). */
  Refused,
  /** Retransmissions gave up. */
  TimedOut,
  /** We aborted it (`abort`). */
  Aborted,
  /** An ICMP error said the peer cannot be reached (a hard error, or soft errors until the SYN gave up). */
  Unreachable,
}

import { TcpTimestamps } from "./timestamps";

const MILLISECOND: i64 = 1_000_000;

/** What a `TcpConfig.memory` of 0 stands for; a `Stack` sets it to half of the runtime's `memoryLimit()`. */
let defaultMemory: u64 = 0;

/** Sets what a `TcpConfig.memory` of 0 stands for (0: no budget, the default outside a `Stack`). */
export function setDefaultTcpMemory(bytes: u64): void {
  defaultMemory = bytes;
}

/** The memory budget `config` sets (`memory`, or the default when it is 0); 0 for none. */
export function tcpMemory(config: TcpConfig): u64 {
  return config.memory != 0 ? config.memory : defaultMemory;
}
const SECOND: i64 = 1000 * MILLISECOND;

/** The tunables of TCP connections (shared by an endpoint's connections); times in ns. */
export class TcpConfig {
  /** Send buffer bytes per connection. */
  sendBuffer: u32 = 65536;
  /** Receive buffer bytes per connection; beyond 65535 it is usable only with window scaling (up to 1 GiB). */
  recvBuffer: u32 = 65536;
  /** Offer window scaling (RFC 7323 §2); used only if the peer offers it too. */
  windowScaling: bool = true;
  /** Offer SACK (RFC 2018): we then report out-of-order data we hold; used only if the peer offers it too. */
  sack: bool = true;
  /**
   * Timestamps (RFC 7323 §3-5: PAWS, RTT samples even from retransmissions): off, as they cost 12
   * bytes a segment. `new Timestamps()` (tcp/timestamps.ts) offers them; an image that never does
   * carries none of their code.
   */
  timestamps: TcpTimestamps = new TcpTimestamps();
  /** Out-of-order ranges held beyond RCV.NXT (each costs 8 bytes; their data lives in the receive buffer). */
  reassemblyRanges: u32 = 8;
  /** The initial congestion window in segments (RFC 6928: 10, capped at 14600 bytes for large MSS). */
  initialWindow: u32 = 10;
  /** The longest an ACK waits for a second segment (RFC 5681 §4.2 says at most 500 ms; Linux's minimum is 40 ms). */
  ackDelay: i64 = 40 * MILLISECOND;
  /** Data segments ACKed at once at the start of a connection, so the peer's slow start is not slowed (Linux: 16). */
  quickAcks: u32 = 16;
  /** Nagle's algorithm (RFC 896) for new connections: off, as most servers set TCP_NODELAY. */
  nagle: bool = false;
  /** Keepalive (RFC 1122 §4.2.3.6) for new connections: idle time before the first probe; 0 is off. */
  keepAliveIdle: i64 = 0;
  /** Keepalive: time between unanswered probes (Linux: 75 s). */
  keepAliveInterval: i64 = 75 * SECOND;
  /** Keepalive: unanswered probes before the connection times out (Linux: 9). */
  keepAliveCount: u32 = 9;
  /**
   * FIN-WAIT-2 without a word from the peer for this long (Linux: 60 s) starts probes, backing off
   * from the RTO; `maxRetransmissions` unanswered ones end the connection. 0: wait forever.
   */
  finWait2Timeout: i64 = 60 * SECOND;
  /** Challenge ACKs (RFC 5961 §7) a connection sends per second at most. */
  challengeAckLimit: u32 = 10;
  /** The retransmission timeout before any RTT sample (RFC 6298 §2.1: 1 s). */
  rtoInitial: i64 = 1000 * MILLISECOND;
  /**
   * The smallest retransmission timeout: 200 ms, as Linux (RFC 6298 §2.4 says SHOULD 1 s; on a lossy
   * path with a millisecond RTT, 1 s idles the connection for hundreds of round trips per tail loss).
   */
  rtoMin: i64 = 200 * MILLISECOND;
  /** The largest retransmission timeout, and the longest gap between zero-window probes (RFC 6298 §2.5: at least 60 s). */
  rtoMax: i64 = 60_000 * MILLISECOND;
  /** Retransmissions of one segment (or zero-window probes without any answer) before the connection times out. */
  maxRetransmissions: u32 = 8;
  /**
   * The endpoint's memory budget in bytes (read from the endpoint's `config` only); 0: the default,
   * which a `Stack` sets to half of the runtime's `memoryLimit()` (none without a `Stack`).
   * Connections count `TCP_CONNECTION_BYTES` each and the rings they hold (allocated at first use,
   * given back in TIME-WAIT and CLOSED). A new connection is taken only if it fits with both its
   * rings full, after the oldest TIME-WAIT connections are reclaimed; else `connect` returns null, a
   * SYN gets a SYN cookie, a cookie is not redeemed (silently: the peer's next segment tries again).
   * Connections already made are served as usual.
   */
  memory: u64 = 0;
  /** Maximum segment lifetime; TIME-WAIT lasts 2*MSL (RFC 9293: 2 minutes; shorten it in tests). */
  msl: i64 = 120_000 * MILLISECOND;
}
