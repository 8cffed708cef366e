// The interface's TCP glue: the table of connections and listeners, demultiplexing, RSTs for closed ports, polling.

import { Transport } from "../iface/transport";
import { Drop } from "../wire/drop";
import { IP_PROTOCOL_TCP } from "../wire/ipv4";
import { TcpPacket, TcpRepr, TCP_MAX_HEADER_LEN, TCP_SYN } from "../wire/tcp";
import { Interface } from "../iface/interface";
import { resetFor, TcpConnection, TcpEmitter, TcpHandler } from "./connection";
import { TcpConfig, TcpState } from "./state";

/** Decides whether to take a connection a listener received (passive open). */
export abstract class TcpAcceptor {
  /** A SYN from `remoteAddr:remotePort`: the handler for the new connection, or null to refuse it (RST). */
  abstract accept(remoteAddr: u32, remotePort: u32, now: i64): TcpHandler | null;
}

/** A local port accepting connections. */
export class TcpListener {
  constructor(
    /** The local port. */
    readonly port: u32,
    /** Who decides on each SYN. */
    readonly acceptor: TcpAcceptor,
  ) {}
}

/** An interface's TCP: at most `maxConnections` connections, found by a linear scan of the 4-tuple. */
export class TcpEndpoint extends TcpEmitter {
  /** The tunables of every connection. */
  readonly config: TcpConfig = new TcpConfig();
  /** Live connections (CLOSED ones are removed by `poll`). */
  readonly connections: Array<TcpConnection> = new Array<TcpConnection>();
  /** Segments to a port nobody listens on, answered with RST. */
  resets: u64 = 0;
  /** The most connections at once (SYNs beyond it are refused). */
  maxConnections: i32 = 16;
  private readonly listeners: Array<TcpListener> = new Array<TcpListener>();
  private readonly packet: TcpPacket = new TcpPacket();
  private readonly repr: TcpRepr = new TcpRepr();
  private readonly reply: TcpRepr = new TcpRepr();
  private readonly buffer: StaticArray<u8>;
  private issState: u32 = 0x2545f491; // xorshift state for initial sequence numbers
  private nextPort: u32 = 49152;

  constructor(private readonly iface: Interface) {
    super();
    this.buffer = new StaticArray<u8>(<i32>(TCP_MAX_HEADER_LEN + iface.mtu));
  }

  /** Our MSS: the MTU less the IPv4 and TCP headers. */
  mss(): u32 {
    return this.iface.mtu - 40;
  }

  /** Seeds the initial sequence numbers (RFC 6528 wants them unpredictable: seed from the host's entropy). */
  seed(seed: u32): void {
    this.issState = seed == 0 ? 1 : seed;
  }

  // An initial sequence number: a 4 µs clock (RFC 9293 §3.4.1) plus xorshift noise.
  private nextIss(now: i64): u32 {
    let x = this.issState;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    this.issState = x;
    return <u32>(now / 4000) + x;
  }

  /** Listens on `port` (1..65535); null if it is taken or out of range. */
  listen(port: u32, acceptor: TcpAcceptor): TcpListener | null {
    if (port == 0 || port > 0xffff || this.listenerOn(port)) return null;
    const l = new TcpListener(port, acceptor);
    this.listeners.push(l);
    return l;
  }

  /** Stops listening; established connections stay. */
  unlisten(listener: TcpListener): void {
    const i = this.listeners.indexOf(listener);
    if (i >= 0) this.listeners.splice(i, 1);
  }

  /** Opens a connection to `remoteAddr:remotePort` from `localPort` (0: an ephemeral port); null if the table is full. */
  connect(remoteAddr: u32, remotePort: u32, handler: TcpHandler, now: i64, localPort: u32 = 0): TcpConnection | null {
    if (this.connections.length >= this.maxConnections) return null;
    const local = this.iface.config.cidr.addr;
    let port = localPort;
    for (let tries = 0; port == 0 && tries < 16384; tries++) {
      const p = this.nextPort;
      this.nextPort = p == 65535 ? 49152 : p + 1;
      if (!this.find(local, p, remoteAddr, remotePort)) port = p;
    }
    if (port == 0) return null;
    const conn = new TcpConnection(this.config, this, this.mss());
    conn.handler = handler;
    conn.connect(local, port, remoteAddr, remotePort, this.nextIss(now), now);
    this.connections.push(conn);
    conn.dispatch(now);
    return conn;
  }

