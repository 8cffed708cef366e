// The validated form of a DNS message for a stub resolver: one question out, the A records that answer it back.
//
// Layout: see dns.ts. emit writes a query: the header and one question, no records. parse reads the header and
// the question, then walks the answer section only (authority and additional records are not read):
//
//   question name --CNAME--> ... --CNAME--> target  (at most DNS_MAX_CNAMES hops, in any order)
//   A records (class IN, RDLENGTH 4) owned by target -> addresses[], ttls[]  (at most DNS_MAX_ADDRESSES)
//
// Names are compared in place, case-insensitively; nothing is allocated. When TC is set, the answers are read
// from the records that are complete, and a record cut short ends the walk instead of dropping the message.

import { Drop } from "./drop";
import { load16, load32, store16 } from "./bytes";
import {
  DNS_FLAG_AA,
  DNS_FLAG_QR,
  DNS_FLAG_RA,
  DNS_FLAG_RD,
  DNS_FLAG_TC,
  DNS_HEADER_LEN,
  DNS_NAME_MAX,
  DnsClass,
  DnsPacket,
  DnsType,
} from "./dns";
import { dnsNameEncode, dnsNameEqualsFlat, dnsNameEqualsString, dnsNameToString } from "./dns-name";

/** How many A records parse keeps. */
export const DNS_MAX_ADDRESSES: i32 = 8;
/** How many CNAME hops parse follows from the question name. */
export const DNS_MAX_CNAMES: i32 = 8;

const RR_FIXED: u32 = 10; // type (2), class (2), ttl (4), rdlength (2) after the owner name
const QUESTION_FIXED: u32 = 4; // type (2), class (2) after the name

/** A DNS query or response, reusable: parse overwrites every field (left unspecified on a drop). */
export class DnsRepr {
  /** The id that pairs a response with its query. */
  id: u32 = 0;
  /** QR: a response. */
  response: bool = false;
  /** The operation code (DnsOpcode). */
  opcode: u32 = 0;
  /** AA: the answer is authoritative. */
  authoritative: bool = false;
  /** TC: the response was truncated; the resolver retries another way or fails. */
  truncated: bool = false;
  /** RD: recursion desired (set for a stub resolver's queries). */
  recursionDesired: bool = true;
  /** RA: the server offers recursion. */
  recursionAvailable: bool = false;
  /** The response code (DnsRcode): NXDomain means the name does not exist. */
  rcode: u32 = 0;
  /** The question's name, flat (see dns-name.ts); `nameLength` bytes, 0 when there is no question. */
  name: StaticArray<u8> = new StaticArray<u8>(DNS_NAME_MAX);
  /** The length of `name`; 0 for no question. */
  nameLength: u32 = 0;
  /** The question's type (DnsType). */
  questionType: u32 = DnsType.A;
  /** The question's class (DnsClass). */
  questionClass: u32 = DnsClass.IN;
  /** ANCOUNT as received. */
  answerCount: u32 = 0;
  /** The name the addresses belong to: the question's name, or the end of its CNAME chain. */
  target: StaticArray<u8> = new StaticArray<u8>(DNS_NAME_MAX);
  /** The length of `target`. */
  targetLength: u32 = 0;
  /** How many CNAME hops led from the question's name to `target`. */
  cnameCount: i32 = 0;
  /** The IPv4 addresses of `target`, `addressCount` of them valid. */
  addresses: StaticArray<u32> = new StaticArray<u32>(DNS_MAX_ADDRESSES);
  /** Each address's TTL in seconds: the smallest along the CNAME chain. */
  ttls: StaticArray<u32> = new StaticArray<u32>(DNS_MAX_ADDRESSES);
  /** How many of `addresses` are valid. */
  addressCount: i32 = 0;

  // The record read by readRecord.
  private recordType: u32 = 0;
  private recordClass: u32 = 0;
  private recordTtl: u32 = 0;
  private recordData: u32 = 0;
  private recordDataLen: u32 = 0;
  private recordNext: u32 = 0;

