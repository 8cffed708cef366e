// DHCP messages (packages/net/assembly/wire/dhcp.ts, dhcp-repr.ts): DhcpRepr.parse over the input as a UDP
// payload. A message that parses, emitted and parsed again, gives back every field.

import { Drop } from "@tessera/net/assembly/wire/drop";
import { DhcpPacket, DHCP_MAX_DNS_SERVERS, DHCP_MAX_PARAMETERS } from "@tessera/net/assembly/wire/dhcp";
import { DhcpRepr } from "@tessera/net/assembly/wire/dhcp-repr";
import { check } from "./common";

export { area, areaLength, input } from "./common";

const packet = new DhcpPacket();
const repr = new DhcpRepr();
const again = new DhcpRepr();
const out = new DhcpPacket();
const buffer = new StaticArray<u8>(1024);

export function fuzz(ptr: usize, len: u32): void {
  if (repr.parse(packet.wrap(ptr, len)) != Drop.Ok) return;
  check(repr.dnsServerCount >= 0 && repr.dnsServerCount <= DHCP_MAX_DNS_SERVERS, "DNS servers within the limit");
  check(repr.parameterCount >= 0 && repr.parameterCount <= DHCP_MAX_PARAMETERS, "parameters within the limit");
  const n = repr.bufferLen();
  check(n <= <u32>buffer.length, "bufferLen is small");
  repr.emit(out.wrap(changetype<usize>(buffer), n));
  check(again.parse(out.wrap(changetype<usize>(buffer), n)) == Drop.Ok, "the emitted message parses");
  check(again.messageType == repr.messageType && again.xid == repr.xid && again.secs == repr.secs, "type, xid, secs");
  check(again.broadcast == repr.broadcast && again.clientMac == repr.clientMac, "flags and chaddr");
  check(again.clientIp == repr.clientIp && again.yourIp == repr.yourIp, "ciaddr and yiaddr");
  check(again.serverIp == repr.serverIp && again.relayIp == repr.relayIp, "siaddr and giaddr");
  check(again.requestedIp == repr.requestedIp && again.serverIdentifier == repr.serverIdentifier, "options 50, 54");
  check(again.leaseTime == repr.leaseTime && again.renewalTime == repr.renewalTime, "options 51, 58");
  check(again.rebindingTime == repr.rebindingTime && again.subnetMask == repr.subnetMask, "options 59, 1");
  check(again.router == repr.router && again.maxMessageSize == repr.maxMessageSize, "options 3, 57");
  check(again.clientIdentifier == repr.clientIdentifier, "option 61");
  check(again.dnsServerCount == repr.dnsServerCount, "option 6: count");
  for (let i = 0; i < repr.dnsServerCount; i++) check(again.dnsServers[i] == repr.dnsServers[i], "option 6");
  check(again.parameterCount == repr.parameterCount, "option 55: count");
  for (let i = 0; i < repr.parameterCount; i++) check(again.parameters[i] == repr.parameters[i], "option 55");
}

export function _start(): void {}
