// DNS: parsing captured dnsmasq responses (compression, CNAME chains, NXDOMAIN, TC), emitting queries, and
// rejecting compression loops, overlong names, lying lengths and counts.

import { Drop } from "@tessera/net/assembly/wire/drop";
import { DNS_NAME_MAX, DnsClass, DnsPacket, DnsRcode, DnsType } from "@tessera/net/assembly/wire/dns";
import { dnsNameEncode, dnsNameToString } from "@tessera/net/assembly/wire/dns-name";
import { DNS_MAX_ADDRESSES, DnsRepr } from "@tessera/net/assembly/wire/dns-repr";
import { expect, expectBytes, runTests, test } from "@tessera/test/assembly";
import {
  atEnd,
  DNS_A,
  DNS_CNAME,
  DNS_CNAME_CHAIN,
  DNS_MULTI,
  DNS_NXDOMAIN,
  DNS_QUERY_A,
  DNS_TRUNCATED,
  hexAtEnd,
  hexBytes,
  hexLen,
} from "@tessera/net/assembly/__tests__/wire-payloads";

const packet = new DnsPacket();
const repr = new DnsRepr();

const EXAMPLE: u32 = 0x0a00002a; // 10.0.0.42

function parseHex(hex: string, len: i32 = -1): Drop {
  const n = len < 0 ? hexLen(hex) : <u32>len;
  return repr.parse(packet.wrap(hexAtEnd(hex, len), n));
}

function parseBytes(bytes: u8[]): Drop {
  return repr.parse(packet.wrap(atEnd(bytes), bytes.length));
}

// Appends the flat form of the dotted `name` to `out`.
function putName(out: u8[], name: string): void {
  const buf = memory.data(DNS_NAME_MAX);
  const n = dnsNameEncode(name, buf, DNS_NAME_MAX);
  assert(n > 0, name);
  for (let i: u32 = 0; i < n; i++) out.push(load<u8>(buf + i));
}

// A response header (id 0x1234, QR RD RA) with these counts, then the question `name` A IN at offset 12.
function response(answers: u8, name: string = "a.test"): u8[] {
  const m: u8[] = [0x12, 0x34, 0x81, 0x80, 0, 1, 0, answers, 0, 0, 0, 0];
  putName(m, name);
  m.push(0);
  m.push(1);
  m.push(0);
  m.push(1);
  return m;
}

// Appends a record's type, class IN, TTL and RDLENGTH (the owner name is already there).
function putRecord(m: u8[], type: u32, ttl: u32, rdlength: u32): void {
  const fixed: u8[] = [0, <u8>type, 0, 1, <u8>(ttl >> 24), <u8>(ttl >> 16), <u8>(ttl >> 8), <u8>ttl];
  for (let i = 0; i < fixed.length; i++) m.push(fixed[i]);
  m.push(<u8>(rdlength >> 8));
  m.push(<u8>rdlength);
}

// Appends an A record for the question's name (a pointer to offset 12).
function putA(m: u8[], address: u32, ttl: u32 = 60): void {
  m.push(0xc0);
  m.push(12);
  putRecord(m, DnsType.A, ttl, 4);
  m.push(<u8>(address >> 24));
  m.push(<u8>(address >> 16));
  m.push(<u8>(address >> 8));
  m.push(<u8>address);
}

function labels(m: u8[], count: i32, length: u8): void {
  for (let i = 0; i < count; i++) {
    m.push(length);
    for (let j: u8 = 0; j < length; j++) m.push(0x61);
  }
}

test("parses a captured A response, its name compressed to the question", () => {
  expect(parseHex(DNS_A), Drop.Ok);
  expect(repr.id, 0xe48d);
  expect(repr.response, true);
  expect(repr.opcode, 0);
  expect(repr.authoritative, true);
  expect(repr.truncated, false);
  expect(repr.recursionDesired, true);
  expect(repr.recursionAvailable, true);
  expect(repr.rcode, DnsRcode.NoError);
  expect(repr.nameIs("example.test"), true);
  expect(repr.nameToString(), "example.test");
  expect(repr.questionType, DnsType.A);
  expect(repr.questionClass, DnsClass.IN);
  expect(repr.answerCount, 1);
  expect(repr.cnameCount, 0);
  expect(repr.addressCount, 1);
  expect(repr.addresses[0], EXAMPLE);
  expect(repr.ttls[0], 300);
});

