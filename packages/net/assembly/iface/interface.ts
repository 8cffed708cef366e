// An Ethernet interface with IPv4: receives frames (ARP, IPv4 with fragments
// reassembled once `reassembleFragments` is called, ICMP echo, UDP to bound
// sockets, TCP to tcp/endpoint.ts) and sends IPv4 datagrams (output.ts: routed,
// fragmented to the MTU, next hops resolved with ARP). It does no I/O of
// its own (frames leave through a Link) and reads no clock (time is passed in).

import { Drop } from "../wire/drop";
import { load16, load32 } from "../wire/bytes";
import { ETHERTYPE_ARP, ETHERTYPE_IPV4, isMulticast } from "../wire/ethernet";
import { ARP_REPLY, ARP_REQUEST } from "../wire/arp";
import { IP_PROTOCOL_ICMP, IP_PROTOCOL_TCP, IP_PROTOCOL_UDP } from "../wire/ipv4";
import {
  IcmpPacket,
  IcmpRepr,
  ICMP_DEST_UNREACHABLE,
  ICMP_ECHO_REPLY,
  ICMP_ECHO_REQUEST,
  ICMP_UNREACH_FRAG_NEEDED,
  ICMP_UNREACH_PORT,
  ICMP_UNREACH_PROTOCOL,
} from "../wire/icmpv4";
import { UdpPacket, UdpRepr, UDP_HEADER_LEN } from "../wire/udp";
import { Link } from "./link";
import { Ipv4Output, MAX_IP_PAYLOAD } from "./output";
import { Defragmenter, Reassembler, REASSEMBLY_TIMEOUT } from "./reassembly";
import { UdpHandler, UdpSocket } from "../socket/udp";
import { TcpConnection, TcpHandler } from "../tcp/connection";
import { TcpAcceptor, TcpEndpoint, TcpListener } from "../tcp/endpoint";
import { TcpTransport } from "../tcp/transport";
import { Transport } from "./transport";

export { MAX_IP_PAYLOAD } from "./output";

/** Receives ICMP echo replies (for ping). */
export abstract class EchoHandler {
  /** An echo reply from `srcAddr` with `ident`, `seqNo` and `dataLen` bytes of data. */
  abstract reply(srcAddr: u32, ident: u32, seqNo: u32, dataPtr: usize, dataLen: u32, now: i64): void;
}

/** An IPv4 interface over one Ethernet link: its receiving side, sockets and TCP (the sending side is `Ipv4Output`'s). */
export class Interface extends Ipv4Output {
  /**
   * Fragments of datagrams not yet whole, once `reassembleFragments` has installed a reassembler;
   * until then fragments are dropped (`Drop.Fragment`), and the image carries no reassembly code.
   */
  fragments: Defragmenter | null = null;
  /** Who receives echo replies, if anyone. */
  echoHandler: EchoHandler | null = null;
  /** Whether to answer pings (ICMP echo requests). */
  answerPings: bool = true;
  // TCP, made on first use (see `tcp`), so that images without TCP carry none of its code.
  private tcpTransport: Transport | null = null;

  private sockets: UdpSocket | null = null; // a list through UdpSocket.next, newest first
  private readonly payload: StaticArray<u8> = new StaticArray<u8>(<i32>MAX_IP_PAYLOAD);
  // Views and representations, reused for every frame (with those of `Ipv4Output`).
  private readonly icmp: IcmpPacket = new IcmpPacket();
  private readonly icmpRepr: IcmpRepr = new IcmpRepr();
  private readonly udp: UdpPacket = new UdpPacket();
  private readonly udpRepr: UdpRepr = new UdpRepr();

  constructor(
    link: Link,
    /** Our MAC address (low 48 bits). */
    mac: u64,
    /** The largest IP packet the link carries. */
    mtu: u32 = 1500,
  ) {
    super(link, mac, mtu);
  }

  /** Whether TCP is in use (`tcp` has been touched). */
  get hasTcp(): bool {
    return this.tcpTransport != null;
  }

  /** TCP connections and listeners (made on first use). */
  get tcp(): TcpEndpoint {
    let transport = this.tcpTransport;
    if (!transport) this.tcpTransport = transport = new TcpTransport(new TcpEndpoint(this));
    return changetype<TcpTransport>(transport).endpoint; // the only Transport set here: no checked downcast
  }

  /**
   * Reassembles fragmented IPv4 datagrams from now on, in `slots` buffers of `maxDatagram` bytes
   * (see `Reassembler`), and returns the reassembler (for its counters). Pings and UDP datagrams
   * larger than the MTU arrive in fragments; TCP's segments never do (its MSS keeps them whole),
   * so a TCP server need not call it. A reassembler installed before is replaced.
   */
  reassembleFragments(slots: i32 = 4, maxDatagram: u32 = 65535, timeout: i64 = REASSEMBLY_TIMEOUT): Reassembler {
    const r = new Reassembler(slots, maxDatagram, timeout);
    this.fragments = r;
    return r;
  }

