// TCP: captured segments parsed and re-emitted, the option rules, the checks parse makes,
// truncation and lying data offsets, and sequence numbers across the 2^32 wrap.

import { Drop } from "@tessera/net/assembly/wire/drop";
import { EthernetFrame, EthernetRepr } from "@tessera/net/assembly/wire/ethernet";
import { Ipv4Packet, Ipv4Repr, IP_PROTOCOL_TCP } from "@tessera/net/assembly/wire/ipv4";
import { seqGe, seqGt, seqLe, seqLt } from "@tessera/net/assembly/wire/seq";
import {
  TcpPacket,
  TcpRepr,
  TCP_ACK,
  TCP_CWR,
  TCP_ECE,
  TCP_FIN,
  TCP_HEADER_LEN,
  TCP_PSH,
  TCP_RST,
  TCP_SYN,
  TCP_URG,
} from "@tessera/net/assembly/wire/tcp";
import { TCP_MAX_SACK_BLOCKS } from "@tessera/net/assembly/wire/tcp-options";
import { expect, expectBytes, runTests, test } from "@tessera/test/assembly";
import { atMemoryEnd } from "@tessera/net/assembly/__tests__/at-end";
import {
  TCP_ACK_FRAME,
  TCP_DATA_FRAME,
  TCP_FIN_ACK_FRAME,
  TCP_FIN_FRAME,
  TCP_RST_FRAME,
  TCP_SYN_ACK_FRAME,
  TCP_SYN_FRAME,
} from "@tessera/net/assembly/__tests__/tcp-captures";

const A: u32 = 0x0a4d0001; // 10.77.0.1, the client in the captures
const B: u32 = 0x0a4d0002; // 10.77.0.2, the server
const packet = new TcpPacket();
const repr = new TcpRepr();

// The TCP segment of a captured frame (after Ethernet and a 20-byte IPv4 header), as a fresh array.
function tcpOf(frame: u8[]): u8[] {
  return frame.slice(34);
}

// The captured frames, in order, and who sent each (the other end received it).
function frameAt(n: i32): u8[] {
  if (n == 0) return TCP_SYN_FRAME;
  if (n == 1) return TCP_SYN_ACK_FRAME;
  if (n == 2) return TCP_ACK_FRAME;
  if (n == 3) return TCP_DATA_FRAME;
  if (n == 4) return TCP_FIN_FRAME;
  if (n == 5) return TCP_FIN_ACK_FRAME;
  return TCP_RST_FRAME;
}
const FRAMES: i32 = 7;
function senderOf(n: i32): u32 {
  return n == 1 || n == 5 || n == 6 ? B : A;
}
function receiverOf(n: i32): u32 {
  return senderOf(n) == A ? B : A;
}

// A segment from A to B: the fixed header of the captured ACK with `flags`, then `options`
// (a multiple of 4 bytes) and `payload` bytes of 0x5a, with the data offset and checksum filled.
function segment(flags: u32, options: u8[], payload: i32 = 0): u8[] {
  const bytes = tcpOf(TCP_ACK_FRAME).slice(0, TCP_HEADER_LEN);
  for (let i = 0; i < options.length; i++) bytes.push(options[i]);
  for (let i = 0; i < payload; i++) bytes.push(0x5a);
  const p = packet.wrap(bytes.dataStart, bytes.length);
  p.setHeaderLen(TCP_HEADER_LEN + options.length);
  p.setFlags(flags);
  p.fillChecksum(A, B);
  return bytes;
}

// Parses `segment(flags, options)`.
function parseOptions(flags: u32, options: u8[]): Drop {
  const bytes = segment(flags, options);
  return repr.parse(packet.wrap(bytes.dataStart, bytes.length), A, B);
}

