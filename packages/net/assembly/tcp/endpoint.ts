// The interface's TCP: its connections and listeners, demultiplexing, listen backlogs with SYN
// cookies, RSTs for closed ports, ICMP errors, initial sequence numbers, ephemeral ports and the
// memory budget. It sees the interface only as its sending side (iface/output.ts's
// `Ipv4Output`); tcp/transport.ts plugs it into the interface.
//
// Connections are found by 4-tuple in a keyed hash table (table.ts); `connections` lists the same
// connections densely for polling; a connection is dropped from both as soon as it is CLOSED (by
// `poll`, or at once when a segment arrives for it), so its buffers are garbage once the app lets go.
//
// Passive opens: a SYN to a listening port makes a SYN-RECEIVED connection (one of the listener's
// `backlog` half-open connections), with no handler. The acceptor is asked only when the handshake
// completes (the final ACK), so a SYN flood costs the application nothing; `accept` returning null
// then aborts the connection with a RST. When a listener's backlog is full, or the table is, SYNs
// are answered statelessly with SYN cookies (RFC 4987 §3.6, syn-cookies.ts); a returning ACK that
// carries a valid cookie rebuilds the connection. Cookie connections lose the SYN's options except
// the MSS (coded in 3 bits): no window scaling, SACK or timestamps, as with classic cookies.
//
// Initial sequence numbers follow RFC 6528 (a 4 µs clock plus a keyed hash of the 4-tuple), and
// ephemeral ports RFC 6056 algorithm 3 (a keyed hash of the remote end offsets a counter), both keyed
// from the host's `entropy` call.
//
// TIME-WAIT: a connection that enters it leaves the endpoint, and a record of what TIME-WAIT needs
// (time-wait.ts: about 100 bytes) takes its place in the table until 2*MSL ends; the records are
// queued oldest first, so that the oldest gives up its place in O(1) when the table or the budget
// is full. Memory: `TcpConfig.memory` (the endpoint's) bounds what connections and records may
// hold, counted in `memoryUsed`; a connection in CLOSED holds no buffers. The table and the budget
// are places.ts's, which this class extends.

import { Ipv4Output } from "../iface/output";
import { Drop } from "../wire/drop";
import { IP_PROTOCOL_TCP } from "../wire/ipv4";
import { TcpPacket, TcpRepr, TCP_ACK, TCP_MAX_HEADER_LEN, TCP_RST, TCP_SYN } from "../wire/tcp";
import { seqLt } from "../wire/seq";
import { TcpConnection, TcpHandler } from "./connection";
import { enterClosed, NEVER } from "./control-block";
import { resetFor } from "./segment";
import { CloseReason, TcpConfig, TcpState } from "./state";
import { splitmix64 } from "./siphash";
import { TCP_TIME_WAIT_BYTES, TimeWait } from "./time-wait";
import { TcpPlaces } from "./places";
import { cookieFor, cookieReturned, cookieSyn } from "./syn-cookies";
import { random64 } from "../entropy";
import { TcpAcceptor, TcpListener } from "./listener";

export { TcpAcceptor, TcpListener } from "./listener";
export { TCP_TIME_WAIT_BYTES, TimeWait } from "./time-wait";

export { TCP_CONNECTION_BYTES } from "./places";

/** An interface's TCP: at most `maxConnections` connections in a hash table on the 4-tuple. */
export class TcpEndpoint extends TcpPlaces {
  /** Segments to a port nobody listens on, answered with RST. */
  resets: u64 = 0;
  /** ICMP errors passed to a connection (which ignores those quoting a sequence number not in flight). */
  icmpErrors: u64 = 0;
  /** ICMP errors about no connection we have. */
  icmpIgnored: u64 = 0;
  private readonly listeners: Array<TcpListener> = new Array<TcpListener>();
  private readonly woken: Array<TcpConnection> = new Array<TcpConnection>();
  private readonly ended: Array<TcpConnection> = new Array<TcpConnection>(); // (poll's: TIME-WAIT over)
  private readonly packet: TcpPacket = new TcpPacket();
  private readonly repr: TcpRepr = new TcpRepr();
  private readonly reply: TcpRepr = new TcpRepr();
  private readonly buffer: StaticArray<u8>;
  private nextEphemeral: u32 = 0;
  private muted: bool = false; // swallow emits (a cookie connection's SYN-ACK, already sent as the cookie)

  constructor(
    /** The interface's sending side (the interface itself). */
    private readonly ip: Ipv4Output,
  ) {
    super();
    this.buffer = new StaticArray<u8>(<i32>(TCP_MAX_HEADER_LEN + ip.mtu));
    this.seed64(random64());
  }