test("reads the captured header through the view", () => {
  packet.wrap(hexAtEnd(DNS_A), hexLen(DNS_A));
  expect(packet.check(), Drop.Ok);
  expect(packet.flags, 0x8580);
  expect(packet.questionCount, 1);
  expect(packet.answerCount, 1);
  expect(packet.authorityCount, 0);
  expect(packet.additionalCount, 1);
  expect(packet.readName(30), Drop.Ok, "the answer's owner: a pointer");
  expect(packet.nameEnd, 32);
  expect(packet.nameLength, 14);
  const flat = memory.data(DNS_NAME_MAX);
  expect(packet.readName(12, flat), Drop.Ok);
  expect(packet.nameEnd, 26);
  expect(dnsNameToString(flat, packet.nameLength), "example.test");
  expect(packet.nameEquals(30, flat, packet.nameLength), true);
});

test("follows a captured CNAME to an A record named by a pointer into the CNAME's RDATA", () => {
  expect(parseHex(DNS_CNAME), Drop.Ok);
  expect(repr.nameIs("www.example.test"), true);
  expect(repr.cnameCount, 1);
  expect(repr.targetToString(), "example.test");
  expect(repr.addressCount, 1);
  expect(repr.addresses[0], EXAMPLE);
});

test("follows a captured chain of two CNAMEs", () => {
  expect(parseHex(DNS_CNAME_CHAIN), Drop.Ok);
  expect(repr.nameIs("alias.example.test"), true);
  expect(repr.cnameCount, 2);
  expect(repr.targetToString(), "example.test");
  expect(repr.addressCount, 1);
  expect(repr.addresses[0], EXAMPLE);
  expect(repr.ttls[0], 300);
});

test("collects every captured A record", () => {
  expect(parseHex(DNS_MULTI), Drop.Ok);
  expect(repr.addressCount, 2);
  expect(repr.addresses[0], 0x0a00002b);
  expect(repr.addresses[1], 0x0a00002c);
});

test("reports a captured NXDOMAIN", () => {
  expect(parseHex(DNS_NXDOMAIN), Drop.Ok);
  expect(repr.rcode, DnsRcode.NXDomain);
  expect(repr.authoritative, false);
  expect(repr.nameIs("nothere.example.test"), true);
  expect(repr.addressCount, 0);
});

test("reports TC on a captured truncated response, keeping the first addresses", () => {
  expect(parseHex(DNS_TRUNCATED), Drop.Ok);
  expect(repr.truncated, true);
  expect(repr.answerCount, 29);
  expect(repr.addressCount, DNS_MAX_ADDRESSES);
  expect(repr.addresses[0], 0x0a010003);
  expect(repr.addresses[1], 0x0a010015);
});

test("reads a TC response cut inside a record up to that record; without TC the cut is Truncated", () => {
  expect(parseHex(DNS_TRUNCATED, 490), Drop.Ok);
  expect(repr.truncated, true);
  expect(repr.addressCount, DNS_MAX_ADDRESSES);
  expect(parseHex(DNS_TRUNCATED, 12 + 22 + 2 * 16 + 5), Drop.Ok, "two whole records and a bit");
  expect(repr.addressCount, 2);
  const bytes = hexBytes(DNS_TRUNCATED);
  bytes[2] = bytes[2] & 0xfd; // clear TC
  expect(repr.parse(packet.wrap(atEnd(bytes, 490), 490)), Drop.Truncated);
});

test("emits a query like dig's and parses it back", () => {
  const query = new DnsRepr();
  query.id = 0xe48d;
  expect(query.setName("example.test"), Drop.Ok);
  expect(query.bufferLen(), 12 + 14 + 4);
  const buf = memory.data(64);
  memory.fill(buf, 0xaa, 64);
  query.emit(packet.wrap(buf, 64));
  expectBytes(buf, 12, [0xe4, 0x8d, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]);
  const captured = hexBytes(DNS_QUERY_A);
  expectBytes(buf + 12, 18, captured.slice(12, 30), "the question as dig wrote it");
  expect(load<u8>(buf + 30), 0xaa, "nothing past bufferLen");
  expect(repr.parse(packet.wrap(buf, query.bufferLen())), Drop.Ok);
  expect(repr.response, false);
  expect(repr.recursionDesired, true);
  expect(repr.id, 0xe48d);
  expect(repr.sameQuestion(query), true);
  expect(parseHex(DNS_QUERY_A), Drop.Ok, "dig's own query, with its OPT record");
  expect(repr.sameQuestion(query), true);
  expect(parseHex(DNS_A), Drop.Ok);
  expect(repr.sameQuestion(query), true);
  expect(parseHex(DNS_CNAME), Drop.Ok);
  expect(repr.sameQuestion(query), false);
});

