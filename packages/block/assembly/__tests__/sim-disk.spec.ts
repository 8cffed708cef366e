// The disk interface's checks and the simulated disk: flushes, crashes, tears, reboots.

import { SimDisk, Tear } from "@tessera/block/assembly/testing/sim-disk";
import { expect, runTests, test } from "@tessera/test/assembly";

function filled(len: i32, v: u8): Uint8Array {
  const b = new Uint8Array(len);
  b.fill(v);
  return b;
}

// The number of bytes of `image` in [at, at + len) equal to `v`.
function count(image: Uint8Array, at: i32, len: i32, v: u8): i32 {
  let n = 0;
  for (let i = at; i < at + len; i++) if (image[i] == v) n++;
  return n;
}

test("fits: whole aligned blocks inside the capacity, at least one", () => {
  const d = new SimDisk(512, 8192, 1);
  expect(d.fits(0, 512), true);
  expect(d.fits(512, 7680), true);
  expect(d.fits(0, 8192), true);
  expect(d.fits(0, 0), false);
  expect(d.fits(1, 512), false);
  expect(d.fits(0, 511), false);
  expect(d.fits(8192, 512), false);
  expect(d.fits(7680, 1024), false);
  expect(d.fits(u64.MAX_VALUE - 511, 512), false, "no wrap-around");
  expect(d.blocks, 16);
});

test("a write is read back at once and is durable only after a flush", () => {
  const d = new SimDisk(512, 4096, 1);
  const data = filled(1024, 7);
  expect(d.write(512, data.dataStart, 1024), true);
  const back = new Uint8Array(1024);
  expect(d.read(512, back.dataStart, 1024), true);
  expect(count(back, 0, 1024, 7), 1024);
  expect(count(d.durable, 512, 1024, 7), 0);
  expect(d.unflushed, 1);
  expect(d.flush(), true);
  expect(count(d.durable, 512, 1024, 7), 1024);
  expect(d.unflushed, 0);
  expect(d.ops, 2);
});

test("a crash drops what was not flushed, and every later operation fails", () => {
  const d = new SimDisk(512, 4096, 1);
  d.write(0, filled(512, 1).dataStart, 512);
  d.flush();
  d.write(512, filled(512, 2).dataStart, 512);
  d.crashAt = <i64>d.ops; // the flush
  expect(d.flush(), false);
  expect(d.crashed, true);
  expect(d.write(0, filled(512, 3).dataStart, 512), false);
  expect(d.read(0, filled(512, 0).dataStart, 512), false);
  const r = d.reboot(2);
  expect(count(r.current, 0, 512, 1), 512);
  expect(count(r.current, 512, 512, 2), 0);
  expect(r.crashed, false);
});

function tearOne(tear: Tear, seed: u32): Uint8Array {
  const d = new SimDisk(4096, 16384, seed);
  d.tear = tear;
  d.crashAt = 0;
  expect(d.write(4096, filled(4096, 0xaa).dataStart, 4096), false);
  return d.durable;
}

test("each way to tear the write in flight, at 512-byte sectors of a 4096-byte block", () => {
  expect(count(tearOne(Tear.Lost, 1), 4096, 4096, 0xaa), 0);
  expect(count(tearOne(Tear.Whole, 1), 4096, 4096, 0xaa), 4096);
  for (let seed: u32 = 1; seed < 40; seed++) {
    const s = tearOne(Tear.Sectors, seed);
    const n = count(s, 4096, 4096, 0xaa);
    expect(n % 512, 0, "whole sectors");
    expect(n < 4096, true);
    expect(count(s, 4096, n, 0xaa), n, "a prefix");
    const m = tearOne(Tear.MidSector, seed);
    const k = count(m, 4096, 4096, 0xaa);
    expect(count(m, 4096, k, 0xaa), k, "a prefix, cut anywhere");
    expect(count(m, 4096 + k, 4096 - k, 0), 4096 - k, "the rest untouched");
    // Garbage: whole sectors of the new bytes, one sector of neither, then the old bytes.
    const g = tearOne(Tear.Garbage, seed);
    let good = 0;
    while (good < 8 && count(g, 4096 + good * 512, 512, 0xaa) == 512) good++;
    expect(good < 8, true);
    const junk = 4096 + good * 512;
    expect(count(g, junk, 512, 0xaa) < 512 && count(g, junk, 512, 0) < 512, true, "a sector of garbage");
    expect(count(g, junk + 512, 8192 - junk - 512, 0), 8192 - junk - 512, "then the old bytes");
  }
});

test("crashImage leaves the disk as it was; keepSomeUnflushed keeps some unflushed writes", () => {
  const d = new SimDisk(512, 8192, 5);
  d.keepSomeUnflushed = true;
  d.tear = Tear.Lost;
  for (let i = 0; i < 16; i++) d.write(<u64>i * 512, filled(512, <u8>(i + 1)).dataStart, 512);
  const image = d.crashImage(0, 0, 0);
  let kept = 0;
  for (let i = 0; i < 16; i++) if (image[i * 512] == i + 1) kept++;
  expect(kept > 0 && kept < 16, true, "kept " + kept.toString());
  expect(d.crashed, false);
  expect(d.unflushed, 16);
  expect(count(d.durable, 0, 8192, 0), 8192);
});

test("the same seed tears the same way", () => {
  for (let seed: u32 = 1; seed < 20; seed++) {
    const a = new SimDisk(4096, 8192, seed);
    const b = new SimDisk(4096, 8192, seed);
    const x = a.crashImage(4096, filled(4096, 9).dataStart, 4096);
    const y = b.crashImage(4096, filled(4096, 9).dataStart, 4096);
    expect(memory.compare(x.dataStart, y.dataStart, 8192), 0);
  }
});

export function _start(): void {
  runTests();
}