  /** Our MSS: the MTU less the IPv4 and TCP headers. */
  mss(): u32 {
    return this.ip.mtu - 40;
  }

  /** Rekeys the secret behind initial sequence numbers, ports, cookies and the table (tests use fixed seeds). */
  seed(seed: u32): void {
    this.seed64(splitmix64(<u64>seed));
  }

  private seed64(s: u64): void {
    this.sip.rekey(splitmix64(s), splitmix64(s ^ 0x5bd1e9955bd1e995));
    this.nextEphemeral = <u32>splitmix64(s + 1);
    this.table.rekeyed(); // the slots depend on the key
  }

  /** An initial sequence number (RFC 6528): a 4 µs clock plus a keyed hash of the 4-tuple. */
  iss(localAddr: u32, localPort: u32, remoteAddr: u32, remotePort: u32, now: i64): u32 {
    return <u32>(now / 4000) + <u32>this.sip.tuple(localAddr, localPort, remoteAddr, remotePort, 1);
  }

  // ---- listening and connecting ------------------------------------------

  /** Listens on `port` (1..65535) with `config` (the endpoint's if null); null if it is taken or out of range. */
  listen(port: u32, acceptor: TcpAcceptor, config: TcpConfig | null = null): TcpListener | null {
    if (port == 0 || port > 0xffff || this.listenerOn(port)) return null;
    const l = new TcpListener(port, acceptor, config ? config : this.config);
    this.listeners.push(l);
    return l;
  }

  /** Stops listening; established connections stay, half-open ones are reset when they complete. */
  unlisten(listener: TcpListener): void {
    const i = this.listeners.indexOf(listener);
    if (i >= 0) this.listeners.splice(i, 1);
  }

  /** Opens a connection to `remoteAddr:remotePort` from `localPort` (0: an ephemeral port); null if the table is full or the 4-tuple is taken. */
  connect(remoteAddr: u32, remotePort: u32, handler: TcpHandler, now: i64, localPort: u32 = 0): TcpConnection | null {
    if (!this.admits(this.config, now)) return this.refuse();
    const local = this.ip.config.cidr.addr;
    let port = localPort;
    if (port == 0) port = this.ephemeral(local, remoteAddr, remotePort);
    else if (this.taken(local, port, remoteAddr, remotePort)) return null;
    if (port == 0) return null;
    const conn = new TcpConnection(this.config, this, this.mss());
    conn.handler = handler;
    conn.connect(local, port, remoteAddr, remotePort, this.iss(local, port, remoteAddr, remotePort, now), now);
    this.insert(conn);
    conn.dispatch(now);
    return conn;
  }

  // RFC 6056 algorithm 3: a keyed hash of the ends offsets a counter into 49152..65535; 0 if all are taken.
  private ephemeral(local: u32, remoteAddr: u32, remotePort: u32): u32 {
    const offset = <u32>this.sip.tuple(local, 0, remoteAddr, remotePort, 2);
    for (let tries = 0; tries < 16384; tries++) {
      const p = 49152 + ((offset + this.nextEphemeral++) & 16383);
      if (!this.taken(local, p, remoteAddr, remotePort) && !this.listenerOn(p)) return p;
    }
    return 0;
  }

  /** The listener on `port`, or null. */
  listenerFor(port: u32): TcpListener | null {
    return this.listenerOn(port);
  }

  private listenerOn(port: u32): TcpListener | null {
    const ls = this.listeners;
    for (let i = 0, n = ls.length; i < n; i++) if (unchecked(ls[i]).port == port) return unchecked(ls[i]);
    return null;
  }

  // ---- receiving ----------------------------------------------------------

