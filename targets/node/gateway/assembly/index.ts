// The user-mode network's gateway: Tessera's own stack (packages/net) on the
// tender's side of a guest's net device. It is not a Tessera image: it runs
// in the tender's gateway worker (targets/node/src/net/user-worker.ts) with
// an interface of its own, where the host hands it the guest's frames and
// host connections' bytes, and it hands back frames for the guest and events.
//
// The network is slirp's: the gateway is 10.0.2.2, the guest 10.0.2.15/24,
// given by the DHCP server here. The interface answers ARP and ping for the
// gateway; each published host connection becomes a TCP connection from the
// gateway to the guest's port.
//
// Imports (module "host", see host.ts):
//   frame_out(ptr, len) -> i32     a frame for the guest
//   event(id, kind, arg)           connection `id`: CONNECTED, READABLE, WRITABLE or CLOSED (arg: CloseReason)
// Exports: gw_init, gw_buffer, gw_frame_in, gw_poll, gw_poll_at, gw_guest_up, gw_connect, gw_write, gw_read,
// gw_close, gw_abort, gw_release, gw_stat. Times are ns on the host's monotonic clock.

import { Interface } from "@tessera/net/assembly/iface/interface";
import { Link } from "@tessera/net/assembly/iface/link";
import { TcpConnection, TcpHandler } from "@tessera/net/assembly/tcp/connection";
import { CloseReason } from "@tessera/net/assembly/tcp/state";
import { ETHERTYPE_ARP, ETHERTYPE_IPV4 } from "@tessera/net/assembly/wire/ethernet";
import { load16, load32 } from "@tessera/net/assembly/wire/bytes";
import { DhcpLease, DhcpServer } from "./dhcp-server";
import { event, frame_out } from "./host";

/** The gateway's address: 10.0.2.2. */
export const GATEWAY_ADDR: u32 = 0x0a000202;
/** The guest's address: 10.0.2.15. */
export const GUEST_ADDR: u32 = 0x0a00020f;
const PREFIX: u32 = 24;
/** The gateway's MAC address, 52:55:0a:00:02:02 (locally administered, as slirp's). */
const GATEWAY_MAC: u64 = 0x52550a000202;
const MTU: u32 = 1500;
const MS: i64 = 1_000_000;

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

  constructor(readonly id: i32) {
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

const iface = new Interface(new HostLink(), GATEWAY_MAC, MTU);
const dhcp = new DhcpServer(iface, new DhcpLease(GUEST_ADDR, <u32>(0xffffffff << (32 - PREFIX)), GATEWAY_ADDR, 86400));
// Frames in, and bytes between the host and a connection, pass through here.
const io = new StaticArray<u8>(65536);
const conns = new Array<TcpConnection | null>();
const relays = new Array<Relay | null>();
const freeIds = new Array<i32>();
let guestSeen = false;

/** Sets up the interface (10.0.2.2/24), TCP's tunables and the DHCP server. */
export function gw_init(maxConnections: i32): void {
  iface.config.cidr.addr = GATEWAY_ADDR;
  iface.config.cidr.prefixLen = PREFIX;
  const tcp = iface.tcp;
  tcp.maxConnections = maxConnections;
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

/** The shared buffer (64 KiB) for gw_frame_in, gw_write and gw_read. */
export function gw_buffer(): usize {
  return changetype<usize>(io);
}

/** A frame from the guest, `len` bytes in the buffer. */
export function gw_frame_in(len: u32, now: i64): void {
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

/** Runs the timers that are due (retransmission, TIME-WAIT, ARP) and forgets closed connections. */
export function gw_poll(now: i64): void {
  iface.poll(now);
}

/** When gw_poll next has something to do (i64.MAX_VALUE: nothing). */
export function gw_poll_at(): i64 {
  return iface.pollAt();
}

/** Whether the guest has an address: it was ACKed by DHCP, or has sent from 10.0.2.15. */
export function gw_guest_up(): bool {
  return guestSeen || dhcp.acks > 0;
}

/** Opens a connection to the guest's `port`; its id, or -2 (the guest has no address yet) or -1 (table full). */
export function gw_connect(port: u32, now: i64): i32 {
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
  const conn = conns[id]!;
  conn.close(now);
  conn.dispatch(now);
}

/** Resets connection `id` (a RST goes to the guest) and releases it, as gw_release: no event tells of it. */
export function gw_abort(id: i32, now: i64): void {
  const conn = conns[id]!;
  gw_release(id);
  conn.abort(now);
  conn.dispatch(now);
}

/** The host is done with `id`: no more events for it, and the id may be reused (the connection may linger, e.g. in TIME-WAIT). */
export function gw_release(id: i32): void {
  const relay = relays[id];
  if (!relay) return;
  relay.released = true;
  // Let go of the connection, so that its TIME-WAIT is a small record, not the whole connection (tcp/time-wait.ts).
  const conn = conns[id];
  if (conn) conn.handler = null;
  relays[id] = null;
  conns[id] = null;
  freeIds.push(id);
}

/** Counters for tests and logs: 0 offers, 1 acks, 2 naks, 3 TCP connections, 4 RSTs sent to closed ports, 5 frames in, 6 frames out. */
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
    default:
      return -1;
  }
}
