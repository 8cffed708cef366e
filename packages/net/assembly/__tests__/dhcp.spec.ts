// DHCP: parsing captured udhcpc/dnsmasq messages, emitting DISCOVER/REQUEST/ACK and parsing them back, and
// rejecting truncated headers and bad options.

import { Drop } from "@tessera/net/assembly/wire/drop";
import {
  DHCP_HEADER_LEN,
  DHCP_MAGIC,
  DHCP_MIN_LEN,
  DhcpMessageType,
  DhcpOption,
  DhcpPacket,
} from "@tessera/net/assembly/wire/dhcp";
import { DhcpRepr } from "@tessera/net/assembly/wire/dhcp-repr";
import { expect, expectBytes, runTests, test } from "@tessera/test/assembly";
import {
  atEnd,
  DHCP_ACK,
  DHCP_DISCOVER,
  DHCP_OFFER,
  DHCP_REQUEST,
  hexAtEnd,
  hexBytes,
  hexLen,
} from "@tessera/net/assembly/__tests__/wire-payloads";

const packet = new DhcpPacket();
const repr = new DhcpRepr();
const back = new DhcpRepr();

const MAC: u64 = 0x525400123456;
const CLIENT: u32 = 0x0a4d006f; // 10.77.0.111
const SERVER: u32 = 0x0a4d0001; // 10.77.0.1

// The captured OFFER's fixed header (op 2, xid 0x81e89108, yiaddr, siaddr, chaddr, cookie) then `options`.
function replyWith(options: u8[]): DhcpPacket {
  const bytes = hexBytes(DHCP_OFFER).slice(0, DHCP_HEADER_LEN);
  for (let i = 0; i < options.length; i++) bytes.push(options[i]);
  return packet.wrap(atEnd(bytes), bytes.length);
}

// A reply whose options are a message type (`type`) then `more`, ended.
function parseReply(more: u8[], type: u8 = 2): Drop {
  const options: u8[] = [53, 1, type];
  for (let i = 0; i < more.length; i++) options.push(more[i]);
  options.push(255);
  return repr.parse(replyWith(options));
}

test("parses a captured OFFER", () => {
  expect(repr.parse(packet.wrap(hexAtEnd(DHCP_OFFER), hexLen(DHCP_OFFER))), Drop.Ok);
  expect(repr.messageType, DhcpMessageType.Offer);
  expect(repr.xid, 0x81e89108);
  expect(repr.secs, 0);
  expect(repr.broadcast, false);
  expect(repr.clientMac, MAC);
  expect(repr.clientIp, 0);
  expect(repr.yourIp, CLIENT);
  expect(repr.serverIp, SERVER);
  expect(repr.relayIp, 0);
  expect(repr.serverIdentifier, SERVER);
  expect(repr.leaseTime, 3600);
  expect(repr.renewalTime, 1800);
  expect(repr.rebindingTime, 3150);
  expect(repr.subnetMask, 0xffffff00);
  expect(repr.router, SERVER);
  expect(repr.dnsServerCount, 2);
  expect(repr.dnsServers[0], SERVER);
  expect(repr.dnsServers[1], 0x0a4d0002);
  expect(repr.requestedIp, 0);
  expect(repr.clientIdentifier, 0);
  expect(repr.parameterCount, 0);
});

test("parses a captured ACK, skipping options it does not keep", () => {
  repr.hostname = "stale";
  expect(repr.parse(packet.wrap(hexAtEnd(DHCP_ACK), hexLen(DHCP_ACK))), Drop.Ok);
  expect(repr.messageType, DhcpMessageType.Ack);
  expect(repr.secs, 3);
  expect(repr.yourIp, CLIENT);
  expect(repr.serverIdentifier, SERVER);
  expect(repr.leaseTime, 3600);
  expect(repr.subnetMask, 0xffffff00);
  expect(repr.router, SERVER);
  expect(repr.dnsServerCount, 2);
  expect(repr.hostname, null);
});

