// The DHCP client's state machine, driven through an Interface over a wire that captures its frames: the
// DISCOVER and REQUEST it sends, retransmission, OFFER/ACK/NAK crafted with DhcpRepr, renew, rebind, expiry.

import { expect, expectIn, runTests, test } from "@tessera/test/assembly";
import { DhcpClient, DhcpListener, DhcpState } from "@tessera/net/assembly/iface/dhcp-client";
import { Interface } from "@tessera/net/assembly/iface/interface";
import { Link } from "@tessera/net/assembly/iface/link";
import { DhcpMessageType, DhcpPacket } from "@tessera/net/assembly/wire/dhcp";
import { DhcpRepr } from "@tessera/net/assembly/wire/dhcp-repr";
import { Drop } from "@tessera/net/assembly/wire/drop";
import { EthernetFrame, EthernetRepr, ETHERTYPE_IPV4, MAC_BROADCAST } from "@tessera/net/assembly/wire/ethernet";
import { Ipv4Packet, Ipv4Repr, IP_PROTOCOL_UDP } from "@tessera/net/assembly/wire/ipv4";
import { UdpPacket, UdpRepr } from "@tessera/net/assembly/wire/udp";

const SECOND: i64 = 1_000_000_000;
const T0: i64 = 1000 * SECOND; // the client starts here
const MAC: u64 = 0x020000000042;
const SERVER_MAC: u64 = 0x020000000001;
const SERVER: u32 = 0x0a000001; // 10.0.0.1
const OTHER_SERVER: u32 = 0x0a000002; // 10.0.0.2
const OFFERED: u32 = 0x0a00007b; // 10.0.0.123
const DNS: u32 = 0x0a000035; // 10.0.0.53
const LEASE: u32 = 3600;
const BROADCAST: u32 = 0xffffffff;

// Every frame the client's interface sends, copied.
const frames = new Array<StaticArray<u8>>();
class Capture extends Link {
  send(ptr: usize, len: u32): bool {
    const copy = new StaticArray<u8>(<i32>len);
    memory.copy(changetype<usize>(copy), ptr, len);
    frames.push(copy);
    return true;
  }
}

class Leases extends DhcpListener {
  leasedCount: i32 = 0;
  lostCount: i32 = 0;
  leased(client: DhcpClient, now: i64): void {
    this.leasedCount++;
  }
  lost(client: DhcpClient, now: i64): void {
    this.lostCount++;
  }
}

const iface = new Interface(new Capture(), MAC, 1500);
const client = new DhcpClient(iface, 42);
const leases = new Leases();
client.listener = leases;

// What the last `sent` frame carried besides the DHCP message.
let ethDst: u64 = 0;
let ipSrc: u32 = 0;
let ipDst: u32 = 0;
const eth = new EthernetFrame();
const ethRepr = new EthernetRepr();
const ip = new Ipv4Packet();
const ipRepr = new Ipv4Repr();
const udp = new UdpPacket();
const udpRepr = new UdpRepr();
const packet = new DhcpPacket();
const msg = new DhcpRepr();

/** Parses captured frame `i` (Ethernet, IPv4, UDP 68 -> 67) down to its DHCP message. */
function sent(i: i32): DhcpRepr {
  expect(i < frames.length, true, "frame " + i.toString() + " was sent");
  const f = frames[i];
  expect(ethRepr.parse(eth.wrap(changetype<usize>(f), <u32>f.length)), Drop.Ok, "ethernet");
  expect(ethRepr.etherType, ETHERTYPE_IPV4, "ethertype");
  ethDst = ethRepr.dstAddr;
  expect(ipRepr.parse(ip.wrap(eth.payloadPtr(), eth.payloadLen())), Drop.Ok, "ipv4");
  expect(ipRepr.protocol, IP_PROTOCOL_UDP, "protocol");
  ipSrc = ipRepr.srcAddr;
  ipDst = ipRepr.dstAddr;
  expect(udpRepr.parse(udp.wrap(ip.payloadPtr(), ip.payloadLen()), ipSrc, ipDst), Drop.Ok, "udp");
  expect(udpRepr.srcPort, 68, "source port");
  expect(udpRepr.dstPort, 67, "destination port");
  expect(msg.parse(packet.wrap(udpRepr.payloadPtr, udpRepr.payloadLen)), Drop.Ok, "dhcp");
  expect(msg.clientMac, MAC, "chaddr");
  return msg;
}

