// The switch's impairment model, with made-up frames and times: rates,
// reordering, delay, bounded queues, and the same result from the same seed.
import { describe, expect, test } from "vitest";
import { Impairment, SeededRandom, type ImpairmentOptions } from "../src/net/impairment.js";

/** A frame whose first four bytes are `n`. */
function frame(n: number): Uint8Array {
  const f = new Uint8Array(64);
  new DataView(f.buffer).setUint32(0, n);
  return f;
}
const id = (f: Uint8Array) => new DataView(f.buffer, f.byteOffset).getUint32(0);

/** Offers frames 0..count-1 to port 1, one per ms, and collects what comes out by then (and after). */
function runThrough(opts: ImpairmentOptions, count: number): { out: number[]; imp: Impairment } {
  const imp = new Impairment(opts);
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    imp.offer(1, frame(i), i);
    for (const [, f] of imp.due(i)) out.push(id(f));
  }
  for (const [, f] of imp.due(count + 1e6)) out.push(id(f));
  return { out, imp };
}

test("the generator is uniform enough and the same from the same seed", () => {
  const a = new SeededRandom(42);
  const b = new SeededRandom(42);
  const c = new SeededRandom(43);
  let sum = 0;
  let same = 0;
  let differ = 0;
  let outside = 0;
  const buckets = new Array(10).fill(0);
  for (let i = 0; i < 100_000; i++) {
    const x = a.next();
    if (!(x >= 0 && x < 1)) outside++;
    if (b.next() !== x) differ++;
    if (c.next() === x) same++;
    sum += x;
    buckets[Math.floor(x * 10)]++;
  }
  expect(sum / 100_000).toBeCloseTo(0.5, 2);
  for (const n of buckets) expect(Math.abs(n - 10_000)).toBeLessThan(500);
  expect(outside).toBe(0);
  expect(differ).toBe(0);
  expect(same).toBeLessThan(5);
});

test("no impairment: every frame, in order, at once; not active", () => {
  const { out, imp } = runThrough({}, 100);
  expect(out).toEqual([...Array(100).keys()]);
  expect(imp.active).toBe(false);
});

test("the rates come out near what was asked, and the counters add up", () => {
  const n = 100_000;
  const { out, imp } = runThrough({ loss: 0.03, duplicate: 0.01, reorder: 0.25, seed: 9 }, n);
  const s = imp.stats;
  expect(s.offered).toBe(n);
  expect(s.lost / n).toBeCloseTo(0.03, 2);
  expect(s.duplicated / n).toBeCloseTo(0.01, 2);
  // A frame is held back only when none is held already and it is not lost: a bit under 25%.
  expect(s.reordered / n).toBeGreaterThan(0.18);
  expect(s.reordered / n).toBeLessThan(0.25);
  expect(s.overflowed).toBe(0);
  expect(out.length).toBe(n - s.lost + s.duplicated);
  expect(imp.waiting).toBe(0);
  // Every frame that was not lost arrives (a lost frame is not duplicated either).
  expect(new Set(out).size).toBe(n - s.lost);
});

test("a reordered frame goes right behind the next frame for its port", () => {
  const { out, imp } = runThrough({ reorder: 1, seed: 1 }, 6);
  // Every frame is chosen: 0 is held, 1 passes it, 2 is held, 3 passes it, ...
  expect(out).toEqual([1, 0, 3, 2, 5, 4]);
  expect(imp.stats.reordered).toBe(3);
});

test("a held frame with no frame behind it goes after holdMs anyway", () => {
  const imp = new Impairment({ reorder: 1, holdMs: 5 });
  imp.offer(1, frame(7), 100);
  expect(imp.due(104)).toEqual([]);
  expect(imp.nextAt()).toBe(105);
  expect(imp.due(105).map(([p, f]) => [p, id(f)])).toEqual([[1, 7]]);
  expect(imp.stats.reordered).toBe(0);
  expect(imp.nextAt()).toBe(Infinity);
});

test("delay: each frame comes out delayMs after it went in, in order; nextAt says when", () => {
  const imp = new Impairment({ delayMs: 1.5 });
  imp.offer(2, frame(1), 10);
  imp.offer(2, frame(2), 10.5);
  expect(imp.nextAt()).toBe(11.5);
  expect(imp.due(11.4)).toEqual([]);
  expect(imp.due(11.5).map(([, f]) => id(f))).toEqual([1]);
  expect(imp.due(12).map(([, f]) => id(f))).toEqual([2]);
});

test("each port has its own queue, and a port that leaves takes its frames with it", () => {
  const imp = new Impairment({ delayMs: 1, reorder: 1 });
  imp.offer(1, frame(1), 0); // held on port 1
  imp.offer(2, frame(2), 0); // held on port 2: it does not pass port 1's frame
  imp.offer(1, frame(3), 0); // passes 1
  expect(imp.due(1).map(([p, f]) => [p, id(f)])).toEqual([
    [1, 3],
    [1, 1],
  ]);
  imp.removePort(2);
  expect(imp.waiting).toBe(0);
  expect(imp.due(1e9)).toEqual([]);
});

test("the frame is copied: the caller may reuse its buffer", () => {
  const imp = new Impairment({ delayMs: 1 });
  const f = frame(5);
  imp.offer(1, f, 0);
  f.fill(0);
  expect(id(imp.due(1)[0][1])).toBe(5);
});

test("queues are bounded: frames past queueLimit are dropped and counted", () => {
  const imp = new Impairment({ delayMs: 10, queueLimit: 3 });
  for (let i = 0; i < 5; i++) imp.offer(1, frame(i), 0);
  expect(imp.stats.overflowed).toBe(2);
  expect(imp.due(10).map(([, f]) => id(f))).toEqual([0, 1, 2]);
});

test("the same seed and frames give the same frames out; another seed does not", () => {
  const opts = { loss: 0.03, reorder: 0.25, duplicate: 0.01, delayMs: 1 };
  const a = runThrough({ ...opts, seed: 5 }, 5000).out;
  const b = runThrough({ ...opts, seed: 5 }, 5000).out;
  const c = runThrough({ ...opts, seed: 6 }, 5000).out;
  expect(b).toEqual(a);
  expect(c).not.toEqual(a);
});

describe("options out of range are refused", () => {
  test.each([
    [{ loss: 1.5 }, /loss 1.5/],
    [{ reorder: -0.1 }, /reorder -0.1/],
    [{ duplicate: NaN }, /duplicate NaN/],
    [{ delayMs: -1 }, /delay -1/],
  ])("%o", (opts, msg) => expect(() => new Impairment(opts)).toThrow(msg));
});
