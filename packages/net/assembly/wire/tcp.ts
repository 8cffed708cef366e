// TCP segments (RFC 9293) over IPv4, with the checksum over the IPv4 pseudo-header.
//
//  0       4       8               16                              32
// +-------------------------------+-------------------------------+
// |          source port          |       destination port        |  0
// +-------------------------------+-------------------------------+
// |                        sequence number                        |  4
// +---------------------------------------------------------------+
// |                    acknowledgment number                      |  8
// +-------+-------+---------------+-------------------------------+
// | data  |       |C E U A P R S F|                               |
// |offset | rsvd  |W C R C S S Y I|            window             | 12
// |       |       |R E G K H T N N|                               |
// +-------+-------+---------------+-------------------------------+
// |           checksum            |        urgent pointer         | 16
// +-------------------------------+-------------------------------+
// |          options (data offset > 5, up to 40 bytes)            | 20
// +---------------------------------------------------------------+
// |                          payload ...                          |
// +---------------------------------------------------------------+
//
// The data offset counts 32-bit words of header with options. TCP has no length field: the
// segment is the whole IP payload, so a view must be wrapped at exactly that length (without
// link-layer padding). Unlike UDP, a checksum of zero is an ordinary value.

import { load16, load32, store16, store32 } from "./bytes";
import { finish, pseudoHeaderSum, sumBytes } from "./checksum";
import { Drop } from "./drop";
import { IP_PROTOCOL_TCP } from "./ipv4";
import { TcpOptions } from "./tcp-options";

const SRC_PORT: u32 = 0;
const DST_PORT: u32 = 2;
const SEQ_NUMBER: u32 = 4;
const ACK_NUMBER: u32 = 8;
const DATA_OFFSET: u32 = 12;
const FLAGS: u32 = 13;
const WINDOW: u32 = 14;
const CHECKSUM: u32 = 16;
const URGENT: u32 = 18;

/** Bytes in a TCP header without options (data offset 5). */
export const TCP_HEADER_LEN: u32 = 20;
/** Bytes in the longest TCP header (data offset 15). */
export const TCP_MAX_HEADER_LEN: u32 = 60;

/** Flag: the sender has no more data. */
export const TCP_FIN: u32 = 0x01;
/** Flag: synchronize sequence numbers. */
export const TCP_SYN: u32 = 0x02;
/** Flag: reset the connection. */
export const TCP_RST: u32 = 0x04;
/** Flag: push the data to the application. */
export const TCP_PSH: u32 = 0x08;
/** Flag: the acknowledgment number is valid. */
export const TCP_ACK: u32 = 0x10;
/** Flag: the urgent pointer is valid. */
export const TCP_URG: u32 = 0x20;
/** Flag: ECN echo (RFC 3168). */
export const TCP_ECE: u32 = 0x40;
/** Flag: congestion window reduced (RFC 3168). */
export const TCP_CWR: u32 = 0x80;

/** A zero-copy view of a TCP segment at `ptr`, `len` bytes (exactly the IP payload); reuse one with `wrap`. */
export class TcpPacket {
  /** Address of the first byte of the header. */
  ptr: usize = 0;
  /** Bytes in the segment: header, options and payload. */
  len: u32 = 0;

  /** Points the view at `len` bytes at `ptr`; returns it. */
  wrap(ptr: usize, len: u32): TcpPacket {
    this.ptr = ptr;
    this.len = len;
    return this;
  }

