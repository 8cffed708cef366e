// Mounting: the refusals (not a store, another block size or capacity, a newer version, damaged
// metadata, a small device, a failing device), each with a message that says what is wrong.

import { StoreError } from "@tessera/block/assembly/errors";
import { LAST_GENERATION, RegionHeader } from "@tessera/block/assembly/format/region-header";
import { Superblock } from "@tessera/block/assembly/format/superblock";
import { Store } from "@tessera/block/assembly/store";
import { SimDisk } from "@tessera/block/assembly/testing/sim-disk";
import { expect, runTests, test } from "@tessera/test/assembly";

// A store with a few keys on a 64 KiB disk of `blockSize`-byte blocks.
function made(blockSize: u32 = 512): SimDisk {
  const disk = new SimDisk(blockSize, 64 * 1024, 1);
  const store = Store.open(disk, 0x5a17).store!;
  for (let i = 0; i < 10; i++) store.putString("k" + i.toString(), "v" + i.toString());
  return disk;
}

function copy(image: Uint8Array, len: i32): Uint8Array {
  const c = new Uint8Array(len);
  memory.copy(c.dataStart, image.dataStart, min(len, image.length));
  return c;
}

test("a blank device mounts as not a store (open formats it; mount never does)", () => {
  const m = Store.mount(new SimDisk(512, 64 * 1024, 1));
  expect(m.store === null, true);
  expect(m.error, StoreError.NotAStore);
  expect(m.message.includes("blank"), true, m.message);
});

test("a device holding something else is refused by open and left as it was", () => {
  const disk = new SimDisk(512, 64 * 1024, 1);
  for (let i = 0; i < disk.current.length; i += 4096) disk.current[i] = 0x42;
  memory.copy(disk.durable.dataStart, disk.current.dataStart, disk.current.length);
  const m = Store.open(disk, 1);
  expect(m.error, StoreError.NotAStore);
  expect(disk.ops, 0, "nothing written");
  // A store's first block zeroed but its data behind it: not blank either.
  const store = made();
  memory.fill(store.current.dataStart, 0, 1024);
  expect(Store.open(store, 1).error, StoreError.NotAStore);
});

test("a store made with 512-byte blocks on a 4096-byte device, and the other way, is refused with both sizes", () => {
  const small = made(512);
  const m = Store.mount(SimDisk.of(small.durable, 4096, 1));
  expect(m.error, StoreError.WrongBlockSize);
  expect(m.message.includes("512-byte blocks") && m.message.includes("4096-byte"), true, m.message);
  const large = made(4096);
  expect(Store.mount(SimDisk.of(large.durable, 512, 1)).error, StoreError.WrongBlockSize);
  expect(Store.open(SimDisk.of(large.durable, 512, 1)).error, StoreError.WrongBlockSize, "open does not format it");
});

test("a store on a device of another size is refused with both sizes, grown or shrunk", () => {
  const disk = made();
  const grown = Store.mount(SimDisk.of(copy(disk.durable, 128 * 1024), 512, 1));
  expect(grown.error, StoreError.WrongCapacity);
  expect(grown.message.includes("65536") && grown.message.includes("131072"), true, grown.message);
  expect(Store.mount(SimDisk.of(copy(disk.durable, 32 * 1024), 512, 1)).error, StoreError.WrongCapacity);
});

test("a store of a newer format version is refused", () => {
  const disk = made();
  const s = Superblock.parse(disk.durable.dataStart);
  s.version = 2;
  s.emit(disk.durable.dataStart);
  s.emit(disk.durable.dataStart + 512);
  const m = Store.mount(disk.reboot(1));
  expect(m.error, StoreError.UnsupportedVersion);
  expect(m.message.includes("version 2"), true, m.message);
});

test("one damaged superblock copy is repaired from the other; two are refused as corrupt", () => {
  const disk = made();
  disk.durable[20] = disk.durable[20] ^ 1;
  expect(Store.mount(disk.reboot(1)).store!.count, 10);
  disk.durable[512 + 40] = disk.durable[512 + 40] ^ 1;
  const m = Store.mount(disk.reboot(1));
  expect(m.error, StoreError.Corrupt);
  expect(m.message.includes("superblock"), true, m.message);
});

test("both copies of every region header damaged: refused as corrupt", () => {
  const disk = made();
  for (let block = 2; block < 4; block++) disk.durable[block * 512 + 9] = disk.durable[block * 512 + 9] ^ 4;
  const m = Store.mount(disk.reboot(1));
  expect(m.error, StoreError.Corrupt);
  expect(m.message.includes("no region header"), true, m.message);
});

test("a device too small for a store is refused when opened", () => {
  const m = Store.open(new SimDisk(512, 9 * 512, 1), 1);
  expect(m.error, StoreError.DeviceTooSmall);
  expect(Store.open(new SimDisk(512, 10 * 512, 1), 1).store !== null, true);
});

test("a device that fails reads gives Io, not a trap", () => {
  const disk = made();
  disk.crashAt = <i64>disk.ops;
  disk.flush();
  const m = Store.mount(disk);
  expect(m.error, StoreError.Io);
});

