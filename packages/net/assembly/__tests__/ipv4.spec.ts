// IPv4: parsing captured packets and fragments, emitting them back, options, and rejecting lying headers.

import { checksum } from "@tessera/net/assembly/wire/checksum";
import { Drop } from "@tessera/net/assembly/wire/drop";
import {
  Ipv4Packet,
  Ipv4Repr,
  IPV4_HEADER_LEN,
  IP_PROTOCOL_ICMP,
  IP_PROTOCOL_UDP,
} from "@tessera/net/assembly/wire/ipv4";
import { expect, expectBytes, runTests, test } from "@tessera/test/assembly";
import {
  atMemoryEnd,
  ECHO_REPLY_FRAME,
  ECHO_REQUEST_FRAME,
  fragmentedMessage,
  fragmentFrame,
  PORT_UNREACHABLE_FRAME,
  UDP_ODD_FRAME,
} from "@tessera/net/assembly/__tests__/captures";

const packet = new Ipv4Packet();
const repr = new Ipv4Repr();

// The IPv4 packet of a captured frame (after its 14-byte Ethernet header), as a fresh array.
function ipOf(frame: u8[]): u8[] {
  return frame.slice(14);
}

// Wraps the view over a fresh copy of `bytes`.
function wrapCopy(bytes: u8[]): Ipv4Packet {
  const copy = bytes.slice(0);
  return packet.wrap(copy.dataStart, copy.length);
}

test("parses a captured echo request", () => {
  const p = wrapCopy(ipOf(ECHO_REQUEST_FRAME));
  expect(p.check(), Drop.Ok);
  expect(p.version(), 4);
  expect(p.headerLen(), 20);
  expect(p.totalLen(), 84);
  expect(p.checksum(), 0x6680);
  expect(p.verifyChecksum(), true);
  expect(repr.parse(p), Drop.Ok);
  expect(repr.srcAddr, 0x0a4d0001);
  expect(repr.dstAddr, 0x0a4d0002);
  expect(repr.protocol, IP_PROTOCOL_ICMP);
  expect(repr.payloadLen, 64);
  expect(repr.ttl, 64);
  expect(repr.tos, 0);
  expect(repr.ident, 0xbf8c);
  expect(repr.dontFragment, true);
  expect(repr.moreFragments, false);
  expect(repr.fragmentOffset, 0);
  expect(p.payloadPtr(), p.ptr + 20);
  expect(p.payloadLen(), 64);
});

test("parses the reply, a UDP datagram and a TOS byte", () => {
  expect(repr.parse(wrapCopy(ipOf(ECHO_REPLY_FRAME))), Drop.Ok);
  expect(repr.srcAddr, 0x0a4d0002);
  expect(repr.dontFragment, false);
  expect(repr.ident, 0x457e);
  expect(repr.parse(wrapCopy(ipOf(UDP_ODD_FRAME))), Drop.Ok);
  expect(repr.protocol, IP_PROTOCOL_UDP);
  expect(repr.payloadLen, 9);
  expect(repr.parse(wrapCopy(ipOf(PORT_UNREACHABLE_FRAME))), Drop.Ok);
  expect(repr.tos, 0xc0);
});

test("reports the three captured fragments, which reassemble into a valid ICMP message", () => {
  const message = new Array<u8>(3008);
  const offsets: u32[] = [0, 1480, 2960];
  for (let n = 0; n < 3; n++) {
    const p = wrapCopy(ipOf(fragmentFrame(n)));
    expect(repr.parse(p), Drop.Ok, "fragment " + n.toString());
    expect(repr.ident, 0xbf8d);
    expect(repr.moreFragments, n < 2);
    expect(repr.dontFragment, false);
    expect(repr.fragmentOffset, offsets[n]);
    expect(repr.payloadLen, n < 2 ? 1480 : 48);
    memory.copy(message.dataStart + repr.fragmentOffset, p.payloadPtr(), p.payloadLen());
  }
  expect(checksum(message.dataStart, 3008), 0);
  expectBytes(message.dataStart, 3008, fragmentedMessage());
});

test("emits the captured headers byte for byte", () => {
  for (let n = 0; n < 7; n++) {
    let bytes: u8[];
    if (n < 3) bytes = ipOf(fragmentFrame(n));
    else if (n == 3) bytes = ipOf(ECHO_REQUEST_FRAME);
    else if (n == 4) bytes = ipOf(ECHO_REPLY_FRAME);
    else if (n == 5) bytes = ipOf(UDP_ODD_FRAME);
    else bytes = ipOf(PORT_UNREACHABLE_FRAME);
    expect(repr.parse(packet.wrap(bytes.dataStart, bytes.length)), Drop.Ok);
    expect(repr.bufferLen(), IPV4_HEADER_LEN);
    const out = bytes.slice(0);
    memory.fill(out.dataStart, 0xaa, IPV4_HEADER_LEN);
    repr.emit(packet.wrap(out.dataStart, out.length));
    expectBytes(out.dataStart, out.length, bytes, "packet " + n.toString());
  }
});