  // ---- receiving -------------------------------------------------------

  /** Handles one received frame of `len` bytes at `ptr`. */
  receive(ptr: usize, len: u32, now: i64): void {
    this.counters.rxFrames++;
    const eth = this.eth.wrap(ptr, len);
    let r = this.ethRepr.parse(eth);
    if (r != Drop.Ok) return this.counters.drop(r);
    const dst = this.ethRepr.dstAddr;
    if (dst != this.mac && !isMulticast(dst)) return this.counters.drop(Drop.NotForUs); // broadcast is multicast too
    const type = this.ethRepr.etherType;
    if (type == ETHERTYPE_ARP) this.receiveArp(eth.payloadPtr(), eth.payloadLen(), now);
    else if (type == ETHERTYPE_IPV4) this.receiveIpv4(eth.payloadPtr(), eth.payloadLen(), now);
    else this.counters.drop(Drop.Unsupported);
  }

  /** An ARP message of `len` bytes at `ptr` (a gateway overrides it to answer for more addresses than its own). */
  protected receiveArp(ptr: usize, len: u32, now: i64): void {
    const arp = this.arpRepr;
    const r = arp.parse(this.arpPacket.wrap(ptr, len));
    if (r != Drop.Ok) return this.counters.drop(r);
    const us = this.config.cidr.addr;
    if (us == 0 || !this.config.cidr.contains(arp.senderIp)) return this.counters.drop(Drop.NotForUs);
    const forUs = arp.targetIp == us;
    // RFC 826's merge: refresh a sender we know; learn a new one only when it talks to us.
    const learned = forUs
      ? this.arp.insert(arp.senderIp, arp.senderMac, now)
      : this.arp.update(arp.senderIp, arp.senderMac, now);
    if (learned) this.counters.txFrames += <u64>this.pending.release(arp.senderIp, arp.senderMac, this.link);
    if (!forUs) return;
    if (arp.operation == ARP_REQUEST) this.sendArp(ARP_REPLY, arp.senderMac, arp.senderIp);
  }

  private receiveIpv4(ptr: usize, len: u32, now: i64): void {
    const ip = this.ip.wrap(ptr, len);
    const repr = this.ipRepr;
    let r = repr.parse(ip);
    if (r != Drop.Ok) return this.counters.drop(r);
    const cidr = this.config.cidr;
    const dst = repr.dstAddr;
    const configured = cidr.addr != 0;
    // Unconfigured (waiting for DHCP), we take broadcasts and whatever is addressed to our MAC.
    if (configured && !this.receivesFor(dst) && dst != 0xffffffff && dst != cidr.broadcast())
      return this.counters.drop(Drop.NotForUs);
    let payload = ip.payloadPtr();
    let payloadLen = ip.payloadLen();
    if (repr.moreFragments || repr.fragmentOffset != 0) {
      const fragments = this.fragments;
      if (!fragments) return this.counters.drop(Drop.Fragment);
      r = fragments.offer(ip, now);
      if (r != Drop.Ok) return this.counters.drop(r);
      if (!fragments.completed) return;
      payload = fragments.payloadPtr();
      payloadLen = fragments.payloadLen();
    }
    const src = repr.srcAddr;
    const protocol = repr.protocol;
    // An ICMP error quotes the IP header and 8 bytes that follow it: only a datagram that came whole has them in place.
    const quoted = payload == ip.payloadPtr() ? ptr : 0;
    const tcp = this.tcpTransport;
    if (protocol == IP_PROTOCOL_UDP) this.receiveUdp(src, dst, quoted, payload, payloadLen, now);
    else if (protocol == IP_PROTOCOL_ICMP) this.receiveIcmp(src, dst, payload, payloadLen, now);
    else if (protocol == IP_PROTOCOL_TCP && tcp) tcp.receive(src, dst, payload, payloadLen, now);
    else {
      // No such protocol here (TCP too, in an image that never uses it): say so, for unicast only.
      this.counters.drop(Drop.Unsupported);
      if (dst == cidr.addr && quoted != 0)
        this.sendUnreachable(
          ICMP_UNREACH_PROTOCOL,
          src,
          quoted,
          <u32>(payload - quoted) + min<u32>(8, payloadLen),
          now,
        );
    }
  }

  /**
   * Whether a unicast datagram to `dst` is ours to take: `dst` is our address. An interface that
   * routes for others (a user-mode network's gateway, which translates the guest's connections to
   * any address into its host's sockets) overrides it to take every destination; UDP, TCP and ICMP
   * then see the datagram's own destination.
   */
  protected receivesFor(dst: u32): bool {
    return dst == this.config.cidr.addr;
  }

