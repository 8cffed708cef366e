// DNS messages (RFC 1035) as a stub resolver sees them: the header, and names read through compression pointers.
//
// A DNS message is a UDP payload (server port 53):
//
//    0               1               2               3
//   +-------------------------------+-------------------------------+
//   |             id (2)            |Q| opcd  |A|T|R|R|Z|A|C| rcode |  0  flags: QR, opcode, AA, TC, RD, RA,
//   +-------------------------------+-------------------------------+      Z, AD, CD, RCODE
//   |         qdcount (2)           |          ancount (2)          |  4
//   |         nscount (2)           |          arcount (2)          |  8
//   +-------------------------------+-------------------------------+
//   | questions: name, type (2), class (2)                          | 12
//   | answers, authority, additional records:                       |
//   |   name, type (2), class (2), ttl (4), rdlength (2), rdata     |
//   +---------------------------------------------------------------+
//
// A name is labels, each a length byte (1..63) and that many bytes, ended by a zero byte or by a pointer
// (two bytes 11xxxxxx xxxxxxxx: the rest of the name is at that offset). Names are at most 255 bytes
// uncompressed. A pointer must point before the run of labels it ends (so every jump goes strictly
// backwards and a walk always ends), never into the header, and a name takes at most DNS_MAX_JUMPS jumps.

import { Drop } from "./drop";
import { load16, store16 } from "./bytes";

/** The UDP port DNS servers listen on. */
export const DNS_PORT: u32 = 53;
/** The length of the header: where the questions start. */
export const DNS_HEADER_LEN: u32 = 12;
/** The longest name, in uncompressed wire bytes (labels, length bytes and the root). */
export const DNS_NAME_MAX: u32 = 255;
/** The longest label. */
export const DNS_LABEL_MAX: u32 = 63;
/** The most compression pointers one name may follow. */
export const DNS_MAX_JUMPS: i32 = 32;

/** QR: the message is a response. */
export const DNS_FLAG_QR: u32 = 0x8000;
/** AA: the answer is authoritative. */
export const DNS_FLAG_AA: u32 = 0x0400;
/** TC: the response was truncated; retry over TCP or give up. */
export const DNS_FLAG_TC: u32 = 0x0200;
/** RD: recursion desired. */
export const DNS_FLAG_RD: u32 = 0x0100;
/** RA: recursion available. */
export const DNS_FLAG_RA: u32 = 0x0080;

const ID: u32 = 0;
const FLAGS: u32 = 2;
const QDCOUNT: u32 = 4;
const ANCOUNT: u32 = 6;
const NSCOUNT: u32 = 8;
const ARCOUNT: u32 = 10;

const OPCODE_SHIFT: u32 = 11;
const OPCODE_MASK: u32 = 0xf;
const RCODE_MASK: u32 = 0xf;
const POINTER: u32 = 0xc0; // the top two bits of a length byte: 11 pointer, 00 label, 01 and 10 reserved

/** Record and query types (only A and CNAME are interpreted). */
export enum DnsType {
  /** An IPv4 address. */
  A = 1,
  /** An authoritative name server. */
  NS = 2,
  /** The canonical name for an alias. */
  CNAME = 5,
  /** The start of a zone of authority. */
  SOA = 6,
  /** A domain name pointer. */
  PTR = 12,
  /** Mail exchange. */
  MX = 15,
  /** Text strings. */
  TXT = 16,
  /** An IPv6 address. */
  AAAA = 28,
  /** The EDNS(0) pseudo-record. */
  OPT = 41,
}

/** Record classes. */
export enum DnsClass {
  /** The Internet. */
  IN = 1,
}

/** Operation codes. */
export enum DnsOpcode {
  /** A standard query. */
  Query = 0,
}

/** Response codes. */
export enum DnsRcode {
  /** No error. */
  NoError = 0,
  /** The server could not interpret the query. */
  FormErr = 1,
  /** The server failed. */
  ServFail = 2,
  /** The name does not exist. */
  NXDomain = 3,
  /** The server does not support the kind of query. */
  NotImp = 4,
  /** The server refuses. */
  Refused = 5,
}

/** A zero-copy view of a DNS message in a buffer; wrap, then `check` before trusting the header. */
export class DnsPacket {
  /** The first byte of the message. */
  ptr: usize = 0;
  /** The message's length in bytes (the UDP payload length). */
  len: u32 = 0;
  /** Set by readName: the offset just after the name's bytes in place (after its first pointer, if any). */
  nameEnd: u32 = 0;
  /** Set by readName: the name's uncompressed wire length, root byte included. */
  nameLength: u32 = 0;

  /** Points the view at `len` bytes at `ptr`; returns the view. */
  wrap(ptr: usize, len: u32): DnsPacket {
    this.ptr = ptr;
    this.len = len;
    return this;
  }

  /** Validates untrusted bytes: the header fits. Names and records are checked as they are read. */
  check(): Drop {
    return this.len < DNS_HEADER_LEN ? Drop.Truncated : Drop.Ok;
  }