test("skips options, and emits without them", () => {
  // The echo request with a 4-byte router alert option (94 04 00 00): IHL 6, total length 88.
  const bytes = ipOf(ECHO_REQUEST_FRAME);
  const withOptions = bytes.slice(0, 20).concat([0x94, 0x04, 0x00, 0x00]).concat(bytes.slice(20));
  const p = packet.wrap(withOptions.dataStart, withOptions.length);
  p.setHeaderLen(24);
  p.setTotalLen(88);
  p.fillChecksum();
  expect(p.check(), Drop.Ok);
  expect(p.headerLen(), 24);
  expect(p.optionsLen(), 4);
  expect(load<u8>(p.optionsPtr()), 0x94);
  expect(repr.parse(p), Drop.Ok);
  expect(repr.payloadLen, 64);
  expect(p.payloadPtr(), withOptions.dataStart + 24);
  expect(load<u8>(p.payloadPtr()), 8, "the ICMP type after the options");
  const out = new Array<u8>(84);
  repr.emit(packet.wrap(out.dataStart, out.length));
  memory.copy(out.dataStart + 20, withOptions.dataStart + 24, 64);
  expectBytes(out.dataStart, out.length, ipOf(ECHO_REQUEST_FRAME));
});

test("ignores link-layer padding after the total length", () => {
  const bytes = ipOf(UDP_ODD_FRAME); // 29 bytes, padded to 46 on a real Ethernet
  for (let i = 0; i < 17; i++) bytes.push(0);
  const p = packet.wrap(bytes.dataStart, bytes.length);
  expect(repr.parse(p), Drop.Ok);
  expect(p.payloadLen(), 9);
  expect(repr.payloadLen, 9);
});

test("check rejects every truncation of a header and of a packet", () => {
  const bytes = ipOf(ECHO_REQUEST_FRAME);
  for (let len = 0; len < bytes.length; len++) {
    expect(packet.wrap(atMemoryEnd(bytes, len), len).check(), Drop.Truncated, len.toString());
    expect(repr.parse(packet), Drop.Truncated);
  }
  expect(packet.wrap(atMemoryEnd(bytes, 84), 84).check(), Drop.Ok);
});

test("check rejects another version, a short IHL and lying lengths", () => {
  const p = wrapCopy(ipOf(ECHO_REQUEST_FRAME));
  p.setVersion(6);
  expect(p.check(), Drop.BadVersion, "version 6");
  p.setVersion(4);
  p.setHeaderLen(16);
  expect(p.check(), Drop.BadLength, "IHL 4");
  p.setHeaderLen(60);
  p.setTotalLen(40);
  expect(p.check(), Drop.BadLength, "IHL 15 > total length 40");
  p.setHeaderLen(20);
  p.setTotalLen(10);
  expect(p.check(), Drop.BadLength, "total length 10 < header");
  p.setTotalLen(85);
  expect(p.check(), Drop.Truncated, "total length 85 > buffer 84");
  p.setTotalLen(0xffff);
  expect(p.check(), Drop.Truncated, "total length 65535 > buffer 84");
  p.setTotalLen(84);
  expect(p.check(), Drop.Ok);
});

test("checkHeader accepts a quoted header whose payload is cut short, but not a cut header", () => {
  const bytes = ipOf(ECHO_REQUEST_FRAME);
  const p = packet.wrap(atMemoryEnd(bytes, 28), 28);
  expect(p.check(), Drop.Truncated);
  expect(p.checkHeader(), Drop.Ok);
  expect(repr.parseQuoted(p), Drop.Ok);
  expect(repr.payloadLen, 64);
  p.setHeaderLen(32);
  expect(p.checkHeader(), Drop.Truncated, "a 32-byte header in 28 bytes");
});

test("parse rejects a bad header checksum", () => {
  const p = wrapCopy(ipOf(ECHO_REQUEST_FRAME));
  p.setTtl(63);
  expect(p.check(), Drop.Ok);
  expect(p.verifyChecksum(), false);
  expect(repr.parse(p), Drop.BadChecksum);
  p.fillChecksum();
  expect(repr.parse(p), Drop.Ok);
  expect(repr.ttl, 63);
});

test("flag and offset setters keep the other bits", () => {
  const p = wrapCopy(ipOf(ECHO_REQUEST_FRAME));
  p.setMoreFragments(true);
  p.setFragmentOffset(2960);
  expect(p.dontFragment(), true);
  expect(p.moreFragments(), true);
  expect(p.fragmentOffset(), 2960);
  p.setDontFragment(false);
  expect(p.moreFragments(), true);
  expect(p.fragmentOffset(), 2960);
  p.setMoreFragments(false);
  expect(load<u8>(p.ptr + 6), 0x01);
  expect(load<u8>(p.ptr + 7), 0x72);
  p.setHeaderLen(24);
  expect(p.version(), 4);
  p.setVersion(4);
  expect(p.headerLen(), 24);
});

test("accessors of a checked packet at the end of memory stay inside it, at every length", () => {
  const bytes = ipOf(ECHO_REQUEST_FRAME);
  for (let len = 0; len <= bytes.length; len++) {
    // Shrink the total length with the buffer, so that more than the last length checks.
    store<u8>(bytes.dataStart + 3, <u8>len);
    const p = packet.wrap(atMemoryEnd(bytes, len), len);
    if (p.check() != Drop.Ok) continue;
    p.fillChecksum();
    expect(repr.parse(p), Drop.Ok);
    expect(checksum(p.payloadPtr(), p.payloadLen()) <= 0xffff, true);
    expect(p.payloadPtr() + p.payloadLen(), p.ptr + len);
    p.setDstAddr(p.srcAddr());
  }
});

export function _start(): void {
  runTests();
}