  /** Sets the question's name from a dotted ASCII string ("example.com"); BadName if it is not a valid name. */
  setName(name: string): Drop {
    const n = dnsNameEncode(name, changetype<usize>(this.name), DNS_NAME_MAX);
    if (n == 0) return Drop.BadName;
    this.nameLength = n;
    return Drop.Ok;
  }

  /** Whether the question's name is the dotted `name`, ignoring case and a trailing dot. */
  nameIs(name: string): bool {
    return this.nameLength > 0 && dnsNameEqualsString(changetype<usize>(this.name), this.nameLength, name);
  }

  /** Whether `other` asks the same question (name ignoring case, type, class): pairs a response with a query. */
  sameQuestion(other: DnsRepr): bool {
    return (
      this.questionType == other.questionType &&
      this.questionClass == other.questionClass &&
      dnsNameEqualsFlat(changetype<usize>(this.name), this.nameLength, changetype<usize>(other.name), other.nameLength)
    );
  }

  /** The question's name, dotted; allocates (for logs and tests). */
  nameToString(): string {
    return dnsNameToString(changetype<usize>(this.name), this.nameLength);
  }

  /** The target's name, dotted; allocates (for logs and tests). */
  targetToString(): string {
    return dnsNameToString(changetype<usize>(this.target), this.targetLength);
  }

  /** Reads the header, question and answers (see the top of this file); Unsupported for more than one question. */
  parse(packet: DnsPacket): Drop {
    const checked = packet.check();
    if (checked != Drop.Ok) return checked;
    const flags = packet.flags;
    this.id = packet.id;
    this.response = (flags & DNS_FLAG_QR) != 0;
    this.opcode = packet.opcode;
    this.authoritative = (flags & DNS_FLAG_AA) != 0;
    this.truncated = (flags & DNS_FLAG_TC) != 0;
    this.recursionDesired = (flags & DNS_FLAG_RD) != 0;
    this.recursionAvailable = (flags & DNS_FLAG_RA) != 0;
    this.rcode = packet.rcode;
    this.answerCount = packet.answerCount;
    this.nameLength = this.targetLength = 0;
    this.questionType = this.questionClass = 0;
    this.cnameCount = this.addressCount = 0;
    const questions = packet.questionCount;
    if (questions > 1) return Drop.Unsupported;
    if (questions == 0) return Drop.Ok; // e.g. FORMERR: nothing to match answers against
    const read = packet.readName(DNS_HEADER_LEN, changetype<usize>(this.name));
    if (read != Drop.Ok) return read;
    let at = packet.nameEnd;
    if (at + QUESTION_FIXED > packet.len) return Drop.Truncated;
    this.nameLength = packet.nameLength;
    this.questionType = load16(packet.ptr + at);
    this.questionClass = load16(packet.ptr + at + 2);
    at += QUESTION_FIXED;
    memory.copy(changetype<usize>(this.target), changetype<usize>(this.name), this.nameLength);
    this.targetLength = this.nameLength;

    // Validate the answers, counting the complete ones.
    const answers = at;
    let complete: u32 = 0;
    for (; complete < this.answerCount; complete++) {
      const r = this.readRecord(packet, at);
      if (r == Drop.Truncated && this.truncated) break;
      if (r != Drop.Ok) return r;
      at = this.recordNext;
    }

    // Follow the CNAME chain from the question's name.
    let chainTtl = u32.MAX_VALUE;
    for (let hop = 0; ; hop++) {
      let found = false;
      at = answers;
      for (let i: u32 = 0; i < complete && !found; i++) {
        this.readRecord(packet, at);
        if (this.recordType == DnsType.CNAME && this.ownedByTarget(packet, at)) {
          if (hop == DNS_MAX_CNAMES) return Drop.BadName; // too long, or a loop
          packet.readName(this.recordData, changetype<usize>(this.target));
          this.targetLength = packet.nameLength;
          this.cnameCount++;
          chainTtl = min(chainTtl, this.recordTtl);
          found = true;
        }
        at = this.recordNext;
      }
      if (!found) break;
    }

    // Collect the target's addresses.
    at = answers;
    for (let i: u32 = 0; i < complete && this.addressCount < DNS_MAX_ADDRESSES; i++) {
      this.readRecord(packet, at);
      if (this.recordType == DnsType.A && this.ownedByTarget(packet, at)) {
        this.addresses[this.addressCount] = load32(packet.ptr + this.recordData);
        this.ttls[this.addressCount] = min(chainTtl, this.recordTtl);
        this.addressCount++;
      }
      at = this.recordNext;
    }
    return Drop.Ok;
  }

