// Damaged images: random bytes flipped anywhere on a store's disk mount to a state the store was
// in, or are refused with an error; never a trap. Random and foreign devices are refused.

import { crc32c } from "@tessera/block/assembly/crc32c";
import { StoreError } from "@tessera/block/assembly/errors";
import { Store } from "@tessera/block/assembly/store";
import { Random } from "@tessera/block/assembly/testing/random";
import { SimDisk } from "@tessera/block/assembly/testing/sim-disk";
import { flush, putString } from "@tessera/runtime/assembly/out";
import { expect, failTest, runTests, test } from "@tessera/test/assembly";

// A hash of everything a store holds, in key order.
function stateOf(s: Store): u64 {
  let a: u32 = 0;
  let b: u32 = 0x1234567;
  const c = s.scan(new Uint8Array(0));
  const len = memory.data(4);
  while (c.next()) {
    store<u32>(len, c.key.length);
    a = crc32c(a, len, 4);
    a = crc32c(a, c.key.dataStart, c.key.length);
    store<u32>(len, c.value.length);
    a = crc32c(a, len, 4);
    a = crc32c(a, c.value.dataStart, c.value.length);
    b = crc32c(b, c.value.dataStart, c.value.length) + a;
  }
  return ((<u64>a) << 32) | ((<u64>b) ^ (<u64>s.count));
}

/** A store with a history: the hash of every state it went through. */
class Aged {
  disk: SimDisk;
  history: Set<u64> = new Set<u64>();
  constructor(blockSize: u32, capacity: u64, seed: u32, operations: i32, maxValue: u32) {
    const random = new Random(seed);
    this.disk = new SimDisk(blockSize, capacity, seed);
    const store = Store.open(this.disk, seed).store!;
    this.history.add(stateOf(store));
    for (let n = 0; n < operations; n++) {
      const key = "k" + random.below(40).toString();
      const e = random.oneIn(4)
        ? store.deleteString(key)
        : store.putString(key, n.toString() + "-" + "v".repeat(random.below(maxValue)));
      if (e != StoreError.None && e != StoreError.Full) failTest("aging: " + e.toString());
      this.history.add(stateOf(store));
    }
  }
}

// A mount error a damaged image may give.
function isRefusal(e: StoreError): bool {
  return e == StoreError.Corrupt || e == StoreError.NotAStore;
}

// Flips `flips` random bytes of a copy of `image`, most anywhere, some in the metadata blocks.
function damaged(image: Uint8Array, blockSize: u32, random: Random, flips: u32): Uint8Array {
  const copy = new Uint8Array(image.length);
  memory.copy(copy.dataStart, image.dataStart, image.length);
  for (let i: u32 = 0; i < flips; i++) {
    const at = random.oneIn(4) ? random.below(4 * blockSize) : random.below(<u32>image.length);
    copy[at] = copy[at] ^ (<u8>(1 + random.below(255)));
  }
  return copy;
}

function fuzz(blockSize: u32, capacity: u64, seed: u32, rounds: i32, maxFlips: u32 = 8): void {
  const aged = new Aged(blockSize, capacity, seed, 400, capacity < 256 * 1024 ? blockSize : 20000);
  const random = new Random(seed * 31);
  let mounted = 0;
  let refused = 0;
  let older = 0;
  let reported = 0;
  const latest = stateOf(Store.mount(aged.disk).store!);
  for (let round = 0; round < rounds; round++) {
    const image = damaged(aged.disk.durable, blockSize, random, 1 + random.below(maxFlips));
    const disk = SimDisk.of(image, blockSize, round);
    const m = Store.mount(disk);
    const where = "round " + round.toString() + " of seed " + seed.toString();
    if (m.store === null) {
      if (!isRefusal(m.error)) failTest(where + ": refused with " + m.message);
      refused++;
      continue;
    }
    const store = m.store!;
    const state = stateOf(store);
    if (!aged.history.has(state)) failTest(where + ": mounted to a state the store was never in");
    if (state != latest) older++;
    if (m.damaged) {
      reported++;
      if (state == latest) failTest(where + ": reported damage but lost nothing");
      if (Store.mount(SimDisk.of(image, blockSize, 0), true).error != StoreError.Corrupt)
        failTest(where + ": refuseDamage did not refuse");
    }
    mounted++;
    // The damaged store takes writes, and keeps them.
    const e = store.putString("after", "flip");
    if (e != StoreError.None && e != StoreError.Full) failTest(where + ": a write after mounting failed");
    const again = Store.mount(disk);
    if (again.store === null)
      failTest(where + ": a damaged store that mounted, written to, did not mount again: " + again.message);
    if (e == StoreError.None && again.store!.getString("after") === null)
      failTest(where + ": the write after mounting was lost");
  }
  putString(
    "mounted " +
      mounted.toString() +
      " (" +
      older.toString() +
      " to an older state, " +
      reported.toString() +
      " of them reporting damage), refused " +
      refused.toString() +
      "\n",
  );
  flush();
  expect(mounted > 0 && refused + older > 0, true);
  // Every piece of metadata has a second copy, and a damaged compaction falls
  // back to the region before it: one flipped byte never stops a mount.
  if (maxFlips == 1) expect(refused, 0, "refused with one flipped byte");
}

test("512-byte blocks: 1 to 8 flipped bytes, 3000 images", () => {
  fuzz(512, 32 * 1024, 11, 3000);
});

test("4096-byte blocks: 1 to 8 flipped bytes, 1500 images", () => {
  fuzz(4096, 128 * 1024, 12, 1500);
});

test("one flipped byte anywhere: always mounts, 2000 images on 512-byte blocks and 800 on 4096", () => {
  fuzz(512, 32 * 1024, 16, 2000, 1);
  fuzz(4096, 256 * 1024, 17, 800, 1);
});

test("large values: compactions of several frames, 1 to 8 flipped bytes, 400 images", () => {
  fuzz(4096, 512 * 1024, 15, 400);
});

test("a device of random bytes, or of 0xff, is refused as not a store", () => {
  const random = new Random(13);
  for (let i = 0; i < 50; i++) {
    const disk = new SimDisk(512, 16 * 1024, i);
    random.fill(disk.current.dataStart, disk.current.length);
    const m = Store.open(disk);
    expect(m.error, StoreError.NotAStore);
  }
  const disk = new SimDisk(512, 16 * 1024, 1);
  disk.current.fill(0xff);
  expect(Store.mount(disk).error, StoreError.NotAStore);
});

test("a store's image with one block replaced by garbage mounts or is refused, block by block", () => {
  const aged = new Aged(512, 16 * 1024, 14, 200, 512);
  const random = new Random(14);
  const blocks = <u32>(aged.disk.capacity / 512);
  for (let b: u32 = 0; b < blocks; b++) {
    for (let k = 0; k < 3; k++) {
      const image = new Uint8Array(aged.disk.durable.length);
      memory.copy(image.dataStart, aged.disk.durable.dataStart, image.length);
      if (k == 0) memory.fill(image.dataStart + b * 512, 0, 512);
      else if (k == 1) random.fill(image.dataStart + b * 512, 512);
      else memory.fill(image.dataStart + b * 512, 0xff, 512);
      const m = Store.mount(SimDisk.of(image, 512, b));
      if (m.store === null) {
        if (!isRefusal(m.error)) failTest("block " + b.toString() + ": " + m.message);
      } else if (!aged.history.has(stateOf(m.store!)))
        failTest("block " + b.toString() + ": a state the store was never in");
    }
  }
});

export function _start(): void {
  runTests();
}
