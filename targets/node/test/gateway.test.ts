// The user-mode network's gateway program on its own (gateway.wasm through
// GatewayCore, no worker and no sockets): the frames a guest would send go in,
// the frames it would get back are checked field by field. Needs `npm run build`.
import { beforeEach, describe, expect, test } from "vitest";
import { FULL, GatewayCore, GwCloseReason, GwEvent, GwOpen, NOT_UP } from "../src/net/gateway-core.js";

const GUEST_MAC = [0x02, 0x11, 0x22, 0x33, 0x44, 0x55];
const GATEWAY_MAC = [0x52, 0x55, 0x0a, 0x00, 0x02, 0x02];
const BROADCAST = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff];
const GW = [10, 0, 2, 2];
const GUEST = [10, 0, 2, 15];
const ANY = [0, 0, 0, 0];
const ALL = [255, 255, 255, 255];

function sum(bytes: number[], start = 0): number {
  let s = start;
  for (let i = 0; i < bytes.length; i += 2) s += (bytes[i] << 8) | (bytes[i + 1] ?? 0);
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return s;
}
const fold = (s: number) => ~s & 0xffff;
const be16 = (n: number) => [n >> 8, n & 0xff];
const be32 = (n: number) => [n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];

function ipv4(src: number[], dst: number[], protocol: number, payload: number[]): number[] {
  const h = [0x45, 0, ...be16(20 + payload.length), 0, 1, 0, 0, 64, protocol, 0, 0, ...src, ...dst];
  const c = fold(sum(h));
  h[10] = c >> 8;
  h[11] = c & 0xff;
  return [...h, ...payload];
}

// The checksum of a UDP or TCP segment over the IPv4 pseudo-header.
function l4sum(src: number[], dst: number[], protocol: number, seg: number[]): number {
  return fold(sum(seg, sum([...src, ...dst, 0, protocol, ...be16(seg.length)])));
}

function udp(src: number[], dst: number[], sport: number, dport: number, payload: number[]): number[] {
  const seg = [...be16(sport), ...be16(dport), ...be16(8 + payload.length), 0, 0, ...payload];
  const c = l4sum(src, dst, 17, seg);
  seg[6] = c >> 8;
  seg[7] = c & 0xff;
  return ipv4(src, dst, 17, seg);
}

const eth = (dst: number[], type: number, payload: number[]) =>
  Uint8Array.from([...dst, ...GUEST_MAC, ...be16(type), ...payload]);

/** A DHCP client message from the guest's MAC: `type`, then options given as [code, ...bytes]. */
function dhcp(type: number, xid: number, options: number[][] = [], ciaddr = ANY): Uint8Array {
  const m = new Array<number>(240).fill(0);
  m[0] = 1; // BOOTREQUEST
  m[1] = 1;
  m[2] = 6;
  m.splice(4, 4, ...be32(xid));
  m.splice(12, 4, ...ciaddr);
  m.splice(28, 6, ...GUEST_MAC);
  m.splice(236, 4, 0x63, 0x82, 0x53, 0x63);
  m.push(53, 1, type);
  for (const [code, ...data] of options) m.push(code, data.length, ...data);
  m.push(255);
  while (m.length < 300) m.push(0);
  const src = ciaddr === ANY ? ANY : ciaddr;
  return eth(BROADCAST, 0x0800, udp(src, ALL, 68, 67, m));
}

/** A reply from the gateway read back: where it went and its DHCP fields. */
function readDhcp(f: Uint8Array) {
  const ip = 14;
  const udpAt = ip + (f[ip] & 15) * 4;
  const d = udpAt + 8;
  const options = new Map<number, number[]>();
  for (let at = d + 240; at < f.length && f[at] !== 255;) {
    if (f[at] === 0) {
      at++;
      continue;
    }
    options.set(f[at], [...f.subarray(at + 2, at + 2 + f[at + 1])]);
    at += 2 + f[at + 1];
  }
  const dv = new DataView(f.buffer, f.byteOffset);
  return {
    ethDst: [...f.subarray(0, 6)],
    ipSrc: [...f.subarray(ip + 12, ip + 16)],
    ipDst: [...f.subarray(ip + 16, ip + 20)],
    ports: [dv.getUint16(udpAt), dv.getUint16(udpAt + 2)],
    op: f[d],
    xid: dv.getUint32(d + 4),
    yiaddr: [...f.subarray(d + 16, d + 20)],
    chaddr: [...f.subarray(d + 28, d + 34)],
    type: options.get(53)?.[0],
    options,
  };
}