/** The last frame sent, parsed. */
function last(): DhcpRepr {
  return sent(frames.length - 1);
}

const reply = new DhcpRepr();
const replyBuffer = new StaticArray<u8>(576);

/** Sets up a server reply of `type` for the client's current xid and MAC, from SERVER, with a full lease. */
function craft(type: DhcpMessageType): DhcpRepr {
  reply.messageType = type;
  reply.xid = client.xid;
  reply.clientMac = MAC;
  reply.yourIp = type == DhcpMessageType.Nak ? 0 : OFFERED;
  reply.serverIdentifier = SERVER;
  reply.leaseTime = type == DhcpMessageType.Nak ? 0 : LEASE;
  reply.renewalTime = reply.rebindingTime = 0;
  reply.subnetMask = type == DhcpMessageType.Nak ? 0 : 0xffffff00;
  reply.router = type == DhcpMessageType.Nak ? 0 : SERVER;
  reply.dnsServers[0] = DNS;
  reply.dnsServerCount = type == DhcpMessageType.Nak ? 0 : 1;
  reply.parameterCount = 0;
  reply.clientIdentifier = 0;
  return reply;
}

/** Hands `reply` (after craft and any changes) to the client as a datagram from port 67. */
function deliver(now: i64): void {
  const buf = changetype<usize>(replyBuffer);
  const len = reply.bufferLen();
  reply.emit(packet.wrap(buf, len));
  client.datagram(SERVER, 67, buf, len, now);
}

/** Starts the client at T0, takes the OFFER and ACKs the REQUEST at T0 + 1 s: BOUND. */
function bindAt(now: i64): void {
  expect(client.start(T0), true, "start");
  craft(DhcpMessageType.Offer);
  deliver(T0 + SECOND / 2);
  craft(DhcpMessageType.Ack);
  deliver(now);
  expect(client.state, DhcpState.Bound, "bound");
}

/** Polls at pollAt() until the state leaves `state` (bounded); the ARP cache always knows the server. */
function pollWhile(state: DhcpState): i64 {
  let at: i64 = 0;
  for (let i = 0; i < 100 && client.state == state; i++) {
    at = client.pollAt();
    iface.arp.insert(SERVER, SERVER_MAC, at);
    client.poll(at);
  }
  return at;
}

test("start broadcasts a DISCOVER from 0.0.0.0 asking for mask, router and DNS", () => {
  expect(client.state, DhcpState.Init);
  expect(client.pollAt(), i64.MAX_VALUE, "nothing to do before start");
  expect(client.start(T0), true);
  expect(client.state, DhcpState.Selecting);
  expect(frames.length, 1);
  const d = sent(0);
  expect(ethDst, MAC_BROADCAST, "ethernet broadcast");
  expect(ipSrc, 0, "from 0.0.0.0");
  expect(ipDst, BROADCAST, "to 255.255.255.255");
  expect(d.messageType, DhcpMessageType.Discover);
  expect(d.xid, client.xid);
  expect(d.clientIdentifier, MAC, "client id");
  expect(d.clientIp, 0);
  expect(d.requestedIp, 0);
  expect(d.serverIdentifier, 0);
  expect(d.secs, 0);
  expect(d.parameterCount, 3);
  expect(d.parameters[0], 1, "subnet mask");
  expect(d.parameters[1], 3, "router");
  expect(d.parameters[2], 6, "dns");
  expect(client.discoversSent, 1);
  expect(client.start(T0), true, "a second start just starts over");
  expect(client.discoversSent, 2);
});

test("retransmits DISCOVER after 4, 8, 16, 32, 64, 64 s (each ±1 s) with the same xid", () => {
  client.start(T0);
  const xid = client.xid;
  const waits: i64[] = [4, 8, 16, 32, 64, 64, 64];
  let prev = T0;
  for (let i = 0; i < waits.length; i++) {
    const at = client.pollAt();
    expectIn(at - prev, (waits[i] - 1) * SECOND, (waits[i] + 1) * SECOND, "wait " + i.toString());
    client.poll(at - 1);
    expect(frames.length, i + 1, "nothing sent early");
    client.poll(at);
    expect(frames.length, i + 2, "retransmitted");
    const d = last();
    expect(d.messageType, DhcpMessageType.Discover);
    expect(d.xid, xid, "same xid");
    expect(<i64>d.secs, (at - T0) / SECOND, "secs since the start");
    prev = at;
  }
  expect(client.state, DhcpState.Selecting);
});

