// Crash consistency on 4096-byte blocks of 512-byte sectors: a write in flight can tear inside a block.
//
// Same checks as crash-small-blocks.spec.ts (see crash-workload.ts), with
// values that span several blocks.

import { flush, putString } from "@tessera/runtime/assembly/out";
import { expect, runTests, test } from "@tessera/test/assembly";
import { Options, runWorkload, Stats } from "./crash-workload";

function report(s: Stats): void {
  putString(s.toString() + "\n");
  flush();
}

test("a roomy disk with values up to a few blocks", () => {
  const o = new Options();
  o.seed = 404;
  o.blockSize = 4096;
  o.capacity = 256 * 1024;
  o.keys = 40;
  o.maxValue = 10000;
  o.operations = 2000;
  const s = runWorkload(o);
  report(s);
  expect(s.points >= 3500, true, "crash points");
  expect(s.restarts > 10 && s.compactions > 5 && s.inFlightApplied > 0, true, s.toString());
});

test("a nearly full disk of 4096-byte blocks", () => {
  const o = new Options();
  o.seed = 505;
  o.blockSize = 4096;
  o.capacity = 64 * 1024;
  o.keys = 120;
  o.maxValue = 3000;
  o.operations = 2000;
  const s = runWorkload(o);
  report(s);
  expect(s.points >= 3500, true, "crash points");
  expect(s.full > 20 && s.compactions > 20, true, s.toString());
});

test("4096-byte blocks on a disk that keeps some unflushed writes", () => {
  const o = new Options();
  o.seed = 606;
  o.blockSize = 4096;
  o.capacity = 128 * 1024;
  o.keys = 50;
  o.maxValue = 5000;
  o.operations = 1000;
  o.keepSomeUnflushed = true;
  const s = runWorkload(o);
  report(s);
  expect(s.points >= 1500, true, "crash points");
});

export function _start(): void {
  runTests();
}
