// A DHCP client (RFC 2131): acquires, renews and rebinds an interface's IPv4 lease. It does no I/O of its own
// (messages leave through the Interface) and reads no clock: `start`, `receive` and `poll` take the time.
//
//   INIT --DISCOVER--> SELECTING --OFFER/REQUEST--> REQUESTING --ACK--> BOUND --T1--> RENEWING --T2--> REBINDING
//     ^                                                 |  NAK, no answer          ACK: BOUND <--+             |
//     +-------------------------------------------------+------------------------ NAK, lease expiry ----------+
//
// DISCOVER and REQUEST are retransmitted after 4, 8, 16, 32, then every 64 s, each ±1 s at random (4.1); a
// renewal or rebinding REQUEST after half the time left until T2 or expiry, at least 60 s (4.4.5).

import { DHCP_CLIENT_PORT, DHCP_SERVER_PORT, DhcpMessageType, DhcpPacket } from "../wire/dhcp";
import { DhcpRepr } from "../wire/dhcp-repr";
import { Drop } from "../wire/drop";
import { UdpHandler, UdpSocket } from "../socket/udp";
import { Interface } from "./interface";

/** Where a DHCP client is in RFC 2131's state diagram. */
export enum DhcpState {
  /** Not started, or waiting to start again after a NAK or a lost lease. */
  Init = 0,
  /** DISCOVER sent; waiting for an OFFER. */
  Selecting,
  /** REQUEST for an offered address sent; waiting for ACK or NAK. */
  Requesting,
  /** The lease is applied to the interface; nothing to do until T1. */
  Bound,
  /** Past T1: asking the server that granted the lease to extend it, by unicast. */
  Renewing,
  /** Past T2: asking any server to extend the lease, by broadcast. */
  Rebinding,
}

/** Told when a DHCP client gains or loses its address (an object, since AssemblyScript has no closures). */
export abstract class DhcpListener {
  /** A new lease is applied to the interface (not called when a renewal keeps the same address). */
  abstract leased(client: DhcpClient, now: i64): void;
  /** The lease was refused (NAK) or expired: the interface has no address; the client asks again. */
  abstract lost(client: DhcpClient, now: i64): void;
}

/** One second in nanoseconds, the client's unit of time. */
const SECOND: i64 = 1_000_000_000;
/** The first retransmission delay of DISCOVER and REQUEST; it doubles up to MAX_BACKOFF. */
const FIRST_BACKOFF: i64 = 4 * SECOND;
const MAX_BACKOFF: i64 = 64 * SECOND;
/** The least wait between renewal or rebinding REQUESTs. */
const MIN_RENEW_WAIT: i64 = 60 * SECOND;
/** REQUESTs sent for one OFFER before starting over with DISCOVER. */
const REQUEST_TRIES: u32 = 4;
/** How long to wait after a NAK before a new DISCOVER, so a refusing server cannot make us loop at line rate. */
const NAK_HOLD_OFF: i64 = SECOND;
/** The lease time meaning "forever". */
const INFINITE_LEASE: u32 = 0xffffffff;
const BROADCAST: u32 = 0xffffffff;
const BUFFER_LEN: i32 = 576; // the least IP datagram every host accepts; our messages take about 280 bytes

/** An RFC 2131 client for one interface. Bind it with `start`; feed it `poll` at `pollAt()`. */
export class DhcpClient extends UdpHandler {
  /** Where the client is in the state diagram. */
  state: DhcpState = DhcpState.Init;
  /** The transaction id of the exchange in progress. */
  xid: u32 = 0;
  /** The server that made the offer or granted the lease (its server identifier), or 0. */
  server: u32 = 0;
  /** The address offered or leased, or 0. */
  address: u32 = 0;
  /** The lease's length in seconds (0xffffffff: infinite); 0 before the first ACK. */
  leaseTime: u32 = 0;
  /** When the current lease began, and when it reaches T1, T2 and its end (ns; i64.MAX_VALUE for never). */
  leasedAt: i64 = 0;
  renewAt: i64 = 0;
  rebindAt: i64 = 0;
  expiresAt: i64 = 0;
  /** Who is told about leases gained and lost, if anyone. */
  listener: DhcpListener | null = null;
  /** Messages sent and replies taken, by kind; replies ignored (other xid, other client, wrong state, malformed). */
  discoversSent: u32 = 0;
  requestsSent: u32 = 0;
  offersTaken: u32 = 0;
  acksTaken: u32 = 0;
  naksTaken: u32 = 0;
  ignored: u32 = 0;
  /** Leases lost to expiry or NAK. */
  leasesLost: u32 = 0;

