// The DNS stub resolver against a fake server on a peer interface over an in-memory wire: answers, CNAME
// chains, NXDOMAIN, SERVFAIL, REFUSED, retries and timeouts, spoofed replies ignored, and truncation.

import { expect, expectIn, expectNot, runTests, test } from "@tessera/test/assembly";
import { Interface } from "@tessera/net/assembly/iface/interface";
import { Link } from "@tessera/net/assembly/iface/link";
import { UdpHandler } from "@tessera/net/assembly/socket/udp";
import { DnsError, DnsHandler, DnsResolver } from "@tessera/net/assembly/socket/dns";
import { DNS_NAME_MAX, DnsPacket, DnsRcode, DnsType } from "@tessera/net/assembly/wire/dns";
import { dnsNameEncode } from "@tessera/net/assembly/wire/dns-name";
import { DnsRepr } from "@tessera/net/assembly/wire/dns-repr";

const A_IP: u32 = 0x0a000001; // 10.0.0.1, the resolver
const B_IP: u32 = 0x0a000002; // 10.0.0.2, the DNS server
const OTHER_IP: u32 = 0x0a000003; // 10.0.0.3, someone else
const A_MAC: u64 = 0x020000000001;
const B_MAC: u64 = 0x020000000002;
const SECOND: i64 = 1_000_000_000;
const EXAMPLE: u32 = 0x0a00002a; // 10.0.0.42

// ---- two interfaces over an in-memory wire ---------------------------------------------------------------

const inFlight = new Array<StaticArray<u8>>();
const inFlightTo = new Array<Interface>();

class Wire extends Link {
  peer: Interface | null = null;
  send(ptr: usize, len: u32): bool {
    const copy = new StaticArray<u8>(<i32>len);
    memory.copy(changetype<usize>(copy), ptr, len);
    inFlight.push(copy);
    inFlightTo.push(this.peer!);
    return true;
  }
}

const wireA = new Wire();
const wireB = new Wire();
const a = new Interface(wireA, A_MAC, 1500);
const b = new Interface(wireB, B_MAC, 1500);
wireA.peer = b;
wireB.peer = a;
a.config.cidr.addr = A_IP;
a.config.cidr.prefixLen = 24;
a.config.dns = B_IP;
b.config.cidr.addr = B_IP;
b.config.cidr.prefixLen = 24;

/** Delivers frames until none are in flight (bounded). */
function pump(now: i64): void {
  for (let n = 0; inFlight.length > 0 && n < 1000; n++) {
    const frame = inFlight.shift();
    inFlightTo.shift().receive(changetype<usize>(frame), <u32>frame.length, now);
  }
}

// ---- the fake server on B's port 53: keeps each query; the test writes the replies --------------------------

class Server extends UdpHandler {
  queries: i32 = 0;
  fromPort: u32 = 0;
  query: DnsRepr = new DnsRepr();
  datagram(srcAddr: u32, srcPort: u32, ptr: usize, len: u32, now: i64): void {
    expect<u32>(srcAddr, A_IP, "query source");
    this.queries++;
    this.fromPort = srcPort;
    expect<i32>(this.query.parse(new DnsPacket().wrap(ptr, len)), 0, "the query parses");
    expect<bool>(this.query.response, false, "a query");
    expect<bool>(this.query.recursionDesired, true, "RD");
    expect<u32>(this.query.questionType, DnsType.A, "asks for A");
  }
}
const server = new Server();
const serverSocket = b.bindUdp(53, server)!;

const out = new StaticArray<u8>(1400);
const outPacket = new DnsPacket();
let outLen: u32 = 0;

/** Starts a reply to the last query: its id plus `idDelta`, its question (or `name`), `rcode`, TC if `tc`. */
function begin(rcode: u32, tc: bool = false, idDelta: u32 = 0, name: string = ""): void {
  const r = new DnsRepr();
  const q = server.query;
  r.id = (q.id + idDelta) & 0xffff;
  if (name.length) r.setName(name);
  else {
    memory.copy(changetype<usize>(r.name), changetype<usize>(q.name), q.nameLength);
    r.nameLength = q.nameLength;
  }
  r.questionType = DnsType.A;
  r.questionClass = 1;
  r.response = true;
  r.recursionDesired = true;
  r.recursionAvailable = true;
  r.truncated = tc;
  r.rcode = rcode;
  outLen = r.bufferLen();
  r.emit(outPacket.wrap(changetype<usize>(out), outLen));
}

