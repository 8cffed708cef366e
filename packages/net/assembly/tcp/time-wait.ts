// The endpoint's connections in TIME-WAIT, oldest first, so that the oldest can be reclaimed in
// O(1) when the table or the memory budget is full, however many connections there are.

import { TcpConnection } from "./connection";

/**
 * Connections in the order they entered TIME-WAIT, doubly linked through the connections
 * (`nextTimeWait`, `prevTimeWait`): the endpoint pushes one as it enters TIME-WAIT and removes it
 * as it leaves the table (expired, reopened, reclaimed), in O(1) either way, so the queue holds
 * nothing that has gone (a connection kept in TIME-WAIT longer, by its peer's FIN again or a
 * longer MSL, holds up nothing behind it).
 */
export class TimeWaitQueue {
  /** The connection longest in TIME-WAIT, or null. */
  oldest: TcpConnection | null = null;
  private newest: TcpConnection | null = null;
  /** Connections queued. */
  size: i32 = 0;

  /** `conn` has just entered TIME-WAIT. */
  push(conn: TcpConnection): void {
    const t = this.newest;
    conn.prevTimeWait = t;
    if (t) t.nextTimeWait = conn;
    else this.oldest = conn;
    this.newest = conn;
    this.size++;
  }

  /** Takes `conn` off the queue, if it is on it. */
  remove(conn: TcpConnection): void {
    const p = conn.prevTimeWait;
    const n = conn.nextTimeWait;
    if (!p && this.oldest !== conn) return;
    if (p) p.nextTimeWait = n;
    else this.oldest = n;
    if (n) n.prevTimeWait = p;
    else this.newest = p;
    conn.prevTimeWait = null;
    conn.nextTimeWait = null;
    this.size--;
  }
}