  private receiveIcmp(src: u32, dst: u32, ptr: usize, len: u32, now: i64): void {
    const icmp = this.icmpRepr;
    const r = icmp.parse(this.icmp.wrap(ptr, len));
    if (r != Drop.Ok) return this.counters.drop(r);
    if (icmp.msgType == ICMP_ECHO_REQUEST) {
      if (!this.answerPings || dst != this.config.cidr.addr) return this.counters.drop(Drop.Forbidden);
      // The reply is the request (ident, sequence number, data) as another type: copy it to the
      // payload buffer, retype it and send it.
      const out = changetype<usize>(this.payload);
      memory.copy(out, ptr, len);
      const reply = this.icmp.wrap(out, len);
      reply.setMsgType(ICMP_ECHO_REPLY);
      reply.setCode(0);
      reply.fillChecksum();
      this.sendIpv4(this.config.cidr.addr, src, IP_PROTOCOL_ICMP, out, len, now);
    } else if (icmp.msgType == ICMP_ECHO_REPLY) {
      const h = this.echoHandler;
      if (h) h.reply(src, icmp.ident, icmp.seqNo, icmp.dataPtr, icmp.dataLen, now);
      else this.counters.drop(Drop.NotForUs);
    } else if (icmp.msgType != ICMP_DEST_UNREACHABLE || !this.reportUnreachable(icmp, now)) {
      this.counters.drop(Drop.Unsupported); // time exceeded, or an error nobody here sent: counted, nothing to tell
    }
  }

  // Tells the UDP socket or TCP connection that sent the datagram quoted in a destination-unreachable error; false if none did.
  private reportUnreachable(icmp: IcmpRepr, now: i64): bool {
    const quoted = icmp.quoted;
    if (quoted.srcAddr != this.config.cidr.addr) return false;
    if (quoted.protocol == IP_PROTOCOL_TCP) {
      // The quoted TCP header's first 8 bytes: our port, theirs, and the sequence number we sent.
      const tcp = this.tcpTransport;
      if (!tcp || icmp.dataLen < 8) return false;
      const p = icmp.dataPtr;
      const seq = load32(p + 4);
      const mtu = icmp.code == ICMP_UNREACH_FRAG_NEEDED ? icmp.nextHopMtu : 0;
      return tcp.icmpError(
        quoted.srcAddr,
        load16(p),
        quoted.dstAddr,
        load16(p + 2),
        seq,
        icmp.msgType,
        icmp.code,
        mtu,
        now,
      );
    }
    if (quoted.protocol != IP_PROTOCOL_UDP || icmp.dataLen < 4) return false;
    const socket = this.socketOn(load16(icmp.dataPtr)); // the quoted UDP header: our port, then theirs
    if (!socket) return false;
    socket.handler.unreachable(quoted.dstAddr, load16(icmp.dataPtr + 2), icmp.code, now);
    return true;
  }

  /**
   * A UDP datagram from `src` to `dst`, `len` bytes at `ptr` (`ipPtr`: its IP header, or 0 if it was
   * reassembled): to the socket bound on its port. A gateway overrides it to forward the datagrams
   * that are for other addresses.
   */
  protected receiveUdp(src: u32, dst: u32, ipPtr: usize, ptr: usize, len: u32, now: i64): void {
    const udp = this.udpRepr;
    const r = udp.parse(this.udp.wrap(ptr, len), src, dst);
    if (r != Drop.Ok) return this.counters.drop(r);
    const socket = this.socketOn(udp.dstPort);
    if (socket) {
      socket.received++;
      socket.handler.datagram(src, udp.srcPort, udp.payloadPtr, udp.payloadLen, now);
      return;
    }
    this.counters.drop(Drop.NotForUs);
    // Nobody listens: say so (RFC 1122 3.2.2.1), for unicast only, quoting the header and 8 bytes.
    if (dst == this.config.cidr.addr && ipPtr != 0)
      this.sendUnreachable(ICMP_UNREACH_PORT, src, ipPtr, <u32>(ptr - ipPtr) + 8, now);
  }

  // Sends ICMP destination unreachable with `code` to `dst`, quoting `quoteLen` bytes of the datagram at `quotePtr`.
  private sendUnreachable(code: u32, dst: u32, quotePtr: usize, quoteLen: u32, now: i64): void {
    const out = changetype<usize>(this.payload);
    memory.copy(out + 8, quotePtr, quoteLen);
    const packet = this.icmp.wrap(out, 8 + quoteLen);
    packet.setMsgType(ICMP_DEST_UNREACHABLE);
    packet.setCode(code);
    packet.setUnused(0);
    packet.fillChecksum();
    this.sendIpv4(this.config.cidr.addr, dst, IP_PROTOCOL_ICMP, out, 8 + quoteLen, now);
  }

