// An Ethernet interface with IPv4: receives frames (ARP, IPv4 with fragments
// reassembled once `reassembleFragments` is called, ICMP echo, UDP to bound
// sockets, TCP to tcp/endpoint.ts) and sends IPv4 datagrams,
// resolving next hops with ARP and fragmenting to the MTU. It does no I/O of
// its own (frames leave through a Link) and reads no clock (time is passed in).

import { Drop } from "../wire/drop";
import { load16, load32 } from "../wire/bytes";
import {
  EthernetFrame,
  EthernetRepr,
  ETHERNET_HEADER_LEN,
  ETHERTYPE_ARP,
  ETHERTYPE_IPV4,
  isMulticast,
  MAC_BROADCAST,
} from "../wire/ethernet";
import { ArpPacket, ArpRepr, ARP_LEN, ARP_REPLY, ARP_REQUEST } from "../wire/arp";
import {
  Ipv4Packet,
  Ipv4Repr,
  IPV4_HEADER_LEN,
  IP_PROTOCOL_ICMP,
  IP_PROTOCOL_TCP,
  IP_PROTOCOL_UDP,
} from "../wire/ipv4";
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
import { ArpCache } from "./arp-cache";
import { Counters } from "./counters";
import { Ipv4Config } from "./config";
import { Link } from "./link";
import { PendingQueue } from "./pending";
import { Defragmenter, Reassembler, REASSEMBLY_TIMEOUT } from "./reassembly";
import { UdpHandler, UdpSocket } from "../socket/udp";
import { TcpConnection, TcpHandler } from "../tcp/connection";
import { TcpAcceptor, TcpEndpoint, TcpListener, TcpTransport } from "../tcp/endpoint";
import { Transport } from "./transport";

/** The largest IPv4 payload: 65535 minus the 20-byte header. */
export const MAX_IP_PAYLOAD: u32 = 65515;

/** Receives ICMP echo replies (for ping). */
export abstract class EchoHandler {
  /** An echo reply from `srcAddr` with `ident`, `seqNo` and `dataLen` bytes of data. */
  abstract reply(srcAddr: u32, ident: u32, seqNo: u32, dataPtr: usize, dataLen: u32, now: i64): void;
}

/** An IPv4 interface over one Ethernet link. */
export class Interface {
  /** Address, network, gateway and DNS server (static or from DHCP). */
  readonly config: Ipv4Config = new Ipv4Config();
  /** Frames in and out, drops by reason. */
  readonly counters: Counters = new Counters();
  /** Neighbours' MAC addresses. */
  readonly arp: ArpCache = new ArpCache();
  /** Frames waiting for a neighbour's MAC address. */
  readonly pending: PendingQueue;
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
  private readonly frame: StaticArray<u8>;
  private readonly payload: StaticArray<u8> = new StaticArray<u8>(<i32>MAX_IP_PAYLOAD);
  private nextIdent: u32 = 1;
  // Views and representations, reused for every frame.
  private readonly eth: EthernetFrame = new EthernetFrame();
  private readonly ethRepr: EthernetRepr = new EthernetRepr();
  private readonly arpPacket: ArpPacket = new ArpPacket();
  private readonly arpRepr: ArpRepr = new ArpRepr();
  private readonly ip: Ipv4Packet = new Ipv4Packet();
  private readonly ipRepr: Ipv4Repr = new Ipv4Repr();
  private readonly icmp: IcmpPacket = new IcmpPacket();
  private readonly icmpRepr: IcmpRepr = new IcmpRepr();
  private readonly udp: UdpPacket = new UdpPacket();
  private readonly udpRepr: UdpRepr = new UdpRepr();