test("reads the captured OFFER through the view: header fields and options in order", () => {
  packet.wrap(hexAtEnd(DHCP_OFFER), hexLen(DHCP_OFFER));
  expect(packet.check(), Drop.Ok);
  expect(packet.op, 2);
  expect(packet.htype, 1);
  expect(packet.hlen, 6);
  expect(packet.hops, 0);
  expect(packet.magic, DHCP_MAGIC);
  expect(packet.flags, 0);
  const codes: u32[] = [];
  for (let at = packet.firstOption(); at != 0; at = packet.nextOption(at)) codes.push(packet.optionCode(at));
  expect(codes.toString(), "53,54,51,58,59,1,28,6,3");
  const dns = packet.findOption(DhcpOption.DnsServer);
  expect(packet.optionLength(dns), 8);
  expect(load<u8>(packet.optionData(dns) + 7), 2);
  expect(packet.findOption(DhcpOption.Hostname), 0);
});

test("parses captured DISCOVER and REQUEST from udhcpc", () => {
  expect(repr.parse(packet.wrap(hexAtEnd(DHCP_DISCOVER), hexLen(DHCP_DISCOVER))), Drop.Ok);
  expect(repr.messageType, DhcpMessageType.Discover);
  expect(repr.clientIdentifier, MAC);
  expect(repr.maxMessageSize, 576);
  expect(repr.parameterCount, 7);
  expect(repr.parameters[6], 42);
  expect(repr.requestedIp, 0);
  expect(repr.parse(packet.wrap(hexAtEnd(DHCP_REQUEST), hexLen(DHCP_REQUEST))), Drop.Ok);
  expect(repr.messageType, DhcpMessageType.Request);
  expect(repr.requestedIp, CLIENT);
  expect(repr.serverIdentifier, SERVER);
  expect(repr.secs, 3);
});

test("emits a DISCOVER and parses it back", () => {
  const d = new DhcpRepr();
  d.messageType = DhcpMessageType.Discover;
  d.xid = 0x12345678;
  d.clientMac = MAC;
  d.clientIdentifier = MAC;
  d.hostname = "tessera";
  expect(d.bufferLen(), DHCP_MIN_LEN);
  const buf = memory.data(600);
  memory.fill(buf, 0xaa, 600);
  d.emit(packet.wrap(buf, 600));
  expectBytes(buf, 12, [1, 1, 6, 0, 0x12, 0x34, 0x56, 0x78, 0, 0, 0, 0]);
  expectBytes(buf + 28, 6, [0x52, 0x54, 0x00, 0x12, 0x34, 0x56]);
  expectBytes(buf + 236, 4, [99, 130, 83, 99]);
  // prettier-ignore
  expectBytes(buf + 240, 27, [
    53, 1, 1,
    61, 7, 1, 0x52, 0x54, 0x00, 0x12, 0x34, 0x56,
    55, 3, 1, 3, 6,
    12, 7, 0x74, 0x65, 0x73, 0x73, 0x65, 0x72, 0x61,
    255,
  ]);
  expect(load<u8>(buf + 299), 0, "padded with zeros to 300 bytes");
  expect(load<u8>(buf + 300), 0xaa, "nothing written past bufferLen");
  expect(back.parse(packet.wrap(buf, d.bufferLen())), Drop.Ok);
  expect(back.messageType, DhcpMessageType.Discover);
  expect(back.xid, 0x12345678);
  expect(back.clientMac, MAC);
  expect(back.clientIdentifier, MAC);
  expect(back.parameterCount, 3);
  expect(back.parameters[2], 6);
  expect(back.broadcast, false);
  expect(back.serverIdentifier, 0);
});

test("an empty hostname is left out, as a null one is", () => {
  const d = new DhcpRepr();
  d.hostname = "";
  const buf = memory.data(600);
  d.emit(packet.wrap(buf, d.bufferLen()));
  expectBytes(buf + 240, 9, [53, 1, 1, 55, 3, 1, 3, 6, 255]);
});

