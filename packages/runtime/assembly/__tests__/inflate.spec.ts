// DEFLATE decompression: a stored block, fixed codes with matches that overlap
// their own output, and damaged or oversized streams refused without a read or
// write outside the ranges given. (Dynamic codes: test/assets.test.ts inflates
// files gzip made of 300 KB, against their bytes.)

import { inflate } from "@tessera/runtime/assembly/inflate";
import { expect, runTests, test } from "@tessera/test/assembly";

// zlib's raw deflate of "hello, hello, hello, hello!" (fixed codes) and of "abc" (a stored block).
const FIXED: u8[] = [203, 72, 205, 201, 201, 215, 81, 200, 192, 164, 20, 1];
const STORED: u8[] = [1, 3, 0, 252, 255, 97, 98, 99];
const HELLO = "hello, hello, hello, hello!";

function bytesOf(a: u8[]): usize {
  const p = heap.alloc(a.length + 1);
  for (let i = 0; i < a.length; i++) store<u8>(p + i, a[i]);
  return p;
}

// Inflates `src` into a buffer of `cap` bytes with a guard byte after it; returns the result and checks the guard.
function run(src: u8[], cap: u32, srcLen: i32 = -1): i32 {
  const s = bytesOf(src);
  const out = heap.alloc(cap + 1);
  store<u8>(out + cap, 0xa5);
  const n = inflate(s, srcLen < 0 ? <u32>src.length : <u32>srcLen, out, cap);
  expect<u8>(load<u8>(out + cap), 0xa5, "the byte after the output is untouched");
  if (n > 0) last = String.UTF8.decodeUnsafe(out, n);
  return n;
}

let last = "";

test("fixed codes, with matches that copy what they are writing", () => {
  expect(run(FIXED, 64), HELLO.length);
  expect(last, HELLO);
});

test("a stored block", () => {
  expect(run(STORED, 3), 3);
  expect(last, "abc");
});

test("output that does not fit is refused", () => {
  expect(run(FIXED, HELLO.length - 1), -1);
  expect(run(STORED, 2), -1);
});

test("truncated input is refused at every length", () => {
  for (let n = 0; n < FIXED.length - 1; n++) expect(run(FIXED, 64, n), -1, "fixed cut at " + n.toString());
  for (let n = 0; n < STORED.length; n++) expect(run(STORED, 64, n), -1, "stored cut at " + n.toString());
});

test("damage is refused or decodes to something, never outside the buffer", () => {
  // A stored block whose length check fails, and the reserved block type 3.
  expect(run([1, 3, 0, 252, 254, 97, 98, 99], 64), -1);
  expect(run([7, 0], 64), -1);
  // Every single-bit flip of the fixed stream: whatever comes out stays in its 32 bytes.
  for (let i = 0; i < FIXED.length * 8; i++) {
    const damaged = FIXED.slice(0);
    const bit: u32 = 1 << (i & 7);
    damaged[i >> 3] = <u8>((<u32>damaged[i >> 3]) ^ bit);
    run(damaged, 32);
  }
});

export function _start(): void {
  runTests();
}