  constructor(
    private readonly link: Link,
    /** Our MAC address (low 48 bits). */
    readonly mac: u64,
    /** The largest IP packet the link carries. */
    readonly mtu: u32 = 1500,
  ) {
    this.frame = new StaticArray<u8>(<i32>(mtu + ETHERNET_HEADER_LEN));
    this.pending = new PendingQueue(16, mtu + ETHERNET_HEADER_LEN);
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

  private receiveArp(ptr: usize, len: u32, now: i64): void {
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
    if (configured && dst != cidr.addr && dst != 0xffffffff && dst != cidr.broadcast())
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

  private receiveUdp(src: u32, dst: u32, ipPtr: usize, ptr: usize, len: u32, now: i64): void {
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

  // ---- sending ---------------------------------------------------------

  /**
   * Sends an IPv4 datagram: routes it (on-link, or through the gateway),
   * fragments it to the MTU, and sends each fragment, or queues it until ARP
   * resolves the next hop. False if there is no route or no room.
   */
  sendIpv4(src: u32, dst: u32, protocol: u32, ptr: usize, len: u32, now: i64): bool {
    if (len > MAX_IP_PAYLOAD) return false;
    const cidr = this.config.cidr;
    const broadcast = dst == 0xffffffff || (cidr.addr != 0 && dst == cidr.broadcast());
    let nextHop = dst;
    if (!broadcast && !cidr.contains(dst)) {
      if (this.config.gateway == 0) return false;
      nextHop = this.config.gateway;
    }
    let mac: i64 = broadcast ? <i64>MAC_BROADCAST : this.arp.lookup(nextHop, now);
    const ident = this.nextIdent;
    this.nextIdent = (ident + 1) & 0xffff;
    const maxChunk = (this.mtu - IPV4_HEADER_LEN) & ~7;
    let ok = true;
    for (let offset: u32 = 0; ; offset += maxChunk) {
      const chunk = min(maxChunk, len - offset);
      const more = offset + chunk < len;
      const frameLen = this.buildIpv4Frame(
        mac < 0 ? 0 : <u64>mac,
        src,
        dst,
        protocol,
        ident,
        offset,
        more,
        ptr + offset,
        chunk,
      );
      const frame = changetype<usize>(this.frame);
      if (mac >= 0) ok = this.transmit(frame, frameLen) && ok;
      else ok = this.pending.push(nextHop, frame, frameLen, now) && ok;
      if (!more) break;
    }
    if (mac < 0 && this.arp.shouldRequest(nextHop, now)) this.sendArp(ARP_REQUEST, 0, nextHop);
    return ok;
  }

  private buildIpv4Frame(
    dstMac: u64,
    src: u32,
    dst: u32,
    protocol: u32,
    ident: u32,
    offset: u32,
    more: bool,
    ptr: usize,
    len: u32,
  ): u32 {
    const frame = changetype<usize>(this.frame);
    const eth = this.ethRepr;
    eth.dstAddr = dstMac;
    eth.srcAddr = this.mac;
    eth.etherType = ETHERTYPE_IPV4;
    eth.emit(this.eth.wrap(frame, ETHERNET_HEADER_LEN + IPV4_HEADER_LEN + len));
    const ip = this.ipRepr;
    ip.srcAddr = src;
    ip.dstAddr = dst;
    ip.protocol = protocol;
    ip.payloadLen = len;
    ip.ttl = 64;
    ip.tos = 0;
    ip.ident = ident;
    ip.dontFragment = false;
    ip.moreFragments = more;
    ip.fragmentOffset = offset;
    const at = frame + ETHERNET_HEADER_LEN;
    ip.emit(this.ip.wrap(at, IPV4_HEADER_LEN + len));
    memory.copy(at + IPV4_HEADER_LEN, ptr, len);
    return ETHERNET_HEADER_LEN + IPV4_HEADER_LEN + len;
  }

  private sendArp(operation: u32, targetMac: u64, targetIp: u32): void {
    const frame = changetype<usize>(this.frame);
    const eth = this.ethRepr;
    eth.dstAddr = operation == ARP_REQUEST ? MAC_BROADCAST : targetMac;
    eth.srcAddr = this.mac;
    eth.etherType = ETHERTYPE_ARP;
    eth.emit(this.eth.wrap(frame, ETHERNET_HEADER_LEN + ARP_LEN));
    const arp = this.arpRepr;
    arp.operation = operation;
    arp.senderMac = this.mac;
    arp.senderIp = this.config.cidr.addr;
    arp.targetMac = targetMac;
    arp.targetIp = targetIp;
    arp.emit(this.arpPacket.wrap(frame + ETHERNET_HEADER_LEN, ARP_LEN));
    this.transmit(frame, ETHERNET_HEADER_LEN + ARP_LEN);
  }

  private transmit(ptr: usize, len: u32): bool {
    if (this.link.send(ptr, len)) {
      this.counters.txFrames++;
      return true;
    }
    this.counters.txDropped++;
    return false;
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