test("the jitter differs between retransmissions and between seeds", () => {
  client.start(T0);
  const first = client.pollAt() - T0;
  client.poll(client.pollAt());
  const other = new DhcpClient(new Interface(new Capture(), MAC, 1500), 7);
  other.start(T0);
  expect(other.pollAt() - T0 != first, true, "another seed, another wait");
  expect(other.xid != client.xid, true, "another seed, another xid");
});

test("takes the first OFFER and broadcasts a REQUEST for it naming the server; later offers are ignored", () => {
  client.start(T0);
  craft(DhcpMessageType.Offer);
  deliver(T0 + SECOND);
  expect(client.state, DhcpState.Requesting);
  expect(client.offersTaken, 1);
  expect(client.address, OFFERED);
  expect(client.server, SERVER);
  expect(iface.config.configured, false, "no address before the ACK");
  const r = last();
  expect(r.messageType, DhcpMessageType.Request);
  expect(ethDst, MAC_BROADCAST);
  expect(ipSrc, 0);
  expect(ipDst, BROADCAST);
  expect(r.xid, client.xid, "the DISCOVER's xid");
  expect(r.requestedIp, OFFERED, "requested IP");
  expect(r.serverIdentifier, SERVER, "server id");
  expect(r.clientIp, 0, "no ciaddr while selecting");
  expect(r.secs, 1);
  craft(DhcpMessageType.Offer).serverIdentifier = OTHER_SERVER;
  deliver(T0 + 2 * SECOND);
  expect(client.server, SERVER, "still the first server");
  expect(client.ignored, 1);
  expect(frames.length, 2, "nothing more sent");
});

test("ignores replies for another xid or another MAC, malformed ones, and ones from other ports", () => {
  client.start(T0);
  craft(DhcpMessageType.Offer).xid = client.xid + 1;
  deliver(T0 + SECOND);
  craft(DhcpMessageType.Offer).clientMac = MAC + 1;
  deliver(T0 + SECOND);
  client.receive(changetype<usize>(replyBuffer), 100, T0 + SECOND); // truncated
  craft(DhcpMessageType.Offer);
  reply.emit(packet.wrap(changetype<usize>(replyBuffer), reply.bufferLen()));
  client.datagram(SERVER, 5353, changetype<usize>(replyBuffer), reply.bufferLen(), T0 + SECOND);
  craft(DhcpMessageType.Ack);
  deliver(T0 + SECOND); // an ACK while selecting
  craft(DhcpMessageType.Offer).serverIdentifier = 0;
  deliver(T0 + SECOND); // no server id
  expect(client.ignored, 6);
  expect(client.state, DhcpState.Selecting);
  expect(frames.length, 1);
});

test("an ACK binds the lease: address, prefix, gateway and DNS on the interface; T1 at half the lease", () => {
  bindAt(T0 + SECOND);
  expect(client.acksTaken, 1);
  expect(client.leaseTime, LEASE);
  expect(client.server, SERVER);
  expect(iface.config.cidr.addr, OFFERED);
  expect(iface.config.cidr.prefixLen, 24);
  expect(iface.config.gateway, SERVER);
  expect(iface.config.dns, DNS);
  expect(leases.leasedCount, 1, "listener told");
  expect(client.pollAt(), T0 + SECOND + 1800 * SECOND, "T1");
  expect(client.rebindAt, T0 + SECOND + 3150 * SECOND, "T2");
  expect(client.expiresAt, T0 + SECOND + 3600 * SECOND, "expiry");
  const n = frames.length;
  client.poll(T0 + 1000 * SECOND);
  expect(frames.length, n, "quiet while bound");
  craft(DhcpMessageType.Ack);
  deliver(T0 + 2 * SECOND);
  expect(client.ignored, 1, "a duplicate ACK while bound is ignored");
});

