// ICMPv4 messages (RFC 792): echo request and reply, and the destination-unreachable and
// time-exceeded errors that quote the offending IPv4 header.
//
//  0       8       16                      32
// +-------+-------+-----------------------+
// | type  | code  |       checksum        |  0
// +-------+-------+-----------------------+
// | echo: identifier  | sequence number   |  4
// | errors: unused (0)| next-hop MTU      |
// +-------------------+-------------------+
// | echo: data ...                        |  8
// | errors: quoted IPv4 header + the first 8 (or more) bytes of its payload
// +---------------------------------------+
//
// The checksum covers the whole message: the view's `len` must be the IP payload length.

import { load16, store16 } from "./bytes";
import { checksum } from "./checksum";
import { Drop } from "./drop";
import { Ipv4Packet, Ipv4Repr } from "./ipv4";

const TYPE: u32 = 0;
const CODE: u32 = 1;
const CHECKSUM: u32 = 2;
const ECHO_IDENT: u32 = 4;
const ECHO_SEQ_NO: u32 = 6;
const UNUSED: u32 = 4;
const NEXT_HOP_MTU: u32 = 6;

/** Bytes in an ICMP header (type, code, checksum and the four bytes that depend on the type). */
export const ICMP_HEADER_LEN: u32 = 8;
/** ICMP type: echo reply. */
export const ICMP_ECHO_REPLY: u32 = 0;
/** ICMP type: destination unreachable. */
export const ICMP_DEST_UNREACHABLE: u32 = 3;
/** ICMP type: echo request. */
export const ICMP_ECHO_REQUEST: u32 = 8;
/** ICMP type: time exceeded. */
export const ICMP_TIME_EXCEEDED: u32 = 11;
/** Destination-unreachable code: network unreachable. */
export const ICMP_UNREACH_NET: u32 = 0;
/** Destination-unreachable code: host unreachable. */
export const ICMP_UNREACH_HOST: u32 = 1;
/** Destination-unreachable code: protocol unreachable. */
export const ICMP_UNREACH_PROTOCOL: u32 = 2;
/** Destination-unreachable code: port unreachable. */
export const ICMP_UNREACH_PORT: u32 = 3;
/** Destination-unreachable code: fragmentation needed and DF set (carries the next-hop MTU). */
export const ICMP_UNREACH_FRAG_NEEDED: u32 = 4;
/** Time-exceeded code: TTL exceeded in transit. */
export const ICMP_EXCEEDED_TTL: u32 = 0;
/** Time-exceeded code: fragment reassembly time exceeded. */
export const ICMP_EXCEEDED_REASSEMBLY: u32 = 1;

/** A zero-copy view of an ICMPv4 message at `ptr`, `len` bytes; reuse one with `wrap`. */
export class IcmpPacket {
  /** Address of the first byte of the message. */
  ptr: usize = 0;
  /** Bytes of the message: the whole IP payload. */
  len: u32 = 0;

  /** Points the view at `len` bytes at `ptr`; returns it. */
  wrap(ptr: usize, len: u32): IcmpPacket {
    this.ptr = ptr;
    this.len = len;
    return this;
  }

  /** `Drop.Ok` if the buffer holds the 8-byte header (then no accessor reads outside it), else `Truncated`. */
  check(): Drop {
    return this.len < ICMP_HEADER_LEN ? Drop.Truncated : Drop.Ok;
  }

  /** The message type (`ICMP_ECHO_REQUEST`, ...). */
  @inline msgType(): u32 {
    return load<u8>(this.ptr + TYPE);
  }

  /** Sets the message type. */
  @inline setMsgType(v: u32): void {
    store<u8>(this.ptr + TYPE, <u8>v);
  }

  /** The code, whose meaning depends on the type. */
  @inline code(): u32 {
    return load<u8>(this.ptr + CODE);
  }

  /** Sets the code. */
  @inline setCode(v: u32): void {
    store<u8>(this.ptr + CODE, <u8>v);
  }

  /** The checksum field. */
  @inline checksum(): u32 {
    return load16(this.ptr + CHECKSUM);
  }

  /** Sets the checksum field. */
  @inline setChecksum(v: u32): void {
    store16(this.ptr + CHECKSUM, v);
  }

  /** The identifier of an echo message. */
  @inline echoIdent(): u32 {
    return load16(this.ptr + ECHO_IDENT);
  }

  /** Sets the identifier of an echo message. */
  @inline setEchoIdent(v: u32): void {
    store16(this.ptr + ECHO_IDENT, v);
  }

  /** The sequence number of an echo message. */
  @inline echoSeqNo(): u32 {
    return load16(this.ptr + ECHO_SEQ_NO);
  }

  /** Sets the sequence number of an echo message. */
  @inline setEchoSeqNo(v: u32): void {
    store16(this.ptr + ECHO_SEQ_NO, v);
  }

  /** The unused field of an error message (bytes 4-5; zero when sent). */
  @inline unused(): u32 {
    return load16(this.ptr + UNUSED);
  }

  /** Sets the unused field of an error message. */
  @inline setUnused(v: u32): void {
    store16(this.ptr + UNUSED, v);
  }