  /** Handles a TCP segment of `len` bytes at `ptr` from `src` to `dst`. */
  receive(src: u32, dst: u32, ptr: usize, len: u32, now: i64): void {
    const seg = this.repr;
    const r = seg.parse(this.packet.wrap(ptr, len), src, dst);
    if (r != Drop.Ok) return this.iface.counters.drop(r);
    let conn = this.find(dst, seg.dstPort, src, seg.srcPort);
    if (!conn && seg.flags & TCP_SYN) conn = this.accept(seg, src, dst, now);
    if (!conn) {
      this.iface.counters.drop(Drop.NotForUs);
      if (dst == this.iface.config.cidr.addr && resetFor(seg, this.reply)) {
        this.resets++;
        this.send(dst, src, this.reply, now);
      }
      return;
    }
    const reply = conn.process(seg, src, dst, now);
    if (reply) this.send(dst, src, reply, now);
    conn.dispatch(now);
  }

  private accept(seg: TcpRepr, src: u32, dst: u32, now: i64): TcpConnection | null {
    const l = this.listenerOn(seg.dstPort);
    if (!l || this.connections.length >= this.maxConnections) return null;
    const handler = l.acceptor.accept(src, seg.srcPort, now);
    if (!handler) return null;
    const conn = new TcpConnection(this.config, this, this.mss());
    conn.handler = handler;
    conn.listen(dst, seg.dstPort, this.nextIss(now));
    this.connections.push(conn);
    return conn;
  }

  /** The connection with this 4-tuple, or null. */
  find(localAddr: u32, localPort: u32, remoteAddr: u32, remotePort: u32): TcpConnection | null {
    const cs = this.connections;
    for (let i = 0, n = cs.length; i < n; i++) {
      const c = unchecked(cs[i]);
      if (
        c.localPort == localPort &&
        c.remotePort == remotePort &&
        c.remoteAddr == remoteAddr &&
        c.localAddr == localAddr
      )
        return c;
    }
    return null;
  }

  private listenerOn(port: u32): TcpListener | null {
    const ls = this.listeners;
    for (let i = 0, n = ls.length; i < n; i++) if (unchecked(ls[i]).port == port) return unchecked(ls[i]);
    return null;
  }

  /** Serves every connection's timers and pending segments, then forgets CLOSED connections. */
  poll(now: i64): void {
    const cs = this.connections;
    for (let i = 0; i < cs.length; i++) unchecked(cs[i]).dispatch(now);
    for (let i = cs.length - 1; i >= 0; i--) if (unchecked(cs[i]).state == TcpState.Closed) cs.splice(i, 1);
  }

  /** The earliest time `poll` has something to do. */
  pollAt(): i64 {
    let t = i64.MAX_VALUE;
    const cs = this.connections;
    for (let i = 0, n = cs.length; i < n; i++) t = min(t, unchecked(cs[i]).pollAt());
    return t;
  }

  /** Sends a connection's segment (the `TcpEmitter` side). */
  emit(conn: TcpConnection, segment: TcpRepr, now: i64): bool {
    return this.send(conn.localAddr, conn.remoteAddr, segment, now);
  }

  private send(src: u32, dst: u32, segment: TcpRepr, now: i64): bool {
    const out = changetype<usize>(this.buffer);
    const len = segment.bufferLen();
    segment.emit(this.packet.wrap(out, len), src, dst);
    return this.iface.sendIpv4(src, dst, IP_PROTOCOL_TCP, out, len, now);
  }
}

/** Plugs a TCP endpoint into its interface as the transport for protocol 6. */
export class TcpTransport extends Transport {
  constructor(
    /** The endpoint segments go to. */
    readonly endpoint: TcpEndpoint,
  ) {
    super();
  }

  receive(src: u32, dst: u32, ptr: usize, len: u32, now: i64): void {
    this.endpoint.receive(src, dst, ptr, len, now);
  }

  poll(now: i64): void {
    this.endpoint.poll(now);
  }

  pollAt(): i64 {
    return this.endpoint.pollAt();
  }
}