test("uses the server's T1 and T2, and a missing mask falls back to the address class", () => {
  client.start(T0);
  craft(DhcpMessageType.Offer);
  deliver(T0);
  craft(DhcpMessageType.Ack);
  reply.renewalTime = 100;
  reply.rebindingTime = 200;
  reply.leaseTime = 300;
  reply.subnetMask = 0;
  deliver(T0);
  expect(client.renewAt, T0 + 100 * SECOND);
  expect(client.rebindAt, T0 + 200 * SECOND);
  expect(client.expiresAt, T0 + 300 * SECOND);
  expect(iface.config.cidr.prefixLen, 8, "10/8");
});

test("an infinite lease is never renewed", () => {
  client.start(T0);
  craft(DhcpMessageType.Offer);
  deliver(T0);
  craft(DhcpMessageType.Ack).leaseTime = 0xffffffff;
  deliver(T0);
  expect(client.state, DhcpState.Bound);
  expect(client.pollAt(), i64.MAX_VALUE);
});

test("REQUEST is retransmitted after 4, 8, 16 s; after the fourth goes unanswered, a new DISCOVER", () => {
  client.start(T0);
  const xid = client.xid;
  craft(DhcpMessageType.Offer);
  deliver(T0);
  const waits: i64[] = [4, 8, 16];
  let prev = T0;
  for (let i = 0; i < waits.length; i++) {
    const at = client.pollAt();
    expectIn(at - prev, (waits[i] - 1) * SECOND, (waits[i] + 1) * SECOND, "wait " + i.toString());
    client.poll(at);
    const r = last();
    expect(r.messageType, DhcpMessageType.Request);
    expect(r.xid, xid);
    expect(r.requestedIp, OFFERED);
    prev = at;
  }
  expect(client.requestsSent, 4);
  const at = client.pollAt();
  expectIn(at - prev, 31 * SECOND, 33 * SECOND, "last wait");
  client.poll(at);
  expect(client.state, DhcpState.Selecting);
  const d = last();
  expect(d.messageType, DhcpMessageType.Discover);
  expect(d.xid != xid, true, "a new xid");
  expect(client.server, 0);
});

test("a NAK while requesting restarts: INIT, then a new DISCOVER 1 s later", () => {
  client.start(T0);
  const xid = client.xid;
  craft(DhcpMessageType.Offer);
  deliver(T0);
  craft(DhcpMessageType.Nak).serverIdentifier = OTHER_SERVER;
  deliver(T0 + SECOND);
  expect(client.state, DhcpState.Requesting, "a NAK from another server is not for us");
  craft(DhcpMessageType.Nak);
  deliver(T0 + SECOND);
  expect(client.naksTaken, 1);
  expect(client.state, DhcpState.Init);
  expect(client.pollAt(), T0 + 2 * SECOND);
  expect(leases.lostCount, 0, "there was no lease to lose");
  const n = frames.length;
  client.poll(T0 + 2 * SECOND);
  expect(frames.length, n + 1);
  expect(last().messageType, DhcpMessageType.Discover);
  expect(client.xid != xid, true, "a new xid");
  expect(client.state, DhcpState.Selecting);
});

test("renews at T1 by unicast to the server with ciaddr; the ACK extends the lease", () => {
  bindAt(T0 + SECOND);
  const t1 = T0 + SECOND + 1800 * SECOND;
  const oldXid = client.xid;
  iface.arp.insert(SERVER, SERVER_MAC, t1);
  client.poll(t1);
  expect(client.state, DhcpState.Renewing);
  const r = last();
  expect(r.messageType, DhcpMessageType.Request);
  expect(ethDst, SERVER_MAC, "to the server's MAC");
  expect(ipSrc, OFFERED, "from the leased address");
  expect(ipDst, SERVER, "unicast to the server");
  expect(r.clientIp, OFFERED, "ciaddr");
  expect(r.requestedIp, 0, "no requested IP when renewing");
  expect(r.serverIdentifier, 0, "no server id when renewing");
  expect(r.xid != oldXid, true, "a new xid");
  expect(client.pollAt(), t1 + 675 * SECOND, "half the time to T2");
  craft(DhcpMessageType.Ack);
  deliver(t1 + SECOND);
  expect(client.state, DhcpState.Bound);
  expect(client.pollAt(), t1 + SECOND + 1800 * SECOND, "the new T1");
  expect(leases.leasedCount, 1, "same address: not a new lease");
  expect(iface.config.cidr.addr, OFFERED);
});

