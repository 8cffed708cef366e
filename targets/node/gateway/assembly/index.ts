// The user-mode network's gateway: Tessera's own stack (packages/net) on the
// tender's side of a guest's net device. It is not a Tessera image: it runs
// in the tender's gateway worker (targets/node/src/net/user-worker.ts) or, on
// the native tenders, translated to C in the gateway's process
// (targets/native/gateway), with an interface of its own, where the host hands
// it the guest's frames, host connections' bytes and datagrams, and it hands
// back frames for the guest, events and requests for host sockets.
//
// The network is slirp's: the gateway is 10.0.2.2, the guest 10.0.2.15/24,
// given by the DHCP server here with the resolver 10.0.2.3 (resolver.ts) as its
// DNS server. The interface answers ARP and ping for the gateway; each published
// host connection becomes a TCP connection from the gateway to the guest's
// port; the guest's own connections and datagrams to any address leave through
// host sockets (nat.ts, udp-flows.ts), 10.0.2.2 standing for the host's 127.0.0.1.
//
// Imports (module "host", see host.ts): frame_out, event, tcp_open, udp_send, udp_close.
// Exports: gw_init, gw_buffer, gw_frame_in, gw_poll, gw_poll_at, gw_guest_up, gw_connect, gw_write, gw_read,
// gw_close, gw_abort, gw_release, gw_tcp_opened, gw_udp_in, gw_hosts, gw_resolv_conf, gw_stat. Times are ns on
// the host's monotonic clock.

import { Link } from "@tessera/net/assembly/iface/link";
import { TcpConnection, TcpHandler } from "@tessera/net/assembly/tcp/connection";
import { CloseReason } from "@tessera/net/assembly/tcp/state";
import { DNS_PORT } from "@tessera/net/assembly/wire/dns";
import { ETHERTYPE_ARP, ETHERTYPE_IPV4 } from "@tessera/net/assembly/wire/ethernet";
import { load16, load32 } from "@tessera/net/assembly/wire/bytes";
import { TcpRepr } from "@tessera/net/assembly/wire/tcp";
import { DhcpLease, DhcpServer } from "./dhcp-server";
import { event, frame_out, tcp_open, udp_close, udp_send } from "./host";
import {
  GATEWAY_ADDR,
  GatewayInterface,
  GUEST_ADDR,
  hostAddress,
  NatEndpoint,
  Outbound,
  RESOLVER_ADDR,
  SYN_MAX,
} from "./nat";
import { Answer, Resolver } from "./resolver";
import { FlowTable } from "./udp-flows";

export { GATEWAY_ADDR, GUEST_ADDR } from "./nat";
const PREFIX: u32 = 24;
/** The gateway's MAC address, 52:55:0a:00:02:02 (locally administered, as slirp's). */
const GATEWAY_MAC: u64 = 0x52550a000202;
const MTU: u32 = 1500;
const MS: i64 = 1_000_000;
const SECOND: i64 = 1_000_000_000;
/** How long a guest's SYN waits for the host's connection to be made (then the guest hears nothing more). */
const OPEN_TIMEOUT: i64 = 20 * SECOND;
/** How long a UDP flow may be idle; a flow to the resolver, once answered, much less. */
const UDP_IDLE: i64 = 60 * SECOND;
const DNS_IDLE: i64 = 10 * SECOND;
/** gw_tcp_opened's results. */
const OPENED = 0;
const OPEN_REFUSED = 1;

const EVENT_CONNECTED = 1;
const EVENT_READABLE = 2;
const EVENT_WRITABLE = 3;
const EVENT_CLOSED = 4;

/** gw_connect: the guest has no address yet (try again soon). */
const NOT_UP = -2;
/** gw_connect: the connection table is full. */
const FULL = -1;
/** gw_read: the guest has closed its direction and everything was read. */
const EOF = -1;

// The host's side of the link.
class HostLink extends Link {
  send(ptr: usize, len: u32): bool {
    return frame_out(ptr, len) != 0;
  }
}

// Passes one connection's events to the host, until the host releases it.
class Relay extends TcpHandler {
  released: bool = false;

  constructor(
    readonly id: i32,
    /** The guest opened it (NAT), rather than a published port's host connection. */
    readonly outbound: bool = false,
  ) {
    super();
  }

