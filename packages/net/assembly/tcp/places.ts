// An endpoint's places: the table its connections and TIME-WAIT records hold on their 4-tuples
// (table.ts), and the memory budget they are counted against (`TcpConfig.memory`, the endpoint's):
// what a connection costs with the rings it holds, what a record costs, whether a new connection is
// admitted (idle connections' empty rings given back first, then the oldest TIME-WAIT records), and
// the count of refusals. TcpEndpoint (endpoint.ts) builds the protocol's flows on it.

import { TcpConnection, TcpEmitter } from "./connection";
import { NEVER } from "./control-block";
import { SipHash } from "./siphash";
import { TcpConfig, tcpMemory, TcpState } from "./state";
import { TcpTable } from "./table";
import { TCP_TIME_WAIT_BYTES, TimeWait, TimeWaitQueue } from "./time-wait";

/** What a connection costs the memory budget besides its rings: its objects, about 1.2 KB (tcp-memory.spec.ts). */
export const TCP_CONNECTION_BYTES: u64 = 1280;

/** The table of an endpoint's connections and TIME-WAIT records, and their memory budget. */
export abstract class TcpPlaces extends TcpEmitter {
  /** The tunables of every connection (a listener may have its own). */
  readonly config: TcpConfig = new TcpConfig();
  /** Live connections, in no particular order (those that reach CLOSED or TIME-WAIT are removed). */
  readonly connections: Array<TcpConnection> = new Array<TcpConnection>();
  /** Connections refused because the table was full (and cookies could not help). */
  tableFull: u64 = 0;
  /** Connections refused because they would pass the memory budget (`config.memory`). */
  memoryRefused: u64 = 0;
  /** Bytes counted against the memory budget: `TCP_CONNECTION_BYTES` and the rings of each connection, `TCP_TIME_WAIT_BYTES` each TIME-WAIT record. */
  memoryUsed: u64 = 0;
  /** The most connections at once (SYNs beyond it get cookies; `connect` returns null). */
  maxConnections: i32 = 1024;
  /** TIME-WAIT records dropped early to make room in a full table or budget. */
  timeWaitReclaimed: u64 = 0;
  /** Bytes of empty rings open connections gave back to make room in a full budget (`TcpConnection.trimBuffers`). */
  trimmedBytes: u64 = 0;
  protected readonly timeWait: TimeWaitQueue = new TimeWaitQueue();
  protected readonly sip: SipHash = new SipHash(); // keys the table, ISNs, ports and cookies
  protected readonly table: TcpTable = new TcpTable(this.sip);

  // ---- the table --------------------------------------------------------

  /** Connections in TIME-WAIT (their records). */
  get timeWaitCount(): i32 {
    return this.timeWait.size;
  }

  /** Connections in the table, TIME-WAIT records included. */
  get count(): i32 {
    return this.table.size;
  }

  /** The connection with this 4-tuple, or null (null for one in TIME-WAIT: see `findTimeWait`). */
  find(localAddr: u32, localPort: u32, remoteAddr: u32, remotePort: u32): TcpConnection | null {
    const e = this.table.find(localAddr, localPort, remoteAddr, remotePort);
    return e && !(e instanceof TimeWait) ? changetype<TcpConnection>(e) : null;
  }

  /** The TIME-WAIT record of this 4-tuple, or null. */
  findTimeWait(localAddr: u32, localPort: u32, remoteAddr: u32, remotePort: u32): TimeWait | null {
    const e = this.table.find(localAddr, localPort, remoteAddr, remotePort);
    return e instanceof TimeWait ? changetype<TimeWait>(e) : null;
  }

  // Whether a connection or a TIME-WAIT record has this 4-tuple.
  protected taken(localAddr: u32, localPort: u32, remoteAddr: u32, remotePort: u32): bool {
    return this.table.find(localAddr, localPort, remoteAddr, remotePort) != null;
  }

  // Adds a connection whose 4-tuple is set and not in the table; counts its cost against the budget.
  protected insert(conn: TcpConnection): void {
    this.table.add(conn);
    this.connections.push(conn);
    this.recount(conn);
  }