  private socket: UdpSocket | null = null;
  private nextAt: i64 = i64.MAX_VALUE; // when poll has something to do
  private tries: u32 = 0; // messages sent in the current exchange
  private startedAt: i64 = 0; // when the current exchange began (for secs)
  private random: u64;
  private readonly out: DhcpRepr = new DhcpRepr();
  private readonly inRepr: DhcpRepr = new DhcpRepr();
  private readonly packet: DhcpPacket = new DhcpPacket();
  private readonly buffer: StaticArray<u8> = new StaticArray<u8>(BUFFER_LEN);

  constructor(
    /** The interface the client configures and sends through. */
    readonly iface: Interface,
    /** Seeds the xids and the retransmission jitter (the stack draws it from the host's entropy; fixed in tests). */
    seed: u64,
  ) {
    super();
    this.random = seed != 0 ? seed : 0x9e3779b97f4a7c15;
    const out = this.out;
    out.clientMac = iface.mac;
    out.clientIdentifier = iface.mac;
    out.maxMessageSize = max(iface.mtu, 576);
  }

  /** Binds UDP port 68 and broadcasts the first DISCOVER (dropping any lease held); false if the port is taken. */
  start(now: i64): bool {
    if (!this.socket) this.socket = this.iface.bindUdp(DHCP_CLIENT_PORT, this);
    if (!this.socket) return false;
    if (this.state >= DhcpState.Bound) this.lose(now, 0);
    this.discover(now);
    return true;
  }

  /** The earliest time `poll` has something to do (i64.MAX_VALUE: never). */
  pollAt(): i64 {
    return this.nextAt;
  }

  /** Retransmits, and moves on at T1, T2 and lease expiry, when their time has come. */
  poll(now: i64): void {
    if (now < this.nextAt) return;
    const state = this.state;
    if (state == DhcpState.Init) return this.discover(now);
    if (state == DhcpState.Selecting) return this.sendDiscover(now);
    if (state == DhcpState.Requesting) {
      if (this.tries >= REQUEST_TRIES) return this.discover(now); // no answer: start over (3.1.5)
      return this.sendRequest(now);
    }
    if (now >= this.expiresAt) {
      this.lose(now, 0);
      return this.discover(now);
    }
    if (state == DhcpState.Bound) {
      this.xid = this.nextRandom(); // a new exchange: extending the lease
      this.startedAt = now;
      this.tries = 0;
    }
    this.state = now >= this.rebindAt ? DhcpState.Rebinding : DhcpState.Renewing;
    this.sendRequest(now);
  }

  /** UDP datagrams to port 68: takes those from port 67. */
  datagram(srcAddr: u32, srcPort: u32, ptr: usize, len: u32, now: i64): void {
    if (srcPort == DHCP_SERVER_PORT) this.receive(ptr, len, now);
    else this.ignore();
  }

  /** Handles one DHCP message (a UDP payload from a server): OFFER, ACK or NAK for our xid and MAC. */
  receive(ptr: usize, len: u32, now: i64): void {
    const msg = this.inRepr;
    if (msg.parse(this.packet.wrap(ptr, len)) != Drop.Ok || msg.xid != this.xid || msg.clientMac != this.iface.mac)
      return this.ignore();
    const state = this.state;
    const type = msg.messageType;
    if (type == DhcpMessageType.Offer && state == DhcpState.Selecting) {
      if (msg.yourIp == 0 || msg.serverIdentifier == 0) return this.ignore();
      this.offersTaken++;
      this.address = msg.yourIp;
      this.server = msg.serverIdentifier;
      this.state = DhcpState.Requesting;
      this.tries = 0;
      return this.sendRequest(now);
    }
    if (state < DhcpState.Requesting || state == DhcpState.Bound) return this.ignore();
    if (type == DhcpMessageType.Nak) {
      if (state == DhcpState.Requesting && msg.serverIdentifier != 0 && msg.serverIdentifier != this.server)
        return this.ignore(); // another server refusing a REQUEST that was not for it
      this.naksTaken++;
      return this.lose(now, NAK_HOLD_OFF);
    }
    if (type != DhcpMessageType.Ack || msg.yourIp == 0 || msg.leaseTime == 0) return this.ignore();
    this.acksTaken++;
    this.bind(now);
  }

  private ignore(): void {
    this.ignored++;
  }