  connected(conn: TcpConnection, now: i64): void {
    if (!this.released) event(this.id, EVENT_CONNECTED, 0);
  }

  readable(conn: TcpConnection, now: i64): void {
    if (!this.released) event(this.id, EVENT_READABLE, 0);
  }

  writable(conn: TcpConnection, now: i64): void {
    if (!this.released) event(this.id, EVENT_WRITABLE, 0);
  }

  closed(conn: TcpConnection, reason: CloseReason, now: i64): void {
    if (!this.released) event(this.id, EVENT_CLOSED, <i32>reason);
  }
}

// A guest's SYN held while the host connects (nat.ts): the segment's bytes, to answer it later.
class PendingOpen {
  readonly bytes: StaticArray<u8> = new StaticArray<u8>(<i32>SYN_MAX);
  len: u32 = 0;
  constructor(
    readonly id: i32,
    readonly src: u32,
    readonly srcPort: u32,
    readonly dst: u32,
    readonly dstPort: u32,
    readonly deadline: i64,
  ) {}
}

const iface = new GatewayInterface(new HostLink(), GATEWAY_MAC, MTU);
const nat = new NatEndpoint(iface);
iface.useTcp(nat);
const dhcp = new DhcpServer(
  iface,
  new DhcpLease(GUEST_ADDR, <u32>(0xffffffff << (32 - PREFIX)), GATEWAY_ADDR, 86400, RESOLVER_ADDR),
);
const resolver = new Resolver();
let flows = new FlowTable(0);
// Frames in, and bytes between the host and a connection, pass through here.
const io = new StaticArray<u8>(65536);
const conns = new Array<TcpConnection | null>();
const relays = new Array<Relay | null>();
const freeIds = new Array<i32>();
const pending = new Array<PendingOpen>();
const expired = new Array<i32>();
let guestSeen = false;
let maxOutbound: i32 = 0;
let outboundLive: i32 = 0;
let outboundOpened: u64 = 0;
let outboundFull: u64 = 0;
let hostRefused: u64 = 0;
let hostFailed: u64 = 0;

// Sends the guest's datagrams out through the host, and holds its SYNs while the host connects.
class Nat extends Outbound {
  datagram(src: u32, srcPort: u32, dst: u32, dstPort: u32, ptr: usize, len: u32, now: i64): void {
    if (dst == RESOLVER_ADDR) {
      if (dstPort == DNS_PORT) this.resolve(src, srcPort, ptr, len, now);
      return;
    }
    let f = flows.find(srcPort, dst, dstPort);
    if (!f) {
      f = flows.add(srcPort, dst, dstPort);
      if (!f) return; // full: dropped, counted
      f.guestAddr = src;
      f.hostAddr = hostAddress(dst);
      f.hostPort = dstPort;
      f.idle = UDP_IDLE;
    }
    f.lastUsed = now;
    udp_send(f.id, f.hostAddr, f.hostPort, ptr, len);
  }

  // A query to the resolver: answered here, or forwarded to a nameserver (the next one when the guest asks again unanswered).
  private resolve(src: u32, srcPort: u32, ptr: usize, len: u32, now: i64): void {
    const a = resolver.answer(ptr, len);
    if (a == Answer.Answered) {
      iface.sendUdpFrom(
        RESOLVER_ADDR,
        DNS_PORT,
        src,
        srcPort,
        changetype<usize>(resolver.reply),
        resolver.replyLength,
        now,
      );
      return;
    }
    if (a != Answer.Forward) return;
    const servers = resolver.nameservers;
    let f = flows.find(srcPort, RESOLVER_ADDR, DNS_PORT);
    if (!f) {
      f = flows.add(srcPort, RESOLVER_ADDR, DNS_PORT);
      if (!f) return;
      f.guestAddr = src;
      f.resolver = true;
      f.idle = DNS_IDLE;
    } else if (!f.answered) {
      f.server = (f.server + 1) % servers.length;
    }
    f.answered = false;
    f.hostAddr = unchecked(servers[f.server]);
    f.hostPort = DNS_PORT;
    f.lastUsed = now;
    udp_send(f.id, f.hostAddr, f.hostPort, ptr, len);
  }