  /** Handles a TCP segment of `len` bytes at `ptr` from `src` to `dst`. */
  receive(src: u32, dst: u32, ptr: usize, len: u32, now: i64): void {
    const seg = this.repr;
    const r = seg.parse(this.packet.wrap(ptr, len), src, dst);
    if (r != Drop.Ok) return this.ip.counters.drop(r);
    const e = this.table.find(dst, seg.dstPort, src, seg.srcPort);
    let conn: TcpConnection | null = null;
    let issFloor: u32 = 0;
    if (e instanceof TimeWait) {
      const r = changetype<TimeWait>(e);
      if (!r.reopens(seg) || !this.listenerOn(seg.dstPort)) {
        const reply = r.arrives(seg, now, this.reply);
        if (reply) this.send(dst, src, reply, now);
        return;
      }
      // A new SYN above RCV.NXT ends TIME-WAIT (RFC 1122 §4.2.2.13); the new ISS goes past the old space.
      issFloor = r.sndNxt + 0x20000;
      const c = this.drop(r);
      if (c) c.abort(now); // no RST from TIME-WAIT; its handler hears Aborted
    } else if (e) {
      conn = changetype<TcpConnection>(e);
      if (conn.state == TcpState.Closed) {
        this.unplace(conn); // closed since the last poll: as good as gone
        conn = null;
      }
    }
    if (!conn && dst == this.ip.config.cidr.addr) {
      const l = this.listenerOn(seg.dstPort);
      if (l) {
        if (seg.has(TCP_SYN) && !seg.has(TCP_ACK)) return this.synToListener(l, seg, src, dst, now, issFloor);
        if (seg.has(TCP_ACK) && !seg.has(TCP_SYN) && !seg.has(TCP_RST) && this.cookieValid(l, seg, src, dst, now)) {
          conn = this.fromCookie(l, seg, src, dst, now);
          if (!conn) return; // no room: dropped without a word, the peer's next segment tries again
        }
      }
    }
    if (!conn) return this.unmatched(seg, src, dst, now);
    const was = conn.state;
    const reply = conn.process(seg, src, dst, now);
    if (reply) this.send(dst, src, reply, now);
    if (was == TcpState.SynReceived && conn.handler == null && conn.state != TcpState.SynReceived)
      this.completed(conn, now);
    conn.dispatch(now);
    if (conn.charged == 0) return; // (no longer in the table)
    if (conn.state == TcpState.TimeWait) this.retire(conn);
    else this.recount(conn);
  }

  /**
   * A segment from `src` to `dst` that no connection, TIME-WAIT record or listener took: counted, and
   * answered with a RST when it was addressed to us. A gateway's endpoint overrides it to open
   * connections to any address (see `open`).
   */
  protected unmatched(seg: TcpRepr, src: u32, dst: u32, now: i64): void {
    this.ip.counters.drop(Drop.NotForUs);
    if (dst == this.ip.config.cidr.addr && resetFor(seg, this.reply)) {
      this.resets++;
      this.send(dst, src, this.reply, now);
    }
  }

  /**
   * Answers a SYN from `src` to `dst` that no listener took, at a time of the caller's choosing: a
   * user-mode network's gateway holds a guest's SYN until its host's own connection to `dst` is made,
   * then calls this (or answers with a RST, as a refused host connection was). Makes a connection in
   * SYN-RECEIVED with `handler` and sends its SYN-ACK; the handler hears `connected` at the handshake's
   * final ACK. Null if the 4-tuple is taken, or (counted) the table or the memory budget is full.
   */
  open(syn: TcpRepr, src: u32, dst: u32, handler: TcpHandler, now: i64): TcpConnection | null {
    if (this.taken(dst, syn.dstPort, src, syn.srcPort)) return null;
    if (!this.admits(this.config, now)) return this.refuse();
    const conn = new TcpConnection(this.config, this, this.mss());
    conn.handler = handler;
    conn.listen(dst, syn.dstPort, this.iss(dst, syn.dstPort, src, syn.srcPort, now));
    conn.process(syn, src, dst, now);
    if (conn.state != TcpState.SynReceived) return null;
    this.insert(conn);
    conn.dispatch(now);
    return conn;
  }

  // A SYN for a listener: a half-open connection if the backlog has room, else a SYN cookie (or an eviction).
  private synToListener(l: TcpListener, seg: TcpRepr, src: u32, dst: u32, now: i64, issFloor: u32 = 0): void {
    const full = l.prune() >= l.backlog;
    if ((full && l.syncookies) || !this.admits(l.config, now, l.stateBytes)) {
      if (l.syncookies) this.sendCookie(l, seg, src, dst, now);
      else this.refuse(); // no state and no cookies: the peer retries
      return;
    }
    if (full) this.evict(l, now);
    let iss = this.iss(dst, seg.dstPort, src, seg.srcPort, now);
    if (issFloor != 0 && seqLt(iss, issFloor)) iss = issFloor;
    const conn = this.synReceived(l, seg, src, dst, iss, now);
    if (conn) l.halfOpen.push(conn);
  }

  // A connection of `l` in SYN-RECEIVED from the SYN `syn` with initial sequence number `iss`, put
  // in the table, its SYN-ACK dispatched; null if the SYN was not taken.
  private synReceived(l: TcpListener, syn: TcpRepr, src: u32, dst: u32, iss: u32, now: i64): TcpConnection | null {
    const conn = new TcpConnection(l.config, this, this.mss());
    conn.listen(dst, syn.dstPort, iss);
    conn.process(syn, src, dst, now);
    if (conn.state != TcpState.SynReceived) return null;
    this.insert(conn);
    conn.dispatch(now);
    return conn;
  }

