// Ethernet II frames: destination and source MAC, EtherType, payload (no VLAN tags; the FCS is not ours).
//
//  0                       6                       12          14
// +-----------------------+-----------------------+-----------+------------
// |  destination MAC      |  source MAC           | EtherType | payload ...
// +-----------------------+-----------------------+-----------+------------

import { load16, loadMac, store16, storeMac } from "./bytes";
import { Drop } from "./drop";

const DST_ADDR: u32 = 0;
const SRC_ADDR: u32 = 6;
const ETHERTYPE: u32 = 12;

/** Bytes in an Ethernet II header. */
export const ETHERNET_HEADER_LEN: u32 = 14;
/** EtherType of IPv4. */
export const ETHERTYPE_IPV4: u32 = 0x0800;
/** EtherType of ARP. */
export const ETHERTYPE_ARP: u32 = 0x0806;
/** EtherType of an IEEE 802.1Q VLAN tag (not handled: `EthernetRepr.parse` says `Unsupported`). */
export const ETHERTYPE_VLAN: u32 = 0x8100;
/** EtherType of IPv6 (not handled yet). */
export const ETHERTYPE_IPV6: u32 = 0x86dd;
/** The broadcast MAC address ff:ff:ff:ff:ff:ff. */
export const MAC_BROADCAST: u64 = 0xffffffffffff;

/** True if `mac` is a group address (the I/G bit, the low bit of its first octet, is set); broadcast is one. */
export function isMulticast(mac: u64): bool {
  return ((mac >> 40) & 1) != 0;
}

/** True if `mac` is the broadcast address. */
export function isBroadcast(mac: u64): bool {
  return (mac & MAC_BROADCAST) == MAC_BROADCAST;
}

/** A zero-copy view of an Ethernet II frame at `ptr`, `len` bytes; reuse one with `wrap`. */
export class EthernetFrame {
  /** Address of the first byte of the frame. */
  ptr: usize = 0;
  /** Bytes of the frame in the buffer. */
  len: u32 = 0;

  /** Points the view at `len` bytes at `ptr`; returns it. */
  wrap(ptr: usize, len: u32): EthernetFrame {
    this.ptr = ptr;
    this.len = len;
    return this;
  }

  /** `Drop.Ok` if the buffer holds a whole header (then no accessor reads outside it), else `Truncated`. */
  check(): Drop {
    return this.len < ETHERNET_HEADER_LEN ? Drop.Truncated : Drop.Ok;
  }

  /** The destination MAC address. */
  @inline dstAddr(): u64 {
    return loadMac(this.ptr + DST_ADDR);
  }

  /** Sets the destination MAC address. */
  @inline setDstAddr(mac: u64): void {
    storeMac(this.ptr + DST_ADDR, mac);
  }

  /** The source MAC address. */
  @inline srcAddr(): u64 {
    return loadMac(this.ptr + SRC_ADDR);
  }

  /** Sets the source MAC address. */
  @inline setSrcAddr(mac: u64): void {
    storeMac(this.ptr + SRC_ADDR, mac);
  }

  /** The EtherType (`ETHERTYPE_IPV4`, `ETHERTYPE_ARP`, ...). */
  @inline etherType(): u32 {
    return load16(this.ptr + ETHERTYPE);
  }

  /** Sets the EtherType. */
  @inline setEtherType(v: u32): void {
    store16(this.ptr + ETHERTYPE, v);
  }

  /** Address of the payload (right after the header). */
  @inline payloadPtr(): usize {
    return this.ptr + ETHERNET_HEADER_LEN;
  }

  /** Bytes after the header: the payload, with any padding to the 60-byte minimum. */
  @inline payloadLen(): u32 {
    return this.len - ETHERNET_HEADER_LEN;
  }
}

/**
 * The fields of an Ethernet II header. `parse` rejects a short frame (`Truncated`), a VLAN
 * tag and an IEEE 802.3 length in place of the EtherType (`Unsupported`).
 */
export class EthernetRepr {
  /** Destination MAC address. */
  dstAddr: u64 = 0;
  /** Source MAC address. */
  srcAddr: u64 = 0;
  /** EtherType of the payload. */
  etherType: u32 = 0;

  /** Fills the fields from `frame` (checked here too); `Drop.Ok` or why it is dropped. */
  parse(frame: EthernetFrame): Drop {
    const ok = frame.check();
    if (ok != Drop.Ok) return ok;
    const type = frame.etherType();
    if (type == ETHERTYPE_VLAN || type < 0x0600) return Drop.Unsupported;
    this.dstAddr = frame.dstAddr();
    this.srcAddr = frame.srcAddr();
    this.etherType = type;
    return Drop.Ok;
  }

  /** Bytes the header needs. */
  bufferLen(): u32 {
    return ETHERNET_HEADER_LEN;
  }

  /** Writes the header into `frame`, which must hold at least `bufferLen()` bytes. */
  emit(frame: EthernetFrame): void {
    frame.setDstAddr(this.dstAddr);
    frame.setSrcAddr(this.srcAddr);
    frame.setEtherType(this.etherType);
  }
}
