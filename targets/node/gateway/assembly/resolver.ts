// The user-mode network's resolver at 10.0.2.3: what the guest's DHCP lease names as its DNS
// server. It answers names from the host's hosts file (as text, read by the host before any
// sandbox and handed over once) and forwards every other query to the nameservers of the host's
// resolv.conf (Docker's embedded 127.0.0.11 included: the host's sockets are in the container's
// network namespace), through the gateway's UDP flows (udp-flows.ts). It parses both files itself,
// so that the Node tender and the native tenders read them the same way.
//
//   hosts:        ADDR NAME [NAME...] [# comment]   (IPv4 addresses only; IPv6 lines are skipped)
//   resolv.conf:  nameserver ADDR                   (IPv4 only, the first MAX_NAMESERVERS)

import { parseIpv4 } from "@tessera/net/assembly/iface/config";
import { store16, store32 } from "@tessera/net/assembly/wire/bytes";
import {
  DnsClass,
  DnsPacket,
  DnsRcode,
  DnsType,
  DNS_HEADER_LEN,
  DNS_NAME_MAX,
  lowerAscii,
} from "@tessera/net/assembly/wire/dns";
import { dnsNameEqualsFlat } from "@tessera/net/assembly/wire/dns-name";
import { DnsRepr } from "@tessera/net/assembly/wire/dns-repr";
import { Drop } from "@tessera/net/assembly/wire/drop";

/** Nameservers kept from resolv.conf (as the C library's MAXNS). */
export const MAX_NAMESERVERS: i32 = 3;
/** Names kept from the hosts file. */
export const MAX_HOSTS: i32 = 1024;
/** Addresses one answer carries at most. */
const MAX_ANSWERS: i32 = 8;
/** The TTL of an answer from the hosts file, in seconds: short, the file may change. */
const HOSTS_TTL: u32 = 10;
const ANY_TYPE: u32 = 255;
const RR_LEN: u32 = 16; // a pointer to the question's name (2), type, class, TTL, RDLENGTH (10), the address (4)

/** One name of the hosts file and its address. */
class HostEntry {
  constructor(
    /** The name, flat (dns-name.ts) and lower-case. */
    readonly name: StaticArray<u8>,
    readonly nameLength: u32,
    readonly addr: u32,
  ) {}
}

/** What `answer` did with a query. */
export const enum Answer {
  /** Not a query it takes (malformed, a response, more than one question): dropped. */
  Dropped = 0,
  /** Answered: the reply is in `reply`, `replyLength` bytes. */
  Answered = 1,
  /** Not in the hosts file: forward it to a nameserver. */
  Forward = 2,
}

/** The hosts file's names, the nameservers, and the answers from the hosts file. */
export class Resolver {
  /** The nameservers from resolv.conf, in order. */
  readonly nameservers: Array<u32> = new Array<u32>();
  /** Queries answered from the hosts file (or with SERVFAIL, with no nameserver to ask). */
  answered: u64 = 0;
  /** Queries passed on to a nameserver. */
  forwarded: u64 = 0;
  /** Messages that were not queries it could read. */
  dropped: u64 = 0;
  /** The reply `answer` built. */
  readonly reply: StaticArray<u8> = new StaticArray<u8>(512);
  replyLength: u32 = 0;

  private readonly hosts: Array<HostEntry> = new Array<HostEntry>();
  private readonly query: DnsRepr = new DnsRepr();
  private readonly packet: DnsPacket = new DnsPacket();
  private readonly flat: StaticArray<u8> = new StaticArray<u8>(DNS_NAME_MAX);

  /** Names kept from the hosts file. */
  get hostCount(): i32 {
    return this.hosts.length;
  }

  /** Reads a hosts file: `len` bytes of text at `ptr`. */
  readHosts(ptr: usize, len: u32): void {
    for (let at: u32 = 0; at < len;) {
      const end = lineEnd(ptr, len, at);
      this.hostsLine(ptr + at, end - at);
      at = end + 1;
    }
  }

  /** Reads a resolv.conf: `len` bytes of text at `ptr`. */
  readResolvConf(ptr: usize, len: u32): void {
    for (let at: u32 = 0; at < len;) {
      const end = lineEnd(ptr, len, at);
      const p = ptr + at;
      const n = end - at;
      let w = word(p, n, 0);
      if (wordIs(p, w, "nameserver") && this.nameservers.length < MAX_NAMESERVERS) {
        const start = skipBlank(p, n, w);
        const addr = parseIpv4(p + start, word(p, n, start) - start);
        if (addr >= 0) this.nameservers.push(<u32>addr);
      }
      at = end + 1;
    }
  }