test("parses the captured SYN and its options", () => {
  const bytes = tcpOf(TCP_SYN_FRAME);
  const p = packet.wrap(bytes.dataStart, bytes.length);
  expect(p.check(), Drop.Ok);
  expect(p.srcPort(), 40000);
  expect(p.dstPort(), 5000);
  expect(p.seqNumber(), 0x26b2a7e7);
  expect(p.ackNumber(), 0);
  expect(p.headerLen(), 40);
  expect(p.flags(), TCP_SYN);
  expect(p.window(), 64240);
  expect(p.checksum(), 0xd840);
  expect(p.urgentPointer(), 0);
  expect(p.optionsPtr(), bytes.dataStart + 20);
  expect(p.optionsLen(), 20);
  expect(p.payloadLen(), 0);
  expect(p.verifyChecksum(A, B), true);
  expect(p.verifyChecksum(B, A), true, "the pseudo-header sum does not depend on the order");
  expect(p.verifyChecksum(A, 0x0a4d0003), false);
  expect(repr.parse(p, A, B), Drop.Ok);
  expect(repr.srcPort, 40000);
  expect(repr.dstPort, 5000);
  expect(repr.seqNumber, 0x26b2a7e7);
  expect(repr.flags, TCP_SYN);
  expect(repr.has(TCP_SYN), true);
  expect(repr.has(TCP_ACK), false);
  expect(repr.window, 64240);
  expect(repr.payloadLen, 0);
  expect(repr.seqLen(), 1, "a SYN takes one sequence number");
  const o = repr.options;
  expect(o.hasMaxSegSize, true);
  expect(o.maxSegSize, 1460);
  expect(o.sackPermitted, true);
  expect(o.hasTimestamps, true);
  expect(o.tsVal, 0x80a96123);
  expect(o.tsEcr, 0);
  expect(o.hasWindowScale, true);
  expect(o.windowScale, 10);
  expect(o.sackCount, 0);
});

test("parses the captured SYN-ACK", () => {
  const bytes = tcpOf(TCP_SYN_ACK_FRAME);
  expect(repr.parse(packet.wrap(bytes.dataStart, bytes.length), B, A), Drop.Ok);
  expect(repr.srcPort, 5000);
  expect(repr.dstPort, 40000);
  expect(repr.seqNumber, 0xd1f88f7e);
  expect(repr.ackNumber, 0x26b2a7e8);
  expect(repr.flags, TCP_SYN | TCP_ACK);
  expect(repr.window, 65160);
  expect(repr.options.maxSegSize, 1460);
  expect(repr.options.windowScale, 10);
  expect(repr.options.sackPermitted, true);
  expect(repr.options.tsVal, 0x2f26e7eb);
  expect(repr.options.tsEcr, 0x80a96123, "echoes the SYN's timestamp");
});

test("parses the captured ACK, data segment and FINs", () => {
  let bytes = tcpOf(TCP_ACK_FRAME);
  expect(repr.parse(packet.wrap(bytes.dataStart, bytes.length), A, B), Drop.Ok);
  expect(repr.flags, TCP_ACK);
  expect(repr.seqNumber, 0x26b2a7e8);
  expect(repr.ackNumber, 0xd1f88f7f);
  expect(repr.window, 63);
  expect(repr.seqLen(), 0);
  expect(repr.options.hasTimestamps, true);
  expect(repr.options.hasMaxSegSize, false);
  expect(repr.options.hasWindowScale, false);
  expect(repr.options.sackPermitted, false);

  bytes = tcpOf(TCP_DATA_FRAME);
  const p = packet.wrap(bytes.dataStart, bytes.length);
  expect(repr.parse(p, A, B), Drop.Ok);
  expect(repr.flags, TCP_PSH | TCP_ACK);
  expect(repr.seqNumber, 0x26b2a7e8);
  expect(repr.payloadLen, 14);
  expect(repr.payloadPtr, bytes.dataStart + 32);
  expect(repr.payloadPtr, p.payloadPtr());
  expect(String.UTF8.decodeUnsafe(repr.payloadPtr, repr.payloadLen), "hello tessera\n");
  expect(repr.seqLen(), 14);

  bytes = tcpOf(TCP_FIN_FRAME);
  expect(repr.parse(packet.wrap(bytes.dataStart, bytes.length), A, B), Drop.Ok);
  expect(repr.flags, TCP_FIN | TCP_ACK);
  expect(repr.seqNumber, 0x26b2a7e8 + 14, "the FIN follows the data");
  expect(repr.seqLen(), 1, "a FIN takes one sequence number");

  bytes = tcpOf(TCP_FIN_ACK_FRAME);
  expect(repr.parse(packet.wrap(bytes.dataStart, bytes.length), B, A), Drop.Ok);
  expect(repr.flags, TCP_FIN | TCP_ACK);
  expect(repr.seqNumber, 0xd1f88f7f);
  expect(repr.window, 64);
  expect(repr.options.tsVal, 0x2f26e7eb);
});

