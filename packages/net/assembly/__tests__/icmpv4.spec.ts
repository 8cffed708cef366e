// ICMPv4: captured echo and error messages parsed and re-emitted as whole frames, and rejections.

import { Drop } from "@tessera/net/assembly/wire/drop";
import { EthernetFrame, EthernetRepr } from "@tessera/net/assembly/wire/ethernet";
import {
  IcmpPacket,
  IcmpRepr,
  ICMP_DEST_UNREACHABLE,
  ICMP_ECHO_REPLY,
  ICMP_ECHO_REQUEST,
  ICMP_EXCEEDED_TTL,
  ICMP_TIME_EXCEEDED,
  ICMP_UNREACH_FRAG_NEEDED,
  ICMP_UNREACH_PORT,
} from "@tessera/net/assembly/wire/icmpv4";
import { Ipv4Packet, Ipv4Repr, IP_PROTOCOL_ICMP, IP_PROTOCOL_UDP } from "@tessera/net/assembly/wire/ipv4";
import { expect, expectBytes, runTests, test } from "@tessera/test/assembly";
import {
  atMemoryEnd,
  ECHO_REPLY_FRAME,
  ECHO_REQUEST_FRAME,
  PORT_UNREACHABLE_FRAME,
  TIME_EXCEEDED_FRAME,
  TTL_PROBE_FRAME,
  UDP_ODD_FRAME,
} from "@tessera/net/assembly/__tests__/captures";

const frame = new EthernetFrame();
const ip = new Ipv4Packet();
const icmp = new IcmpPacket();
const eth = new EthernetRepr();
const ipRepr = new Ipv4Repr();
const repr = new IcmpRepr();

// Parses the Ethernet, IPv4 and ICMP layers of `bytes`; returns the ICMP parse result.
function parseFrame(bytes: u8[]): Drop {
  expect(eth.parse(frame.wrap(bytes.dataStart, bytes.length)), Drop.Ok);
  expect(ipRepr.parse(ip.wrap(frame.payloadPtr(), frame.payloadLen())), Drop.Ok);
  expect(ipRepr.protocol, IP_PROTOCOL_ICMP);
  return repr.parse(icmp.wrap(ip.payloadPtr(), ip.payloadLen()));
}

// Emits the parsed reprs into a fresh frame and compares it with the capture.
function emitsAsCaptured(capture: u8[]): void {
  const out = new Array<u8>(capture.length);
  expect(<i32>(eth.bufferLen() + ipRepr.bufferLen() + repr.bufferLen()), capture.length, "buffer length");
  eth.emit(frame.wrap(out.dataStart, out.length));
  ipRepr.emit(ip.wrap(frame.payloadPtr(), frame.payloadLen()));
  repr.emit(icmp.wrap(ip.payloadPtr(), ip.payloadLen()));
  expectBytes(out.dataStart, out.length, capture);
}

test("parses a captured echo request and reply", () => {
  expect(parseFrame(ECHO_REQUEST_FRAME), Drop.Ok);
  expect(icmp.verifyChecksum(), true);
  expect(icmp.checksum(), 0x178c);
  expect(repr.msgType, ICMP_ECHO_REQUEST);
  expect(repr.code, 0);
  expect(repr.ident, 0x10f6);
  expect(repr.seqNo, 1);
  expect(repr.dataLen, 56);
  expect(repr.dataPtr, ECHO_REQUEST_FRAME.dataStart + 42);
  expect(load<u8>(repr.dataPtr + 55), 0x37);
  expect(parseFrame(ECHO_REPLY_FRAME), Drop.Ok);
  expect(repr.msgType, ICMP_ECHO_REPLY);
  expect(repr.ident, 0x10f6);
  expect(repr.dataLen, 56);
});

test("parses a captured port unreachable with the UDP header it quotes", () => {
  expect(parseFrame(PORT_UNREACHABLE_FRAME), Drop.Ok);
  expect(repr.msgType, ICMP_DEST_UNREACHABLE);
  expect(repr.code, ICMP_UNREACH_PORT);
  expect(repr.isError(), true);
  expect(repr.quoted.srcAddr, 0x0a4d0001);
  expect(repr.quoted.dstAddr, 0x0a4d0002);
  expect(repr.quoted.protocol, IP_PROTOCOL_UDP);
  expect(repr.quoted.ident, 0x1517);
  expect(repr.quoted.payloadLen, 9);
  expect(repr.dataLen, 9);
  expectBytes(repr.dataPtr, repr.dataLen, UDP_ODD_FRAME.slice(34), "the quoted UDP datagram");
});

test("parses a captured time exceeded with the echo request it quotes", () => {
  expect(parseFrame(TIME_EXCEEDED_FRAME), Drop.Ok);
  expect(repr.msgType, ICMP_TIME_EXCEEDED);
  expect(repr.code, ICMP_EXCEEDED_TTL);
  expect(repr.quoted.ttl, 1);
  expect(repr.quoted.dstAddr, 0x0a4e0009);
  expect(repr.quoted.protocol, IP_PROTOCOL_ICMP);
  expect(repr.quoted.dontFragment, true);
  expectBytes(repr.dataPtr, repr.dataLen, TTL_PROBE_FRAME.slice(34));
});

