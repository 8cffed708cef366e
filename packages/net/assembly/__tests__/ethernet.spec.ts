// Ethernet II: parsing captured frames, emitting them back, and rejecting short or tagged frames.

import { Drop } from "@tessera/net/assembly/wire/drop";
import {
  EthernetFrame,
  EthernetRepr,
  ETHERNET_HEADER_LEN,
  ETHERTYPE_ARP,
  ETHERTYPE_IPV4,
  isBroadcast,
  isMulticast,
  MAC_BROADCAST,
} from "@tessera/net/assembly/wire/ethernet";
import { expect, expectBytes, runTests, test } from "@tessera/test/assembly";
import { ARP_REQUEST_FRAME, atMemoryEnd, ECHO_REQUEST_FRAME } from "@tessera/net/assembly/__tests__/captures";

const frame = new EthernetFrame();
const repr = new EthernetRepr();

test("parses a captured broadcast ARP frame", () => {
  const f = frame.wrap(ARP_REQUEST_FRAME.dataStart, ARP_REQUEST_FRAME.length);
  expect(f.check(), Drop.Ok);
  expect(repr.parse(f), Drop.Ok);
  expect(repr.dstAddr, MAC_BROADCAST);
  expect(repr.srcAddr, 0x020000000001);
  expect(repr.etherType, ETHERTYPE_ARP);
  expect(f.payloadPtr(), ARP_REQUEST_FRAME.dataStart + 14);
  expect(f.payloadLen(), 28);
});

test("parses a captured IPv4 frame", () => {
  const f = frame.wrap(ECHO_REQUEST_FRAME.dataStart, ECHO_REQUEST_FRAME.length);
  expect(repr.parse(f), Drop.Ok);
  expect(repr.dstAddr, 0x020000000002);
  expect(repr.srcAddr, 0x020000000001);
  expect(repr.etherType, ETHERTYPE_IPV4);
  expect(f.payloadLen(), 84);
});

test("emits the captured headers byte for byte", () => {
  for (let n = 0; n < 2; n++) {
    const capture = n == 0 ? ARP_REQUEST_FRAME : ECHO_REQUEST_FRAME;
    expect(repr.parse(frame.wrap(capture.dataStart, capture.length)), Drop.Ok);
    const out = new Array<u8>(ETHERNET_HEADER_LEN);
    expect(repr.bufferLen(), ETHERNET_HEADER_LEN);
    repr.emit(frame.wrap(out.dataStart, out.length));
    expectBytes(out.dataStart, out.length, capture.slice(0, 14), "frame " + n.toString());
  }
});

test("setters write the fields in network order", () => {
  const out = new Array<u8>(14);
  const f = frame.wrap(out.dataStart, 14);
  f.setDstAddr(0x0123456789ab);
  f.setSrcAddr(0xfedcba987654);
  f.setEtherType(0x86dd);
  expectBytes(out.dataStart, 14, [1, 0x23, 0x45, 0x67, 0x89, 0xab, 0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54, 0x86, 0xdd]);
  expect(f.dstAddr(), 0x0123456789ab);
  expect(f.srcAddr(), 0xfedcba987654);
  expect(f.etherType(), 0x86dd);
});

test("check rejects frames shorter than the header", () => {
  for (let len = 0; len < 14; len++) {
    expect(frame.wrap(atMemoryEnd(ECHO_REQUEST_FRAME, len), len).check(), Drop.Truncated, len.toString());
    expect(repr.parse(frame), Drop.Truncated);
  }
});

test("accessors of a checked header at the end of memory stay inside it", () => {
  const f = frame.wrap(atMemoryEnd(ECHO_REQUEST_FRAME, 14), 14);
  expect(f.check(), Drop.Ok);
  expect(repr.parse(f), Drop.Ok);
  expect(f.etherType(), ETHERTYPE_IPV4);
  expect(f.payloadLen(), 0);
  f.setEtherType(ETHERTYPE_ARP);
  f.setSrcAddr(MAC_BROADCAST);
  expect(f.srcAddr(), MAC_BROADCAST);
});

test("the repr rejects VLAN tags and 802.3 length fields as unsupported", () => {
  const bytes = ECHO_REQUEST_FRAME.slice(0);
  const f = frame.wrap(bytes.dataStart, bytes.length);
  f.setEtherType(0x8100);
  expect(f.check(), Drop.Ok);
  expect(repr.parse(f), Drop.Unsupported, "VLAN");
  f.setEtherType(0x05dc);
  expect(repr.parse(f), Drop.Unsupported, "802.3 length 1500");
  f.setEtherType(0x0600);
  expect(repr.parse(f), Drop.Ok, "the first EtherType");
});

test("tells multicast and broadcast addresses", () => {
  expect(isMulticast(MAC_BROADCAST), true);
  expect(isBroadcast(MAC_BROADCAST), true);
  expect(isMulticast(0x01005e000001), true, "IPv4 multicast 224.0.0.1");
  expect(isBroadcast(0x01005e000001), false);
  expect(isMulticast(0x333300000002), true, "IPv6 multicast");
  expect(isMulticast(0x020000000001), false, "locally administered unicast");
  expect(isMulticast(0xfeffffffffff), false, "unicast with every other bit set");
});

export function _start(): void {
  runTests();
}