test("parses the captured reset", () => {
  const bytes = tcpOf(TCP_RST_FRAME);
  const p = packet.wrap(bytes.dataStart, bytes.length);
  expect(p.headerLen(), 20);
  expect(p.optionsLen(), 0);
  expect(repr.parse(p, B, A), Drop.Ok);
  expect(repr.srcPort, 9);
  expect(repr.dstPort, 40001);
  expect(repr.flags, TCP_RST | TCP_ACK);
  expect(repr.seqNumber, 0);
  expect(repr.ackNumber, 0x9663bd79);
  expect(repr.window, 0);
  expect(repr.options.hasTimestamps, false);
  expect(repr.options.hasMaxSegSize, false);
});

test("emits every captured segment byte for byte", () => {
  for (let n = 0; n < FRAMES; n++) {
    const bytes = tcpOf(frameAt(n));
    expect(repr.parse(packet.wrap(bytes.dataStart, bytes.length), senderOf(n), receiverOf(n)), Drop.Ok);
    expect(<i32>repr.bufferLen(), bytes.length, "segment " + n.toString());
    const out = new Array<u8>(bytes.length);
    repr.emit(packet.wrap(out.dataStart, out.length), senderOf(n), receiverOf(n));
    expectBytes(out.dataStart, out.length, bytes, "segment " + n.toString());
  }
});

test("emits a captured segment in place", () => {
  const bytes = tcpOf(TCP_DATA_FRAME);
  const p = packet.wrap(bytes.dataStart, bytes.length);
  expect(repr.parse(p, A, B), Drop.Ok);
  for (let i = 0; i < 20; i++) bytes[i] = 0; // the header, not the payload
  repr.emit(p, A, B);
  expectBytes(bytes.dataStart, bytes.length, tcpOf(TCP_DATA_FRAME));
});

test("emits the captured data frame from its layers' reprs", () => {
  const frame = new EthernetFrame().wrap(TCP_DATA_FRAME.dataStart, TCP_DATA_FRAME.length);
  const ip = new Ipv4Packet();
  const eth = new EthernetRepr();
  const ipRepr = new Ipv4Repr();
  expect(eth.parse(frame), Drop.Ok);
  expect(ipRepr.parse(ip.wrap(frame.payloadPtr(), frame.payloadLen())), Drop.Ok);
  expect(ipRepr.protocol, IP_PROTOCOL_TCP);
  expect(repr.parse(packet.wrap(ip.payloadPtr(), ip.payloadLen()), ipRepr.srcAddr, ipRepr.dstAddr), Drop.Ok);
  const out = new Array<u8>(TCP_DATA_FRAME.length);
  eth.emit(frame.wrap(out.dataStart, out.length));
  ipRepr.payloadLen = repr.bufferLen();
  ipRepr.emit(ip.wrap(frame.payloadPtr(), frame.payloadLen()));
  repr.emit(packet.wrap(ip.payloadPtr(), ip.payloadLen()), ipRepr.srcAddr, ipRepr.dstAddr);
  expectBytes(out.dataStart, out.length, TCP_DATA_FRAME);
});