test("emits every captured message as the same whole frame", () => {
  expect(parseFrame(ECHO_REQUEST_FRAME), Drop.Ok);
  emitsAsCaptured(ECHO_REQUEST_FRAME);
  expect(parseFrame(ECHO_REPLY_FRAME), Drop.Ok);
  emitsAsCaptured(ECHO_REPLY_FRAME);
  expect(parseFrame(PORT_UNREACHABLE_FRAME), Drop.Ok);
  emitsAsCaptured(PORT_UNREACHABLE_FRAME);
  expect(parseFrame(TIME_EXCEEDED_FRAME), Drop.Ok);
  emitsAsCaptured(TIME_EXCEEDED_FRAME);
  expect(parseFrame(TTL_PROBE_FRAME), Drop.Ok);
  emitsAsCaptured(TTL_PROBE_FRAME);
});

test("turns a request into the captured reply in place", () => {
  const bytes = ECHO_REQUEST_FRAME.slice(34);
  const p = icmp.wrap(bytes.dataStart, bytes.length);
  expect(repr.parse(p), Drop.Ok);
  repr.msgType = ICMP_ECHO_REPLY;
  repr.emit(p);
  expectBytes(bytes.dataStart, bytes.length, ECHO_REPLY_FRAME.slice(34));
});

test("a fragmentation-needed error carries the next-hop MTU", () => {
  expect(parseFrame(PORT_UNREACHABLE_FRAME), Drop.Ok);
  repr.code = ICMP_UNREACH_FRAG_NEEDED;
  repr.nextHopMtu = 1400;
  const out = new Array<u8>(repr.bufferLen());
  const p = icmp.wrap(out.dataStart, out.length);
  repr.emit(p);
  expect(p.nextHopMtu(), 1400);
  expect(p.unused(), 0);
  expect(p.verifyChecksum(), true);
  repr.nextHopMtu = 0;
  expect(repr.parse(p), Drop.Ok);
  expect(repr.nextHopMtu, 1400);
  expect(repr.quoted.dstAddr, 0x0a4d0002);
});

test("check rejects messages shorter than the header", () => {
  const bytes = ECHO_REQUEST_FRAME.slice(34);
  for (let len = 0; len < 8; len++) {
    expect(icmp.wrap(atMemoryEnd(bytes, len), len).check(), Drop.Truncated, len.toString());
    expect(repr.parse(icmp), Drop.Truncated);
  }
});

test("parse rejects a bad checksum and unhandled types", () => {
  const bytes = ECHO_REQUEST_FRAME.slice(34);
  const p = icmp.wrap(bytes.dataStart, bytes.length);
  bytes[20] ^= 1;
  expect(p.verifyChecksum(), false);
  expect(repr.parse(p), Drop.BadChecksum);
  bytes[20] ^= 1;
  p.setMsgType(13); // timestamp request
  p.fillChecksum();
  expect(repr.parse(p), Drop.Unsupported);
});

test("parse rejects an error whose quoted header is cut, of another version or corrupt", () => {
  const bytes = PORT_UNREACHABLE_FRAME.slice(34); // 8 + 20 + 9 bytes
  const p = icmp.wrap(atMemoryEnd(bytes, 27), 27); // cut inside the quoted header
  p.fillChecksum();
  expect(repr.parse(p), Drop.Truncated, "cut header");
  const q = icmp.wrap(bytes.dataStart, bytes.length);
  const inner = new Ipv4Packet().wrap(q.payloadPtr(), q.payloadLen());
  inner.setVersion(6);
  q.fillChecksum();
  expect(repr.parse(q), Drop.BadVersion, "version 6");
  inner.setVersion(4);
  inner.setTtl(3);
  q.fillChecksum();
  expect(repr.parse(q), Drop.BadChecksum, "quoted header checksum");
  inner.fillChecksum();
  q.fillChecksum();
  expect(repr.parse(q), Drop.Ok);
  expect(repr.quoted.ttl, 3);
});

test("accessors of a checked message at the end of memory stay inside it, at every length", () => {
  const messages: u8[][] = [ECHO_REQUEST_FRAME.slice(34), PORT_UNREACHABLE_FRAME.slice(34)];
  for (let m = 0; m < messages.length; m++) {
    const bytes = messages[m];
    for (let len = 0; len <= bytes.length; len++) {
      const p = icmp.wrap(atMemoryEnd(bytes, len), len);
      if (p.check() != Drop.Ok) continue;
      p.fillChecksum();
      const parsed = repr.parse(p);
      if (parsed == Drop.Ok) expect(repr.dataPtr + repr.dataLen, p.ptr + len);
      p.setEchoSeqNo(p.echoIdent() + p.nextHopMtu() + p.unused());
    }
  }
});

export function _start(): void {
  runTests();
}