test("encodes names from strings and rejects bad ones", () => {
  expect(repr.setName("Example.TEST."), Drop.Ok);
  expect(repr.nameLength, 14);
  expect(repr.nameIs("example.test"), true);
  expect(repr.nameIs("example.test."), true);
  expect(repr.nameIs("example.tes"), false);
  expect(repr.nameIs("example.test.x"), false);
  expect(repr.nameIs("exampletest"), false);
  expect(repr.setName(""), Drop.Ok);
  expect(repr.nameLength, 1);
  expect(repr.nameIs("."), true);
  expect(repr.setName("."), Drop.Ok);
  expect(repr.setName("a..b"), Drop.BadName);
  expect(repr.setName(".a"), Drop.BadName);
  expect(repr.setName("a.."), Drop.BadName);
  expect(repr.setName("é.test"), Drop.BadName);
  expect(repr.setName("a".repeat(63) + ".test"), Drop.Ok);
  expect(repr.setName("a".repeat(64) + ".test"), Drop.BadName);
  const l63 = "a".repeat(63);
  expect(repr.setName(l63 + "." + l63 + "." + l63 + "." + "a".repeat(61)), Drop.Ok, "255 bytes");
  expect(repr.nameLength, 255);
  expect(repr.setName(l63 + "." + l63 + "." + l63 + "." + "a".repeat(62)), Drop.BadName, "256 bytes");
});

test("compares owner names without regard to case and ignores other names", () => {
  const m = response(2, "A.Test");
  putName(m, "a.TEST");
  putRecord(m, DnsType.A, 5, 4);
  m.push(1);
  m.push(2);
  m.push(3);
  m.push(4);
  putName(m, "b.test");
  putRecord(m, DnsType.A, 5, 4);
  for (let i = 0; i < 4; i++) m.push(9);
  expect(parseBytes(m), Drop.Ok);
  expect(repr.addressCount, 1);
  expect(repr.addresses[0], 0x01020304);
});

test("takes the smallest TTL along a CNAME chain, and a TTL with the top bit set as zero", () => {
  const m = response(2);
  m.push(0xc0);
  m.push(12);
  putRecord(m, DnsType.CNAME, 30, 8);
  putName(m, "b.test");
  m.push(0xc0);
  m.push(<u8>(m.length - 9)); // b.test, in the CNAME's RDATA
  putRecord(m, DnsType.A, 300, 4);
  for (let i = 0; i < 4; i++) m.push(7);
  expect(parseBytes(m), Drop.Ok);
  expect(repr.targetToString(), "b.test");
  expect(repr.ttls[0], 30);
  const n = response(1);
  putA(n, 1, 0x80000001);
  expect(parseBytes(n), Drop.Ok);
  expect(repr.addresses[0], 1);
  expect(repr.ttls[0], 0);
});

test("drops a truncated header, question or record", () => {
  expect(parseHex(DNS_A, 11), Drop.Truncated, "header");
  expect(parseHex(DNS_A, 0), Drop.Truncated, "nothing");
  expect(parseHex(DNS_A, 20), Drop.Truncated, "inside the question's name");
  expect(parseHex(DNS_A, 27), Drop.Truncated, "inside the question's type");
  expect(parseHex(DNS_A, 31), Drop.Truncated, "inside the answer's pointer");
  expect(parseHex(DNS_A, 40), Drop.Truncated, "inside the answer's fixed part");
  expect(parseHex(DNS_A, 45), Drop.Truncated, "inside the answer's RDATA");
  expect(parseHex(DNS_A, 46), Drop.Ok, "the answer without the OPT record");
});

test("drops an RDLENGTH that runs past the end, and counts larger than the message", () => {
  const bytes = hexBytes(DNS_A);
  bytes[40] = 0x10; // RDLENGTH 0x1004
  expect(parseBytes(bytes), Drop.Truncated);
  const more = hexBytes(DNS_A);
  more[7] = 3; // ANCOUNT 3: the A, the OPT, then nothing
  expect(parseBytes(more), Drop.Truncated);
  more[6] = 0xff;
  expect(parseBytes(more), Drop.Truncated);
  const questions = hexBytes(DNS_A);
  questions[5] = 2;
  expect(parseBytes(questions), Drop.Unsupported, "two questions");
});