test("a repr built from scratch emits and parses back", () => {
  const r = new TcpRepr();
  r.srcPort = 1234;
  r.dstPort = 80;
  r.seqNumber = 0xfffffff0;
  r.ackNumber = 0x00000010;
  r.flags = TCP_ACK | TCP_PSH | TCP_URG | TCP_ECE | TCP_CWR;
  r.window = 0xffff;
  r.urgentPointer = 3;
  const data: u8[] = [1, 2, 3, 4, 5];
  r.payloadPtr = data.dataStart;
  r.payloadLen = 5;
  expect(r.bufferLen(), 25);
  const out = new Array<u8>(25);
  r.emit(packet.wrap(out.dataStart, out.length), A, B);
  expect(packet.checksum() != 0, true);
  expect(repr.parse(packet, A, B), Drop.Ok);
  expect(repr.srcPort, 1234);
  expect(repr.dstPort, 80);
  expect(repr.seqNumber, 0xfffffff0);
  expect(repr.ackNumber, 0x10);
  expect(repr.flags, TCP_ACK | TCP_PSH | TCP_URG | TCP_ECE | TCP_CWR);
  expect(repr.window, 0xffff);
  expect(repr.urgentPointer, 3);
  expectBytes(repr.payloadPtr, repr.payloadLen, data);
});

test("options valid only on a SYN are ignored on other segments, and not emitted there", () => {
  // MSS 1460, NOP, window scale 7, NOP, NOP, SACK-permitted
  const options: u8[] = [2, 4, 0x05, 0xb4, 1, 3, 3, 7, 1, 1, 4, 2];
  expect(parseOptions(TCP_SYN, options), Drop.Ok);
  expect(repr.options.hasMaxSegSize, true);
  expect(repr.options.maxSegSize, 1460);
  expect(repr.options.hasWindowScale, true);
  expect(repr.options.windowScale, 7);
  expect(repr.options.sackPermitted, true);
  expect(repr.options.bufferLen(true), 12);
  expect(parseOptions(TCP_ACK, options), Drop.Ok);
  expect(repr.options.hasMaxSegSize, false);
  expect(repr.options.hasWindowScale, false);
  expect(repr.options.sackPermitted, false);
  // Set them anyway: a non-SYN leaves them out.
  repr.options.hasMaxSegSize = true;
  repr.options.maxSegSize = 536;
  repr.options.hasWindowScale = true;
  repr.options.sackPermitted = true;
  expect(repr.headerLen(), TCP_HEADER_LEN);
  repr.flags = TCP_SYN;
  expect(repr.headerLen(), TCP_HEADER_LEN + 12, "MSS, NOP, NOP, SACK-permitted, NOP, window scale");
});

test("a SYN's options emit in Linux's layouts and parse back", () => {
  const r = new TcpRepr();
  r.srcPort = 1;
  r.dstPort = 2;
  r.flags = TCP_SYN;
  for (let mask = 0; mask < 16; mask++) {
    r.options.hasMaxSegSize = (mask & 1) != 0;
    r.options.maxSegSize = 1400;
    r.options.sackPermitted = (mask & 2) != 0;
    r.options.hasTimestamps = (mask & 4) != 0;
    r.options.tsVal = 0xdeadbeef;
    r.options.tsEcr = 7;
    r.options.hasWindowScale = (mask & 8) != 0;
    r.options.windowScale = 14;
    const len = r.bufferLen();
    expect(len & 3, 0, "a multiple of 4: " + mask.toString());
    const out = new Array<u8>(len);
    r.emit(packet.wrap(out.dataStart, out.length), A, B);
    expect(repr.parse(packet, A, B), Drop.Ok, mask.toString());
    expect(repr.options.hasMaxSegSize, r.options.hasMaxSegSize);
    expect(repr.options.maxSegSize, r.options.hasMaxSegSize ? 1400 : 0);
    expect(repr.options.sackPermitted, r.options.sackPermitted);
    expect(repr.options.hasTimestamps, r.options.hasTimestamps);
    expect(repr.options.tsVal, r.options.hasTimestamps ? 0xdeadbeef : 0);
    expect(repr.options.hasWindowScale, r.options.hasWindowScale);
    expect(repr.options.windowScale, r.options.hasWindowScale ? 14 : 0);
  }
  // Without timestamps, Linux sends MSS, NOP, NOP, SACK-permitted, NOP, window scale.
  r.options.hasTimestamps = false;
  r.options.hasMaxSegSize = true;
  r.options.sackPermitted = true;
  r.options.hasWindowScale = true;
  r.options.windowScale = 7;
  const out = new Array<u8>(r.bufferLen());
  r.emit(packet.wrap(out.dataStart, out.length), A, B);
  expectBytes(packet.optionsPtr(), packet.optionsLen(), [2, 4, 0x05, 0x78, 1, 1, 4, 2, 1, 3, 3, 7]);
});