function putByte(v: u32): void {
  store<u8>(changetype<usize>(out) + outLen, <u8>v);
  outLen++;
}
function put16(v: u32): void {
  putByte(v >> 8);
  putByte(v & 0xff);
}
function put32(v: u32): void {
  put16(v >>> 16);
  put16(v & 0xffff);
}
function putName(name: string): void {
  const n = dnsNameEncode(name, changetype<usize>(out) + outLen, DNS_NAME_MAX);
  assert(n > 0, name);
  outLen += n;
}
function countAnswer(): void {
  outPacket.wrap(changetype<usize>(out), outLen).answerCount = outPacket.answerCount + 1;
}

/** Appends `owner` A `address`. */
function addA(owner: string, address: u32, ttl: u32 = 300): void {
  putName(owner);
  put16(DnsType.A);
  put16(1);
  put32(ttl);
  put16(4);
  put32(address);
  countAnswer();
}

/** Appends `owner` CNAME `target`. */
function addCname(owner: string, target: string, ttl: u32 = 300): void {
  putName(owner);
  put16(DnsType.CNAME);
  put16(1);
  put32(ttl);
  const at = outLen;
  put16(0);
  putName(target);
  store<u16>(changetype<usize>(out) + at, bswap<u16>(<u16>(outLen - at - 2)));
  countAnswer();
}

/** Sends the reply from `srcAddr:srcPort` (default: the server) to the resolver's port, and delivers it. */
function send(now: i64, srcPort: u32 = 53, srcAddr: u32 = B_IP): void {
  b.config.cidr.addr = srcAddr; // a spoofer's address
  b.sendUdp(srcPort, A_IP, server.fromPort, changetype<usize>(out), outLen, now);
  b.config.cidr.addr = B_IP;
  pump(now);
}

// ---- what the handler heard -------------------------------------------------------------------------------

class Heard extends DnsHandler {
  calls: i32 = 0;
  name: string = "";
  addresses: u32[] = [];
  ttl: u32 = 0;
  reason: DnsError = 0;
  resolved(name: string, addresses: StaticArray<u32>, count: i32, ttl: u32): void {
    this.calls++;
    this.name = name;
    this.addresses = [];
    for (let i = 0; i < count; i++) this.addresses.push(addresses[i]);
    this.ttl = ttl;
  }
  failed(name: string, reason: DnsError): void {
    this.calls++;
    this.name = name;
    this.reason = reason;
  }
}

class Nobody extends UdpHandler {
  datagram(srcAddr: u32, srcPort: u32, ptr: usize, len: u32, now: i64): void {}
}

const resolver = new DnsResolver(a);
const nobody = new Nobody();
const heard = new Heard();

/** Starts a lookup of `name` at `now` and delivers the query to the server. */
function start(name: string, now: i64 = 0): void {
  expect<bool>(resolver.resolve(name, heard, now), true, "resolve starts");
  pump(now);
}

function expectFailed(reason: DnsError): void {
  expect<i32>(heard.calls, 1, "the handler heard once");
  expect<i32>(heard.reason, reason, "the reason");
  expect<bool>(resolver.busy, false, "idle after");
  expect<u32>(resolver.port, 0, "port released");
}

// ---- cases ------------------------------------------------------------------------------------------------

test("a query from a random ephemeral port gets the A records of the name", () => {
  start("example.test");
  expect<i32>(server.queries, 1, "one query (after ARP)");
  expectIn<u32>(server.fromPort, 49152, 65536, "ephemeral port"); // [49152, 65536): 65535 is one
  expect<u32>(resolver.port, server.fromPort);
  expect<u32>(server.query.id, resolver.id);
  expect<bool>(server.query.nameIs("example.test"), true, "the question");
  expect<i64>(resolver.pollAt(), SECOND, "first timeout");
  begin(DnsRcode.NoError);
  addA("example.test", EXAMPLE, 300);
  addA("EXAMPLE.test", EXAMPLE + 1, 120);
  const port = server.fromPort;
  send(SECOND / 10);
  expect<i32>(heard.calls, 1);
  expect<string>(heard.name, "example.test");
  expect<i32>(heard.addresses.length, 2);
  expect<u32>(heard.addresses[0], EXAMPLE);
  expect<u32>(heard.addresses[1], EXAMPLE + 1);
  expect<u32>(heard.ttl, 120, "the smallest TTL");
  expect<bool>(resolver.busy, false);
  expect<i64>(resolver.pollAt(), i64.MAX_VALUE, "nothing to wait for");
  expectNot<bool>(a.bindUdp(port, nobody) === null, true, "the port was released");
});