  /** The length emit writes: the header and, when there is a name, one question. */
  bufferLen(): u32 {
    return DNS_HEADER_LEN + (this.nameLength ? this.nameLength + QUESTION_FIXED : 0);
  }

  /** Writes this as a query into `packet`, which must hold at least bufferLen() bytes; no records are written. */
  emit(packet: DnsPacket): void {
    assert(packet.len >= this.bufferLen(), "DnsRepr.emit: buffer shorter than bufferLen()");
    packet.id = this.id;
    let flags = ((this.opcode & 0xf) << 11) | (this.rcode & 0xf);
    if (this.response) flags |= DNS_FLAG_QR;
    if (this.authoritative) flags |= DNS_FLAG_AA;
    if (this.truncated) flags |= DNS_FLAG_TC;
    if (this.recursionDesired) flags |= DNS_FLAG_RD;
    if (this.recursionAvailable) flags |= DNS_FLAG_RA;
    packet.flags = flags;
    packet.questionCount = this.nameLength ? 1 : 0;
    packet.answerCount = 0;
    packet.authorityCount = 0;
    packet.additionalCount = 0;
    if (!this.nameLength) return;
    const at = packet.ptr + DNS_HEADER_LEN;
    memory.copy(at, changetype<usize>(this.name), this.nameLength);
    store16(at + this.nameLength, this.questionType);
    store16(at + this.nameLength + 2, this.questionClass);
  }

  // Reads the record at `at` into the record fields; Truncated if it runs past the end, Malformed for a CNAME
  // whose name does not fill its RDATA or an A record whose RDATA is not 4 bytes. Records of other classes
  // read as type 0, so they match nothing.
  private readRecord(packet: DnsPacket, at: u32): Drop {
    const r = packet.readName(at);
    if (r != Drop.Ok) return r;
    at = packet.nameEnd;
    if (at + RR_FIXED > packet.len) return Drop.Truncated;
    const p = packet.ptr + at;
    this.recordClass = load16(p + 2);
    this.recordType = this.recordClass == DnsClass.IN ? load16(p) : 0;
    const ttl = load32(p + 4);
    this.recordTtl = ttl & 0x80000000 ? 0 : ttl; // RFC 2181 8: a TTL with the top bit set means zero
    this.recordDataLen = load16(p + 8);
    this.recordData = at + RR_FIXED;
    this.recordNext = this.recordData + this.recordDataLen;
    if (this.recordNext > packet.len) return Drop.Truncated;
    if (this.recordType == DnsType.A && this.recordDataLen != 4) return Drop.Malformed;
    if (this.recordType == DnsType.CNAME) {
      const n = packet.readName(this.recordData);
      if (n != Drop.Ok) return n == Drop.Truncated ? Drop.Malformed : n;
      if (packet.nameEnd != this.recordNext) return Drop.Malformed;
    }
    return Drop.Ok;
  }

  // Whether the record at `at` (already read) is owned by the target name.
  private ownedByTarget(packet: DnsPacket, at: u32): bool {
    return packet.nameEquals(at, changetype<usize>(this.target), this.targetLength);
  }
}