test("a window scale above 14 is used as 14", () => {
  expect(parseOptions(TCP_SYN, [1, 3, 3, 14]), Drop.Ok);
  expect(repr.options.windowScale, 14);
  expect(parseOptions(TCP_SYN, [1, 3, 3, 15]), Drop.Ok);
  expect(repr.options.windowScale, 14);
  expect(parseOptions(TCP_SYN, [1, 3, 3, 255]), Drop.Ok);
  expect(repr.options.windowScale, 14);
  expect(parseOptions(TCP_SYN, [1, 3, 3, 0]), Drop.Ok);
  expect(repr.options.hasWindowScale, true);
  expect(repr.options.windowScale, 0);
});

test("parses SACK blocks, one to four", () => {
  // NOP, NOP, SACK with n blocks of 0x100 each, 0x1000 apart from 0xfffff000; four fill 36 of the 40 bytes.
  for (let n = 1; n <= 4; n++) {
    const options: u8[] = [1, 1, 5, <u8>(2 + 8 * n)];
    for (let b = 0; b < n; b++) {
      const left = 0xfffff000 + 0x1000 * <u32>b; // the last block wraps past 2^32
      const right = left + 0x100;
      options.push(<u8>(left >> 24));
      options.push(<u8>(left >> 16));
      options.push(<u8>(left >> 8));
      options.push(<u8>left);
      options.push(<u8>(right >> 24));
      options.push(<u8>(right >> 16));
      options.push(<u8>(right >> 8));
      options.push(<u8>right);
    }
    expect(parseOptions(TCP_ACK, options), Drop.Ok, n.toString());
    expect(repr.options.sackCount, <u32>n);
    for (let b = 0; b < n; b++) {
      expect(repr.options.sackLeft(b), 0xfffff000 + 0x1000 * <u32>b);
      expect(repr.options.sackRight(b), 0xfffff100 + 0x1000 * <u32>b);
    }
    // And they emit back as they came.
    expect(<i32>repr.options.bufferLen(false), options.length);
    const out = new Array<u8>(options.length);
    expect(<i32>repr.options.emit(out.dataStart, false), options.length);
    expectBytes(out.dataStart, out.length, options, "emit " + n.toString());
  }
});

test("emits as many SACK blocks as fit after the timestamps", () => {
  const r = new TcpRepr();
  r.srcPort = 5000;
  r.dstPort = 40000;
  r.flags = TCP_ACK;
  for (let b: u32 = 0; b < TCP_MAX_SACK_BLOCKS; b++) expect(r.options.addSack(b * 100, b * 100 + 10), true);
  expect(r.options.addSack(1, 2), false, "no room for a fifth");
  expect(r.options.bufferLen(false), 36, "four blocks without timestamps");
  r.options.hasTimestamps = true;
  r.options.tsVal = 1;
  r.options.tsEcr = 2;
  expect(r.options.bufferLen(false), 40, "NOP, NOP, timestamps, NOP, NOP, three blocks");
  const out = new Array<u8>(r.bufferLen());
  r.emit(packet.wrap(out.dataStart, out.length), B, A);
  expect(packet.headerLen(), 60);
  expect(repr.parse(packet, B, A), Drop.Ok);
  expect(repr.options.sackCount, 3);
  expect(repr.options.sackLeft(2), 200);
  expect(repr.options.sackRight(2), 210);
  expect(repr.options.tsVal, 1);
  expect(repr.options.tsEcr, 2);
});