test("a failed write says Io, leaves the store as it was in memory, and stops it until it is mounted again", () => {
  const disk = made();
  const store = Store.mount(disk).store!;
  disk.crashAt = <i64>disk.ops + 1; // the flush after the write
  expect(store.putString("new", "x"), StoreError.Io);
  expect(store.getString("new"), null);
  expect(store.isStopped, true);
  expect(store.putString("other", "y"), StoreError.Stopped);
  expect(store.getString("k3"), "v3", "reads go on");
  const again = Store.mount(disk.reboot(2)).store!;
  expect(again.count, 10);
  expect(again.putString("new", "x"), StoreError.None);
});

test("formatting cut off at any point, torn every way, leaves a device that opens", () => {
  for (let tear = 0; tear < 5; tear++) {
    for (let at: i64 = 0; at < 8; at++) {
      const disk = new SimDisk(512, 32 * 1024, <u32>at + 1);
      disk.crashAt = at;
      disk.tear = tear;
      const first = Store.open(disk, 7);
      if (first.store !== null) continue; // formatting took fewer operations
      expect(first.error, StoreError.Io);
      const m = Store.open(disk.reboot(3), 7);
      expect(
        m.error,
        StoreError.None,
        "cut at operation " + at.toString() + ", tear " + tear.toString() + ": " + m.message,
      );
      expect(m.store!.count, 0);
    }
  }
});

test("formatting a used store empties it, its old region 1 active or not", () => {
  const disk = made();
  const store = Store.mount(disk).store!;
  expect(store.compact(), StoreError.None); // region 1, generation 2, is now the active one
  expect(Store.format(disk), StoreError.None);
  const m = Store.mount(disk);
  expect(m.store!.count, 0);
  expect(m.store!.generation, 1);
});

test("a device whose only data is in its first block (a partition table, say) is not blank", () => {
  const disk = new SimDisk(512, 64 * 1024, 1);
  disk.current[510] = 0x55;
  disk.current[511] = 0xaa;
  expect(Store.open(disk, 1).error, StoreError.NotAStore);
  expect(disk.ops, 0);
});

test("a region header claiming the last generation (2^64 - 1) is ignored: compaction never wraps to 0 and loses a put", () => {
  // The fuzz target kv-mount's generation-overflow: a header copy with a valid checksum and generation
  // u64.MAX was taken as the newest, the next compaction got generation 0, which no mount accepts.
  const disk = made();
  const a = RegionHeader.parse(disk.durable.dataStart + 2 * 512, 0, 0x5a17)!;
  a.generation = u64.MAX_VALUE;
  a.emit(disk.durable.dataStart + 3 * 512); // region 0's copy B
  const damaged = disk.reboot(1);
  const m = Store.mount(damaged);
  expect(m.error, StoreError.None, m.message);
  const store = m.store!;
  expect(store.count, 10);
  expect(store.putString("after", "durable"), StoreError.None);
  expect(store.compact(), StoreError.None);
  expect(store.putString("later", "too"), StoreError.None);
  const again = Store.mount(damaged.reboot(2)).store!;
  expect(again.getString("after"), "durable");
  expect(again.getString("later"), "too");
  expect(again.count, 12);
});

test("a header claiming a generation above LAST_GENERATION (2^64 - 2 here) is ignored too", () => {
  // kv-mount's remount-loses-keys: with 2^64 - 2 taken as the newest, the compaction after damage wrote
  // 2^64 - 1, which the mount after ignored, and the put went with it.
  const disk = made();
  const a = RegionHeader.parse(disk.durable.dataStart + 2 * 512, 0, 0x5a17)!;
  a.generation = u64.MAX_VALUE - 1;
  a.emit(disk.durable.dataStart + 3 * 512);
  const damaged = disk.reboot(1);
  const store = Store.mount(damaged).store!;
  expect(store.generation, 1);
  expect(store.putString("after", "durable"), StoreError.None);
  expect(store.compact(), StoreError.None);
  const again = Store.mount(damaged.reboot(2)).store!;
  expect(again.getString("after"), "durable");
  expect(again.count, 11);
});

test("a store at LAST_GENERATION makes no compaction: writes that need one are Full, and nothing is lost", () => {
  const disk = made();
  const a = RegionHeader.parse(disk.durable.dataStart + 2 * 512, 0, 0x5a17)!;
  a.generation = LAST_GENERATION;
  a.emit(disk.durable.dataStart + 2 * 512);
  a.emit(disk.durable.dataStart + 3 * 512);
  const last = disk.reboot(1);
  const m = Store.mount(last);
  expect(m.error, StoreError.None, m.message);
  const store = m.store!;
  expect(store.generation, LAST_GENERATION);
  const before = store.count; // 0: the new header's checksum seeds another chain than the old frames'
  expect(store.compact(), StoreError.Full);
  let puts = 0;
  let e = StoreError.None;
  for (; puts < 10000 && e == StoreError.None; puts++) e = store.putString("n" + puts.toString(), "v");
  expect(e, StoreError.Full); // the log filled, and it cannot compact
  const again = Store.mount(last.reboot(2)).store!;
  expect(again.count, before + puts - 1);
  expect(again.getString("n0"), "v");
  expect(again.generation, LAST_GENERATION);
});

export function _start(): void {
  runTests();
}