  syn(seg: TcpRepr, src: u32, dst: u32, ptr: usize, len: u32, now: i64): void {
    for (let i = 0; i < pending.length; i++) {
      const p = unchecked(pending[i]);
      if (p.srcPort == seg.srcPort && p.dstPort == seg.dstPort && p.dst == dst && p.src == src) return; // sent again
    }
    if (dst == RESOLVER_ADDR || outboundLive >= maxOutbound) {
      if (dst != RESOLVER_ADDR) outboundFull++;
      nat.reset(src, dst, ptr, len, now);
      return;
    }
    const id = freeIds.length > 0 ? freeIds.pop() : conns.length;
    const relay = new Relay(id, true);
    if (id == conns.length) {
      conns.push(null);
      relays.push(relay);
    } else {
      conns[id] = null;
      relays[id] = relay;
    }
    const p = new PendingOpen(id, src, seg.srcPort, dst, seg.dstPort, now + OPEN_TIMEOUT);
    memory.copy(changetype<usize>(p.bytes), ptr, len);
    p.len = len;
    pending.push(p);
    outboundLive++;
    outboundOpened++;
    tcp_open(id, hostAddress(dst), seg.dstPort);
  }
}

const outbound = new Nat();
iface.outbound = outbound;
nat.outbound = outbound;

// Garbage. The gateway runs on AssemblyScript's minimal runtime (half the code of the incremental one, which
// keeps a shadow stack of every reference in a local): it collects only when told, and marks from globals
// alone. Everything the gateway keeps is reachable from the globals above, and the hosts (the Node tender's
// worker, tessera-spt's gateway process) call no export from inside an import (they queue the events), so at
// the end of gw_poll no function of the gateway is running: that is where it collects, at most every
// COLLECT_GAP, once some export may have allocated. gw_poll_at asks to be called then.
const COLLECT_GAP: i64 = 10 * MS;
let garbage = false;
let collectAt: i64 = i64.MIN_VALUE;
let collections: u64 = 0;

/**
 * Sets up the interface (10.0.2.2/24), TCP's tunables, the DHCP server, and the bounds of the NAT:
 * TCP connections in all (`maxConnections`), the guest's own among them (`outbound`), UDP flows (`udpFlows`).
 */
export function gw_init(maxConnections: i32, outbound: i32, udpFlows: i32): void {
  garbage = true;
  iface.config.cidr.addr = GATEWAY_ADDR;
  iface.config.cidr.prefixLen = PREFIX;
  const tcp = iface.tcp;
  tcp.maxConnections = maxConnections;
  maxOutbound = outbound;
  flows = new FlowTable(udpFlows);
  const c = tcp.config;
  // 64 KiB each way: larger windows put more frames in flight than the 256-frame rings to and
  // from the guest hold, and the drops cost more than the windows gain (measured: 100 MiB echo
  // at 60-88 MiB/s with 64 KiB, 26-68 MiB/s with 256 KiB).
  c.sendBuffer = 65536;
  c.recvBuffer = 65536;
  // A link inside one process loses frames only when a queue overflows: recover sooner than
  // RFC 6298's 1 s, and keep TIME-WAIT short (the gateway opens many short connections).
  c.rtoMin = 200 * MS;
  c.msl = 1000 * MS;
  dhcp.start();
}

/** The hosts file's text, `len` bytes in the buffer (read by the host before any sandbox). */
export function gw_hosts(len: u32): void {
  garbage = true;
  resolver.readHosts(changetype<usize>(io), min(len, <u32>io.length));
}

/** resolv.conf's text, `len` bytes in the buffer: its nameservers get the queries the hosts file cannot answer. */
export function gw_resolv_conf(len: u32): void {
  garbage = true;
  resolver.readResolvConf(changetype<usize>(io), min(len, <u32>io.length));
}

/** The shared buffer (64 KiB) for gw_frame_in, gw_write and gw_read. */
export function gw_buffer(): usize {
  return changetype<usize>(io);
}