test("malformed options are dropped", () => {
  expect(parseOptions(TCP_ACK, [30, 0, 1, 1]), Drop.Malformed, "length 0");
  expect(parseOptions(TCP_ACK, [30, 1, 1, 1]), Drop.Malformed, "length 1");
  expect(parseOptions(TCP_ACK, [1, 1, 1, 30]), Drop.Malformed, "no length byte");
  expect(parseOptions(TCP_ACK, [1, 1, 30, 3]), Drop.Malformed, "runs past the header");
  expect(parseOptions(TCP_ACK, [1, 1, 8, 10, 0, 0, 0, 0]), Drop.Malformed, "timestamps cut short");
  expect(parseOptions(TCP_SYN, [2, 3, 5, 0]), Drop.Malformed, "MSS length 3");
  expect(parseOptions(TCP_SYN, [2, 5, 5, 0, 0, 1, 1, 1]), Drop.Malformed, "MSS length 5");
  expect(parseOptions(TCP_ACK, [2, 3, 5, 0]), Drop.Malformed, "MSS length 3, even off a SYN");
  expect(parseOptions(TCP_SYN, [3, 2, 1, 1]), Drop.Malformed, "window scale length 2");
  expect(parseOptions(TCP_SYN, [3, 4, 7, 0]), Drop.Malformed, "window scale length 4");
  expect(parseOptions(TCP_SYN, [4, 3, 0, 1]), Drop.Malformed, "SACK-permitted length 3");
  expect(parseOptions(TCP_SYN, [4, 4, 0, 0]), Drop.Malformed, "SACK-permitted length 4");
  expect(parseOptions(TCP_ACK, [8, 8, 0, 0, 0, 0, 0, 0]), Drop.Malformed, "timestamps length 8");
  expect(parseOptions(TCP_ACK, [8, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]), Drop.Malformed, "timestamps length 12");
  expect(parseOptions(TCP_ACK, [1, 1, 5, 2]), Drop.Malformed, "SACK without blocks");
  expect(parseOptions(TCP_ACK, [5, 9, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1]), Drop.Malformed, "SACK length 9");
  expect(parseOptions(TCP_ACK, [5, 11, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]), Drop.Malformed, "SACK length 11");
  expect(parseOptions(TCP_ACK, [1, 1, 1, 1]), Drop.Ok, "NOPs alone");
  expect(parseOptions(TCP_ACK, []), Drop.Ok, "no options");
});

test("unknown options are skipped and the end of list ends parsing", () => {
  // Kind 30 (multipath TCP), kind 254 (experimental, empty), then NOP, NOP, timestamps.
  expect(parseOptions(TCP_ACK, [30, 6, 0xaa, 0xbb, 0xcc, 0xdd, 254, 2, 1, 1, 8, 10, 0, 0, 0, 5, 0, 0, 0, 6]), Drop.Ok);
  expect(repr.options.hasTimestamps, true);
  expect(repr.options.tsVal, 5);
  expect(repr.options.tsEcr, 6);
  // After the end of the list come padding bytes, however they look.
  expect(parseOptions(TCP_ACK, [0, 30, 0, 8]), Drop.Ok, "garbage after END");
  expect(repr.options.hasTimestamps, false);
  expect(parseOptions(TCP_SYN, [2, 4, 0x02, 0x18, 0, 3, 3, 9]), Drop.Ok);
  expect(repr.options.maxSegSize, 536);
  expect(repr.options.hasWindowScale, false, "after END");
});