  private sendCookie(l: TcpListener, seg: TcpRepr, src: u32, dst: u32, now: i64): void {
    const iss = cookieFor(this.sip, seg, src, dst, now);
    const window = min<u32>(l.config.recvBuffer, 0xffff);
    const r = this.reply.set(seg.dstPort, seg.srcPort, iss, seg.seqNumber + 1, TCP_SYN | TCP_ACK, window);
    r.options.hasMaxSegSize = true;
    r.options.maxSegSize = this.mss();
    l.cookiesSent++;
    this.send(dst, src, r, now);
  }

  // Drops the listener's oldest half-open connection, if it has one; false if it has none.
  private evict(l: TcpListener, now: i64): bool {
    if (l.halfOpen.length == 0) return false;
    const oldest = unchecked(l.halfOpen[0]);
    l.evicted++;
    oldest.abort(now);
    this.unplace(oldest); // `poll` drops it from `connections`
    l.prune(); // and this from the backlog, as it is CLOSED
    return true;
  }

  // Asks the listener's acceptor to give up one of its connections for a new client; true if one left the table.
  private shed(l: TcpListener, now: i64): bool {
    const c = l.acceptor.makeRoom(now);
    if (!c) return false;
    const used = this.table.size;
    c.abort(now); // its RST goes out with the next flush
    this.unplace(c); // out of the table and the budget now; `poll` drops it from `connections`
    if (this.table.size == used) return false; // (not one of ours)
    l.shed++;
    return true;
  }

  // Whether an ACK to a listener with no connection returns a valid cookie (counted if not).
  private cookieValid(l: TcpListener, seg: TcpRepr, src: u32, dst: u32, now: i64): bool {
    if (!l.syncookies || l.cookiesSent == 0) return false;
    const ok = cookieReturned(this.sip, seg, src, dst, now);
    if (!ok) l.cookiesRejected++;
    return ok;
  }

  // Rebuilds the connection of a valid cookie ACK; null if it cannot be made. A client that returned
  // a valid cookie is real: it takes the place of the oldest half-open connection if it must.
  private fromCookie(l: TcpListener, seg: TcpRepr, src: u32, dst: u32, now: i64): TcpConnection | null {
    while (!this.admits(l.config, now, l.stateBytes))
      if (!this.evict(l, now) && !this.shed(l, now)) return this.refuse();
    const syn = cookieSyn(seg, this.reply); // the SYN, rebuilt
    this.muted = true; // the SYN-ACK went out as the cookie; dispatching it only moves SND.NXT past it
    const conn = this.synReceived(l, syn, src, dst, seg.ackNumber - 1, now);
    this.muted = false;
    if (conn) l.cookiesAccepted++;
    return conn;
  }

  // A passive open completed its handshake: ask the listener's acceptor for a handler.
  private completed(conn: TcpConnection, now: i64): void {
    if (conn.state == TcpState.Closed) return;
    const l = this.listenerOn(conn.localPort);
    if (l) l.prune(); // no longer half-open: the backlog must not hold it (nor its memory) until the next SYN
    const handler = l ? l.acceptor.accept(conn.remoteAddr, conn.remotePort, now) : null;
    if (!l || !handler) {
      if (l) l.refused++;
      conn.abort(now);
      return;
    }
    conn.handler = handler;
    conn.stateBytes = l.stateBytes;
    handler.connected(conn, now);
    if (conn.readable() > 0 || conn.finReceived) handler.readable(conn, now);
  }

  /**
   * An ICMP error about a segment we sent from `localAddr:localPort` to `remoteAddr:remotePort`
   * with sequence number `seq` (`type` and `code` of the ICMP message; `mtu`: the next-hop MTU of
   * "fragmentation needed"). The connection checks that `seq` is in flight (RFC 5927), so a blind
   * attacker must guess it. False if no connection has this 4-tuple.
   */
  icmpError(
    localAddr: u32,
    localPort: u32,
    remoteAddr: u32,
    remotePort: u32,
    seq: u32,
    type: u32,
    code: u32,
    mtu: u32,
    now: i64,
  ): bool {
    const e = this.table.find(localAddr, localPort, remoteAddr, remotePort);
    if (!e || (!(e instanceof TimeWait) && changetype<TcpConnection>(e).state == TcpState.Closed)) {
      this.icmpIgnored++;
      return false;
    }
    this.icmpErrors++;
    if (e instanceof TimeWait) return true; // nothing in flight: TIME-WAIT ignores it
    const conn = changetype<TcpConnection>(e);
    conn.icmpError(code, type, mtu, now, <i64>seq);
    conn.dispatch(now);
    return true;
  }

