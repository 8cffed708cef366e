// ARP packets (RFC 826) for IPv4 over Ethernet: who-has requests and is-at replies.
//
//  0           2           4     5     6           8
// +-----------+-----------+-----+-----+-----------+
// | hw type   | prot type |hlen |plen | operation |
// +-----------+-----------+-----+-----+-----------+-----------------------+
// |  8: sender hardware address (6)   | 14: sender protocol address (4)   |
// +-----------------------------------+-----------------------------------+
// | 18: target hardware address (6)   | 24: target protocol address (4)   |
// +-----------------------------------+-----------------------------------+  28
//
// The address offsets are those of hlen 6 and plen 4, the only sizes handled.

import { load16, load32, loadMac, store16, store32, storeMac } from "./bytes";
import { Drop } from "./drop";

const HTYPE: u32 = 0;
const PTYPE: u32 = 2;
const HLEN: u32 = 4;
const PLEN: u32 = 5;
const OPER: u32 = 6;
const SHA: u32 = 8;
const SPA: u32 = 14;
const THA: u32 = 18;
const TPA: u32 = 24;
const FIXED_LEN: u32 = 8;

/** Bytes in an ARP packet for Ethernet and IPv4. */
export const ARP_LEN: u32 = 28;
/** ARP hardware type of Ethernet. */
export const ARP_HTYPE_ETHERNET: u32 = 1;
/** ARP protocol type of IPv4 (its EtherType). */
export const ARP_PTYPE_IPV4: u32 = 0x0800;
/** ARP operation: request (who-has). */
export const ARP_REQUEST: u32 = 1;
/** ARP operation: reply (is-at). */
export const ARP_REPLY: u32 = 2;

/** A zero-copy view of an ARP packet at `ptr`, `len` bytes; reuse one with `wrap`. */
export class ArpPacket {
  /** Address of the first byte of the packet. */
  ptr: usize = 0;
  /** Bytes of the packet in the buffer. */
  len: u32 = 0;

  /** Points the view at `len` bytes at `ptr`; returns it. */
  wrap(ptr: usize, len: u32): ArpPacket {
    this.ptr = ptr;
    this.len = len;
    return this;
  }

  /**
   * `Drop.Ok` if the buffer holds the fixed part, the four addresses its length fields declare
   * and at least `ARP_LEN` bytes (then no accessor reads outside it); else `Truncated`.
   */
  check(): Drop {
    const len = this.len;
    if (len < FIXED_LEN) return Drop.Truncated;
    if (len < FIXED_LEN + 2 * (this.hardwareLen() + this.protocolLen())) return Drop.Truncated;
    if (len < ARP_LEN) return Drop.Truncated;
    return Drop.Ok;
  }

  /** The hardware type (1 for Ethernet). */
  @inline hardwareType(): u32 {
    return load16(this.ptr + HTYPE);
  }

  /** Sets the hardware type. */
  @inline setHardwareType(v: u32): void {
    store16(this.ptr + HTYPE, v);
  }

  /** The protocol type (0x0800 for IPv4). */
  @inline protocolType(): u32 {
    return load16(this.ptr + PTYPE);
  }

  /** Sets the protocol type. */
  @inline setProtocolType(v: u32): void {
    store16(this.ptr + PTYPE, v);
  }

  /** Bytes in a hardware address (6 for Ethernet). */
  @inline hardwareLen(): u32 {
    return load<u8>(this.ptr + HLEN);
  }

  /** Sets the hardware address length. */
  @inline setHardwareLen(v: u32): void {
    store<u8>(this.ptr + HLEN, <u8>v);
  }

  /** Bytes in a protocol address (4 for IPv4). */
  @inline protocolLen(): u32 {
    return load<u8>(this.ptr + PLEN);
  }

  /** Sets the protocol address length. */
  @inline setProtocolLen(v: u32): void {
    store<u8>(this.ptr + PLEN, <u8>v);
  }

