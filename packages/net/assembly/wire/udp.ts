// UDP datagrams (RFC 768) over IPv4, with the checksum over the IPv4 pseudo-header.
//
//  0               16              32
// +---------------+---------------+
// |  source port  |   dest port   |  0
// +---------------+---------------+
// |    length     |   checksum    |  4
// +---------------+---------------+
// |          payload ...          |  8
// +-------------------------------+
//
// The length counts header and payload. A checksum of zero means "none" (IPv4 only), so a
// computed zero is sent as 0xffff.

import { load16, store16 } from "./bytes";
import { finish, pseudoHeaderSum, sumBytes } from "./checksum";
import { Drop } from "./drop";
import { IP_PROTOCOL_UDP } from "./ipv4";

const SRC_PORT: u32 = 0;
const DST_PORT: u32 = 2;
const LENGTH: u32 = 4;
const CHECKSUM: u32 = 6;

/** Bytes in a UDP header. */
export const UDP_HEADER_LEN: u32 = 8;

/** A zero-copy view of a UDP datagram at `ptr`, `len` bytes (the IP payload); reuse one with `wrap`. */
export class UdpPacket {
  /** Address of the first byte of the header. */
  ptr: usize = 0;
  /** Bytes in the buffer, at least the UDP length once checked. */
  len: u32 = 0;

  /** Points the view at `len` bytes at `ptr`; returns it. */
  wrap(ptr: usize, len: u32): UdpPacket {
    this.ptr = ptr;
    this.len = len;
    return this;
  }

  /**
   * `Drop.Ok` if the buffer holds the header (else `Truncated`), the length field is at least
   * 8 (else `BadLength`) and within the buffer (else `Truncated`); then no accessor reads outside it.
   */
  check(): Drop {
    if (this.len < UDP_HEADER_LEN) return Drop.Truncated;
    const length = this.length();
    if (length < UDP_HEADER_LEN) return Drop.BadLength;
    if (length > this.len) return Drop.Truncated;
    return Drop.Ok;
  }

  /** The source port. */
  @inline srcPort(): u32 {
    return load16(this.ptr + SRC_PORT);
  }

  /** Sets the source port. */
  @inline setSrcPort(v: u32): void {
    store16(this.ptr + SRC_PORT, v);
  }

  /** The destination port. */
  @inline dstPort(): u32 {
    return load16(this.ptr + DST_PORT);
  }

  /** Sets the destination port. */
  @inline setDstPort(v: u32): void {
    store16(this.ptr + DST_PORT, v);
  }

  /** The length field: header and payload in bytes. */
  @inline length(): u32 {
    return load16(this.ptr + LENGTH);
  }

  /** Sets the length field. */
  @inline setLength(v: u32): void {
    store16(this.ptr + LENGTH, v);
  }

  /** The checksum field (zero: none). */
  @inline checksum(): u32 {
    return load16(this.ptr + CHECKSUM);
  }

  /** Sets the checksum field. */
  @inline setChecksum(v: u32): void {
    store16(this.ptr + CHECKSUM, v);
  }

  /** Address of the payload. */
  @inline payloadPtr(): usize {
    return this.ptr + UDP_HEADER_LEN;
  }

  /** Bytes of payload, from the length field (the IP payload may be longer). */
  @inline payloadLen(): u32 {
    return this.length() - UDP_HEADER_LEN;
  }

  /** True if the checksum is zero ("none") or verifies over the pseudo-header of `src` and `dst` (host order). */
  verifyChecksum(src: u32, dst: u32): bool {
    if (this.checksum() == 0) return true;
    const length = this.length();
    return finish(sumBytes(pseudoHeaderSum(src, dst, IP_PROTOCOL_UDP, length), this.ptr, length)) == 0;
  }

  /** Computes and stores the checksum over the pseudo-header and `length()` bytes; a computed zero is sent as 0xffff. */
  fillChecksum(src: u32, dst: u32): void {
    const length = this.length();
    this.setChecksum(0);
    const sum = finish(sumBytes(pseudoHeaderSum(src, dst, IP_PROTOCOL_UDP, length), this.ptr, length));
    this.setChecksum(sum == 0 ? 0xffff : sum);
  }
}

/**
 * The ports and payload of a UDP datagram. `parse` rejects what `check` does, a nonzero
 * checksum that does not verify (`BadChecksum`) and destination port zero (`Malformed`).
 * The payload is not copied: `payloadPtr` points into the parsed datagram, and `emit` copies
 * it from there unless it is already in place.
 */
export class UdpRepr {
  /** Source port. */
  srcPort: u32 = 0;
  /** Destination port. */
  dstPort: u32 = 0;
  /** Address of the payload. */
  payloadPtr: usize = 0;
  /** Bytes of payload. */
  payloadLen: u32 = 0;

  /** Fills the fields from `packet` (checked here too), sent from `src` to `dst`; `Drop.Ok` or why it is dropped. */
  parse(packet: UdpPacket, src: u32, dst: u32): Drop {
    const ok = packet.check();
    if (ok != Drop.Ok) return ok;
    if (!packet.verifyChecksum(src, dst)) return Drop.BadChecksum;
    if (packet.dstPort() == 0) return Drop.Malformed;
    this.srcPort = packet.srcPort();
    this.dstPort = packet.dstPort();
    this.payloadPtr = packet.payloadPtr();
    this.payloadLen = packet.payloadLen();
    return Drop.Ok;
  }

  /** Bytes the datagram needs: header and payload. */
  bufferLen(): u32 {
    return UDP_HEADER_LEN + this.payloadLen;
  }

  /**
   * Writes the datagram from `src` to `dst` into `packet` (at least `bufferLen()` bytes): header,
   * payload (copied unless already at `packet.payloadPtr()`; else it must not overlap) and checksum.
   */
  emit(packet: UdpPacket, src: u32, dst: u32): void {
    packet.setSrcPort(this.srcPort);
    packet.setDstPort(this.dstPort);
    packet.setLength(UDP_HEADER_LEN + this.payloadLen);
    if (this.payloadPtr != packet.payloadPtr()) memory.copy(packet.payloadPtr(), this.payloadPtr, this.payloadLen);
    packet.fillChecksum(src, dst);
  }
}