/** A frame from the guest, `len` bytes in the buffer. */
export function gw_frame_in(len: u32, now: i64): void {
  garbage = true;
  if (len > <u32>io.length) return;
  const p = changetype<usize>(io);
  if (!guestSeen && len >= 14 + 20) {
    // Any datagram or ARP message from the guest's address means it is up (a static ip=10.0.2.15 too).
    const type = load16(p + 12);
    if (type == ETHERTYPE_IPV4 && load32(p + 14 + 12) == GUEST_ADDR) guestSeen = true;
    if (type == ETHERTYPE_ARP && len >= 14 + 28 && load32(p + 14 + 14) == GUEST_ADDR) guestSeen = true;
  }
  iface.receive(p, len, now);
}

/** Runs the timers that are due (retransmission, TIME-WAIT, ARP, held SYNs, idle UDP flows) and forgets closed connections. */
export function gw_poll(now: i64): void {
  iface.poll(now);
  // The host's connections that took too long: the host closes them (and releases their ids) at this event.
  let w = 0;
  for (let i = 0; i < pending.length; i++) {
    const p = unchecked(pending[i]);
    if (now >= p.deadline) event(p.id, EVENT_CLOSED, <i32>CloseReason.TimedOut);
    else unchecked((pending[w++] = p));
  }
  pending.length = w;
  flows.expire(now, expired);
  for (let i = 0; i < expired.length; i++) udp_close(unchecked(expired[i]));
  expired.length = 0;
  if (now >= collectAt) {
    __collect();
    collections++;
    garbage = false;
    collectAt = now + COLLECT_GAP;
  } else garbage = true; // the timers that ran may have allocated
}

/** When gw_poll next has something to do (i64.MAX_VALUE: nothing). */
export function gw_poll_at(): i64 {
  let at = min(iface.pollAt(), flows.expiresAt());
  for (let i = 0; i < pending.length; i++) at = min(at, unchecked(pending[i]).deadline);
  if (garbage) at = min(at, collectAt);
  return at;
}

/** Whether the guest has an address: it was ACKed by DHCP, or has sent from 10.0.2.15. */
export function gw_guest_up(): bool {
  return guestSeen || dhcp.acks > 0;
}

/** Opens a connection to the guest's `port`; its id, or -2 (the guest has no address yet) or -1 (table full). */
export function gw_connect(port: u32, now: i64): i32 {
  garbage = true;
  if (!gw_guest_up()) return NOT_UP;
  const id = freeIds.length > 0 ? freeIds.pop() : conns.length;
  const relay = new Relay(id);
  const conn = iface.connectTcp(GUEST_ADDR, port, relay, now);
  if (!conn) {
    if (id == conns.length) return FULL;
    freeIds.push(id);
    return FULL;
  }
  if (id == conns.length) {
    conns.push(conn);
    relays.push(relay);
  } else {
    conns[id] = conn;
    relays[id] = relay;
  }
  return id;
}

/** Queues `len` bytes from the buffer on connection `id`; returns how many it took. */
export function gw_write(id: i32, len: u32, now: i64): u32 {
  garbage = true;
  const conn = conns[id]!;
  const n = conn.write(changetype<usize>(io), min(len, <u32>io.length));
  if (n > 0) conn.dispatch(now);
  return n;
}

/** Bytes connection `id` can take now. */
export function gw_writable(id: i32): u32 {
  return conns[id]!.writable();
}

/** Moves up to `cap` received bytes of connection `id` to the buffer; returns how many, or -1 at the end. */
export function gw_read(id: i32, cap: u32, now: i64): i32 {
  garbage = true;
  const conn = conns[id]!;
  const n = conn.read(changetype<usize>(io), min(cap, <u32>io.length));
  if (n > 0) {
    conn.dispatch(now); // a window update, if the window had closed
    return <i32>n;
  }
  return conn.finReceived ? EOF : 0;
}

/** Closes our direction of connection `id`: a FIN follows the queued bytes. */
export function gw_close(id: i32, now: i64): void {
  garbage = true;
  const conn = conns[id]!;
  conn.close(now);
  conn.dispatch(now);
}

/** Resets connection `id` (a RST goes to the guest) and releases it, as gw_release: no event tells of it. */
export function gw_abort(id: i32, now: i64): void {
  garbage = true;
  const conn = conns[id]!;
  gw_release(id);
  conn.abort(now);
  conn.dispatch(now);
}

/**
 * The host's connection for the guest's connection `id` (tcp_open) is made (`result` 0), refused (1)
 * or failed (2): the guest's SYN is answered with a SYN-ACK, or a RST. Returns 1 if the connection
 * goes on (events follow, as for gw_connect's), 0 if it does not: `id` is released already, and the
 * host closes its socket.
 */