let frames: Uint8Array[] = [];
let clock = 1_000_000_000n;
let gw: GatewayCore;

function take(): Uint8Array[] {
  const f = frames;
  frames = [];
  return f;
}

beforeEach(() => {
  frames = [];
  clock = 1_000_000_000n;
  gw = new GatewayCore((f) => void frames.push(f.slice()), { now: () => clock });
});

describe("the gateway's DHCP server", () => {
  test("answers a DISCOVER with an OFFER of 10.0.2.15/24, router 10.0.2.2, to the broadcast address", () => {
    gw.frameIn(dhcp(1, 0x12345678, [[55, 1, 3, 6]]));
    const out = take();
    expect(out.length).toBe(1);
    const r = readDhcp(out[0]);
    expect(r.ethDst).toEqual(BROADCAST);
    expect(r.ipSrc).toEqual(GW);
    expect(r.ipDst).toEqual(ALL);
    expect(r.ports).toEqual([67, 68]);
    expect(r.op).toBe(2);
    expect(r.type).toBe(2); // OFFER
    expect(r.xid).toBe(0x12345678);
    expect(r.chaddr).toEqual(GUEST_MAC);
    expect(r.yiaddr).toEqual(GUEST);
    expect(r.options.get(54)).toEqual(GW); // server identifier
    expect(r.options.get(1)).toEqual([255, 255, 255, 0]);
    expect(r.options.get(3)).toEqual(GW);
    expect(r.options.get(51)).toEqual(be32(86400));
    expect(gw.stats().offers).toBe(1);
  });

  test("ACKs a REQUEST for the offered address; until then a host connection waits (NOT_UP)", () => {
    expect(gw.connect(80)).toBe(NOT_UP);
    gw.frameIn(
      dhcp(3, 7, [
        [50, ...GUEST],
        [54, ...GW],
      ]),
    );
    const r = readDhcp(take()[0]);
    expect(r.type).toBe(5); // ACK
    expect(r.yiaddr).toEqual(GUEST);
    expect(r.options.get(51)).toEqual(be32(86400));
    expect(gw.guestUp).toBe(true);
    expect(gw.connect(80)).toBeGreaterThanOrEqual(0);
  });

  test("ACKs a renewal (ciaddr, no server id) and NAKs a request for another address", () => {
    gw.frameIn(dhcp(3, 8, [], GUEST));
    expect(readDhcp(take()[0]).type).toBe(5);
    gw.frameIn(dhcp(3, 9, [[50, 10, 0, 2, 99]]));
    const nak = readDhcp(take()[0]);
    expect(nak.type).toBe(6);
    expect(nak.yiaddr).toEqual(ANY);
    expect(gw.stats()).toMatchObject({ acks: 1, naks: 1 });
  });

  test("ignores a REQUEST for another server, and replies from servers", () => {
    gw.frameIn(
      dhcp(3, 10, [
        [50, ...GUEST],
        [54, 10, 0, 2, 3],
      ]),
    );
    gw.frameIn(dhcp(2, 11));
    expect(take()).toEqual([]);
    expect(gw.guestUp).toBe(false);
  });
});