  private hostsLine(p: usize, n: u32): void {
    let start = skipBlank(p, n, 0);
    let end = word(p, n, start);
    if (end == start || load<u8>(p + start) == 0x23) return; // blank, or a comment
    const addr = parseIpv4(p + start, end - start);
    if (addr < 0) return; // IPv6, or not an address
    for (;;) {
      start = skipBlank(p, n, end);
      end = word(p, n, start);
      if (end == start || load<u8>(p + start) == 0x23 || this.hosts.length >= MAX_HOSTS) return;
      const flat = changetype<usize>(this.flat);
      const len = encodeName(p + start, end - start, flat);
      if (len == 0) continue;
      const name = new StaticArray<u8>(<i32>len);
      memory.copy(changetype<usize>(name), flat, len);
      this.hosts.push(new HostEntry(name, len, <u32>addr));
    }
  }

  /**
   * A message to the resolver, `len` bytes at `ptr`: answered from the hosts file (the reply in
   * `reply`), or to be forwarded, or dropped. With no nameserver, a name the hosts file lacks is
   * answered SERVFAIL at once, so that the guest does not wait for nothing.
   */
  answer(ptr: usize, len: u32): Answer {
    const q = this.query;
    if (q.parse(this.packet.wrap(ptr, len)) != Drop.Ok || q.response || q.opcode != 0 || q.nameLength == 0) {
      this.dropped++;
      return Answer.Dropped;
    }
    const known = q.questionClass == DnsClass.IN && this.find(0) >= 0;
    if (!known && this.nameservers.length > 0) {
      this.forwarded++;
      return Answer.Forward;
    }
    this.answered++;
    // The header and the question as asked, then the hosts file's addresses (none for other types: NODATA).
    q.response = true;
    q.authoritative = known;
    q.recursionAvailable = true;
    q.truncated = false;
    q.rcode = known ? DnsRcode.NoError : DnsRcode.ServFail;
    const out = changetype<usize>(this.reply);
    const reply = this.packet.wrap(out, <u32>this.reply.length);
    q.emit(reply);
    let at = q.bufferLen();
    let count: u32 = 0;
    if (known && (q.questionType == DnsType.A || q.questionType == ANY_TYPE)) {
      for (let i = this.find(0); i >= 0 && count < <u32>MAX_ANSWERS; i = this.find(i + 1)) {
        const p = out + at;
        store16(p, 0xc000 | DNS_HEADER_LEN); // the question's name
        store16(p + 2, DnsType.A);
        store16(p + 4, DnsClass.IN);
        store32(p + 6, HOSTS_TTL);
        store16(p + 10, 4);
        store32(p + 12, unchecked(this.hosts[i]).addr);
        at += RR_LEN;
        count++;
      }
    }
    reply.answerCount = count;
    this.replyLength = at;
    return Answer.Answered;
  }

  // The index of the first hosts entry from `from` on whose name is the query's, or -1.
  private find(from: i32): i32 {
    const q = this.query;
    const hs = this.hosts;
    for (let i = from; i < hs.length; i++) {
      const h = unchecked(hs[i]);
      if (dnsNameEqualsFlat(changetype<usize>(h.name), h.nameLength, changetype<usize>(q.name), q.nameLength)) return i;
    }
    return -1;
  }
}

// The offset of the end of the line that starts at `at` (its newline, or `len`).
function lineEnd(p: usize, len: u32, at: u32): u32 {
  while (at < len && load<u8>(p + at) != 0x0a) at++;
  return at;
}

function blank(c: u32): bool {
  return c == 0x20 || c == 0x09 || c == 0x0d;
}

function skipBlank(p: usize, n: u32, at: u32): u32 {
  while (at < n && blank(load<u8>(p + at))) at++;
  return at;
}

// The end of the word that starts at `at`.
function word(p: usize, n: u32, at: u32): u32 {
  while (at < n && !blank(load<u8>(p + at))) at++;
  return at;
}

function wordIs(p: usize, end: u32, w: string): bool {
  if (end != <u32>w.length) return false;
  for (let i: u32 = 0; i < end; i++) if (<u32>load<u8>(p + i) != <u32>w.charCodeAt(i)) return false;
  return true;
}

// Encodes the dotted name of `n` bytes at `p` (a trailing dot allowed) as a flat name at `dst`, lower-case;
// its length, or 0 if it is not a valid name.
function encodeName(p: usize, n: u32, dst: usize): u32 {
  if (n > 0 && load<u8>(p + n - 1) == 0x2e) n--;
  if (n == 0 || n + 2 > DNS_NAME_MAX) return 0;
  let out: u32 = 0;
  let label: u32 = 0;
  for (let i: u32 = 0; i <= n; i++) {
    const c = i < n ? <u32>load<u8>(p + i) : 0x2e;
    if (c == 0x2e) {
      if (label == 0 || label > 63) return 0;
      store<u8>(dst + out, <u8>label);
      out += 1 + label;
      label = 0;
    } else {
      if (c <= 0x20 || c >= 0x7f) return 0;
      store<u8>(dst + out + 1 + label, <u8>lowerAscii(c));
      label++;
    }
  }
  store<u8>(dst + out, 0);
  return out + 1;
}
