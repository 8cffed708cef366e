// ARP: parsing a captured request and reply, emitting them back, and rejecting what is not Ethernet/IPv4.

import { ArpPacket, ArpRepr, ARP_LEN, ARP_REPLY, ARP_REQUEST } from "@tessera/net/assembly/wire/arp";
import { Drop } from "@tessera/net/assembly/wire/drop";
import { expect, expectBytes, runTests, test } from "@tessera/test/assembly";
import { ARP_REPLY_FRAME, ARP_REQUEST_FRAME, atMemoryEnd } from "@tessera/net/assembly/__tests__/captures";

const packet = new ArpPacket();
const repr = new ArpRepr();

// The ARP part of a captured frame (after its 14-byte Ethernet header), as a fresh array.
function arpOf(frame: u8[]): u8[] {
  return frame.slice(14);
}

test("parses a captured who-has request", () => {
  const bytes = arpOf(ARP_REQUEST_FRAME);
  const p = packet.wrap(bytes.dataStart, bytes.length);
  expect(p.check(), Drop.Ok);
  expect(p.hardwareType(), 1);
  expect(p.protocolType(), 0x0800);
  expect(p.hardwareLen(), 6);
  expect(p.protocolLen(), 4);
  expect(repr.parse(p), Drop.Ok);
  expect(repr.operation, ARP_REQUEST);
  expect(repr.senderMac, 0x020000000001);
  expect(repr.senderIp, 0x0a4d0001);
  expect(repr.targetMac, 0);
  expect(repr.targetIp, 0x0a4d0002);
});

test("parses a captured is-at reply", () => {
  const bytes = arpOf(ARP_REPLY_FRAME);
  expect(repr.parse(packet.wrap(bytes.dataStart, bytes.length)), Drop.Ok);
  expect(repr.operation, ARP_REPLY);
  expect(repr.senderMac, 0x020000000002);
  expect(repr.senderIp, 0x0a4d0002);
  expect(repr.targetMac, 0x020000000001);
  expect(repr.targetIp, 0x0a4d0001);
});

test("emits the captured request and reply byte for byte", () => {
  for (let n = 0; n < 2; n++) {
    const bytes = arpOf(n == 0 ? ARP_REQUEST_FRAME : ARP_REPLY_FRAME);
    expect(repr.parse(packet.wrap(bytes.dataStart, bytes.length)), Drop.Ok);
    expect(repr.bufferLen(), ARP_LEN);
    const out = new Array<u8>(ARP_LEN);
    repr.emit(packet.wrap(out.dataStart, out.length));
    expectBytes(out.dataStart, out.length, bytes, n == 0 ? "request" : "reply");
  }
});

test("a reply built from fields matches the capture", () => {
  repr.operation = ARP_REPLY;
  repr.senderMac = 0x020000000002;
  repr.senderIp = 0x0a4d0002;
  repr.targetMac = 0x020000000001;
  repr.targetIp = 0x0a4d0001;
  const out = new Array<u8>(ARP_LEN);
  repr.emit(packet.wrap(out.dataStart, out.length));
  expectBytes(out.dataStart, out.length, arpOf(ARP_REPLY_FRAME));
});

test("accepts a request padded to the Ethernet minimum", () => {
  const bytes = arpOf(ARP_REQUEST_FRAME);
  for (let i = 0; i < 18; i++) bytes.push(0);
  expect(repr.parse(packet.wrap(bytes.dataStart, bytes.length)), Drop.Ok);
  expect(repr.targetIp, 0x0a4d0002);
});

test("check rejects every truncation of a request", () => {
  const bytes = arpOf(ARP_REQUEST_FRAME);
  for (let len = 0; len < <i32>ARP_LEN; len++) {
    expect(packet.wrap(atMemoryEnd(bytes, len), len).check(), Drop.Truncated, len.toString());
    expect(repr.parse(packet), Drop.Truncated);
  }
});

test("check rejects address lengths that run past the buffer", () => {
  const bytes = arpOf(ARP_REQUEST_FRAME);
  const p = packet.wrap(atMemoryEnd(bytes, ARP_LEN), ARP_LEN);
  p.setHardwareLen(16); // 8 + 2 * (16 + 4) = 48 bytes declared
  expect(p.check(), Drop.Truncated);
  p.setHardwareLen(6);
  p.setProtocolLen(255);
  expect(p.check(), Drop.Truncated);
});

test("the repr rejects other hardware, protocols, lengths and operations as unsupported", () => {
  const bytes = arpOf(ARP_REQUEST_FRAME);
  for (let i = 0; i < 40; i++) bytes.push(0);
  const p = packet.wrap(bytes.dataStart, bytes.length);
  p.setHardwareType(6); // IEEE 802
  expect(repr.parse(p), Drop.Unsupported, "hardware type");
  p.setHardwareType(1);
  p.setProtocolType(0x86dd);
  expect(repr.parse(p), Drop.Unsupported, "protocol type");
  p.setProtocolType(0x0800);
  p.setHardwareLen(8);
  expect(p.check(), Drop.Ok);
  expect(repr.parse(p), Drop.Unsupported, "hardware length");
  p.setHardwareLen(6);
  p.setProtocolLen(16);
  expect(repr.parse(p), Drop.Unsupported, "protocol length");
  p.setProtocolLen(4);
  p.setOperation(3); // RARP request
  expect(repr.parse(p), Drop.Unsupported, "operation");
  p.setOperation(ARP_REQUEST);
  expect(repr.parse(p), Drop.Ok);
});

test("accessors of a checked packet at the end of memory stay inside it", () => {
  const bytes = arpOf(ARP_REPLY_FRAME);
  const p = packet.wrap(atMemoryEnd(bytes, ARP_LEN), ARP_LEN);
  expect(p.check(), Drop.Ok);
  expect(repr.parse(p), Drop.Ok);
  expect(p.targetProtocolAddr(), 0x0a4d0001);
  p.setTargetProtocolAddr(0x0a000001);
  p.setTargetHardwareAddr(0xffffffffffff);
  expect(p.targetHardwareAddr(), 0xffffffffffff);
  expect(p.targetProtocolAddr(), 0x0a000001);
});

export function _start(): void {
  runTests();
}