test("emits a broadcast REQUEST like udhcpc's and parses it back", () => {
  const r = new DhcpRepr();
  r.messageType = DhcpMessageType.Request;
  r.xid = 0x81e89108;
  r.secs = 3;
  r.broadcast = true;
  r.clientMac = MAC;
  r.clientIdentifier = MAC;
  r.requestedIp = CLIENT;
  r.serverIdentifier = SERVER;
  r.maxMessageSize = 576;
  r.requestParameters([1, 3, 6, 12, 15, 28, 42]);
  r.hostname = "tessera-test";
  const buf = memory.data(600);
  r.emit(packet.wrap(buf, 600));
  expectBytes(buf + 8, 4, [0, 3, 0x80, 0], "secs 3, broadcast flag");
  expect(back.parse(packet.wrap(buf, r.bufferLen())), Drop.Ok);
  expect(back.messageType, DhcpMessageType.Request);
  expect(back.broadcast, true);
  expect(back.secs, 3);
  expect(back.requestedIp, CLIENT);
  expect(back.serverIdentifier, SERVER);
  expect(back.maxMessageSize, 576);
  expect(back.parameterCount, 7);
  expect(back.parameters[5], 28);
  // Every option udhcpc sent, except its vendor class, is in ours.
  packet.wrap(hexAtEnd(DHCP_REQUEST), hexLen(DHCP_REQUEST));
  const ours = new DhcpPacket().wrap(buf, r.bufferLen());
  for (let at = packet.firstOption(); at != 0; at = packet.nextOption(at)) {
    const code = packet.optionCode(at);
    if (code == 60) continue;
    const mine = ours.findOption(code);
    expect(mine != 0, true, "option " + code.toString());
    expect(ours.optionLength(mine), packet.optionLength(at), "length of option " + code.toString());
    expect(memory.compare(ours.optionData(mine), packet.optionData(at), packet.optionLength(at)), 0);
  }
});

test("emits an ACK with every server option and parses it back", () => {
  const a = new DhcpRepr();
  a.messageType = DhcpMessageType.Ack;
  a.xid = 7;
  a.clientMac = MAC;
  a.yourIp = CLIENT;
  a.serverIdentifier = SERVER;
  a.leaseTime = 0xffffffff;
  a.renewalTime = 100;
  a.rebindingTime = 200;
  a.subnetMask = 0xffff0000;
  a.router = 0x0a4d00fe;
  a.dnsServers[0] = 1;
  a.dnsServers[1] = 2;
  a.dnsServers[2] = 3;
  a.dnsServerCount = 3;
  a.parameterCount = 0;
  const buf = memory.data(600);
  a.emit(packet.wrap(buf, 600));
  expect(load<u8>(buf), 2, "BOOTREPLY");
  expect(back.parse(packet.wrap(buf, a.bufferLen())), Drop.Ok);
  expect(back.messageType, DhcpMessageType.Ack);
  expect(back.yourIp, CLIENT);
  expect(back.leaseTime, 0xffffffff);
  expect(back.renewalTime, 100);
  expect(back.rebindingTime, 200);
  expect(back.subnetMask, 0xffff0000);
  expect(back.router, 0x0a4d00fe);
  expect(back.dnsServerCount, 3);
  expect(back.dnsServers[2], 3);
  expect(back.parameterCount, 0);
  expect(back.clientIdentifier, 0);
});

test("keeps the first router and at most three DNS servers", () => {
  // prettier-ignore
  expect(parseReply([3, 8, 10, 0, 0, 1, 10, 0, 0, 2, 6, 16, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4]), Drop.Ok);
  expect(repr.router, 0x0a000001);
  expect(repr.dnsServerCount, 3);
  expect(repr.dnsServers[2], 0x03030303);
});

test("skips pads, unknown and zero-length unknown options, and ignores bytes after the end option", () => {
  expect(parseReply([0, 0, 200, 0, 201, 3, 1, 2, 3, 0, 51, 4, 0, 0, 1, 0, 255, 1, 2]), Drop.Ok);
  expect(repr.leaseTime, 256);
});