describe("the gateway's interface and TCP", () => {
  const arp = (op: number, targetIp: number[]) =>
    eth(BROADCAST, 0x0806, [0, 1, 8, 0, 6, 4, 0, op, ...GUEST_MAC, ...GUEST, 0, 0, 0, 0, 0, 0, ...targetIp]);

  test("answers ARP for 10.0.2.2 with its MAC 52:55:0a:00:02:02", () => {
    gw.frameIn(arp(1, GW));
    const [reply] = take();
    expect([...reply.subarray(0, 6)]).toEqual(GUEST_MAC);
    expect([...reply.subarray(12, 14)]).toEqual([8, 6]);
    expect(reply[21]).toBe(2); // reply
    expect([...reply.subarray(22, 28)]).toEqual(GATEWAY_MAC);
    expect([...reply.subarray(28, 32)]).toEqual(GW);
  });

  test("answers ping for 10.0.2.2", () => {
    const icmp = [8, 0, 0, 0, 0x12, 0x34, 0, 1, ...Array.from({ length: 56 }, (_, i) => i)];
    const c = fold(sum(icmp));
    icmp[2] = c >> 8;
    icmp[3] = c & 0xff;
    gw.frameIn(arp(1, GW)); // the reply needs the guest's MAC
    take();
    gw.frameIn(Uint8Array.from([...GATEWAY_MAC, ...GUEST_MAC, 8, 0, ...ipv4(GUEST, GW, 1, icmp)]));
    const [reply] = take();
    expect([...reply.subarray(26, 30)]).toEqual(GW);
    expect([...reply.subarray(30, 34)]).toEqual(GUEST);
    expect(reply[34]).toBe(0); // echo reply
    expect([...reply.subarray(38, 40)]).toEqual([0x12, 0x34]);
    expect([...reply.subarray(42)]).toEqual(icmp.slice(8));
  });

  test("connects to the guest's port: ARP first, then a SYN; a RST back refuses it", () => {
    gw.frameIn(
      dhcp(3, 7, [
        [50, ...GUEST],
        [54, ...GW],
      ]),
    );
    take();
    const id = gw.connect(80);
    const [who] = take();
    expect([...who.subarray(12, 14)]).toEqual([8, 6]);
    expect([...who.subarray(38, 42)]).toEqual(GUEST); // who-has 10.0.2.15
    gw.frameIn(
      Uint8Array.from([
        ...GATEWAY_MAC,
        ...GUEST_MAC,
        8,
        6,
        0,
        1,
        8,
        0,
        6,
        4,
        0,
        2,
        ...GUEST_MAC,
        ...GUEST,
        ...GATEWAY_MAC,
        ...GW,
      ]),
    );
    const [syn] = take();
    const tcp = 14 + 20;
    const dv = new DataView(syn.buffer);
    expect([...syn.subarray(30, 34)]).toEqual(GUEST);
    expect(dv.getUint16(tcp + 2)).toBe(80);
    expect(syn[tcp + 13]).toBe(0x02); // SYN
    // RST+ACK from the guest: nobody listens on port 80.
    const seg = [
      ...be16(80),
      ...be16(dv.getUint16(tcp)),
      0,
      0,
      0,
      0,
      ...be32(dv.getUint32(tcp + 4) + 1),
      0x50,
      0x14,
      0,
      0,
      0,
      0,
      0,
      0,
    ];
    const c = l4sum(GUEST, GW, 6, seg);
    seg[16] = c >> 8;
    seg[17] = c & 0xff;
    gw.frameIn(Uint8Array.from([...GATEWAY_MAC, ...GUEST_MAC, 8, 0, ...ipv4(GUEST, GW, 6, seg)]));
    expect(gw.takeEvents()).toEqual([id, GwEvent.Closed, GwCloseReason.Refused]);
  });

  test("refuses more connections than its table holds", () => {
    const small = new GatewayCore(() => {}, { now: () => clock, maxConnections: 2 });
    small.frameIn(
      dhcp(3, 7, [
        [50, ...GUEST],
        [54, ...GW],
      ]),
    );
    expect(small.connect(80)).toBe(0);
    expect(small.connect(80)).toBe(1);
    expect(small.connect(80)).toBe(FULL);
  });
});

