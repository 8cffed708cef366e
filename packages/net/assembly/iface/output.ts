// An interface's sending side: IPv4 datagrams routed (on-link, or through the gateway),
// fragmented to the MTU, framed for Ethernet and sent through the link, or queued until ARP
// resolves the next hop; and ARP requests and replies. It does no I/O of its own (frames leave
// through a Link) and reads no clock. `Interface` (interface.ts) adds the receiving side; the
// transports above it (TCP) send through this class and never import the interface.

import {
  EthernetFrame,
  EthernetRepr,
  ETHERNET_HEADER_LEN,
  ETHERTYPE_ARP,
  ETHERTYPE_IPV4,
  MAC_BROADCAST,
} from "../wire/ethernet";
import { ArpPacket, ArpRepr, ARP_LEN, ARP_REQUEST } from "../wire/arp";
import { Ipv4Packet, Ipv4Repr, IPV4_HEADER_LEN } from "../wire/ipv4";
import { ArpCache } from "./arp-cache";
import { Counters } from "./counters";
import { Ipv4Config } from "./config";
import { Link } from "./link";
import { PendingQueue } from "./pending";

/** The largest IPv4 payload: 65535 minus the 20-byte header. */
export const MAX_IP_PAYLOAD: u32 = 65515;

/** The sending side of an IPv4 interface over one Ethernet link (see `Interface`). */
export class Ipv4Output {
  /** Address, network, gateway and DNS server (static or from DHCP). */
  readonly config: Ipv4Config = new Ipv4Config();
  /** Frames in and out, drops by reason. */
  readonly counters: Counters = new Counters();
  /** Neighbours' MAC addresses. */
  readonly arp: ArpCache = new ArpCache();
  /** Frames waiting for a neighbour's MAC address. */
  readonly pending: PendingQueue;

  private readonly frame: StaticArray<u8>;
  private nextIdent: u32 = 1;
  // Views and representations, reused for every frame (the receiving side's too).
  protected readonly eth: EthernetFrame = new EthernetFrame();
  protected readonly ethRepr: EthernetRepr = new EthernetRepr();
  protected readonly arpPacket: ArpPacket = new ArpPacket();
  protected readonly arpRepr: ArpRepr = new ArpRepr();
  protected readonly ip: Ipv4Packet = new Ipv4Packet();
  protected readonly ipRepr: Ipv4Repr = new Ipv4Repr();

  constructor(
    protected readonly link: Link,
    /** Our MAC address (low 48 bits). */
    readonly mac: u64,
    /** The largest IP packet the link carries. */
    readonly mtu: u32 = 1500,
  ) {
    this.frame = new StaticArray<u8>(<i32>(mtu + ETHERNET_HEADER_LEN));
    this.pending = new PendingQueue(16, mtu + ETHERNET_HEADER_LEN);
  }

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

  /** Sends an ARP request (`operation` ARP_REQUEST, broadcast) or reply to `targetMac`, `targetIp`. */
  protected sendArp(operation: u32, targetMac: u64, targetIp: u32): void {
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
}