  /**
   * `Drop.Ok` if the buffer holds the fixed header (else `Truncated`), the data offset is at
   * least 5 words (else `BadLength`; at most 15 by its 4 bits) and the header it gives is within
   * the buffer (else `Truncated`); then no accessor reads outside it. Options are not checked.
   */
  check(): Drop {
    if (this.len < TCP_HEADER_LEN) return Drop.Truncated;
    const headerLen = this.headerLen();
    if (headerLen < TCP_HEADER_LEN) return Drop.BadLength;
    if (headerLen > this.len) return Drop.Truncated;
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

  /** The sequence number of the first byte (or of the SYN). */
  @inline seqNumber(): u32 {
    return load32(this.ptr + SEQ_NUMBER);
  }

  /** Sets the sequence number. */
  @inline setSeqNumber(v: u32): void {
    store32(this.ptr + SEQ_NUMBER, v);
  }

  /** The acknowledgment number: the next sequence number expected (meaningful with `TCP_ACK`). */
  @inline ackNumber(): u32 {
    return load32(this.ptr + ACK_NUMBER);
  }

  /** Sets the acknowledgment number. */
  @inline setAckNumber(v: u32): void {
    store32(this.ptr + ACK_NUMBER, v);
  }

  /** Bytes in the header with options: the data offset * 4. */
  @inline headerLen(): u32 {
    return ((<u32>load<u8>(this.ptr + DATA_OFFSET)) >> 4) << 2;
  }

  /** Sets the data offset to `bytes / 4`, keeping the reserved bits. */
  @inline setHeaderLen(bytes: u32): void {
    store<u8>(this.ptr + DATA_OFFSET, <u8>((load<u8>(this.ptr + DATA_OFFSET) & 0x0f) | (((bytes >> 2) & 0x0f) << 4)));
  }

  /** The flags byte: `TCP_FIN`, `TCP_SYN`, ... or'ed together. */
  @inline flags(): u32 {
    return load<u8>(this.ptr + FLAGS);
  }

  /** Sets the flags byte. */
  @inline setFlags(v: u32): void {
    store<u8>(this.ptr + FLAGS, <u8>v);
  }

  /** The window, unscaled: the receiver shifts it by the scale agreed on the SYNs. */
  @inline window(): u32 {
    return load16(this.ptr + WINDOW);
  }

  /** Sets the window. */
  @inline setWindow(v: u32): void {
    store16(this.ptr + WINDOW, v);
  }

  /** The checksum field. */
  @inline checksum(): u32 {
    return load16(this.ptr + CHECKSUM);
  }

  /** Sets the checksum field. */
  @inline setChecksum(v: u32): void {
    store16(this.ptr + CHECKSUM, v);
  }

  /** The urgent pointer: an offset from the sequence number (meaningful with `TCP_URG`). */
  @inline urgentPointer(): u32 {
    return load16(this.ptr + URGENT);
  }

  /** Sets the urgent pointer. */
  @inline setUrgentPointer(v: u32): void {
    store16(this.ptr + URGENT, v);
  }

  /** Address of the options (as many bytes as `optionsLen`). */
  @inline optionsPtr(): usize {
    return this.ptr + TCP_HEADER_LEN;
  }

  /** Bytes of options: `headerLen() - 20`. */
  @inline optionsLen(): u32 {
    return this.headerLen() - TCP_HEADER_LEN;
  }

  /** Address of the payload, after the options. */
  @inline payloadPtr(): usize {
    return this.ptr + this.headerLen();
  }

  /** Bytes of payload: the segment less the header. */
  @inline payloadLen(): u32 {
    return this.len - this.headerLen();
  }

  /** True if the checksum verifies over the pseudo-header of `src` and `dst` (host order) and all `len` bytes. */
  verifyChecksum(src: u32, dst: u32): bool {
    return finish(sumBytes(pseudoHeaderSum(src, dst, IP_PROTOCOL_TCP, this.len), this.ptr, this.len)) == 0;
  }

  /** Computes and stores the checksum over the pseudo-header and all `len` bytes. */
  fillChecksum(src: u32, dst: u32): void {
    this.setChecksum(0);
    this.setChecksum(finish(sumBytes(pseudoHeaderSum(src, dst, IP_PROTOCOL_TCP, this.len), this.ptr, this.len)));
  }
}

/**
 * The fields, options and payload of a TCP segment. `parse` rejects what `check` does and, in
 * this order:
 * - a checksum that does not verify (`BadChecksum`);
 * - source or destination port zero (`Malformed`): port 0 is reserved and cannot be connected;
 * - SYN with FIN or with RST (`Malformed`): no state accepts them, and they are scanners' probes;
 * - malformed options (`Malformed`, see `TcpOptions.parse`).
 * The reserved bits are ignored and emitted as zero. The payload is not copied: `payloadPtr`
 * points into the parsed segment, and `emit` copies it from there unless it is already in place.
 */
export class TcpRepr {
  /** Source port. */
  srcPort: u32 = 0;
  /** Destination port. */
  dstPort: u32 = 0;
  /** Sequence number. */
  seqNumber: u32 = 0;
  /** Acknowledgment number (meaningful with `TCP_ACK`). */
  ackNumber: u32 = 0;
  /** Flags: `TCP_FIN`, `TCP_SYN`, ... or'ed together. */
  flags: u32 = 0;
  /** Window, unscaled. */
  window: u32 = 0;
  /** Urgent pointer (meaningful with `TCP_URG`). */
  urgentPointer: u32 = 0;
  /** The options. */
  options: TcpOptions = new TcpOptions();
  /** Address of the payload. */
  payloadPtr: usize = 0;
  /** Bytes of payload. */
  payloadLen: u32 = 0;