  // Applies the ACK in `inRepr`: the lease's times, then the interface's address, gateway and DNS server.
  private bind(now: i64): void {
    const ack = this.inRepr;
    const lease = ack.leaseTime;
    const fresh = this.state == DhcpState.Requesting || ack.yourIp != this.iface.config.cidr.addr;
    this.state = DhcpState.Bound;
    this.address = ack.yourIp;
    if (ack.serverIdentifier != 0) this.server = ack.serverIdentifier;
    this.leaseTime = lease;
    this.leasedAt = now;
    if (lease == INFINITE_LEASE) {
      this.renewAt = this.rebindAt = this.expiresAt = i64.MAX_VALUE;
    } else {
      // T1 and T2 from the server if they make sense (T1 <= T2 <= lease), else 1/2 and 7/8 of the lease (4.4.5).
      let t2 = ack.rebindingTime;
      if (t2 == 0 || t2 > lease) t2 = <u32>((<u64>lease * 7) / 8);
      let t1 = ack.renewalTime;
      if (t1 == 0 || t1 > t2) t1 = min(lease / 2, t2);
      this.renewAt = now + <i64>t1 * SECOND;
      this.rebindAt = now + <i64>t2 * SECOND;
      this.expiresAt = now + <i64>lease * SECOND;
    }
    this.nextAt = this.renewAt;
    const config = this.iface.config;
    config.cidr.addr = ack.yourIp;
    config.cidr.prefixLen = prefixOf(ack.subnetMask, ack.yourIp);
    config.gateway = ack.router;
    config.dns = ack.dnsServerCount > 0 ? unchecked(ack.dnsServers[0]) : 0;
    const listener = this.listener;
    if (fresh && listener) listener.leased(this, now);
  }

  // Drops the address (if any) and goes back to INIT, to send a DISCOVER `delay` ns from now.
  private lose(now: i64, delay: i64): void {
    const had = this.iface.config.cidr.addr != 0 && this.state >= DhcpState.Bound;
    this.state = DhcpState.Init;
    this.address = this.server = this.leaseTime = 0;
    this.nextAt = now + delay;
    if (!had) return;
    this.leasesLost++;
    const config = this.iface.config;
    config.cidr.addr = config.cidr.prefixLen = config.gateway = config.dns = 0;
    const listener = this.listener;
    if (listener) listener.lost(this, now);
  }

  // INIT -> SELECTING: a new exchange with a new xid.
  private discover(now: i64): void {
    this.state = DhcpState.Selecting;
    this.xid = this.nextRandom();
    this.address = this.server = 0;
    this.startedAt = now;
    this.tries = 0;
    this.sendDiscover(now);
  }

  private sendDiscover(now: i64): void {
    const out = this.prepare(DhcpMessageType.Discover, now);
    out.clientIp = out.requestedIp = out.serverIdentifier = 0;
    this.discoversSent++;
    this.send(BROADCAST, now);
    this.nextAt = now + this.backoff();
  }

  // REQUEST for the offer (requesting), or to extend the lease: unicast to the server (renewing) or broadcast.
  private sendRequest(now: i64): void {
    const out = this.prepare(DhcpMessageType.Request, now);
    const state = this.state;
    const selecting = state == DhcpState.Requesting;
    out.clientIp = selecting ? 0 : this.address;
    out.requestedIp = selecting ? this.address : 0; // 4.3.2: only while selecting
    out.serverIdentifier = selecting ? this.server : 0;
    this.requestsSent++;
    this.send(state == DhcpState.Renewing ? this.server : BROADCAST, now);
    if (selecting) {
      this.nextAt = now + this.backoff();
    } else {
      const limit = state == DhcpState.Renewing ? this.rebindAt : this.expiresAt;
      this.nextAt = min(limit, now + max((limit - now) / 2, MIN_RENEW_WAIT));
    }
  }

  private prepare(type: DhcpMessageType, now: i64): DhcpRepr {
    const out = this.out;
    out.messageType = type;
    out.xid = this.xid;
    out.secs = <u32>min((now - this.startedAt) / SECOND, 0xffff);
    return out;
  }

  private send(dst: u32, now: i64): void {
    const buf = changetype<usize>(this.buffer);
    const len = this.out.bufferLen();
    this.out.emit(this.packet.wrap(buf, len));
    this.iface.sendUdp(DHCP_CLIENT_PORT, dst, DHCP_SERVER_PORT, buf, len, now);
    this.tries++;
  }

  // The wait after the `tries`-th message of an exchange: 4 s doubling to 64 s, ±1 s at random.
  private backoff(): i64 {
    const base = min(FIRST_BACKOFF << (<i64>min(this.tries - 1, 4)), MAX_BACKOFF);
    return base - SECOND + <i64>(this.nextRandom() % <u32>(2 * SECOND + 1));
  }

  // xorshift64*: cheap, and good enough for xids and jitter.
  private nextRandom(): u32 {
    let x = this.random;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    this.random = x;
    return <u32>((x * 0x2545f4914f6cdd1d) >> 32);
  }
}

// The prefix length of `mask`; for a missing or non-contiguous mask, the class of `addr` (RFC 2131 asks
// servers to send one, but old ones may not).
function prefixOf(mask: u32, addr: u32): u32 {
  if (mask != 0 && (~mask & (~mask + 1)) == 0) return <u32>popcnt(mask);
  if (addr >>> 31 == 0) return 8;
  if (addr >>> 30 == 2) return 16;
  return 24;
}