  /** The operation (`ARP_REQUEST`, `ARP_REPLY`). */
  @inline operation(): u32 {
    return load16(this.ptr + OPER);
  }

  /** Sets the operation. */
  @inline setOperation(v: u32): void {
    store16(this.ptr + OPER, v);
  }

  /** The sender's MAC address. */
  @inline senderHardwareAddr(): u64 {
    return loadMac(this.ptr + SHA);
  }

  /** Sets the sender's MAC address. */
  @inline setSenderHardwareAddr(mac: u64): void {
    storeMac(this.ptr + SHA, mac);
  }

  /** The sender's IPv4 address. */
  @inline senderProtocolAddr(): u32 {
    return load32(this.ptr + SPA);
  }

  /** Sets the sender's IPv4 address. */
  @inline setSenderProtocolAddr(ip: u32): void {
    store32(this.ptr + SPA, ip);
  }

  /** The target's MAC address (zero in a request). */
  @inline targetHardwareAddr(): u64 {
    return loadMac(this.ptr + THA);
  }

  /** Sets the target's MAC address. */
  @inline setTargetHardwareAddr(mac: u64): void {
    storeMac(this.ptr + THA, mac);
  }

  /** The target's IPv4 address. */
  @inline targetProtocolAddr(): u32 {
    return load32(this.ptr + TPA);
  }

  /** Sets the target's IPv4 address. */
  @inline setTargetProtocolAddr(ip: u32): void {
    store32(this.ptr + TPA, ip);
  }
}

/**
 * An ARP request or reply for IPv4 over Ethernet. `parse` rejects a short packet (`Truncated`),
 * and a hardware type other than Ethernet, a protocol other than IPv4, address lengths other
 * than 6 and 4, or an operation other than request and reply (`Unsupported`).
 */
export class ArpRepr {
  /** `ARP_REQUEST` or `ARP_REPLY`. */
  operation: u32 = 0;
  /** The sender's MAC address. */
  senderMac: u64 = 0;
  /** The sender's IPv4 address. */
  senderIp: u32 = 0;
  /** The target's MAC address (zero in a request). */
  targetMac: u64 = 0;
  /** The target's IPv4 address. */
  targetIp: u32 = 0;

  /** Fills the fields from `packet` (checked here too); `Drop.Ok` or why it is dropped. */
  parse(packet: ArpPacket): Drop {
    const ok = packet.check();
    if (ok != Drop.Ok) return ok;
    if (packet.hardwareType() != ARP_HTYPE_ETHERNET || packet.protocolType() != ARP_PTYPE_IPV4) return Drop.Unsupported;
    if (packet.hardwareLen() != 6 || packet.protocolLen() != 4) return Drop.Unsupported;
    const op = packet.operation();
    if (op != ARP_REQUEST && op != ARP_REPLY) return Drop.Unsupported;
    this.operation = op;
    this.senderMac = packet.senderHardwareAddr();
    this.senderIp = packet.senderProtocolAddr();
    this.targetMac = packet.targetHardwareAddr();
    this.targetIp = packet.targetProtocolAddr();
    return Drop.Ok;
  }

  /** Bytes the packet needs. */
  bufferLen(): u32 {
    return ARP_LEN;
  }

  /** Writes the packet into `packet`, which must hold at least `bufferLen()` bytes. */
  emit(packet: ArpPacket): void {
    packet.setHardwareType(ARP_HTYPE_ETHERNET);
    packet.setProtocolType(ARP_PTYPE_IPV4);
    packet.setHardwareLen(6);
    packet.setProtocolLen(4);
    packet.setOperation(this.operation);
    packet.setSenderHardwareAddr(this.senderMac);
    packet.setSenderProtocolAddr(this.senderIp);
    packet.setTargetHardwareAddr(this.targetMac);
    packet.setTargetProtocolAddr(this.targetIp);
  }
}