describe("the gateway's NAT and resolver", () => {
  const arpFor = (targetIp: number[]) =>
    eth(BROADCAST, 0x0806, [0, 1, 8, 0, 6, 4, 0, 1, ...GUEST_MAC, ...GUEST, 0, 0, 0, 0, 0, 0, ...targetIp]);
  const toGateway = (ip: number[]) => Uint8Array.from([...GATEWAY_MAC, ...GUEST_MAC, 8, 0, ...ip]);

  /** A SYN from the guest's `sport` to `dst:dport` with sequence number `seq` and an MSS option. */
  function syn(dst: number[], sport: number, dport: number, seq: number): Uint8Array {
    const seg = [...be16(sport), ...be16(dport), ...be32(seq), 0, 0, 0, 0, 0x60, 0x02, 0xff, 0xff, 0, 0, 0, 0];
    seg.push(2, 4, 0x05, 0xb4);
    const c = l4sum(GUEST, dst, 6, seg);
    seg[16] = c >> 8;
    seg[17] = c & 0xff;
    return toGateway(ipv4(GUEST, dst, 6, seg));
  }

  /** A frame's IPv4 source and destination, and its TCP flags, ports and numbers. */
  function tcpOf(f: Uint8Array) {
    const dv = new DataView(f.buffer, f.byteOffset);
    const t = 14 + (f[14] & 15) * 4;
    return {
      src: [...f.subarray(26, 30)],
      dst: [...f.subarray(30, 34)],
      sport: dv.getUint16(t),
      dport: dv.getUint16(t + 2),
      ack: dv.getUint32(t + 8),
      flags: f[t + 13],
    };
  }

  /** A gateway that knows the guest's MAC (it asked for 10.0.2.2). */
  function nat(opts: ConstructorParameters<typeof GatewayCore>[1] = {}) {
    const out: Uint8Array[] = [];
    const g = new GatewayCore((f) => void out.push(f.slice()), { now: () => clock, ...opts });
    g.frameIn(arpFor(GW));
    out.length = 0;
    return { g, out };
  }

  test("a SYN to any address is held until the host's connection is made, then answered from that address", () => {
    const { g, out } = nat();
    g.frameIn(syn([93, 184, 216, 34], 40000, 80, 1000));
    expect(out).toEqual([]); // nothing until the host has connected
    const [open] = g.takeOpens();
    expect(open).toMatchObject({ addr: "93.184.216.34", port: 80 });
    g.frameIn(syn([93, 184, 216, 34], 40000, 80, 1000)); // sent again meanwhile: still one
    expect(g.takeOpens()).toEqual([]);
    expect(g.tcpOpened(open.id, GwOpen.Made)).toBe(true);
    const r = tcpOf(out[0]);
    expect(r).toMatchObject({ src: [93, 184, 216, 34], dst: GUEST, sport: 80, dport: 40000, ack: 1001 });
    expect(r.flags).toBe(0x12); // SYN-ACK
    expect(g.stats()).toMatchObject({ outboundOpened: 1, outbound: 1 });
  });

  test("10.0.2.2 is the host's 127.0.0.1; a refused host connection is a RST to the guest's SYN", () => {
    const { g, out } = nat();
    g.frameIn(syn(GW, 40001, 5432, 7));
    const [open] = g.takeOpens();
    expect(open).toMatchObject({ addr: "127.0.0.1", port: 5432 });
    expect(g.tcpOpened(open.id, GwOpen.Refused)).toBe(false);
    const r = tcpOf(out[0]);
    expect(r).toMatchObject({ src: GW, sport: 5432, dport: 40001, ack: 8, flags: 0x14 }); // RST+ACK
    expect(g.stats()).toMatchObject({ hostRefused: 1, outbound: 0 });
  });

  test("beyond its bound of the guest's connections, a SYN is answered with a RST and counted", () => {
    const { g, out } = nat({ maxOutbound: 1 });
    g.frameIn(syn([10, 9, 9, 9], 40002, 80, 1));
    g.frameIn(syn([10, 9, 9, 9], 40003, 80, 1));
    expect(g.takeOpens().length).toBe(1);
    expect(tcpOf(out[0]).flags).toBe(0x14);
    expect(g.stats()).toMatchObject({ outboundFull: 1, outbound: 1 });
  });

  test("collects its garbage at the end of poll: 3,000 refused connections take no more memory than the first 300", () => {
    const { g, out } = nat();
    let after300 = 0;
    for (let i = 0; i < 3000; i++) {
      g.frameIn(syn(GW, 20000 + i, 5432, i));
      const [open] = g.takeOpens();
      expect(g.tcpOpened(open.id, GwOpen.Refused)).toBe(false);
      out.length = 0;
      clock += 20_000_000n; // 20 ms: past the 10 ms between collections
      expect(g.pollIn()).not.toBeNull(); // it asks to be polled to collect
      g.poll();
      if (i === 299) after300 = g.stats().memoryBytes;
    }
    const s = g.stats();
    expect(s.hostRefused).toBe(3000);
    expect(s.collections).toBeGreaterThanOrEqual(3000);
    // Linear memory never shrinks: had nothing been freed, 2,700 more connections would have grown it.
    expect(s.memoryBytes).toBe(after300);
  });

  test("a held SYN the host does not answer is given up after 20 s: CLOSED (timed out) for its id", () => {
    const { g } = nat();
    g.frameIn(syn([10, 9, 9, 9], 40004, 80, 1));
    const [open] = g.takeOpens();
    clock += 20_000_000_000n;
    g.poll();
    expect(g.takeEvents()).toEqual([open.id, GwEvent.Closed, GwCloseReason.TimedOut]);
    g.release(open.id);
    expect(g.stats().outbound).toBe(0);
  });

  test("UDP: a flow per (guest port, address, port), replies from that address only; bounded, idle flows closed", () => {
    const sent: [number, string, number, string][] = [];
    const { g, out } = nat({
      maxUdpFlows: 1,
      udpOut: (flow, addr, port, d) => void sent.push([flow, addr, port, Buffer.from(d).toString()]),
    });
    g.frameIn(toGateway(udp(GUEST, GW, 5000, 9999, [...Buffer.from("a")])));
    g.frameIn(toGateway(udp(GUEST, [10, 1, 1, 1], 5000, 53, [...Buffer.from("b")]))); // a second flow: full
    expect(sent).toEqual([[0, "127.0.0.1", 9999, "a"]]);
    expect(g.stats()).toMatchObject({ udpFlows: 1, udpFull: 1 });
    g.udpIn(0, "127.0.0.2", 9999, Buffer.from("stranger"));
    expect(out).toEqual([]);
    g.udpIn(0, "127.0.0.1", 9999, Buffer.from("reply"));
    const [reply] = out;
    expect([...reply.subarray(26, 30)]).toEqual(GW);
    expect(Buffer.from(reply.subarray(42)).toString()).toBe("reply");
    clock += 61_000_000_000n;
    g.poll();
    expect(g.takeUdpClosed()).toEqual([0]);
    expect(g.stats().udpFlows).toBe(0);
  });

  /** A DNS query for `name` (type `type`) from the guest's port 3333 to 10.0.2.3. */
  function query(name: string, type = 1): Uint8Array {
    const q = [0x12, 0x34, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0];
    for (const l of name.split(".")) q.push(l.length, ...Buffer.from(l));
    q.push(0, 0, type, 0, 1);
    return toGateway(udp(GUEST, [10, 0, 2, 3], 3333, 53, q));
  }

  test("10.0.2.3 answers ARP, and A queries from the hosts file; other names go to resolv.conf's nameserver", () => {
    const sent: [string, number][] = [];
    const { g, out } = nat({
      hosts: Buffer.from("127.0.0.1 localhost\n# x\n::1 ip6-localhost\n172.18.0.5\tweb web.local # c\n"),
      resolvConf: Buffer.from("search x\nnameserver 127.0.0.11\nnameserver ::1\n"),
      udpOut: (_flow, addr, port) => void sent.push([addr, port]),
    });
    expect(g.stats()).toMatchObject({ hostNames: 3, nameservers: 1 });
    g.frameIn(arpFor([10, 0, 2, 3]));
    expect([...out[0].subarray(28, 32)]).toEqual([10, 0, 2, 3]); // is-at, from 10.0.2.3
    out.length = 0;
    g.frameIn(query("WEB"));
    const r = out[0];
    expect([...r.subarray(26, 30)]).toEqual([10, 0, 2, 3]);
    const dns = r.subarray(42);
    expect([...dns.subarray(0, 4)]).toEqual([0x12, 0x34, 0x85, 0x80]); // id; QR AA RD RA, NOERROR
    expect([...dns.subarray(6, 8)]).toEqual([0, 1]); // one answer
    expect([...dns.subarray(dns.length - 4)]).toEqual([172, 18, 0, 5]);
    g.frameIn(query("web", 28)); // AAAA: the name is known, no IPv6 address: NODATA
    expect([...out[1].subarray(42 + 6, 42 + 8)]).toEqual([0, 0]);
    expect(sent).toEqual([]);
    g.frameIn(query("api"));
    expect(sent).toEqual([["127.0.0.11", 53]]);
    expect(g.stats()).toMatchObject({ dnsAnswered: 2, dnsForwarded: 1 });
  });
});
