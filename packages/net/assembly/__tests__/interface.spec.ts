// Two interfaces joined by an in-memory wire: ARP, ping (small and
// fragmented), UDP both ways, port unreachable, fragments dropped without a
// reassembler, and drops by reason. Each case runs in a fresh instance, so
// each starts with empty ARP caches.

import { expect, runTests, test } from "@tessera/test/assembly";
import { Interface, EchoHandler } from "@tessera/net/assembly/iface/interface";
import { Pair } from "@tessera/net/assembly/__tests__/memory-wire";
import { UdpHandler } from "@tessera/net/assembly/socket/udp";
import { Drop } from "@tessera/net/assembly/wire/drop";

const A_IP: u32 = 0x0a000001; // 10.0.0.1
const B_IP: u32 = 0x0a000002; // 10.0.0.2
const A_MAC: u64 = 0x020000000001;
const B_MAC: u64 = 0x020000000002;
const SECOND: i64 = 1_000_000_000;

const pair = new Pair();
const a = pair.a;
const b = pair.b;
// Both reassemble fragments (pings and datagrams larger than the MTU); one test takes B's away.
const reassemblyA = a.reassembleFragments();
const reassemblyB = b.reassembleFragments();

/** Delivers frames until none are in flight; returns how many were delivered. */
function pump(now: i64): i32 {
  return pair.wire.pump(now);
}

class Replies extends EchoHandler {
  count: i32 = 0;
  lastSeq: u32 = 0;
  lastLen: u32 = 0;
  reply(srcAddr: u32, ident: u32, seqNo: u32, dataPtr: usize, dataLen: u32, now: i64): void {
    expect<u32>(srcAddr, B_IP, "reply source");
    expect<u32>(ident, 0x1234, "reply ident");
    for (let i: u32 = 0; i < dataLen; i++) expect<u32>(load<u8>(dataPtr + i), i & 0xff, "reply data");
    this.count++;
    this.lastSeq = seqNo;
    this.lastLen = dataLen;
  }
}
const replies = new Replies();
a.echoHandler = replies;

class Echo extends UdpHandler {
  datagram(srcAddr: u32, srcPort: u32, ptr: usize, len: u32, now: i64): void {
    b.sendUdp(7, srcAddr, srcPort, ptr, len, now);
  }
}
class Collect extends UdpHandler {
  bytes: StaticArray<u8> = new StaticArray<u8>(0);
  from: u32 = 0;
  unreachableTo: u32 = 0;
  unreachablePort: u32 = 0;
  unreachable(dstAddr: u32, dstPort: u32, code: u32, now: i64): void {
    this.unreachableTo = dstAddr;
    this.unreachablePort = dstPort;
    expect<u32>(code, 3, "port unreachable");
  }
  datagram(srcAddr: u32, srcPort: u32, ptr: usize, len: u32, now: i64): void {
    this.from = srcPort;
    this.bytes = new StaticArray<u8>(<i32>len);
    memory.copy(changetype<usize>(this.bytes), ptr, len);
  }
}
b.bindUdp(7, new Echo());
const collect = new Collect();
a.bindUdp(5000, collect);

test("a ping resolves the neighbour with ARP, then every reply comes back", () => {
  expect<bool>(a.ping(B_IP, 0x1234, 1, 56, 0), true);
  pump(0);
  expect<i64>(a.arp.lookup(B_IP, 0), <i64>B_MAC, "A learned B");
  expect<i64>(b.arp.lookup(A_IP, 0), <i64>A_MAC, "B learned A from the request");
  expect<i32>(replies.count, 1);
  for (let seq: u32 = 2; seq <= 10; seq++) {
    a.ping(B_IP, 0x1234, seq, 56, seq);
    pump(seq);
  }
  expect<i32>(replies.count, 10);
  expect<u32>(replies.lastSeq, 10);
});

test("a 3000-byte ping goes out in fragments and its reply is reassembled", () => {
  const before = replies.count;
  a.ping(B_IP, 0x1234, 99, 3000, SECOND);
  const frames = pump(SECOND);
  expect<i32>(frames, 8, "ARP request and reply, then three fragments each way");
  expect<i32>(replies.count, before + 1);
  expect<u32>(replies.lastLen, 3000);
  expect<u64>(reassemblyB.reassembled, 1, "B reassembled the request");
  expect<u64>(reassemblyA.reassembled, 1, "A reassembled the reply");
  expect<bool>(b.fragments === reassemblyB, true, "the reassembler installed is the one returned");
});