test("the last of repeated options wins, and parsing forgets the previous segment's", () => {
  expect(parseOptions(TCP_SYN, [2, 4, 0x05, 0xb4, 2, 4, 0x02, 0x18]), Drop.Ok);
  expect(repr.options.maxSegSize, 536);
  expect(parseOptions(TCP_ACK, [1, 1, 5, 10, 0, 0, 0, 1, 0, 0, 0, 2]), Drop.Ok);
  expect(repr.options.sackCount, 1);
  expect(repr.options.hasMaxSegSize, false);
  expect(parseOptions(TCP_ACK, []), Drop.Ok);
  expect(repr.options.sackCount, 0);
});

test("parse rejects a bad checksum, anywhere in the segment or pseudo-header", () => {
  const bytes = tcpOf(TCP_DATA_FRAME);
  const p = packet.wrap(bytes.dataStart, bytes.length);
  for (let i = 0; i < bytes.length; i++) {
    bytes[i] ^= 0x01;
    expect(repr.parse(p, A, B), Drop.BadChecksum, "byte " + i.toString());
    bytes[i] ^= 0x01;
  }
  expect(repr.parse(p, A, B), Drop.Ok);
  expect(repr.parse(p, A, 0x0a4d0003), Drop.BadChecksum, "another destination");
  expect(repr.parse(packet.wrap(bytes.dataStart, bytes.length - 1), A, B), Drop.BadChecksum, "a byte short");
  p.setChecksum(0);
  expect(repr.parse(packet.wrap(bytes.dataStart, bytes.length), A, B), Drop.BadChecksum, "zero is not 'none'");
});

test("parse rejects port zero", () => {
  const bytes = tcpOf(TCP_ACK_FRAME);
  const p = packet.wrap(bytes.dataStart, bytes.length);
  p.setSrcPort(0);
  p.fillChecksum(A, B);
  expect(repr.parse(p, A, B), Drop.Malformed, "source port 0");
  p.setSrcPort(40000);
  p.setDstPort(0);
  p.fillChecksum(A, B);
  expect(repr.parse(p, A, B), Drop.Malformed, "destination port 0");
});

test("parse rejects SYN with FIN or RST, and takes every other flag combination", () => {
  const bytes = tcpOf(TCP_ACK_FRAME);
  const p = packet.wrap(bytes.dataStart, bytes.length);
  for (let flags: u32 = 0; flags < 256; flags++) {
    p.setFlags(flags);
    p.fillChecksum(A, B);
    const bad = (flags & TCP_SYN) != 0 && (flags & (TCP_FIN | TCP_RST)) != 0;
    expect(repr.parse(p, A, B), bad ? Drop.Malformed : Drop.Ok, "flags " + flags.toString(16));
    if (!bad) expect(repr.flags, flags);
  }
});

test("check rejects truncation at every length", () => {
  for (let n = 0; n < FRAMES; n++) {
    const bytes = tcpOf(frameAt(n));
    const headerLen = <i32>packet.wrap(bytes.dataStart, bytes.length).headerLen();
    for (let len = 0; len < bytes.length; len++) {
      const p = packet.wrap(atMemoryEnd(bytes, len), len);
      const expected = len < headerLen ? Drop.Truncated : Drop.Ok;
      expect(p.check(), expected, "segment " + n.toString() + " length " + len.toString());
      expect(repr.parse(p, senderOf(n), receiverOf(n)), len < headerLen ? Drop.Truncated : Drop.BadChecksum);
    }
  }
});