  // Counts `conn` (in the table) against the budget anew: its objects and the rings it holds now.
  protected recount(conn: TcpConnection): void {
    const s = conn.sendBuffer;
    const r = conn.recvBuffer;
    const open = conn.state != TcpState.TimeWait && conn.state != TcpState.Closed;
    const app = open && conn.handler != null ? conn.stateBytes : 0;
    const bytes = TCP_CONNECTION_BYTES + app + (s.allocated ? s.capacity : 0) + (r.allocated ? r.capacity : 0);
    this.memoryUsed += bytes - conn.charged;
    conn.charged = bytes;
  }

  // Takes `conn` out of the table and the budget (not out of `connections`: `poll` compacts that).
  protected unplace(conn: TcpConnection): void {
    if (!this.table.remove(conn)) return; // not here
    this.memoryUsed -= conn.charged;
    conn.charged = 0;
  }

  // `conn` (in the table) has entered TIME-WAIT, and its ACK of the peer's FIN has gone: a record
  // takes its place in the table and the queue, and the connection leaves the endpoint. The record
  // keeps the connection only while it has a handler to tell when TIME-WAIT ends (and keeps its
  // time: the connection no longer ends TIME-WAIT on its own).
  protected retire(conn: TcpConnection): void {
    const r = new TimeWait(conn);
    conn.rtoDeadline = NEVER;
    this.table.replace(conn, r);
    this.memoryUsed -= conn.charged;
    conn.charged = 0; // (out of the table: `poll` drops it from `connections`)
    let bytes = TCP_TIME_WAIT_BYTES;
    if (conn.handler) {
      r.conn = conn;
      bytes += <u32>TCP_CONNECTION_BYTES + (conn.recvBuffer.allocated ? conn.recvBuffer.capacity : 0); // (data unread)
    }
    r.charged = bytes;
    this.memoryUsed += bytes;
    this.timeWait.push(r);
  }

  // Ends TIME-WAIT for `r` now: takes it out of the table, the queue and the budget; returns the connection it kept, if any.
  protected drop(r: TimeWait): TcpConnection | null {
    if (!this.table.remove(r)) return null; // (gone already)
    this.timeWait.remove(r);
    this.memoryUsed -= r.charged;
    r.charged = 0;
    const c = r.conn;
    r.conn = null;
    return c;
  }

  // Whether the table and the memory budget have room for one more connection with `config`'s
  // buffers and `state` bytes of the application's. When the budget has not, open connections first
  // give back the rings they hold empty (idle keep-alive connections hold both, 20 KB with the http
  // example's buffers: as Linux reclaims socket memory under pressure). Then the oldest TIME-WAIT
  // records give up their place (as Linux does when its TIME-WAIT buckets overflow): TIME-WAIT only
  // guards its own 4-tuple against old duplicates, and must not lock everyone else out for 2*MSL.
  protected admits(config: TcpConfig, now: i64, state: u64 = 0): bool {
    let limit = tcpMemory(this.config);
    if (limit == 0) limit = u64.MAX_VALUE; // no budget
    const need = TCP_CONNECTION_BYTES + state + config.sendBuffer + config.recvBuffer; // its rings, once both fill

    if (this.memoryUsed + need > limit) this.trim();
    while (this.table.size >= this.maxConnections || this.memoryUsed + need > limit) {
      const r = this.timeWait.oldest;
      if (!r) return false;
      const kept = r.conn;
      if (now < r.expires && !(kept && kept.state == TcpState.Closed)) this.timeWaitReclaimed++; // (else it has just ended)
      const c = this.drop(r);
      if (c) c.abort(now); // no RST from TIME-WAIT; its handler hears Aborted
    }
    return true;
  }

  // Has every open connection give back the rings it holds empty, and counts them anew (O(connections),
  // only when the budget is full; a later write or segment allocates the rings again).
  protected trim(): void {
    const list = this.connections;
    const before = this.memoryUsed;
    for (let i = 0, n = list.length; i < n; i++) {
      const c = unchecked(list[i]);
      if (c.charged == 0) continue; // (not in the table)
      c.trimBuffers();
      this.recount(c);
    }
    this.trimmedBytes += before - this.memoryUsed;
  }

  // Counts a connection refused for want of room; returns null (for `connect`).
  protected refuse(): TcpConnection | null {
    if (this.table.size >= this.maxConnections) this.tableFull++;
    else this.memoryRefused++;
    return null;
  }
}
