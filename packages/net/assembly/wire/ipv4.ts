// IPv4 headers (RFC 791): a view with the header checksum, and a repr that skips options.
//
//  0       4       8               16    19                        32
// +-------+-------+---------------+-------------------------------+
// |version|  IHL  |  DSCP | ECN   |         total length          |  0
// +-------+-------+---------------+-----+-------------------------+
// |        identification         |flags|    fragment offset      |  4
// +---------------+---------------+-----+-------------------------+
// |      TTL      |   protocol    |        header checksum        |  8
// +---------------+---------------+-------------------------------+
// |                        source address                         | 12
// +---------------------------------------------------------------+
// |                      destination address                      | 16
// +---------------------------------------------------------------+
// |                options (IHL > 5, up to 40 bytes)              | 20
// +---------------------------------------------------------------+
//
// flags: bit 15 reserved, 14 don't fragment (DF), 13 more fragments (MF); the offset is in 8-byte units.

import { load16, load32, store16, store32 } from "./bytes";
import { checksum } from "./checksum";
import { Drop } from "./drop";

const VER_IHL: u32 = 0;
const TOS: u32 = 1;
const LENGTH: u32 = 2;
const IDENT: u32 = 4;
const FLAGS_FRAG: u32 = 6;
const TTL: u32 = 8;
const PROTOCOL: u32 = 9;
const CHECKSUM: u32 = 10;
const SRC_ADDR: u32 = 12;
const DST_ADDR: u32 = 16;

const FLAG_DF: u32 = 0x4000;
const FLAG_MF: u32 = 0x2000;
const FRAG_MASK: u32 = 0x1fff;

/** Bytes in an IPv4 header without options. */
export const IPV4_HEADER_LEN: u32 = 20;
/** IP protocol number of ICMP. */
export const IP_PROTOCOL_ICMP: u32 = 1;
/** IP protocol number of TCP. */
export const IP_PROTOCOL_TCP: u32 = 6;
/** IP protocol number of UDP. */
export const IP_PROTOCOL_UDP: u32 = 17;
/** The limited broadcast address 255.255.255.255. */
export const IPV4_BROADCAST: u32 = 0xffffffff;

/** A zero-copy view of an IPv4 packet at `ptr`, `len` bytes (e.g. an Ethernet payload with padding). */
export class Ipv4Packet {
  /** Address of the first byte of the header. */
  ptr: usize = 0;
  /** Bytes in the buffer, at least the total length once checked. */
  len: u32 = 0;

  /** Points the view at `len` bytes at `ptr`; returns it. */
  wrap(ptr: usize, len: u32): Ipv4Packet {
    this.ptr = ptr;
    this.len = len;
    return this;
  }

  /**
   * Checks the header alone, for one quoted in an ICMP error whose payload is cut short: at
   * least 20 bytes (`Truncated`), version 4 (`BadVersion`), 20 <= IHL * 4 <= total length
   * (`BadLength`) and the header within the buffer (`Truncated`). After `Ok`, the header
   * accessors stay inside the buffer; `payloadLen` may not.
   */
  checkHeader(): Drop {
    if (this.len < IPV4_HEADER_LEN) return Drop.Truncated;
    if (this.version() != 4) return Drop.BadVersion;
    const headerLen = this.headerLen();
    if (headerLen < IPV4_HEADER_LEN || headerLen > this.totalLen()) return Drop.BadLength;
    if (headerLen > this.len) return Drop.Truncated;
    return Drop.Ok;
  }

  /** `checkHeader`, and the total length within the buffer (else `Truncated`): then no accessor reads outside it. */
  check(): Drop {
    const ok = this.checkHeader();
    if (ok != Drop.Ok) return ok;
    return this.totalLen() > this.len ? Drop.Truncated : Drop.Ok;
  }

  /** The version field (4). */
  @inline version(): u32 {
    return (<u32>load<u8>(this.ptr + VER_IHL)) >> 4;
  }

  /** Sets the version field. */
  @inline setVersion(v: u32): void {
    store<u8>(this.ptr + VER_IHL, <u8>((load<u8>(this.ptr + VER_IHL) & 0x0f) | (v << 4)));
  }