test("check rejects a lying data offset", () => {
  const bytes = tcpOf(TCP_DATA_FRAME); // 32-byte header, 14 bytes of payload
  const p = packet.wrap(bytes.dataStart, bytes.length);
  for (let words: u32 = 0; words < 16; words++) {
    p.setHeaderLen(words * 4);
    expect(p.headerLen(), words * 4);
    const expected = words < 5 ? Drop.BadLength : words * 4 > <u32>bytes.length ? Drop.Truncated : Drop.Ok;
    expect(p.check(), expected, "data offset " + words.toString());
    p.fillChecksum(A, B);
    const parsed = repr.parse(p, A, B);
    if (expected != Drop.Ok) expect(parsed, expected);
    else if (parsed == Drop.Ok) expect(repr.payloadLen, <u32>bytes.length - words * 4);
    else expect(parsed, Drop.Malformed, "payload read as options");
  }
  p.setHeaderLen(32);
  p.fillChecksum(A, B);
  expect(repr.parse(p, A, B), Drop.Ok);
  expect(repr.payloadLen, 14);
  // The reserved bits next to the data offset are kept by setHeaderLen and ignored by parse.
  store<u8>(bytes.dataStart + 12, 0x8f);
  expect(p.headerLen(), 32);
  p.setHeaderLen(20);
  expect(load<u8>(bytes.dataStart + 12), 0x5f);
});

test("accessors of a checked segment at the end of memory stay inside it, at every length and data offset", () => {
  const bytes = tcpOf(TCP_SYN_FRAME);
  for (let words = 0; words < 16; words++) {
    store<u8>(bytes.dataStart + 12, <u8>(words << 4));
    for (let len = 0; len <= bytes.length; len++) {
      const p = packet.wrap(atMemoryEnd(bytes, len), len);
      if (p.check() != Drop.Ok) continue;
      expect(p.headerLen() <= <u32>len, true);
      p.fillChecksum(A, B);
      const parsed = repr.parse(p, A, B); // reads every option byte
      if (parsed != Drop.Ok) {
        expect(parsed, Drop.Malformed, "options cut short");
        continue;
      }
      expect(repr.payloadPtr + repr.payloadLen, p.ptr + len);
      expect(repr.payloadLen + p.headerLen(), <u32>len);
    }
  }
});

test("sequence numbers compare modulo 2^32", () => {
  expect(seqLt(1, 2), true);
  expect(seqLt(2, 1), false);
  expect(seqLt(5, 5), false);
  expect(seqLe(5, 5), true);
  expect(seqGe(5, 5), true);
  expect(seqGt(5, 5), false);
  // Across the wrap: 0xffffffff is before 0, and 0xfffffff0 before 0x10.
  expect(seqLt(0xffffffff, 0), true);
  expect(seqGt(0, 0xffffffff), true);
  expect(seqLt(0xfffffff0, 0x10), true);
  expect(seqLe(0xfffffff0, 0x10), true);
  expect(seqGt(0x10, 0xfffffff0), true);
  expect(seqGe(0x10, 0xfffffff0), true);
  expect(seqGt(0xfffffff0, 0x10), false);
  expect(seqLt(0x10, 0xfffffff0), false);
  // Up to 2^31 - 1 ahead is after; 2^31 is ambiguous (each is before the other).
  expect(seqLt(0, 0x7fffffff), true);
  expect(seqGt(0x7fffffff, 0), true);
  expect(seqLt(0x80000000, 0), true);
  expect(seqLt(0, 0x80000000), true);
  expect(seqLt(0x80000001, 0), true, "more than 2^31 ahead is behind");
  // Each base around the wrap, each distance.
  const bases: u32[] = [0, 1, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff];
  for (let i = 0; i < bases.length; i++) {
    for (let d: u32 = 1; d < 0x80000000; d = d * 3 + 1) {
      const a = bases[i];
      const b = a + d;
      expect(seqLt(a, b) && seqLe(a, b) && seqGt(b, a) && seqGe(b, a), true, a.toString() + " + " + d.toString());
      expect(seqLt(b, a) || seqLe(b, a) || seqGt(a, b) || seqGe(a, b), false);
    }
  }
});

export function _start(): void {
  runTests();
}
