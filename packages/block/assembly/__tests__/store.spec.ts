// The store through its API on a simulated disk: get, put, delete, batches, scans, remounts, limits, full.

import { Batch } from "@tessera/block/assembly/batch";
import { StoreError } from "@tessera/block/assembly/errors";
import { MAX_BATCH_BYTES, MAX_KEY_SIZE, MAX_VALUE_SIZE } from "@tessera/block/assembly/limits";
import { Store } from "@tessera/block/assembly/store";
import { SimDisk } from "@tessera/block/assembly/testing/sim-disk";
import { expect, runTests, test } from "@tessera/test/assembly";

function fresh(blockSize: u32 = 512, capacity: u64 = 64 * 1024): SimDisk {
  return new SimDisk(blockSize, capacity, 1);
}

function open(disk: SimDisk): Store {
  const m = Store.open(disk, 0x5a17);
  if (m.store === null) expect(m.message, "", "mount failed");
  return m.store!;
}

function remount(disk: SimDisk): Store {
  const m = Store.mount(disk);
  if (m.store === null) expect(m.message, "", "remount failed");
  return m.store!;
}

function bytes(n: i32, fill: u8): Uint8Array {
  const b = new Uint8Array(n);
  b.fill(fill);
  return b;
}

test("a blank device opens as an empty store", () => {
  const store = open(fresh());
  expect(store.count, 0);
  expect(store.getString("a"), null);
  expect(store.generation, 1);
});

test("put, get, overwrite and delete, with strings", () => {
  const store = open(fresh());
  expect(store.putString("a", "1"), StoreError.None);
  expect(store.putString("b", "2"), StoreError.None);
  expect(store.getString("a"), "1");
  expect(store.putString("a", "one"), StoreError.None);
  expect(store.getString("a"), "one");
  expect(store.deleteString("a"), StoreError.None);
  expect(store.getString("a"), null);
  expect(store.deleteString("never"), StoreError.None);
  expect(store.count, 1);
});

test("what was written is there after a remount, deletes included", () => {
  const disk = fresh();
  const store = open(disk);
  for (let i = 0; i < 50; i++) store.putString("key" + i.toString(), "value" + i.toString());
  for (let i = 0; i < 50; i += 3) store.deleteString("key" + i.toString());
  store.putString("key1", "changed");
  const again = remount(disk);
  expect(again.count, store.count);
  for (let i = 0; i < 50; i++) {
    const want: string | null = i % 3 == 0 ? null : i == 1 ? "changed" : "value" + i.toString();
    expect(again.getString("key" + i.toString()), want, "key" + i.toString());
  }
  expect(again.nextSequence, store.nextSequence);
});

test("keys and values are bytes: zeros, 0xff and empty values round-trip", () => {
  const disk = fresh();
  const store = open(disk);
  const k = new Uint8Array(3);
  k[1] = 0xff;
  expect(store.put(k, bytes(0, 0)), StoreError.None);
  expect(store.put(bytes(1, 0), bytes(700, 0xab)), StoreError.None);
  const again = remount(disk);
  expect(again.get(k)!.length, 0);
  const v = again.get(bytes(1, 0))!;
  expect(v.length, 700);
  expect(v[699], 0xab);
  expect(again.has(bytes(2, 0)), false);
});

test("a batch applies in order, all together", () => {
  const disk = fresh();
  const store = open(disk);
  store.putString("gone", "x");
  const b = new Batch();
  b.putString("a", "1").putString("b", "2").deleteString("gone").putString("a", "3");
  expect(store.commit(b), StoreError.None);
  const again = remount(disk);
  expect(again.getString("a"), "3");
  expect(again.getString("b"), "2");
  expect(again.getString("gone"), null);
  expect(again.count, 2);
  expect(store.commit(new Batch()), StoreError.None);
});

test("a scan walks the keys with a prefix in byte order", () => {
  const store = open(fresh());
  const keys = ["b/2", "a", "b/10", "b/1", "c", "b", "b/"];
  for (let i = 0; i < keys.length; i++) store.putString(keys[i], "v" + keys[i]);
  const c = store.scanString("b/");
  let seen = "";
  while (c.next()) seen += c.keyString + "=" + c.valueString + ";";
  expect(seen, "b/=vb/;b/1=vb/1;b/10=vb/10;b/2=vb/2;");
  const all = store.scanString("");
  let n = 0;
  while (all.next()) n++;
  expect(n, 7);
  expect(store.scanString("z").next(), false);
});