test("unanswered, renewing becomes rebinding at T2 (broadcast), and expiry drops the address and restarts", () => {
  const start = T0 + SECOND;
  bindAt(start);
  const requests = client.requestsSent;
  const t1 = pollWhile(DhcpState.Bound);
  expect(t1, start + 1800 * SECOND, "T1");
  const rebind = pollWhile(DhcpState.Renewing);
  expect(rebind, start + 3150 * SECOND, "T2");
  expect(client.requestsSent - requests, 7, "six renewal REQUESTs (675, 337.5, 168.75, 84.4, 60 s apart), one rebind");
  const r = last();
  expect(ethDst, MAC_BROADCAST, "rebinding broadcasts");
  expect(ipDst, BROADCAST);
  expect(ipSrc, OFFERED);
  expect(r.clientIp, OFFERED);
  expect(r.serverIdentifier, 0);
  expect(client.pollAt(), rebind + 225 * SECOND, "half the time to expiry");
  const expiry = pollWhile(DhcpState.Rebinding);
  expect(expiry, start + 3600 * SECOND, "lease expiry");
  expect(client.state, DhcpState.Selecting);
  expect(client.leasesLost, 1);
  expect(leases.lostCount, 1);
  expect(iface.config.configured, false, "address dropped");
  expect(iface.config.gateway, 0);
  expect(iface.config.dns, 0);
  expect(last().messageType, DhcpMessageType.Discover);
  expect(ipSrc, 0, "from 0.0.0.0 again");
});

test("an ACK while rebinding, from another server, keeps the lease and adopts the server", () => {
  bindAt(T0);
  pollWhile(DhcpState.Bound);
  pollWhile(DhcpState.Renewing);
  expect(client.state, DhcpState.Rebinding);
  craft(DhcpMessageType.Ack).serverIdentifier = OTHER_SERVER;
  deliver(client.pollAt());
  expect(client.state, DhcpState.Bound);
  expect(client.server, OTHER_SERVER);
  expect(iface.config.cidr.addr, OFFERED);
});

test("a NAK while renewing drops the address", () => {
  bindAt(T0);
  pollWhile(DhcpState.Bound);
  expect(client.state, DhcpState.Renewing);
  craft(DhcpMessageType.Nak);
  deliver(client.pollAt());
  expect(client.state, DhcpState.Init);
  expect(iface.config.configured, false);
  expect(leases.lostCount, 1);
  expect(client.leasesLost, 1);
});

// A server interface on the same wire: its broadcasts reach the client as whole frames.
const serverFrames = new Array<StaticArray<u8>>();
class ToClient extends Link {
  send(ptr: usize, len: u32): bool {
    const copy = new StaticArray<u8>(<i32>len);
    memory.copy(changetype<usize>(copy), ptr, len);
    serverFrames.push(copy);
    return true;
  }
}

test("whole frames: OFFER and ACK broadcast by a server interface reach the unconfigured client", () => {
  const server = new Interface(new ToClient(), SERVER_MAC, 1500);
  server.config.cidr.addr = SERVER;
  server.config.cidr.prefixLen = 24;
  client.start(T0);
  const buf = changetype<usize>(replyBuffer);
  craft(DhcpMessageType.Offer);
  reply.emit(packet.wrap(buf, reply.bufferLen()));
  expect(server.sendUdp(67, BROADCAST, 68, buf, reply.bufferLen(), T0), true);
  iface.receive(changetype<usize>(serverFrames[0]), <u32>serverFrames[0].length, T0);
  expect(client.state, DhcpState.Requesting);
  craft(DhcpMessageType.Ack);
  reply.emit(packet.wrap(buf, reply.bufferLen()));
  server.sendUdp(67, BROADCAST, 68, buf, reply.bufferLen(), T0);
  iface.receive(changetype<usize>(serverFrames[1]), <u32>serverFrames[1].length, T0);
  expect(client.state, DhcpState.Bound);
  expect(iface.config.cidr.addr, OFFERED);
  expect(iface.counters.totalDropped(), 0);
});

export function _start(): void {
  runTests();
}
