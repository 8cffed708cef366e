// The virtual switch's forwarding rule, without sockets: learning, flooding,
// filtering, aging, ports leaving, and frames it must not forward.
import { describe, expect, it } from "vitest";
import { LearningSwitch, macAt } from "../src/net/learning-switch.js";

const BCAST = "ff:ff:ff:ff:ff:ff";
const A = "02:00:00:00:00:0a";
const B = "02:00:00:00:00:0b";
const C = "02:00:00:00:00:0c";

/** An Ethernet frame from `src` to `dst` with `payload` bytes after the header. */
function frame(dst: string, src: string, payload = 46): Uint8Array {
  const f = new Uint8Array(14 + payload);
  f.set(
    dst.split(":").map((h) => parseInt(h, 16)),
    0,
  );
  f.set(
    src.split(":").map((h) => parseInt(h, 16)),
    6,
  );
  f[12] = 0x08;
  return f;
}

/** A switch with ports 1, 2 and 3. */
function threePorts(ageMs?: number): LearningSwitch {
  const sw = new LearningSwitch(ageMs);
  for (const p of [1, 2, 3]) sw.addPort(p);
  return sw;
}

const fwd = (sw: LearningSwitch, ingress: number, f: Uint8Array, now = 0) => [...sw.forward(ingress, f, now)];

describe("LearningSwitch", () => {
  it("reads MAC addresses as 48-bit numbers", () => {
    expect(macAt(frame(BCAST, A), 0)).toBe(0xffffffffffff);
    expect(macAt(frame(BCAST, A), 6)).toBe(0x02000000000a);
  });

  it("floods broadcast to every port but the one it came from", () => {
    const sw = threePorts();
    expect(fwd(sw, 2, frame(BCAST, A))).toEqual([1, 3]);
    expect(sw.stats.flooded).toBe(1);
  });

  it("floods multicast and unknown unicast destinations", () => {
    const sw = threePorts();
    expect(fwd(sw, 1, frame("01:00:5e:00:00:01", A))).toEqual([2, 3]);
    expect(fwd(sw, 1, frame(B, A))).toEqual([2, 3]);
  });

  it("learns source addresses and then sends to exactly one port", () => {
    const sw = threePorts();
    fwd(sw, 1, frame(BCAST, A)); // A is on 1
    fwd(sw, 2, frame(A, B)); // B is on 2
    expect(fwd(sw, 1, frame(B, A))).toEqual([2]);
    expect(fwd(sw, 2, frame(A, B))).toEqual([1]);
    expect(fwd(sw, 3, frame(A, C))).toEqual([1]);
    expect(sw.stats.unicast).toBe(4);
  });

  it("never sends a frame back out of the port it came in on", () => {
    const sw = threePorts();
    fwd(sw, 1, frame(BCAST, A));
    fwd(sw, 1, frame(BCAST, B)); // A and B share port 1 (two stations behind the TAP, say)
    expect(fwd(sw, 1, frame(B, A))).toEqual([]);
    expect(sw.stats.filtered).toBe(1);
    for (let ingress = 1; ingress <= 3; ingress++)
      for (const dst of [BCAST, A, B, C])
        expect(fwd(sw, ingress, frame(dst, "02:00:00:00:00:99"))).not.toContain(ingress);
  });

  it("follows a station that moves to another port", () => {
    const sw = threePorts();
    fwd(sw, 1, frame(BCAST, A));
    fwd(sw, 3, frame(BCAST, A));
    expect(fwd(sw, 2, frame(A, B))).toEqual([3]);
  });

  it("forgets addresses that have not been seen for ageMs, and floods again", () => {
    const sw = threePorts(1000);
    fwd(sw, 1, frame(BCAST, A), 0);
    expect(fwd(sw, 2, frame(A, B), 1000)).toEqual([1]);
    expect(fwd(sw, 2, frame(A, B), 1001)).toEqual([1, 3]);
    expect(sw.expire(5000)).toBe(2); // A and B
    expect(sw.learned).toBe(0);
  });

  it("seeing an address again keeps it", () => {
    const sw = threePorts(1000);
    fwd(sw, 1, frame(BCAST, A), 0);
    fwd(sw, 1, frame(BCAST, A), 900);
    expect(sw.lookup(macAt(frame(A, A), 0), 1800)).toBe(1);
  });

  it("forgets a port's addresses when it leaves, and never forwards to it again", () => {
    const sw = threePorts();
    fwd(sw, 1, frame(BCAST, A));
    sw.removePort(1);
    expect(sw.portIds).toEqual([2, 3]);
    expect(fwd(sw, 2, frame(A, B))).toEqual([3]);
    expect(fwd(sw, 2, frame(BCAST, B))).toEqual([3]);
    expect(fwd(sw, 1, frame(BCAST, C))).toEqual([]); // a frame from a port that has left
  });

  it("drops runts, giants and frames from a multicast source, without learning", () => {
    const sw = threePorts();
    expect(fwd(sw, 1, new Uint8Array(13))).toEqual([]);
    expect(fwd(sw, 1, frame(BCAST, A, 1505))).toEqual([]);
    expect(fwd(sw, 1, frame(BCAST, "03:00:00:00:00:01"))).toEqual([]);
    expect(sw.stats.bad).toBe(3);
    expect(sw.learned).toBe(0);
    expect(fwd(sw, 1, frame(BCAST, A, 1504))).toEqual([2, 3]); // 1518 bytes: the largest
  });

  it("stops learning when the table is full, and floods the addresses it could not learn", () => {
    const sw = new LearningSwitch(300_000, 2);
    for (const p of [1, 2, 3]) sw.addPort(p);
    fwd(sw, 1, frame(BCAST, A));
    fwd(sw, 2, frame(BCAST, B));
    fwd(sw, 3, frame(BCAST, C)); // not learned
    expect(sw.learned).toBe(2);
    expect(fwd(sw, 1, frame(C, A))).toEqual([2, 3]);
    expect(fwd(sw, 3, frame(A, C))).toEqual([1]);
  });

  it("a switch with one port forwards nowhere", () => {
    const sw = new LearningSwitch();
    sw.addPort(7);
    expect(fwd(sw, 7, frame(BCAST, A))).toEqual([]);
  });
});