test("without a reassembler, fragments are dropped as Drop.Fragment and whole datagrams still answered", () => {
  b.fragments = null;
  const before = replies.count;
  a.ping(B_IP, 0x1234, 1, 3000, SECOND);
  pump(SECOND);
  expect<u64>(b.counters.dropped(Drop.Fragment), 3, "three fragments dropped");
  expect<i32>(replies.count, before, "no reply");
  a.ping(B_IP, 0x1234, 2, 1472, SECOND); // 1500 bytes of IP: one whole datagram
  pump(SECOND);
  expect<i32>(replies.count, before + 1, "a reply to the whole one");
  expect<u64>(b.counters.dropped(Drop.Fragment), 3);
});

test("UDP echo returns the datagram byte for byte, even one larger than the MTU", () => {
  for (let size = 1; size <= 4000; size += 1333) {
    const data = new StaticArray<u8>(size);
    for (let i = 0; i < size; i++) data[i] = <u8>(i * 7 + size);
    expect<bool>(a.sendUdp(5000, B_IP, 7, changetype<usize>(data), <u32>size, 2 * SECOND), true);
    pump(2 * SECOND);
    expect<i32>(collect.bytes.length, size, "echoed length");
    expect<u32>(collect.from, 7);
    for (let i = 0; i < size; i++) expect<u8>(collect.bytes[i], data[i], "echoed byte");
  }
});

test("a datagram to a closed port is answered with port unreachable, which reaches the sending socket", () => {
  const dropsB = b.counters.dropped(Drop.NotForUs);
  const data = new StaticArray<u8>(10);
  a.sendUdp(5000, B_IP, 9, changetype<usize>(data), 10, 3 * SECOND);
  pump(3 * SECOND);
  expect<u64>(b.counters.dropped(Drop.NotForUs), dropsB + 1, "B dropped the datagram");
  expect<u32>(collect.unreachableTo, B_IP, "the socket on port 5000 heard where");
  expect<u32>(collect.unreachablePort, 9, "and which port");
  // From a port nobody has bound, the error has nobody to tell: counted as a drop.
  const before = a.counters.dropped(Drop.Unsupported);
  a.sendUdp(5001, B_IP, 9, changetype<usize>(data), 10, 3 * SECOND);
  pump(3 * SECOND);
  expect<u64>(a.counters.dropped(Drop.Unsupported), before + 1, "A dropped the error");
});

test("frames for another MAC and bad checksums are dropped and counted by reason", () => {
  // Resolve B, take a real frame from A to B, then spoil it two ways.
  a.ping(B_IP, 0x1234, 1, 0, 4 * SECOND);
  pump(4 * SECOND);
  expect<i64>(a.arp.lookup(B_IP, 4 * SECOND), <i64>B_MAC, "B resolved");
  expect<bool>(a.sendUdp(5000, B_IP, 7, 0, 0, 4 * SECOND), true, "sent");
  expect<i32>(pair.wire.frames.length, 1, "one frame in flight");
  const frame = pair.wire.take();
  const p = changetype<usize>(frame);
  const notUs = b.counters.dropped(Drop.NotForUs);
  store<u8>(p + 5, 0x99); // destination MAC: someone else
  b.receive(p, <u32>frame.length, 4 * SECOND);
  expect<u64>(b.counters.dropped(Drop.NotForUs), notUs + 1);
  store<u8>(p + 5, <u8>(B_MAC & 0xff));
  store<u8>(p + 14 + 8, 1); // IPv4 TTL changed: the header checksum no longer holds
  const bad = b.counters.dropped(Drop.BadChecksum);
  b.receive(p, <u32>frame.length, 4 * SECOND);
  expect<u64>(b.counters.dropped(Drop.BadChecksum), bad + 1);
});

test("no route: a datagram off the network without a gateway is refused", () => {
  expect<bool>(a.sendUdp(5000, 0x08080808, 53, 0, 0, 5 * SECOND), false);
  a.config.gateway = B_IP;
  expect<bool>(a.sendUdp(5000, 0x08080808, 53, 0, 0, 5 * SECOND), true);
  pump(5 * SECOND);
  a.config.gateway = 0;
});

test("a frame waiting for ARP goes out once the neighbour answers; unanswered ones time out", () => {
  const C_IP: u32 = 0x0a000003; // nobody
  const timedOut = a.pending.timedOut;
  a.sendUdp(5000, C_IP, 7, 0, 0, 6 * SECOND);
  expect<i32>(a.pending.waiting(C_IP), 1);
  pump(6 * SECOND); // B sees the ARP request for C and ignores it
  expect<i32>(a.pending.waiting(C_IP), 1);
  a.poll(10 * SECOND);
  expect<i32>(a.pending.waiting(C_IP), 0);
  expect<u64>(a.pending.timedOut, timedOut + 1);
});

export function _start(): void {
  runTests();
}
