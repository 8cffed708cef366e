// The endpoint's connections in TIME-WAIT, oldest first, so that the oldest can be reclaimed in
// O(1) when the table or the memory budget is full, however many connections there are.

import { TcpConnection } from "./connection";
import { TcpState } from "./state";

/**
 * Connections in the order they entered TIME-WAIT (all last 2*MSL, so this is also the order they
 * end in), linked through `TcpConnection.nextTimeWait`. Those that have left TIME-WAIT since
 * (expired, reopened, reclaimed) are dropped when they reach the front.
 */
export class TimeWaitQueue {
  private head: TcpConnection | null = null;
  private tail: TcpConnection | null = null;

  /** `conn` has just entered TIME-WAIT. */
  push(conn: TcpConnection): void {
    const t = this.tail;
    if (t) t.nextTimeWait = conn;
    else this.head = conn;
    this.tail = conn;
  }

  /** The connection longest in TIME-WAIT, taken off the queue; null if none is. */
  take(): TcpConnection | null {
    const c = this.prune();
    if (c) {
      this.head = c.nextTimeWait;
      c.nextTimeWait = null;
      if (!this.head) this.tail = null;
    }
    return c;
  }

  /** Drops the connections at the front that have left TIME-WAIT; returns the first still in it, or null. */
  prune(): TcpConnection | null {
    let c = this.head;
    while (c && c.state != TcpState.TimeWait) {
      const next = c.nextTimeWait;
      c.nextTimeWait = null;
      c = next;
    }
    this.head = c;
    if (!c) this.tail = null;
    return c;
  }
}