test("each lookup picks a new port and id", () => {
  let samePort = 0;
  let sameId = 0;
  for (let i = 0; i < 6; i++) {
    const lastPort = server.fromPort;
    const lastId = server.query.id;
    start("example.test", i * SECOND);
    if (server.fromPort == lastPort) samePort++;
    if (server.query.id == lastId) sameId++;
    begin(DnsRcode.NoError);
    addA("example.test", EXAMPLE);
    send(i * SECOND);
  }
  expect<i32>(heard.calls, 6);
  expect<bool>(samePort < 2 && sameId < 2, true, "ports and ids vary");
});

test("a CNAME chain is followed to the addresses, the TTL the smallest along it", () => {
  start("www.example.test");
  begin(DnsRcode.NoError);
  addCname("www.example.test", "edge.cdn.test", 600);
  addCname("edge.cdn.test", "host.cdn.test", 60);
  addA("host.cdn.test", EXAMPLE, 300);
  addA("unrelated.test", 0x0a000063, 300);
  send(0);
  expect<i32>(heard.calls, 1);
  expect<string>(heard.name, "www.example.test");
  expect<i32>(heard.addresses.length, 1, "only the chain's end");
  expect<u32>(heard.addresses[0], EXAMPLE);
  expect<u32>(heard.ttl, 60);
});

test("a server whose port is closed fails the lookup at once with Unreachable, not after the tries", () => {
  b.unbindUdp(serverSocket); // B answers queries to port 53 with ICMP port unreachable now
  expect<bool>(resolver.resolve("example.test", heard, 0), true, "resolve starts");
  pump(0);
  expectFailed(DnsError.Unreachable);
  expect<i32>(server.queries, 0, "no server heard it");
});

test("NXDOMAIN fails with NotFound", () => {
  start("nowhere.test");
  begin(DnsRcode.NXDomain);
  send(0);
  expectFailed(DnsError.NotFound);
  expect<string>(heard.name, "nowhere.test");
});

test("SERVFAIL fails with ServerFailure, REFUSED with Refused, NOERROR without A with NoData", () => {
  start("example.test");
  begin(DnsRcode.ServFail);
  send(0);
  expectFailed(DnsError.ServerFailure);
  heard.calls = 0;
  start("example.test");
  begin(DnsRcode.Refused);
  send(0);
  expectFailed(DnsError.Refused);
  heard.calls = 0;
  start("example.test");
  begin(DnsRcode.NoError);
  send(0);
  expectFailed(DnsError.NoData);
});

test("a lost query is sent again after 1 s, with the same port and id, and its reply taken", () => {
  start("example.test");
  const port = server.fromPort;
  const id = server.query.id;
  resolver.poll(SECOND / 2);
  pump(SECOND / 2);
  expect<i32>(server.queries, 1, "not yet");
  resolver.poll(SECOND);
  pump(SECOND);
  expect<i32>(server.queries, 2, "resent");
  expect<u32>(server.fromPort, port);
  expect<u32>(server.query.id, id);
  expect<u64>(resolver.retransmits, 1);
  expect<i64>(resolver.pollAt(), 3 * SECOND, "then 2 s");
  begin(DnsRcode.NoError);
  addA("example.test", EXAMPLE);
  send(SECOND + 1000);
  expect<i32>(heard.calls, 1);
  expect<u32>(heard.addresses[0], EXAMPLE);
});

