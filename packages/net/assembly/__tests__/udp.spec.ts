// UDP: captured datagrams parsed and re-emitted, the pseudo-header checksum, and lying lengths.

import { Drop } from "@tessera/net/assembly/wire/drop";
import { EthernetFrame, EthernetRepr } from "@tessera/net/assembly/wire/ethernet";
import { Ipv4Packet, Ipv4Repr, IP_PROTOCOL_UDP } from "@tessera/net/assembly/wire/ipv4";
import { UdpPacket, UdpRepr, UDP_HEADER_LEN } from "@tessera/net/assembly/wire/udp";
import { expect, expectBytes, runTests, test } from "@tessera/test/assembly";
import { atMemoryEnd, UDP_FRAME, UDP_ODD_FRAME } from "@tessera/net/assembly/__tests__/captures";

const A: u32 = 0x0a4d0001; // 10.77.0.1, the sender in the captures
const B: u32 = 0x0a4d0002; // 10.77.0.2
const packet = new UdpPacket();
const repr = new UdpRepr();

// The UDP datagram of a captured frame (after Ethernet and a 20-byte IPv4 header), as a fresh array.
function udpOf(frame: u8[]): u8[] {
  return frame.slice(34);
}

test("parses a captured datagram and verifies its checksum", () => {
  const bytes = udpOf(UDP_FRAME);
  const p = packet.wrap(bytes.dataStart, bytes.length);
  expect(p.check(), Drop.Ok);
  expect(p.srcPort(), 40000);
  expect(p.dstPort(), 5353);
  expect(p.length(), 22);
  expect(p.checksum(), 0x47b4);
  expect(p.verifyChecksum(A, B), true);
  expect(p.verifyChecksum(B, A), true, "the pseudo-header sum does not depend on the order");
  expect(p.verifyChecksum(A, 0x0a4d0003), false);
  expect(repr.parse(p, A, B), Drop.Ok);
  expect(repr.srcPort, 40000);
  expect(repr.dstPort, 5353);
  expect(repr.payloadLen, 14);
  expect(repr.payloadPtr, bytes.dataStart + 8);
  expect(String.UTF8.decodeUnsafe(repr.payloadPtr, repr.payloadLen), "hello tessera\n");
});

test("parses a captured datagram of odd length", () => {
  const bytes = udpOf(UDP_ODD_FRAME);
  expect(repr.parse(packet.wrap(bytes.dataStart, bytes.length), A, B), Drop.Ok);
  expect(repr.srcPort, 40001);
  expect(repr.dstPort, 9);
  expect(repr.payloadLen, 1);
  expect(load<u8>(repr.payloadPtr), 0x78);
});

test("emits the captured datagrams byte for byte", () => {
  for (let n = 0; n < 2; n++) {
    const bytes = udpOf(n == 0 ? UDP_FRAME : UDP_ODD_FRAME);
    expect(repr.parse(packet.wrap(bytes.dataStart, bytes.length), A, B), Drop.Ok);
    expect(<i32>repr.bufferLen(), bytes.length);
    const out = new Array<u8>(bytes.length);
    repr.emit(packet.wrap(out.dataStart, out.length), A, B);
    expectBytes(out.dataStart, out.length, bytes, "datagram " + n.toString());
  }
});

test("emits the captured frame from its layers' reprs", () => {
  const frame = new EthernetFrame().wrap(UDP_FRAME.dataStart, UDP_FRAME.length);
  const ip = new Ipv4Packet();
  const eth = new EthernetRepr();
  const ipRepr = new Ipv4Repr();
  expect(eth.parse(frame), Drop.Ok);
  expect(ipRepr.parse(ip.wrap(frame.payloadPtr(), frame.payloadLen())), Drop.Ok);
  expect(ipRepr.protocol, IP_PROTOCOL_UDP);
  expect(repr.parse(packet.wrap(ip.payloadPtr(), ip.payloadLen()), ipRepr.srcAddr, ipRepr.dstAddr), Drop.Ok);
  const out = new Array<u8>(UDP_FRAME.length);
  eth.emit(frame.wrap(out.dataStart, out.length));
  ipRepr.payloadLen = repr.bufferLen();
  ipRepr.emit(ip.wrap(frame.payloadPtr(), frame.payloadLen()));
  repr.emit(packet.wrap(ip.payloadPtr(), ip.payloadLen()), ipRepr.srcAddr, ipRepr.dstAddr);
  expectBytes(out.dataStart, out.length, UDP_FRAME);
});