  // ---- sockets ---------------------------------------------------------

  private socketOn(port: u32): UdpSocket | null {
    let socket = this.sockets;
    while (socket && socket.port != port) socket = socket.next;
    return socket;
  }

  /** Binds UDP `port` (1..65535) to `handler`; null if the port is taken or out of range. */
  bindUdp(port: u32, handler: UdpHandler): UdpSocket | null {
    if (port == 0 || port > 0xffff || this.socketOn(port)) return null;
    const socket = new UdpSocket(port, handler);
    socket.next = this.sockets;
    this.sockets = socket;
    return socket;
  }

  /** Unbinds a socket; its port may be bound again. */
  unbindUdp(socket: UdpSocket): void {
    let prev: UdpSocket | null = null;
    let at = this.sockets;
    while (at && at !== socket) {
      prev = at;
      at = at.next;
    }
    if (!at) return; // not bound here
    if (prev) prev.next = at.next;
    else this.sockets = at.next;
    at.next = null;
  }

  /** Sends `len` bytes at `ptr` from `srcPort` to `dstAddr:dstPort`; false if it could not be sent or queued. */
  sendUdp(srcPort: u32, dstAddr: u32, dstPort: u32, ptr: usize, len: u32, now: i64): bool {
    if (len > MAX_IP_PAYLOAD - UDP_HEADER_LEN) return false;
    const out = changetype<usize>(this.payload);
    const src = this.config.cidr.addr;
    const udp = this.udpRepr;
    udp.srcPort = srcPort;
    udp.dstPort = dstPort;
    udp.payloadPtr = ptr;
    udp.payloadLen = len;
    udp.emit(this.udp.wrap(out, UDP_HEADER_LEN + len), src, dstAddr);
    return this.sendIpv4(src, dstAddr, IP_PROTOCOL_UDP, out, UDP_HEADER_LEN + len, now);
  }

  /**
   * Uses `endpoint` for TCP from now on, in place of the one `tcp` makes on first use: call it before
   * anything touches `tcp`. For a subclass of TcpEndpoint (a gateway's, whose `unmatched` opens
   * connections for any address); images that never call it carry none of this.
   */
  useTcp(endpoint: TcpEndpoint): void {
    this.tcpTransport = new TcpTransport(endpoint);
  }

  /** Listens for TCP connections on `port`; null if it is taken or out of range. */
  listenTcp(port: u32, acceptor: TcpAcceptor): TcpListener | null {
    return this.tcp.listen(port, acceptor);
  }

  /** Opens a TCP connection to `dstAddr:dstPort` (the SYN goes now); null if the table is full. */
  connectTcp(dstAddr: u32, dstPort: u32, handler: TcpHandler, now: i64): TcpConnection | null {
    return this.tcp.connect(dstAddr, dstPort, handler, now);
  }

  /** Sends an ICMP echo request with `dataLen` bytes of pattern data; false if it could not be sent or queued. */
  ping(dstAddr: u32, ident: u32, seqNo: u32, dataLen: u32, now: i64): bool {
    if (dataLen > MAX_IP_PAYLOAD - 8) return false;
    const out = changetype<usize>(this.payload);
    for (let i: u32 = 0; i < dataLen; i++) store<u8>(out + 8 + i, i & 0xff);
    const icmp = this.icmpRepr;
    icmp.msgType = ICMP_ECHO_REQUEST;
    icmp.code = 0;
    icmp.ident = ident;
    icmp.seqNo = seqNo;
    icmp.dataPtr = out + 8;
    icmp.dataLen = dataLen;
    icmp.emit(this.icmp.wrap(out, 8 + dataLen));
    return this.sendIpv4(this.config.cidr.addr, dstAddr, IP_PROTOCOL_ICMP, out, 8 + dataLen, now);
  }

  // ---- time ------------------------------------------------------------

  /** Expires what has timed out (ARP entries, queued frames, unfinished datagrams) and runs TCP's timers. */
  poll(now: i64): void {
    this.arp.expire(now);
    this.pending.expire(now);
    const fragments = this.fragments;
    if (fragments) fragments.expire(now);
    const tcp = this.tcpTransport;
    if (tcp) tcp.poll(now);
  }

  /** Sends what the app queued outside the stack's callbacks (TCP writes and closes); false if nothing was. */
  flush(now: i64): bool {
    const tcp = this.tcpTransport;
    return tcp ? tcp.flush(now) : false;
  }

  /** The earliest time `poll` has something to do. */
  pollAt(): i64 {
    const tcp = this.tcpTransport;
    const fragments = this.fragments;
    let at = min(this.arp.pollAt(), this.pending.pollAt());
    if (fragments) at = min(at, fragments.pollAt());
    return tcp ? min(at, tcp.pollAt()) : at;
  }
}