test("accepts a message without an end option only when it ends on an option boundary", () => {
  const len = hexLen(DHCP_REQUEST);
  expect(repr.parse(packet.wrap(hexAtEnd(DHCP_REQUEST, len - 1), len - 1)), Drop.Ok, "REQUEST without its end");
  expect(repr.serverIdentifier, SERVER);
  expect(repr.parse(packet.wrap(hexAtEnd(DHCP_REQUEST, len - 2), len - 2)), Drop.Malformed, "last option cut");
  expect(repr.parse(packet.wrap(hexAtEnd(DHCP_REQUEST, len - 9), len - 9)), Drop.Malformed, "length byte cut");
});

test("drops a truncated header or a missing magic cookie", () => {
  expect(packet.wrap(hexAtEnd(DHCP_OFFER, 239), 239).check(), Drop.Truncated);
  expect(packet.wrap(hexAtEnd(DHCP_OFFER, 0), 0).check(), Drop.Truncated);
  expect(repr.parse(packet.wrap(hexAtEnd(DHCP_OFFER, 100), 100)), Drop.Truncated);
  expect(packet.wrap(hexAtEnd(DHCP_OFFER, 240), 240).check(), Drop.Ok, "no options at all checks");
  expect(repr.parse(packet), Drop.Malformed, "but has no message type");
  const bytes = hexBytes(DHCP_OFFER);
  bytes[239] = 0x62;
  expect(repr.parse(packet.wrap(atEnd(bytes), bytes.length)), Drop.Unsupported, "plain BOOTP");
});

test("drops options that run past the end", () => {
  expect(repr.parse(replyWith([53, 1, 2, 51, 255, 0, 0])), Drop.Malformed, "overlong lease time, no end");
  expect(repr.parse(replyWith([53, 1, 2, 51, 4, 0, 0])), Drop.Malformed, "lease time cut short");
  expect(repr.parse(replyWith([53, 1, 2, 51])), Drop.Malformed, "no length byte");
  expect(repr.parse(replyWith([53, 5, 2])), Drop.Malformed, "message type running past");
});

test("drops options of the wrong length", () => {
  expect(parseReply([], 2), Drop.Ok);
  expect(repr.parse(replyWith([53, 0, 255])), Drop.Malformed, "empty message type");
  expect(repr.parse(replyWith([53, 2, 2, 2, 255])), Drop.Malformed, "two-byte message type");
  expect(parseReply([54, 5, 10, 0, 0, 1, 0]), Drop.Malformed, "server id of 5 bytes");
  expect(parseReply([54, 0]), Drop.Malformed, "empty server id");
  expect(parseReply([1, 3, 255, 255, 0]), Drop.Malformed, "mask of 3 bytes");
  expect(parseReply([3, 0]), Drop.Malformed, "empty router list");
  expect(parseReply([6, 6, 1, 1, 1, 1, 2, 2]), Drop.Malformed, "DNS list of 6 bytes");
  expect(parseReply([51, 8, 0, 0, 0, 1, 0, 0, 0, 1]), Drop.Malformed, "lease time of 8 bytes");
  expect(parseReply([57, 1, 2]), Drop.Malformed, "one-byte max size");
});

test("drops a message without a type, of an unknown type, or of the wrong op", () => {
  expect(repr.parse(replyWith([54, 4, 10, 0, 0, 1, 255])), Drop.Malformed, "no message type");
  expect(parseReply([], 9), Drop.Unsupported, "type 9");
  expect(parseReply([], 0), Drop.Malformed, "type 0");
  expect(parseReply([], 1), Drop.Malformed, "a DISCOVER in a BOOTREPLY");
  expect(parseReply([], 6), Drop.Ok, "a NAK");
  expect(repr.messageType, DhcpMessageType.Nak);
});

test("does not support option overload or other hardware", () => {
  expect(parseReply([52, 1, 3]), Drop.Unsupported, "overload");
  const bytes = hexBytes(DHCP_OFFER);
  bytes[1] = 6; // IEEE 802
  expect(repr.parse(packet.wrap(atEnd(bytes), bytes.length)), Drop.Unsupported);
  bytes[1] = 1;
  bytes[2] = 16;
  expect(repr.parse(packet.wrap(atEnd(bytes), bytes.length)), Drop.Unsupported);
});

export function _start(): void {
  runTests();
}