  /** Fills the fields from `packet` (checked here too), sent from `src` to `dst`; `Drop.Ok` or why it is dropped. */
  parse(packet: TcpPacket, src: u32, dst: u32): Drop {
    const ok = packet.check();
    if (ok != Drop.Ok) return ok;
    if (!packet.verifyChecksum(src, dst)) return Drop.BadChecksum;
    const srcPort = packet.srcPort();
    const dstPort = packet.dstPort();
    if (srcPort == 0 || dstPort == 0) return Drop.Malformed;
    const flags = packet.flags();
    if ((flags & TCP_SYN) != 0 && (flags & (TCP_FIN | TCP_RST)) != 0) return Drop.Malformed;
    const options = this.options.parse(packet.optionsPtr(), packet.optionsLen(), (flags & TCP_SYN) != 0);
    if (options != Drop.Ok) return options;
    this.srcPort = srcPort;
    this.dstPort = dstPort;
    this.seqNumber = packet.seqNumber();
    this.ackNumber = packet.ackNumber();
    this.flags = flags;
    this.window = packet.window();
    this.urgentPointer = packet.urgentPointer();
    this.payloadPtr = packet.payloadPtr();
    this.payloadLen = packet.payloadLen();
    return Drop.Ok;
  }

  /** Sets every field for a segment with no options, payload or urgent data; returns this. */
  set(srcPort: u32, dstPort: u32, seqNumber: u32, ackNumber: u32, flags: u32, window: u32): TcpRepr {
    this.srcPort = srcPort;
    this.dstPort = dstPort;
    this.seqNumber = seqNumber;
    this.ackNumber = ackNumber;
    this.flags = flags;
    this.window = window;
    this.urgentPointer = 0;
    this.options.clear();
    this.payloadLen = 0;
    return this;
  }

  /** True if `flag` (`TCP_SYN`, ...) is set. */
  @inline has(flag: u32): bool {
    return (this.flags & flag) != 0;
  }

  /** Sequence numbers the segment occupies: its payload, plus one each for SYN and FIN. */
  seqLen(): u32 {
    return this.payloadLen + (this.has(TCP_SYN) ? 1 : 0) + (this.has(TCP_FIN) ? 1 : 0);
  }

  /** Bytes of header with options that `emit` writes. */
  headerLen(): u32 {
    return TCP_HEADER_LEN + this.options.bufferLen(this.has(TCP_SYN));
  }

  /** Bytes the segment needs: header, options and payload. */
  bufferLen(): u32 {
    return this.headerLen() + this.payloadLen;
  }

  /**
   * Writes the segment from `src` to `dst` into `packet`, wrapped at exactly `bufferLen()` bytes:
   * header, options, payload (copied unless already at `packet.payloadPtr()`; else it must not
   * overlap) and checksum.
   */
  emit(packet: TcpPacket, src: u32, dst: u32): void {
    packet.setSrcPort(this.srcPort);
    packet.setDstPort(this.dstPort);
    packet.setSeqNumber(this.seqNumber);
    packet.setAckNumber(this.ackNumber);
    store<u8>(packet.ptr + DATA_OFFSET, <u8>((this.headerLen() >> 2) << 4)); // the data offset; reserved bits 0
    packet.setFlags(this.flags);
    packet.setWindow(this.window);
    packet.setUrgentPointer(this.urgentPointer);
    this.options.emit(packet.optionsPtr(), this.has(TCP_SYN));
    if (this.payloadPtr != packet.payloadPtr()) memory.copy(packet.payloadPtr(), this.payloadPtr, this.payloadLen);
    packet.fillChecksum(src, dst);
  }
}