test("a scan neither skips nor repeats a key when the store changes under it", () => {
  const store = open(fresh());
  for (let i = 0; i < 10; i++) store.putString("k" + i.toString(), "v");
  const c = store.scanString("k");
  let seen = "";
  while (c.next()) {
    const k = c.keyString;
    seen += k + ";";
    if (k == "k3") {
      store.deleteString("k3");
      store.deleteString("k4");
      store.putString("k35", "new");
    }
  }
  expect(seen, "k0;k1;k2;k3;k35;k5;k6;k7;k8;k9;");
});

test("keys and values over the limits are refused and change nothing", () => {
  const disk = new SimDisk(512, 4 * 1024 * 1024, 1);
  const store = open(disk);
  expect(store.put(bytes(<i32>MAX_KEY_SIZE + 1, 1), bytes(1, 1)), StoreError.KeyTooLarge);
  expect(store.put(bytes(1, 1), bytes(<i32>MAX_VALUE_SIZE + 1, 1)), StoreError.ValueTooLarge);
  expect(store.put(bytes(<i32>MAX_KEY_SIZE, 1), bytes(<i32>MAX_VALUE_SIZE, 2)), StoreError.None);
  const b = new Batch();
  b.putString("ok", "1").put(bytes(<i32>MAX_KEY_SIZE + 1, 3), bytes(1, 1));
  expect(store.commit(b), StoreError.KeyTooLarge);
  expect(store.getString("ok"), null);
  expect(remount(disk).get(bytes(<i32>MAX_KEY_SIZE, 1))!.length, <i32>MAX_VALUE_SIZE);
  // Four values of the largest size fit a batch; a fifth does not.
  const big = new Batch();
  for (let i = 0; i < 4; i++) big.put(bytes(1, <u8>i), bytes(<i32>MAX_VALUE_SIZE - 16, 9));
  expect(big.entryBytes <= <u64>MAX_BATCH_BYTES, true);
  big.put(bytes(1, 4), bytes(<i32>MAX_VALUE_SIZE, 9));
  expect(store.commit(big), StoreError.BatchTooLarge);
  expect(store.has(bytes(1, 0)), false);
});

test("overwrites reclaim their space by compaction, and the store stays the same", () => {
  const disk = fresh();
  const store = open(disk);
  const value = bytes(300, 7);
  for (let i = 0; i < 2000; i++)
    expect(store.put(Uint8Array.wrap(String.UTF8.encode("k" + (i % 10).toString())), value), StoreError.None);
  expect(store.generation > 10, true, "compactions: " + store.generation.toString());
  expect(store.count, 10);
  const again = remount(disk);
  expect(again.count, 10);
  expect(again.generation, store.generation);
  expect(again.get(Uint8Array.wrap(String.UTF8.encode("k9")))!.length, 300);
});

test("a full store says Full, keeps everything, and takes writes again after a delete", () => {
  const disk = fresh(512, 32 * 1024);
  const store = open(disk);
  let n = 0;
  let e = StoreError.None;
  while (n < 1000) {
    e = store.putString("key" + n.toString(), "x".repeat(200));
    if (e != StoreError.None) break;
    n++;
  }
  expect(e, StoreError.Full);
  expect(n > 20, true, "puts before full: " + n.toString());
  expect(store.count, n);
  expect(store.isStopped, false);
  const again = remount(disk);
  expect(again.count, n);
  for (let i = 0; i < n; i++) expect(again.getString("key" + i.toString()) !== null, true);
  expect(store.deleteString("key0"), StoreError.None);
  expect(store.deleteString("key1"), StoreError.None);
  expect(store.putString("new", "x".repeat(200)), StoreError.None);
  expect(remount(disk).getString("new")!.length, 200);
});

test("an explicit compaction keeps every key and frees the log", () => {
  const disk = fresh();
  const store = open(disk);
  for (let i = 0; i < 40; i++) store.putString("k" + (i % 4).toString(), "v" + i.toString());
  const before = store.freeBytes;
  expect(store.compact(), StoreError.None);
  expect(store.freeBytes > before, true);
  expect(store.generation, 2);
  const again = remount(disk);
  expect(again.count, 4);
  expect(again.getString("k3"), "v39");
  expect(again.generation, 2);
});

test("4096-byte blocks work as 512-byte ones do", () => {
  const disk = fresh(4096, 256 * 1024);
  const store = open(disk);
  for (let i = 0; i < 300; i++) expect(store.putString("k" + (i % 37).toString(), "v" + i.toString()), StoreError.None);
  const again = remount(disk);
  expect(again.count, 37);
  expect(again.getString("k0"), "v296");
});

export function _start(): void {
  runTests();
}
