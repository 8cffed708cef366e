// Compaction: regions alternate, space comes back, big live sets take several frames, a full store
// stays untouched, and a compaction cut off at any point leaves the store as before or after it.

import { Batch } from "@tessera/block/assembly/batch";
import { StoreError } from "@tessera/block/assembly/errors";
import { recover } from "@tessera/block/assembly/recover";
import { FULL_HEADROOM, Store } from "@tessera/block/assembly/store";
import { SimDisk } from "@tessera/block/assembly/testing/sim-disk";
import { expect, runTests, test } from "@tessera/test/assembly";

function open(disk: SimDisk): Store {
  return Store.open(disk, 0x5a17).store!;
}

test("each compaction moves the store to the other region with the next generation", () => {
  const disk = new SimDisk(512, 32 * 1024, 1);
  const store = open(disk);
  store.putString("a", "1");
  for (let g: u64 = 2; g < 6; g++) {
    expect(store.compact(), StoreError.None);
    expect(store.generation, g);
    const r = recover(disk);
    expect(r.log!.region, <u32>(g - 1) % 2);
    expect(r.log!.generation, g);
    expect(r.table!.size, 1);
  }
});

test("an empty store compacts to an empty log", () => {
  const disk = new SimDisk(512, 32 * 1024, 1);
  const store = open(disk);
  store.putString("a", "1");
  store.deleteString("a");
  expect(store.compact(), StoreError.None);
  expect(store.freeBytes, store.logBytes);
  expect(Store.mount(disk).store!.count, 0);
});

test("deleted and overwritten entries take no space after a compaction", () => {
  const disk = new SimDisk(512, 64 * 1024, 1);
  const store = open(disk);
  for (let i = 0; i < 20; i++) store.putString("k" + i.toString(), "x".repeat(100));
  for (let i = 0; i < 20; i++) if (i % 2 == 1) store.deleteString("k" + i.toString());
  expect(store.compact(), StoreError.None);
  // 10 entries of 8 + 2..3 + 100 bytes, one frame header, padded to blocks
  expect(store.logBytes - store.freeBytes, 3 * 512);
});

test("a live set larger than one compaction frame is written as several, and mounts whole", () => {
  const disk = new SimDisk(4096, 1024 * 1024, 1);
  const store = open(disk);
  const value = new Uint8Array(30000);
  for (let i = 0; i < 12; i++) {
    value.fill(<u8>i);
    expect(store.put(Uint8Array.wrap(String.UTF8.encode("k" + i.toString())), value), StoreError.None);
  }
  expect(store.compact(), StoreError.None);
  const r = recover(disk);
  expect(r.frames >= 5, true, "frames: " + r.frames.toString());
  expect(r.table!.size, 12);
  const v = r.table!.get(changetype<usize>(String.UTF8.encode("k7")), 2)!;
  expect(v[29999], 7);
});

test("Full writes nothing: the device is byte for byte the same", () => {
  const disk = new SimDisk(512, 16 * 1024, 1);
  const store = open(disk);
  let e = StoreError.None;
  for (let i = 0; i < 200 && e == StoreError.None; i++) e = store.putString("k" + i.toString(), "y".repeat(150));
  expect(e, StoreError.Full);
  const ops = disk.ops;
  const image = new Uint8Array(disk.current.length);
  memory.copy(image.dataStart, disk.current.dataStart, image.length);
  expect(store.putString("another", "y".repeat(150)), StoreError.Full);
  const b = new Batch();
  b.putString("x", "1").putString("big", "z".repeat(4000));
  expect(store.commit(b), StoreError.Full);
  expect(store.getString("x"), null, "no half of a refused batch");
  expect(disk.ops, ops);
  expect(memory.compare(image.dataStart, disk.current.dataStart, image.length), 0);
});

test("near full, a write that adds data must leave the headroom free; one that shrinks the data may use it", () => {
  const disk = new SimDisk(512, 64 * 1024, 1);
  const store = open(disk);
  let n = 0;
  while (store.putString("k" + n.toString(), "v".repeat(100)) == StoreError.None) n++;
  // refused while the compacted data would still fit the log, but not its headroom
  expect(store.compact(), StoreError.None);
  const used = store.logBytes - store.freeBytes;
  expect(used <= store.logBytes - store.logBytes / FULL_HEADROOM, true);
  expect(used + 3 * 512 > store.logBytes - store.logBytes / FULL_HEADROOM, true, "refused only near the line");
  // fill the tail with overwrites of the same size, so the next write must compact
  while (store.freeBytes >= 512) expect(store.putString("k0", "w".repeat(100)), StoreError.None);
  expect(store.putString("k1", "s"), StoreError.None, "smaller");
  expect(store.deleteString("k2"), StoreError.None);
  expect(Store.mount(disk).store!.count, n - 1);
});

test("a batch that only fits once dead entries are gone is committed by the compaction itself", () => {
  const disk = new SimDisk(512, 16 * 1024, 1);
  const store = open(disk);
  // fill the log with overwrites of one key, leaving little live data
  while (store.freeBytes >= 1024) store.putString("same", "v".repeat(300));
  const generation = store.generation;
  const b = new Batch();
  b.putString("a", "w".repeat(600)).deleteString("same").putString("b", "w".repeat(600));
  expect(store.commit(b), StoreError.None);
  expect(store.generation, generation + 1);
  const again = Store.mount(disk).store!;
  expect(again.getString("same"), null);
  expect(again.getString("a")!.length, 600);
  expect(again.count, 2);
});

test("a compaction cut off at each of its device operations leaves the store as it was", () => {
  for (let cut = 0; cut < 12; cut++) {
    for (let tear = 0; tear < 5; tear++) {
      const disk = new SimDisk(512, 32 * 1024, <u32>(cut * 5 + tear + 1));
      const store = open(disk);
      for (let i = 0; i < 30; i++) store.putString("k" + (i % 7).toString(), i.toString());
      const generation = store.generation;
      disk.crashAt = <i64>disk.ops + cut;
      disk.tear = tear;
      const e = store.compact();
      const m = Store.mount(disk.reboot(1));
      expect(m.error, StoreError.None, m.message);
      const s = m.store!;
      expect(s.count, 7);
      for (let i = 23; i < 30; i++) expect(s.getString("k" + (i % 7).toString()), i.toString());
      if (e == StoreError.None) expect(s.generation, generation + 1);
      else expect(e, StoreError.Io);
    }
  }
});

export function _start(): void {
  runTests();
}