  /** The id that pairs a response with its query. */
  @inline get id(): u32 {
    return load16(this.ptr + ID);
  }
  @inline set id(v: u32) {
    store16(this.ptr + ID, v);
  }
  /** The flags word: QR, opcode, AA, TC, RD, RA, Z, AD, CD, RCODE. */
  @inline get flags(): u32 {
    return load16(this.ptr + FLAGS);
  }
  @inline set flags(v: u32) {
    store16(this.ptr + FLAGS, v);
  }
  /** QR: a response rather than a query. */
  @inline get response(): bool {
    return (this.flags & DNS_FLAG_QR) != 0;
  }
  /** The operation code (DnsOpcode). */
  @inline get opcode(): u32 {
    return (this.flags >> OPCODE_SHIFT) & OPCODE_MASK;
  }
  /** AA: the answer is authoritative. */
  @inline get authoritative(): bool {
    return (this.flags & DNS_FLAG_AA) != 0;
  }
  /** TC: the response was truncated. */
  @inline get truncated(): bool {
    return (this.flags & DNS_FLAG_TC) != 0;
  }
  /** RD: recursion desired. */
  @inline get recursionDesired(): bool {
    return (this.flags & DNS_FLAG_RD) != 0;
  }
  /** RA: recursion available. */
  @inline get recursionAvailable(): bool {
    return (this.flags & DNS_FLAG_RA) != 0;
  }
  /** The response code (DnsRcode). */
  @inline get rcode(): u32 {
    return this.flags & RCODE_MASK;
  }
  /** QDCOUNT: the number of questions. */
  @inline get questionCount(): u32 {
    return load16(this.ptr + QDCOUNT);
  }
  @inline set questionCount(v: u32) {
    store16(this.ptr + QDCOUNT, v);
  }
  /** ANCOUNT: the number of answer records. */
  @inline get answerCount(): u32 {
    return load16(this.ptr + ANCOUNT);
  }
  @inline set answerCount(v: u32) {
    store16(this.ptr + ANCOUNT, v);
  }
  /** NSCOUNT: the number of authority records. */
  @inline get authorityCount(): u32 {
    return load16(this.ptr + NSCOUNT);
  }
  @inline set authorityCount(v: u32) {
    store16(this.ptr + NSCOUNT, v);
  }
  /** ARCOUNT: the number of additional records. */
  @inline get additionalCount(): u32 {
    return load16(this.ptr + ARCOUNT);
  }
  @inline set additionalCount(v: u32) {
    store16(this.ptr + ARCOUNT, v);
  }

  /**
   * Validates the name at `offset`, following pointers, and sets nameEnd and nameLength; copies it
   * uncompressed to `copyTo` (room for DNS_NAME_MAX bytes) unless that is 0. Truncated if it runs past the
   * end; BadName for a label type other than 00, a pointer that does not go backwards, too many jumps, or a
   * name longer than DNS_NAME_MAX.
   */
  readName(offset: u32, copyTo: usize = 0): Drop {
    const p = this.ptr;
    const len = this.len;
    let at = offset;
    let segment = offset; // the start of the current run of labels
    let end: u32 = 0; // set at the first pointer
    let total: u32 = 0; // uncompressed bytes so far, root excluded
    let jumps = 0;
    while (true) {
      if (at >= len) return Drop.Truncated;
      const b = <u32>load<u8>(p + at);
      if (b == 0) break;
      const kind = b & POINTER;
      if (kind == POINTER) {
        if (at + 2 > len) return Drop.Truncated;
        const target = ((b & 0x3f) << 8) | (<u32>load<u8>(p + at + 1));
        if (target >= segment || target < DNS_HEADER_LEN || ++jumps > DNS_MAX_JUMPS) return Drop.BadName;
        if (end == 0) end = at + 2;
        segment = at = target;
        continue;
      }
      if (kind != 0) return Drop.BadName; // 01 (extended) and 10 (reserved) label types
      if (at + 1 + b > len) return Drop.Truncated;
      if (total + 1 + b + 1 > DNS_NAME_MAX) return Drop.BadName;
      if (copyTo) memory.copy(copyTo + total, p + at, 1 + b);
      total += 1 + b;
      at += 1 + b;
    }
    if (copyTo) store<u8>(copyTo + total, 0);
    this.nameEnd = end ? end : at + 1;
    this.nameLength = total + 1;
    return Drop.Ok;
  }

  /**
   * Whether the name at `offset`, already validated by readName, equals the uncompressed name of `flatLen`
   * bytes at `flat`, ignoring ASCII case. Allocates nothing.
   */
  nameEquals(offset: u32, flat: usize, flatLen: u32): bool {
    const p = this.ptr;
    let at = offset;
    let j: u32 = 0;
    let jumps = 0;
    while (true) {
      let b = <u32>load<u8>(p + at);
      while ((b & POINTER) == POINTER) {
        if (++jumps > DNS_MAX_JUMPS) return false; // not validated; never loop
        at = ((b & 0x3f) << 8) | (<u32>load<u8>(p + at + 1));
        b = load<u8>(p + at);
      }
      if (j >= flatLen || b != <u32>load<u8>(flat + j)) return false;
      if (b == 0) return true;
      if (j + 1 + b >= flatLen) return false;
      for (let i: u32 = 1; i <= b; i++) {
        if (lowerAscii(load<u8>(p + at + i)) != lowerAscii(load<u8>(flat + j + i))) return false;
      }
      at += 1 + b;
      j += 1 + b;
    }
  }
}

/** `c` with ASCII A-Z folded to a-z: DNS compares names case-insensitively. */
export function lowerAscii(c: u32): u32 {
  return c - 65 < 26 ? c | 0x20 : c;
}
