// What a mount reads: the live log and a bounded stretch past its tail, whatever the size of the
// device (it used to read to the end of the active region: half the device, at every boot).

import { StoreError } from "@tessera/block/assembly/errors";
import { MAX_BATCH_BYTES } from "@tessera/block/assembly/limits";
import { Store } from "@tessera/block/assembly/store";
import { SparseDisk } from "@tessera/block/assembly/testing/sparse-disk";
import { expect, runTests, test } from "@tessera/test/assembly";

const MiB: u64 = 1 << 20;
const GiB: u64 = 1 << 30;

// The most a mount may read past the end of the log: a block, one frame of the largest batch, and
// two read-ahead windows (the replay's last one and the look past the tail's).
const PAST_THE_TAIL: u64 = <u64>MAX_BATCH_BYTES + 2 * 4096 + 2 * 64 * 1024;

// Formats `disk` and puts `count` values of 1 KiB under distinct keys; the store.
function filled(disk: SparseDisk, count: i32): Store {
  const s = Store.open(disk, 0x600d).store!;
  const value = new Uint8Array(1024);
  for (let i = 0; i < count; i++) {
    store<u32>(value.dataStart, <u32>i);
    expect(s.put(Uint8Array.wrap(String.UTF8.encode("key-" + i.toString())), value), StoreError.None);
  }
  return s;
}

// The bytes a mount of `disk` reads, after checking it mounts with `count` keys.
function mountReads(disk: SparseDisk, count: i32): u64 {
  disk.resetCounters();
  const m = Store.mount(disk);
  expect(m.error, StoreError.None, m.message);
  expect(m.store!.count, count);
  expect(m.damaged, false, m.message);
  return disk.bytesRead;
}

test("mounting 1,000 puts on a 1 GiB device reads the log and at most one frame past it, not the region", () => {
  const disk = new SparseDisk(4096, GiB);
  const store = filled(disk, 1000);
  const log = store.logBytes - store.freeBytes; // the bytes of the active region's log in use
  const read = mountReads(disk, 1000);
  expect(read <= log + PAST_THE_TAIL, true, "read " + read.toString() + " bytes for a log of " + log.toString());
  expect(read < 16 * MiB, true, "read " + read.toString() + " bytes on a 1 GiB device");
});

test("a mount reads the same bytes on a 64 MiB, a 1 GiB and a 4 GiB device holding the same data", () => {
  const sizes: u64[] = [64 * MiB, GiB, 4 * GiB];
  const reads: u64[] = [];
  for (let i = 0; i < sizes.length; i++) {
    const disk = new SparseDisk(4096, sizes[i]);
    filled(disk, 300);
    reads.push(mountReads(disk, 300));
  }
  expect(reads[1], reads[0], "1 GiB against 64 MiB");
  expect(reads[2], reads[0], "4 GiB against 64 MiB");
});

test("after a compaction the mount reads the compacted log, not the region", () => {
  const disk = new SparseDisk(4096, GiB);
  const store = filled(disk, 500);
  expect(store.compact(), StoreError.None);
  const log = store.logBytes - store.freeBytes;
  const read = mountReads(disk, 500);
  expect(read <= log + PAST_THE_TAIL, true, "read " + read.toString() + " bytes for a log of " + log.toString());
});

export function _start(): void {
  runTests();
}
