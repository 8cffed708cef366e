// The endpoint's connections in TIME-WAIT, oldest first, so that the oldest can be reclaimed in
// O(1) when the table or the memory budget is full, however many connections there are.

import { TcpConnection } from "./connection";
import { TcpState } from "./state";

/**
 * Connections in the order they entered TIME-WAIT (all last 2*MSL, so this is also the order they
 * end in). Those that have left it since (expired, reopened, reclaimed) are skipped when they reach
 * the front.
 */
export class TimeWaitQueue {
  private readonly conns: Array<TcpConnection> = new Array<TcpConnection>();
  private head: i32 = 0; // conns before it are gone

  /** `conn` has just entered TIME-WAIT. */
  push(conn: TcpConnection): void {
    this.conns.push(conn);
  }

  /** The connection longest in TIME-WAIT, taken off the queue; null if none is. */
  take(): TcpConnection | null {
    const c = this.front();
    if (c) this.head++;
    return c;
  }

  // The first connection still in TIME-WAIT, skipping (and dropping) those that left it.
  private front(): TcpConnection | null {
    const q = this.conns;
    while (this.head < q.length && unchecked(q[this.head]).state != TcpState.TimeWait) this.head++;
    return this.head < q.length ? unchecked(q[this.head]) : null;
  }

  /** Forgets the connections that have left TIME-WAIT at the front (so the queue holds no dead ones for long). */
  prune(): void {
    this.front();
    const h = this.head;
    if (h > 0) {
      this.conns.splice(0, h);
      this.head = 0;
    }
  }
}
