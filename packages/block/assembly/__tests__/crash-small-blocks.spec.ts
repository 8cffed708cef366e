// Crash consistency on 512-byte blocks: every write and flush of seeded mixed workloads is a crash point.
//
// At each point the crash image (unflushed writes dropped, the write in
// flight torn: lost, cut at a sector, cut mid-sector, garbage, or whole)
// must mount and hold every acknowledged write, no deleted key, and the
// write in flight whole or not at all. See crash-workload.ts.

import { flush, putString } from "@tessera/runtime/assembly/out";
import { expect, runTests, test } from "@tessera/test/assembly";
import { Options, runWorkload, Stats } from "./crash-workload";

function report(s: Stats): void {
  putString(s.toString() + "\n");
  flush();
}

test("a roomy disk: puts, overwrites, deletes, batches, compactions", () => {
  const o = new Options();
  o.seed = 101;
  o.capacity = 64 * 1024;
  o.keys = 30;
  o.operations = 1500;
  const s = runWorkload(o);
  report(s);
  expect(s.points >= 2500, true, "crash points");
  expect(s.restarts > 20 && s.compactions > 20 && s.inFlightApplied > 0, true, s.toString());
});

test("a nearly full disk: many keys, writes refused as Full, deletes making room", () => {
  const o = new Options();
  o.seed = 202;
  o.capacity = 24 * 1024;
  o.keys = 200;
  o.maxValue = 900;
  o.operations = 1500;
  const s = runWorkload(o);
  report(s);
  expect(s.points >= 2000, true, "crash points");
  expect(s.full > 50 && s.compactions > 50, true, s.toString());
});

test("a disk that also keeps some unflushed writes at a crash, in any order", () => {
  const o = new Options();
  o.seed = 303;
  o.capacity = 48 * 1024;
  o.keys = 60;
  o.operations = 1200;
  o.keepSomeUnflushed = true;
  const s = runWorkload(o);
  report(s);
  expect(s.points >= 2000, true, "crash points");
  expect(s.restarts > 10 && s.compactions > 10, true, s.toString());
});

test("twenty more seeds, each on a disk of its own size", () => {
  const total = new Stats();
  for (let seed: u32 = 1000; seed < 1020; seed++) {
    const o = new Options();
    o.seed = seed;
    o.capacity = <u64>(12 + (seed % 5) * 12) * 1024;
    o.keys = 10 + (seed % 7) * 20;
    o.maxValue = 200 + (seed % 3) * 600;
    o.operations = 300;
    o.keepSomeUnflushed = seed % 2 == 1;
    const s = runWorkload(o);
    total.points += s.points;
    total.restarts += s.restarts;
    total.acknowledged += s.acknowledged;
    total.full += s.full;
    total.compactions += s.compactions;
    total.inFlightApplied += s.inFlightApplied;
  }
  report(total);
  expect(total.points >= 10000, true, "crash points");
  expect(total.full > 0, true, total.toString());
});

export function _start(): void {
  runTests();
}