  // ---- time and sending ------------------------------------------------------

  /** Queues `conn` for the next `flush`: the app wrote, read or closed outside a callback. */
  wake(conn: TcpConnection): void {
    if (conn.charged != 0) this.recount(conn); // a write may have allocated its send ring
    if (conn.woken) return;
    conn.woken = true;
    this.woken.push(conn);
  }

  /** Dispatches the connections woken since the last flush; false if there were none. */
  flush(now: i64): bool {
    const w = this.woken;
    if (w.length == 0) return false;
    for (let i = 0; i < w.length; i++) {
      const c = unchecked(w[i]);
      c.woken = false;
      c.dispatch(now);
    }
    w.length = 0;
    return true;
  }

  /**
   * Dispatches the connections the application woke (wrote, read or closed outside a callback) and
   * those with a timer due by `now`, then forgets CLOSED connections; ends TIME-WAIT records due by
   * `now`. Idle connections cost a `pollAt` each, not a `dispatch`.
   */
  poll(now: i64): void {
    this.flush(now);
    this.expire(now);
    const cs = this.connections;
    let w = 0;
    let halfOpenClosed = false;
    // (`cs.length` again each time: a callback may open connections, which are polled too; one
    // that a later connection's callback closes is forgotten at the next poll, which is due at once.)
    for (let i = 0; i < cs.length; i++) {
      const c = unchecked(cs[i]);
      if (c.charged == 0) continue; // out of the table: in TIME-WAIT (its record took its place), or dropped
      if (c.pollAt() <= now) c.dispatch(now);
      if (c.state != TcpState.Closed) unchecked((cs[w++] = c));
      else {
        this.unplace(c);
        if (c.handler == null) halfOpenClosed = true;
      }
    }
    cs.length = w;
    if (halfOpenClosed) {
      const ls = this.listeners;
      for (let i = 0, n = ls.length; i < n; i++) unchecked(ls[i]).prune();
    }
  }

  // Ends the TIME-WAIT records due by `now`, and those whose connection the application aborted;
  // lets go of a connection whose application let go of it (its handler null). The handlers of
  // the connections whose TIME-WAIT ended hear `closed` last, when the queue is walked.
  private expire(now: i64): void {
    const ended = this.ended;
    for (let r = this.timeWait.oldest; r;) {
      const next = r.next;
      const c = r.conn;
      if (now >= r.expires || (c && c.state == TcpState.Closed)) {
        this.drop(r);
        if (c && c.state != TcpState.Closed) ended.push(c);
      } else if (c && c.handler == null) {
        r.conn = null; // the application let go: the record alone is left
        this.memoryUsed -= r.charged - TCP_TIME_WAIT_BYTES;
        r.charged = TCP_TIME_WAIT_BYTES;
      }
      r = next;
    }
    for (let i = 0; i < ended.length; i++) enterClosed(unchecked(ended[i]), CloseReason.Normal, now);
    ended.length = 0;
  }

  /**
   * The earliest time `poll` has something to do: now if a connection has CLOSED or left the table
   * since the last `poll`, which forgets it.
   */
  pollAt(): i64 {
    let t = NEVER;
    const cs = this.connections;
    for (let i = 0, n = cs.length; i < n; i++) {
      const c = unchecked(cs[i]);
      if (c.state == TcpState.Closed || c.charged == 0) return 0;
      t = min(t, c.pollAt());
    }
    for (let r = this.timeWait.oldest; r;) {
      const c = r.conn;
      if (c && (c.state == TcpState.Closed || c.handler == null)) return 0;
      t = min(t, r.expires);
      r = r.next;
    }
    return t;
  }

  /** Sends a connection's segment (the `TcpEmitter` side). */
  emit(conn: TcpConnection, segment: TcpRepr, now: i64): bool {
    if (this.muted) return true;
    return this.send(conn.localAddr, conn.remoteAddr, segment, now);
  }

  /** Sends `segment` from `src` to `dst` (a connection's, or one that answers for no connection). */
  protected send(src: u32, dst: u32, segment: TcpRepr, now: i64): bool {
    const out = changetype<usize>(this.buffer);
    const len = segment.bufferLen();
    segment.emit(this.packet.wrap(out, len), src, dst);
    return this.ip.sendIpv4(src, dst, IP_PROTOCOL_TCP, out, len, now);
  }
}