export function gw_tcp_opened(id: i32, result: i32, now: i64): i32 {
  garbage = true;
  let p: PendingOpen | null = null;
  for (let i = 0; i < pending.length; i++) {
    if (unchecked(pending[i]).id == id) {
      p = unchecked(pending[i]);
      pending.splice(i, 1);
      break;
    }
  }
  if (!p) return 0; // given up on already (the host heard CLOSED)
  const bytes = changetype<usize>(p.bytes);
  if (result == OPENED) {
    const conn = nat.accept(p.src, p.dst, bytes, p.len, relays[id]!, now);
    if (conn) {
      conns[id] = conn;
      return 1;
    }
    outboundFull++; // the gateway's table or memory budget: the guest got a RST
  } else {
    nat.reset(p.src, p.dst, bytes, p.len, now);
    if (result == OPEN_REFUSED) hostRefused++;
    else hostFailed++;
  }
  gw_release(id);
  return 0;
}

/** A datagram for UDP flow `flow` from the host's `addr:port`, `len` bytes in the buffer: to the guest. */
export function gw_udp_in(flow: i32, addr: u32, port: u32, len: u32, now: i64): void {
  garbage = true;
  const f = flows.get(flow);
  if (!f || len > <u32>io.length) return;
  if (f.resolver) {
    if (port != DNS_PORT || resolver.nameservers.indexOf(addr) < 0) {
      flows.strangers++;
      return;
    }
    f.answered = true;
  } else if (addr != f.hostAddr || port != f.hostPort) {
    flows.strangers++;
    return;
  }
  f.lastUsed = now;
  iface.sendUdpFrom(f.addr, f.port, f.guestAddr, f.guestPort, changetype<usize>(io), len, now);
}

/** The host is done with `id`: no more events for it, and the id may be reused (the connection may linger, e.g. in TIME-WAIT). */
export function gw_release(id: i32): void {
  garbage = true;
  const relay = relays[id];
  if (!relay) return;
  if (relay.outbound) outboundLive--;
  relay.released = true;
  // Let go of the connection, so that its TIME-WAIT is a small record, not the whole connection (tcp/time-wait.ts).
  const conn = conns[id];
  if (conn) conn.handler = null;
  relays[id] = null;
  conns[id] = null;
  freeIds.push(id);
}

/**
 * Counters for tests and logs: 0 offers, 1 acks, 2 naks, 3 TCP connections, 4 RSTs sent to closed
 * ports, 5 frames in, 6 frames out; the NAT's: 7 outbound connections opened, 8 refused for a full
 * table (RST), 9 refused by the host (RST), 10 outbound connections now, 11 UDP flows opened, 12 UDP
 * datagrams dropped for a full table, 13 UDP flows now, 14 DNS queries answered here, 15 forwarded,
 * 16 nameservers, 17 names from the hosts file, 18 failed on the host otherwise (RST: unreachable...),
 * 19 garbage collections, 20 bytes of linear memory.
 */
export function gw_stat(which: i32): i64 {
  switch (which) {
    case 0:
      return dhcp.offers;
    case 1:
      return dhcp.acks;
    case 2:
      return dhcp.naks;
    case 3:
      return iface.tcp.connections.length;
    case 4:
      return <i64>iface.tcp.resets;
    case 5:
      return <i64>iface.counters.rxFrames;
    case 6:
      return <i64>iface.counters.txFrames;
    case 7:
      return <i64>outboundOpened;
    case 8:
      return <i64>outboundFull;
    case 9:
      return <i64>hostRefused;
    case 10:
      return outboundLive;
    case 11:
      return <i64>flows.opened;
    case 12:
      return <i64>flows.full;
    case 13:
      return flows.size;
    case 14:
      return <i64>resolver.answered;
    case 15:
      return <i64>resolver.forwarded;
    case 16:
      return resolver.nameservers.length;
    case 17:
      return resolver.hostCount;
    case 18:
      return <i64>hostFailed;
    case 19:
      return <i64>collections;
    case 20:
      return (<i64>memory.size()) << 16;
    default:
      return -1;
  }
}
