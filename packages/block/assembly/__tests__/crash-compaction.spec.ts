// Crash consistency where compaction is most of the work: a tiny disk and a few keys rewritten over and over.
//
// Most device operations here belong to a compaction (writes into the other
// region, its flush, the header switch, the flush after it), so most crash
// points fall inside one. Same checks as the other crash specs (crash-workload.ts).

import { flush, putString } from "@tessera/runtime/assembly/out";
import { expect, runTests, test } from "@tessera/test/assembly";
import { Options, runWorkload, Stats } from "./crash-workload";

function report(s: Stats): void {
  putString(s.toString() + "\n");
  flush();
}

test("a few keys on a tiny disk: a compaction every few writes", () => {
  const o = new Options();
  o.seed = 707;
  o.capacity = 12 * 1024;
  o.keys = 8;
  o.maxValue = 400;
  o.operations = 3000;
  const s = runWorkload(o);
  report(s);
  expect(s.points >= 6000, true, "crash points");
  expect(s.compactions > 250, true, s.toString());
});

test("compactions whose output spans several frames, on 4096-byte blocks", () => {
  const o = new Options();
  o.seed = 808;
  o.blockSize = 4096;
  o.capacity = 400 * 1024;
  o.keys = 25;
  o.maxValue = 30000;
  o.operations = 600;
  o.restartEvery = 25;
  const s = runWorkload(o);
  report(s);
  expect(s.points >= 1000, true, "crash points");
  expect(s.compactions > 20, true, s.toString());
});

export function _start(): void {
  runTests();
}