  /** Bytes in the header with options: IHL * 4. */
  @inline headerLen(): u32 {
    return ((<u32>load<u8>(this.ptr + VER_IHL)) & 0x0f) << 2;
  }

  /** Sets IHL to `bytes / 4`. */
  @inline setHeaderLen(bytes: u32): void {
    store<u8>(this.ptr + VER_IHL, <u8>((load<u8>(this.ptr + VER_IHL) & 0xf0) | ((bytes >> 2) & 0x0f)));
  }

  /** The type-of-service byte: DSCP (high 6 bits) and ECN (low 2). */
  @inline tos(): u32 {
    return load<u8>(this.ptr + TOS);
  }

  /** Sets the type-of-service byte. */
  @inline setTos(v: u32): void {
    store<u8>(this.ptr + TOS, <u8>v);
  }

  /** The total length: header and payload in bytes. */
  @inline totalLen(): u32 {
    return load16(this.ptr + LENGTH);
  }

  /** Sets the total length. */
  @inline setTotalLen(v: u32): void {
    store16(this.ptr + LENGTH, v);
  }

  /** The identification, shared by the fragments of one datagram. */
  @inline ident(): u32 {
    return load16(this.ptr + IDENT);
  }

  /** Sets the identification. */
  @inline setIdent(v: u32): void {
    store16(this.ptr + IDENT, v);
  }

  /** The don't-fragment flag. */
  @inline dontFragment(): bool {
    return (load16(this.ptr + FLAGS_FRAG) & FLAG_DF) != 0;
  }

  /** Sets or clears the don't-fragment flag. */
  @inline setDontFragment(v: bool): void {
    const w = load16(this.ptr + FLAGS_FRAG) & ~FLAG_DF;
    store16(this.ptr + FLAGS_FRAG, v ? w | FLAG_DF : w);
  }

  /** The more-fragments flag. */
  @inline moreFragments(): bool {
    return (load16(this.ptr + FLAGS_FRAG) & FLAG_MF) != 0;
  }

  /** Sets or clears the more-fragments flag. */
  @inline setMoreFragments(v: bool): void {
    const w = load16(this.ptr + FLAGS_FRAG) & ~FLAG_MF;
    store16(this.ptr + FLAGS_FRAG, v ? w | FLAG_MF : w);
  }

  /** The fragment offset in bytes (a multiple of 8). */
  @inline fragmentOffset(): u32 {
    return (load16(this.ptr + FLAGS_FRAG) & FRAG_MASK) << 3;
  }

  /** Sets the fragment offset to `bytes` (rounded down to a multiple of 8). */
  @inline setFragmentOffset(bytes: u32): void {
    const w = load16(this.ptr + FLAGS_FRAG) & ~FRAG_MASK;
    store16(this.ptr + FLAGS_FRAG, w | ((bytes >> 3) & FRAG_MASK));
  }

  /** The time to live. */
  @inline ttl(): u32 {
    return load<u8>(this.ptr + TTL);
  }

  /** Sets the time to live. */
  @inline setTtl(v: u32): void {
    store<u8>(this.ptr + TTL, <u8>v);
  }

  /** The protocol of the payload (`IP_PROTOCOL_UDP`, ...). */
  @inline protocol(): u32 {
    return load<u8>(this.ptr + PROTOCOL);
  }

  /** Sets the protocol. */
  @inline setProtocol(v: u32): void {
    store<u8>(this.ptr + PROTOCOL, <u8>v);
  }

  /** The header checksum field (covers the header only). */
  @inline checksum(): u32 {
    return load16(this.ptr + CHECKSUM);
  }

  /** Sets the header checksum field. */
  @inline setChecksum(v: u32): void {
    store16(this.ptr + CHECKSUM, v);
  }

  /** The source address, host order (10.0.0.1 is 0x0a000001). */
  @inline srcAddr(): u32 {
    return load32(this.ptr + SRC_ADDR);
  }

  /** Sets the source address. */
  @inline setSrcAddr(v: u32): void {
    store32(this.ptr + SRC_ADDR, v);
  }

  /** The destination address, host order. */
  @inline dstAddr(): u32 {
    return load32(this.ptr + DST_ADDR);
  }

  /** Sets the destination address. */
  @inline setDstAddr(v: u32): void {
    store32(this.ptr + DST_ADDR, v);
  }

