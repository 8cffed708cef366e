// The user-mode network's gateway program on its own (gateway.wasm through
// GatewayCore, no worker and no sockets): the frames a guest would send go in,
// the frames it would get back are checked field by field. Needs `npm run build`.
import { beforeEach, describe, expect, test } from "vitest";
import { FULL, GatewayCore, GwCloseReason, GwEvent, NOT_UP } from "../src/net/gateway-core.js";

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
