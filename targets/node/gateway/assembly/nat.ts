// The gateway's side of outbound traffic (NAT): an interface that takes the guest's datagrams for
// every address, and a TCP endpoint that holds a guest's SYN to an address nobody listens on here
// until the host's own connection to it is made (passt's way: the guest sees its connection
// accepted, refused or unanswered as the host's was), answered then by `TcpEndpoint.open` or a RST.
//
//   10.0.2.2  the gateway: ARP, ping, DHCP; TCP and UDP to it go to the host's 127.0.0.1 (as slirp)
//   10.0.2.3  the resolver (resolver.ts): ARP, and UDP port 53
//   others    TCP and UDP through the host's sockets to the same address

import { Interface } from "@tessera/net/assembly/iface/interface";
import { Link } from "@tessera/net/assembly/iface/link";
import { Ipv4Output } from "@tessera/net/assembly/iface/output";
import { TcpConnection, TcpHandler } from "@tessera/net/assembly/tcp/connection";
import { resetFor } from "@tessera/net/assembly/tcp/segment";
import { TcpEndpoint } from "@tessera/net/assembly/tcp/endpoint";
import { ArpPacket, ArpRepr, ARP_LEN, ARP_REPLY, ARP_REQUEST } from "@tessera/net/assembly/wire/arp";
import { Drop } from "@tessera/net/assembly/wire/drop";
import { EthernetFrame, EthernetRepr, ETHERNET_HEADER_LEN, ETHERTYPE_ARP } from "@tessera/net/assembly/wire/ethernet";
import { IP_PROTOCOL_UDP } from "@tessera/net/assembly/wire/ipv4";
import { TcpPacket, TcpRepr, TCP_ACK, TCP_MAX_HEADER_LEN, TCP_RST, TCP_SYN } from "@tessera/net/assembly/wire/tcp";
import { UdpPacket, UdpRepr, UDP_HEADER_LEN } from "@tessera/net/assembly/wire/udp";

/** The gateway's address: 10.0.2.2. */
export const GATEWAY_ADDR: u32 = 0x0a000202;
/** The resolver's address: 10.0.2.3. */
export const RESOLVER_ADDR: u32 = 0x0a000203;
/** The guest's address: 10.0.2.15. */
export const GUEST_ADDR: u32 = 0x0a00020f;
const LOOPBACK: u32 = 0x7f000001;
const DHCP_SERVER_PORT: u32 = 67;
/** The most bytes of a SYN held while the host connects: its header and options, and a little data (else: RST). */
export const SYN_MAX: u32 = TCP_MAX_HEADER_LEN + 68;

/** The host's address for a destination of the guest's: 10.0.2.2 is the host's own 127.0.0.1. */
export function hostAddress(addr: u32): u32 {
  return addr == GATEWAY_ADDR ? LOOPBACK : addr;
}

/** Where the gateway's interface hands what leaves through the host. */
export abstract class Outbound {
  /** A datagram from the guest's `src:srcPort` to `dst:dstPort` (not the gateway's own DHCP). */
  abstract datagram(src: u32, srcPort: u32, dst: u32, dstPort: u32, ptr: usize, len: u32, now: i64): void;
  /** A SYN from the guest that no connection takes: its `len` bytes of TCP at `ptr`, from `src` to `dst`. */
  abstract syn(seg: TcpRepr, src: u32, dst: u32, ptr: usize, len: u32, now: i64): void;
}

/** The guest's link at the gateway: takes IPv4 for every destination, and answers ARP for the resolver. */
export class GatewayInterface extends Interface {
  /** Who takes what is not for the gateway itself. */
  outbound: Outbound | null = null;
  private readonly arpOut: StaticArray<u8> = new StaticArray<u8>(<i32>(ETHERNET_HEADER_LEN + ARP_LEN));
  private readonly arpIn: ArpRepr = new ArpRepr();
  private readonly arpView: ArpPacket = new ArpPacket();
  private readonly ethView: EthernetFrame = new EthernetFrame();
  private readonly ethOut: EthernetRepr = new EthernetRepr();
  private readonly udpIn: UdpRepr = new UdpRepr();
  private readonly udpView: UdpPacket = new UdpPacket();
  private readonly udpOut: StaticArray<u8> = new StaticArray<u8>(65515);

  constructor(link: Link, mac: u64, mtu: u32) {
    super(link, mac, mtu);
  }

  protected receivesFor(dst: u32): bool {
    return true;
  }