test("accepts a zero checksum as none, and sends a computed zero as 0xffff", () => {
  const bytes = udpOf(UDP_FRAME);
  const p = packet.wrap(bytes.dataStart, bytes.length);
  p.setChecksum(0);
  expect(repr.parse(p, A, 0x01020304), Drop.Ok, "no checksum, any addresses");
  // Pick two payload bytes that make the computed checksum zero: add the checksum over zeros.
  const out = new Array<u8>(10);
  repr.payloadPtr = out.dataStart + 8;
  repr.payloadLen = 2;
  repr.srcPort = 68;
  repr.dstPort = 67;
  const q = packet.wrap(out.dataStart, out.length);
  repr.emit(q, A, B);
  const sum = q.checksum();
  store<u8>(out.dataStart + 8, <u8>(sum >> 8));
  store<u8>(out.dataStart + 9, <u8>sum);
  repr.emit(q, A, B);
  expect(q.checksum(), 0xffff);
  expect(q.verifyChecksum(A, B), true);
  expect(repr.parse(q, A, B), Drop.Ok);
});

test("parse rejects a bad checksum and destination port zero", () => {
  const bytes = udpOf(UDP_FRAME);
  const p = packet.wrap(bytes.dataStart, bytes.length);
  bytes[10] ^= 0x20;
  expect(repr.parse(p, A, B), Drop.BadChecksum);
  bytes[10] ^= 0x20;
  p.setDstPort(0);
  p.fillChecksum(A, B);
  expect(repr.parse(p, A, B), Drop.Malformed);
});

test("check rejects truncation and lying length fields", () => {
  const bytes = udpOf(UDP_FRAME);
  for (let len = 0; len < 8; len++) {
    expect(packet.wrap(atMemoryEnd(bytes, len), len).check(), Drop.Truncated, len.toString());
    expect(repr.parse(packet, A, B), Drop.Truncated);
  }
  const p = packet.wrap(bytes.dataStart, bytes.length);
  p.setLength(7);
  expect(p.check(), Drop.BadLength, "length 7");
  p.setLength(0);
  expect(p.check(), Drop.BadLength, "length 0");
  p.setLength(23);
  expect(p.check(), Drop.Truncated, "length 23 > buffer 22");
  p.setLength(0xffff);
  expect(p.check(), Drop.Truncated, "length 65535");
  p.setLength(8);
  expect(p.check(), Drop.Ok);
  expect(p.payloadLen(), 0);
});

test("the length field, not the buffer, bounds the payload", () => {
  const bytes = udpOf(UDP_FRAME);
  for (let i = 0; i < 10; i++) bytes.push(0xee);
  const p = packet.wrap(bytes.dataStart, bytes.length);
  expect(repr.parse(p, A, B), Drop.Ok);
  expect(repr.payloadLen, 14);
});

test("accessors of a checked datagram at the end of memory stay inside it, at every length", () => {
  const bytes = udpOf(UDP_FRAME);
  for (let len = 0; len <= bytes.length; len++) {
    store<u8>(bytes.dataStart + 5, <u8>len); // the length field follows the buffer
    const p = packet.wrap(atMemoryEnd(bytes, len), len);
    if (p.check() != Drop.Ok) continue;
    p.fillChecksum(A, B);
    expect(repr.parse(p, A, B), Drop.Ok);
    expect(repr.payloadPtr + repr.payloadLen, p.ptr + len);
    expect(p.length(), <u32>len);
    expect(<i32>UDP_HEADER_LEN + <i32>repr.payloadLen, len);
  }
});

export function _start(): void {
  runTests();
}