  /** The next-hop MTU of a fragmentation-needed error (zero in other errors). */
  @inline nextHopMtu(): u32 {
    return load16(this.ptr + NEXT_HOP_MTU);
  }

  /** Sets the next-hop MTU. */
  @inline setNextHopMtu(v: u32): void {
    store16(this.ptr + NEXT_HOP_MTU, v);
  }

  /** Address of the data after the 8-byte header (echo data, or the quoted packet of an error). */
  @inline payloadPtr(): usize {
    return this.ptr + ICMP_HEADER_LEN;
  }

  /** Bytes of data after the header. */
  @inline payloadLen(): u32 {
    return this.len - ICMP_HEADER_LEN;
  }

  /** True if the checksum over the whole message verifies. */
  verifyChecksum(): bool {
    return checksum(this.ptr, this.len) == 0;
  }

  /** Computes and stores the checksum over the whole message (`len` bytes). */
  fillChecksum(): void {
    this.setChecksum(0);
    this.setChecksum(checksum(this.ptr, this.len));
  }
}

/**
 * An echo request or reply, or a destination-unreachable or time-exceeded error with the
 * header it quotes. `parse` rejects a message shorter than 8 bytes (`Truncated`), a bad
 * checksum (`BadChecksum`), other types (`Unsupported`), and an error whose quoted IPv4 header
 * fails `Ipv4Repr.parseQuoted` (its reason). The data is not copied: `dataPtr` points into the
 * parsed message, and `emit` copies it from there unless it is already in place.
 */
export class IcmpRepr {
  /** Message type: `ICMP_ECHO_REQUEST`, `ICMP_ECHO_REPLY`, `ICMP_DEST_UNREACHABLE` or `ICMP_TIME_EXCEEDED`. */
  msgType: u32 = 0;
  /** Code (zero for echo). */
  code: u32 = 0;
  /** Echo identifier. */
  ident: u32 = 0;
  /** Echo sequence number. */
  seqNo: u32 = 0;
  /** Next-hop MTU of a fragmentation-needed error, else zero. */
  nextHopMtu: u32 = 0;
  /** An error's quoted IPv4 header (emitted without options). */
  readonly quoted: Ipv4Repr = new Ipv4Repr();
  /** Echo data, or the bytes after an error's quoted header (at least the first 8 of its payload). */
  dataPtr: usize = 0;
  /** Bytes at `dataPtr`. */
  dataLen: u32 = 0;

  private readonly inner: Ipv4Packet = new Ipv4Packet();

  /** True for the two error types, which quote a header. */
  isError(): bool {
    return this.msgType == ICMP_DEST_UNREACHABLE || this.msgType == ICMP_TIME_EXCEEDED;
  }

  /** Fills the fields from `packet` (checked here too); `Drop.Ok` or why it is dropped. */
  parse(packet: IcmpPacket): Drop {
    const ok = packet.check();
    if (ok != Drop.Ok) return ok;
    if (!packet.verifyChecksum()) return Drop.BadChecksum;
    const type = packet.msgType();
    this.msgType = type;
    this.code = packet.code();
    this.ident = 0;
    this.seqNo = 0;
    this.nextHopMtu = 0;
    if (type == ICMP_ECHO_REQUEST || type == ICMP_ECHO_REPLY) {
      this.ident = packet.echoIdent();
      this.seqNo = packet.echoSeqNo();
      this.dataPtr = packet.payloadPtr();
      this.dataLen = packet.payloadLen();
      return Drop.Ok;
    }
    if (!this.isError()) return Drop.Unsupported;
    if (type == ICMP_DEST_UNREACHABLE && this.code == ICMP_UNREACH_FRAG_NEEDED) this.nextHopMtu = packet.nextHopMtu();
    const inner = this.inner.wrap(packet.payloadPtr(), packet.payloadLen());
    const quoted = this.quoted.parseQuoted(inner);
    if (quoted != Drop.Ok) return quoted;
    this.dataPtr = inner.payloadPtr();
    this.dataLen = inner.len - inner.headerLen();
    return Drop.Ok;
  }

  /** Bytes the message needs: the header, the quoted header of an error, and the data. */
  bufferLen(): u32 {
    return ICMP_HEADER_LEN + (this.isError() ? this.quoted.bufferLen() : 0) + this.dataLen;
  }

  /**
   * Writes the message into `packet` (at least `bufferLen()` bytes) with its checksum over
   * `bufferLen()` bytes. The data must already be in place or not overlap the message.
   */
  emit(packet: IcmpPacket): void {
    packet.setMsgType(this.msgType);
    packet.setCode(this.code);
    let data = packet.payloadPtr();
    if (this.isError()) {
      packet.setUnused(0);
      packet.setNextHopMtu(this.nextHopMtu);
      this.quoted.emit(this.inner.wrap(data, this.quoted.bufferLen()));
      data += this.quoted.bufferLen();
    } else {
      packet.setEchoIdent(this.ident);
      packet.setEchoSeqNo(this.seqNo);
    }
    if (this.dataPtr != data) memory.copy(data, this.dataPtr, this.dataLen);
    packet.setChecksum(0);
    packet.setChecksum(checksum(packet.ptr, this.bufferLen()));
  }
}