test("drops an A record whose RDATA is not 4 bytes, and a CNAME whose name does not fill its RDATA", () => {
  const m = response(1);
  m.push(0xc0);
  m.push(12);
  putRecord(m, DnsType.A, 1, 5);
  for (let i = 0; i < 5; i++) m.push(1);
  expect(parseBytes(m), Drop.Malformed);
  const c = response(1);
  c.push(0xc0);
  c.push(12);
  putRecord(c, DnsType.CNAME, 1, 9);
  putName(c, "b.test");
  c.push(0);
  expect(parseBytes(c), Drop.Malformed, "RDATA longer than the name");
  const d = response(1);
  d.push(0xc0);
  d.push(12);
  putRecord(d, DnsType.CNAME, 1, 4);
  putName(d, "b.test");
  expect(parseBytes(d), Drop.Malformed, "name longer than the RDATA");
});

test("drops compression loops: a pointer to itself, to its own labels, pointers at each other, forward", () => {
  const self: u8[] = [0x12, 0x34, 0x81, 0x80, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 12, 0, 1, 0, 1];
  expect(parseBytes(self), Drop.BadName, "pointer to itself");
  const own = response(1);
  own.push(1);
  own.push(0x78);
  own.push(0xc0);
  own.push(<u8>(own.length - 3)); // back to the label just before it
  putRecord(own, DnsType.A, 1, 4);
  for (let i = 0; i < 4; i++) own.push(1);
  expect(parseBytes(own), Drop.BadName, "pointer to the start of its own run of labels");
  const mutual = response(1);
  const at = <u8>mutual.length;
  mutual.push(0xc0);
  mutual.push(at + 2);
  mutual.push(0xc0);
  mutual.push(at);
  expect(parseBytes(mutual), Drop.BadName, "two pointers pointing at each other");
  const forward = response(1);
  forward.push(0xc0);
  forward.push(<u8>forward.length + 12);
  putRecord(forward, DnsType.A, 1, 4);
  putName(forward, "a.test");
  expect(parseBytes(forward), Drop.BadName, "a forward pointer");
  const header = response(1);
  header.push(0xc0);
  header.push(2);
  putRecord(header, DnsType.A, 1, 0);
  expect(parseBytes(header), Drop.BadName, "a pointer into the header");
});

test("drops reserved label types and names longer than 255 bytes, also when joined by a pointer", () => {
  const extended: u8[] = [0x12, 0x34, 0x81, 0x80, 0, 1, 0, 0, 0, 0, 0, 0, 0x41, 0x61, 0, 0, 1, 0, 1];
  expect(parseBytes(extended), Drop.BadName, "label type 01");
  extended[12] = 0x81;
  expect(parseBytes(extended), Drop.BadName, "label type 10");
  const long: u8[] = [0x12, 0x34, 0x81, 0x80, 0, 1, 0, 0, 0, 0, 0, 0];
  labels(long, 4, 63);
  long.push(0);
  long.push(0);
  long.push(1);
  long.push(0);
  long.push(1);
  expect(parseBytes(long), Drop.BadName, "four labels of 63");
  const joined: u8[] = [0x12, 0x34, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0];
  labels(joined, 2, 63);
  joined.push(0); // the question: 129 bytes
  for (let i = 0; i < 4; i++) joined.push(<u8>(i & 1));
  labels(joined, 2, 63);
  joined.push(0xc0);
  joined.push(12); // the answer's owner: 128 + 129 bytes
  putRecord(joined, DnsType.A, 1, 4);
  for (let i = 0; i < 4; i++) joined.push(1);
  expect(parseBytes(joined), Drop.BadName, "two labels and a pointer to two more");
});

test("drops a CNAME loop instead of following it", () => {
  const m = response(2);
  m.push(0xc0);
  m.push(12);
  putRecord(m, DnsType.CNAME, 1, 8);
  const b = <u8>m.length;
  putName(m, "b.test");
  m.push(0xc0);
  m.push(b);
  putRecord(m, DnsType.CNAME, 1, 2);
  m.push(0xc0);
  m.push(12);
  expect(parseBytes(m), Drop.BadName);
});

export function _start(): void {
  runTests();
}