  /** Address of the options (as many bytes as `optionsLen`). */
  @inline optionsPtr(): usize {
    return this.ptr + IPV4_HEADER_LEN;
  }

  /** Bytes of options: `headerLen() - 20`. */
  @inline optionsLen(): u32 {
    return this.headerLen() - IPV4_HEADER_LEN;
  }

  /** Address of the payload, after the options. */
  @inline payloadPtr(): usize {
    return this.ptr + this.headerLen();
  }

  /** Bytes of payload: the total length less the header, not counting link-layer padding. */
  @inline payloadLen(): u32 {
    return this.totalLen() - this.headerLen();
  }

  /** True if the header checksum verifies (the header must be checked). */
  verifyChecksum(): bool {
    return checksum(this.ptr, this.headerLen()) == 0;
  }

  /** Computes and stores the header checksum over `headerLen()` bytes. */
  fillChecksum(): void {
    this.setChecksum(0);
    this.setChecksum(checksum(this.ptr, this.headerLen()));
  }
}

/**
 * The fields of an IPv4 header the stack uses. `parse` rejects what `check` does and a header
 * checksum that does not verify (`BadChecksum`); it accepts and skips options, and reports
 * fragments through `moreFragments`, `fragmentOffset` and `ident` rather than rejecting them.
 * `parseQuoted` does the same for a header quoted in an ICMP error, whose payload is cut short.
 */
export class Ipv4Repr {
  /** Source address, host order. */
  srcAddr: u32 = 0;
  /** Destination address, host order. */
  dstAddr: u32 = 0;
  /** Protocol of the payload. */
  protocol: u32 = 0;
  /** Bytes of payload (the total length less the header). */
  payloadLen: u32 = 0;
  /** Time to live (64 unless set). */
  ttl: u32 = 64;
  /** Type-of-service byte (DSCP and ECN). */
  tos: u32 = 0;
  /** Identification. */
  ident: u32 = 0;
  /** Don't fragment. */
  dontFragment: bool = false;
  /** More fragments follow. */
  moreFragments: bool = false;
  /** Offset of this fragment's payload in the datagram, in bytes. */
  fragmentOffset: u32 = 0;

  /** Fills the fields from `packet` (checked here too); `Drop.Ok` or why it is dropped. */
  parse(packet: Ipv4Packet): Drop {
    const ok = packet.check();
    if (ok != Drop.Ok) return ok;
    return this.fill(packet);
  }

  /** Like `parse`, but the payload may be shorter than the total length says (ICMP errors). */
  parseQuoted(packet: Ipv4Packet): Drop {
    const ok = packet.checkHeader();
    if (ok != Drop.Ok) return ok;
    return this.fill(packet);
  }

  private fill(packet: Ipv4Packet): Drop {
    if (!packet.verifyChecksum()) return Drop.BadChecksum;
    this.srcAddr = packet.srcAddr();
    this.dstAddr = packet.dstAddr();
    this.protocol = packet.protocol();
    this.payloadLen = packet.payloadLen();
    this.ttl = packet.ttl();
    this.tos = packet.tos();
    this.ident = packet.ident();
    this.dontFragment = packet.dontFragment();
    this.moreFragments = packet.moreFragments();
    this.fragmentOffset = packet.fragmentOffset();
    return Drop.Ok;
  }

  /** Bytes the emitted header needs (no options). */
  bufferLen(): u32 {
    return IPV4_HEADER_LEN;
  }

  /** Writes a header without options, with its checksum, into `packet` (at least `bufferLen()` bytes). */
  emit(packet: Ipv4Packet): void {
    store<u8>(packet.ptr + VER_IHL, 0x45);
    packet.setTos(this.tos);
    packet.setTotalLen(IPV4_HEADER_LEN + this.payloadLen);
    packet.setIdent(this.ident);
    store16(packet.ptr + FLAGS_FRAG, 0);
    packet.setDontFragment(this.dontFragment);
    packet.setMoreFragments(this.moreFragments);
    packet.setFragmentOffset(this.fragmentOffset);
    packet.setTtl(this.ttl);
    packet.setProtocol(this.protocol);
    packet.setSrcAddr(this.srcAddr);
    packet.setDstAddr(this.dstAddr);
    packet.fillChecksum();
  }
}
