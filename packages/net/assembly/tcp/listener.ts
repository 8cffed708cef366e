// A listening port and who decides on its connections: the endpoint (endpoint.ts) makes the
// half-open connections, answers with SYN cookies and asks the acceptor at completion.

import { TcpConnection, TcpHandler } from "./connection";
import { TcpConfig, TcpState } from "./state";

/** Decides whether to take a connection a listener received (passive open). */
export abstract class TcpAcceptor {
  /**
   * A connection from `remoteAddr:remotePort` completed its handshake: the handler for it, or null
   * to refuse it (it is reset). Called at the final ACK of the handshake, not at the SYN.
   */
  abstract accept(remoteAddr: u32, remotePort: u32, now: i64): TcpHandler | null;

  /**
   * The endpoint's table or memory budget is full, no connection in TIME-WAIT or half-open could
   * make room, and a client has returned a valid SYN cookie: give up one of your connections for
   * it (the endpoint resets it and forgets it at once) and return it, or null to keep them all (the
   * new client is refused for now, and tries again). By default, null.
   */
  makeRoom(now: i64): TcpConnection | null {
    return null;
  }
}

/** A local port accepting connections. */
export class TcpListener {
  /** Half-open (SYN-RECEIVED) connections at most; further SYNs get SYN cookies (or evict the oldest). */
  backlog: i32 = 128;
  /** Answer SYNs beyond the backlog with SYN cookies (true) or by evicting the oldest half-open connection. */
  syncookies: bool = true;
  /** SYN-ACKs sent with a cookie instead of state. */
  cookiesSent: u64 = 0;
  /** Connections rebuilt from a valid cookie. */
  cookiesAccepted: u64 = 0;
  /** ACKs whose cookie did not verify (answered with RST). */
  cookiesRejected: u64 = 0;
  /** Half-open connections evicted to make room (`syncookies` false). */
  evicted: u64 = 0;
  /** Connections the acceptor gave up (`makeRoom`) for a new client when the table or budget was full. */
  shed: u64 = 0;
  /** Completed handshakes the acceptor refused (reset). */
  refused: u64 = 0;
  /**
   * Bytes the acceptor keeps for each connection it takes (an HTTP server's buffers and parser),
   * counted with the connection against the endpoint's memory budget from its acceptance until it
   * reaches TIME-WAIT or CLOSED, and reserved when a SYN is admitted.
   */
  stateBytes: u64 = 0;
  /** The half-open connections, oldest first. */
  readonly halfOpen: Array<TcpConnection> = new Array<TcpConnection>();

  constructor(
    /** The local port. */
    readonly port: u32,
    /** Who decides on each completed handshake. */
    readonly acceptor: TcpAcceptor,
    /** The tunables of this listener's connections (buffer sizes, timers). */
    readonly config: TcpConfig,
  ) {}

  /** Forgets half-open connections that are no longer SYN-RECEIVED; returns how many remain. */
  prune(): i32 {
    const h = this.halfOpen;
    let w = 0;
    for (let i = 0, n = h.length; i < n; i++) {
      const c = unchecked(h[i]);
      if (c.state == TcpState.SynReceived && c.handler == null) unchecked((h[w++] = c));
    }
    h.length = w;
    return w;
  }
}