  protected receiveArp(ptr: usize, len: u32, now: i64): void {
    const arp = this.arpIn;
    if (
      arp.parse(this.arpView.wrap(ptr, len)) != Drop.Ok ||
      arp.operation != ARP_REQUEST ||
      arp.targetIp != RESOLVER_ADDR
    )
      return super.receiveArp(ptr, len, now);
    const frame = changetype<usize>(this.arpOut);
    const eth = this.ethOut;
    eth.dstAddr = arp.senderMac;
    eth.srcAddr = this.mac;
    eth.etherType = ETHERTYPE_ARP;
    eth.emit(this.ethView.wrap(frame, ETHERNET_HEADER_LEN + ARP_LEN));
    arp.operation = ARP_REPLY;
    arp.targetMac = arp.senderMac;
    arp.targetIp = arp.senderIp;
    arp.senderMac = this.mac;
    arp.senderIp = RESOLVER_ADDR;
    arp.emit(this.arpView.wrap(frame + ETHERNET_HEADER_LEN, ARP_LEN));
    if (this.link.send(frame, ETHERNET_HEADER_LEN + ARP_LEN)) this.counters.txFrames++;
  }

  protected receiveUdp(src: u32, dst: u32, ipPtr: usize, ptr: usize, len: u32, now: i64): void {
    const out = this.outbound;
    const udp = this.udpIn;
    const cidr = this.config.cidr;
    const broadcast = dst == 0xffffffff || dst == cidr.broadcast();
    if (
      !out ||
      broadcast ||
      udp.parse(this.udpView.wrap(ptr, len), src, dst) != Drop.Ok ||
      (dst == GATEWAY_ADDR && udp.dstPort == DHCP_SERVER_PORT)
    )
      return super.receiveUdp(src, dst, ipPtr, ptr, len, now);
    out.datagram(src, udp.srcPort, dst, udp.dstPort, udp.payloadPtr, udp.payloadLen, now);
  }

  /** Sends `len` bytes at `ptr` to the guest's `dst:dstPort` as from `src:srcPort`; false if it could not go. */
  sendUdpFrom(src: u32, srcPort: u32, dst: u32, dstPort: u32, ptr: usize, len: u32, now: i64): bool {
    if (len > <u32>this.udpOut.length - UDP_HEADER_LEN) return false;
    const out = changetype<usize>(this.udpOut);
    const udp = this.udpIn;
    udp.srcPort = srcPort;
    udp.dstPort = dstPort;
    udp.payloadPtr = ptr;
    udp.payloadLen = len;
    udp.emit(this.udpView.wrap(out, UDP_HEADER_LEN + len), src, dst);
    return this.sendIpv4(src, dst, IP_PROTOCOL_UDP, out, UDP_HEADER_LEN + len, now);
  }
}

/**
 * The gateway's TCP: a SYN no connection takes goes to `outbound` (which opens the host's
 * connection and later calls `accept` or `refuse`); any other segment no connection takes is
 * answered with a RST, whatever its address, so that the guest's side of a connection the
 * gateway no longer has ends at once.
 */
export class NatEndpoint extends TcpEndpoint {
  outbound: Outbound | null = null;
  private readonly answer: TcpRepr = new TcpRepr();
  private readonly held: TcpRepr = new TcpRepr();
  private readonly view: TcpPacket = new TcpPacket();

  constructor(ip: Ipv4Output) {
    super(ip);
  }

  // The segment `receive` is handling, for `unmatched` to hand on.
  private segPtr: usize = 0;
  private segLen: u32 = 0;

  receive(src: u32, dst: u32, ptr: usize, len: u32, now: i64): void {
    this.segPtr = ptr;
    this.segLen = len;
    super.receive(src, dst, ptr, len, now);
  }

  protected unmatched(seg: TcpRepr, src: u32, dst: u32, now: i64): void {
    const out = this.outbound;
    if (out && seg.has(TCP_SYN) && !seg.has(TCP_ACK) && !seg.has(TCP_RST) && this.segLen <= SYN_MAX) {
      out.syn(seg, src, dst, this.segPtr, this.segLen, now);
      return;
    }
    if (resetFor(seg, this.answer)) {
      this.resets++;
      this.send(dst, src, this.answer, now);
    }
  }

  /** The held SYN (`len` bytes of TCP at `ptr`, from `src` to `dst`) as a segment again; null if it no longer parses. */
  private reparse(src: u32, dst: u32, ptr: usize, len: u32): TcpRepr | null {
    return this.held.parse(this.view.wrap(ptr, len), src, dst) == Drop.Ok ? this.held : null;
  }

  /** Answers a held SYN with a SYN-ACK: a connection with `handler`; null if it cannot be made (the guest gets a RST). */
  accept(src: u32, dst: u32, ptr: usize, len: u32, handler: TcpHandler, now: i64): TcpConnection | null {
    const syn = this.reparse(src, dst, ptr, len);
    if (!syn) return null;
    const conn = this.open(syn, src, dst, handler, now);
    if (!conn) this.reset(src, dst, ptr, len, now);
    return conn;
  }

  /** Answers a held SYN with a RST: the host's connection was refused, or failed. */
  reset(src: u32, dst: u32, ptr: usize, len: u32, now: i64): void {
    const syn = this.reparse(src, dst, ptr, len);
    if (!syn || !resetFor(syn, this.answer)) return;
    this.send(dst, src, this.answer, now);
  }
}
