// heapUsage: a full collection, then the allocator's blocks counted.

import { heapUsage } from "@tessera/runtime/assembly/usage";
import { expect, expectIn, runTests, test } from "@tessera/test/assembly";

let kept: Array<Uint8Array> | null = null;

// Each in its own function, so no stale reference stays in the caller's frame.
function keep(n: i32, size: i32): void {
  const a = new Array<Uint8Array>();
  for (let i = 0; i < n; i++) a.push(new Uint8Array(size));
  kept = a;
}

function drop(): void {
  kept = null;
}

function garbage(n: i32, size: i32): void {
  for (let i = 0; i < n; i++) new Uint8Array(size);
}

test("counts what live objects take, and not garbage", () => {
  const base = heapUsage().used;
  keep(1000, 100);
  // Each Uint8Array is two blocks (the view and its buffer), each with its headers.
  expectIn(<i64>heapUsage().used - base, 1000 * 120, 1000 * 200 + 16384, "held");
  drop();
  expectIn(<i64>heapUsage().used - base, -64, 64, "dropped");
  garbage(500, 1000);
  expectIn(<i64>heapUsage().used - base, -64, 64, "garbage");
});

test("used and free add up to the allocator's memory", () => {
  keep(10, 10);
  const u = heapUsage();
  const memory_ = (<i64>memory.size()) << 16;
  expect(u.blocks > 20, true, "blocks");
  expectIn(<i64>(u.used + u.free), memory_ - 65536 - <i64>__heap_base, memory_, "sum");
  drop();
});

export function _start(): void {
  runTests();
}
