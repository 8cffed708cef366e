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

const MILLISECOND: i64 = 1_000_000;

/** The tunables of TCP connections; times in ns. */
export class TcpConfig {
  /** Send buffer bytes per connection. */
  sendBuffer: u32 = 16384;
  /** Receive buffer bytes per connection (at most 65535: no window scaling yet). */
  recvBuffer: u32 = 16384;
  /** The retransmission timeout before any RTT sample (RFC 6298 §2.1: 1 s). */
  rtoInitial: i64 = 1000 * MILLISECOND;
  /** The smallest retransmission timeout (RFC 6298 §2.4 says 1 s; Linux uses 200 ms). */
  rtoMin: i64 = 1000 * MILLISECOND;
  /** The largest retransmission timeout (RFC 6298 §2.5: at least 60 s). */
  rtoMax: i64 = 60_000 * MILLISECOND;
  /** Retransmissions of one segment before the connection times out. */
  maxRetransmissions: u32 = 8;
  /** Maximum segment lifetime; TIME-WAIT lasts 2*MSL (RFC 9293: 2 minutes; shorten it in tests). */
  msl: i64 = 120_000 * MILLISECOND;
}