test("after three tries (1 s, 2 s, 4 s) the lookup times out", () => {
  start("example.test");
  for (let t = resolver.pollAt(); t != i64.MAX_VALUE; t = resolver.pollAt()) {
    expect<i32>(heard.calls, 0, "not before the last deadline");
    resolver.poll(t);
    pump(t);
  }
  expect<i32>(server.queries, 3, "three tries");
  expect<u64>(resolver.retransmits, 2);
  expectFailed(DnsError.Timeout);
  // The tries and timeout are settings.
  heard.calls = 0;
  resolver.tries = 1;
  resolver.timeout = SECOND / 4;
  start("example.test", 10 * SECOND);
  expect<i64>(resolver.pollAt(), 10 * SECOND + SECOND / 4);
  resolver.poll(10 * SECOND + SECOND / 4);
  expectFailed(DnsError.Timeout);
  expect<i32>(server.queries, 4);
});

test("replies with another id, question, source port or address are counted and ignored", () => {
  start("example.test");
  begin(DnsRcode.NoError, false, 1);
  addA("example.test", 0x0a000063);
  send(0);
  expect<u64>(resolver.ignoredId, 1, "wrong id");
  begin(DnsRcode.NoError, false, 0, "other.test");
  addA("other.test", 0x0a000063);
  send(0);
  expect<u64>(resolver.ignoredQuestion, 1, "wrong question");
  begin(DnsRcode.NXDomain);
  send(0, 5353);
  begin(DnsRcode.NXDomain);
  send(0, 53, OTHER_IP);
  expect<u64>(resolver.ignoredSource, 2, "wrong port, wrong address");
  expect<i32>(heard.calls, 0, "none of them ended the lookup");
  expect<bool>(resolver.busy, true);
  begin(DnsRcode.NoError);
  addA("example.test", EXAMPLE);
  send(0);
  expect<i32>(heard.calls, 1);
  expect<u32>(heard.addresses[0], EXAMPLE);
});

test("a matching reply that does not parse is ignored; if nothing better comes the failure is Malformed", () => {
  start("example.test");
  begin(DnsRcode.NoError);
  addA("example.test", EXAMPLE);
  store<u8>(changetype<usize>(out) + outLen - 5, 5); // RDLENGTH 5 for A, running past the end
  send(0);
  expect<u64>(resolver.malformed, 1);
  expect<bool>(resolver.busy, true);
  for (let t = resolver.pollAt(); t != i64.MAX_VALUE; t = resolver.pollAt()) resolver.poll(t);
  expectFailed(DnsError.Malformed);
});

test("a truncated reply with a complete A record is used", () => {
  start("example.test");
  begin(DnsRcode.NoError, true);
  addA("example.test", EXAMPLE);
  addA("example.test", EXAMPLE + 1);
  outLen -= 3; // the second record is cut short
  send(0);
  expect<i32>(heard.calls, 1);
  expect<i32>(heard.addresses.length, 1);
  expect<u32>(heard.addresses[0], EXAMPLE);
});

test("a truncated reply without answers fails with Truncated (no TCP to retry over)", () => {
  start("example.test");
  begin(DnsRcode.NoError, true);
  addCname("example.test", "elsewhere.test");
  send(0);
  expectFailed(DnsError.Truncated);
});

test("resolve refuses at once, telling the handler: busy, bad name, no server, no route", () => {
  start("example.test");
  const other = new Heard();
  expect<bool>(resolver.resolve("b.test", other, 0), false);
  expect<i32>(other.reason, DnsError.Busy);
  expect<i32>(heard.calls, 0, "the lookup in flight goes on");
  resolver.cancel();
  expect<u32>(resolver.port, 0);
  expect<bool>(resolver.resolve("a..test", other, 0), false);
  expect<i32>(other.reason, DnsError.BadName);
  a.config.dns = 0;
  expect<bool>(resolver.resolve("a.test", other, 0), false);
  expect<i32>(other.reason, DnsError.NoServer);
  a.config.dns = 0x08080808; // off-link, and no gateway
  expect<bool>(resolver.resolve("a.test", other, 0), false);
  expect<i32>(other.reason, DnsError.NoRoute);
  expect<i32>(other.calls, 4);
  expect<i32>(heard.calls, 0);
  expect<bool>(resolver.busy, false);
});

export function _start(): void {
  runTests();
}
