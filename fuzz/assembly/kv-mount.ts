// Mounting a KV store (packages/block/assembly/recover.ts, store.ts, format/*): the input is a device image of
// 16 blocks of 512 bytes (after a control byte), mounted from a simulated disk.
//
// So that mutations get past the checksums, what the control byte's bits ask is sealed before the mount:
// bit 0 the superblock copies that have their magic, bit 1 the region headers that have theirs, bit 2 each
// region's chain of frames from its first header copy (prev and crc; with bit 3 the sequence numbers too).
// The mount must not panic or trap, whatever the image. A store that mounts takes a put, and the device then
// mounts again with the same keys and the new value.

import { crc32c } from "@tessera/block/assembly/crc32c";
import { FRAME_HEADER_SIZE, FRAME_MAGIC, sealFrame } from "@tessera/block/assembly/format/frame";
import { Layout } from "@tessera/block/assembly/format/layout";
import { REGION_HEADER_SIZE, REGION_MAGIC } from "@tessera/block/assembly/format/region-header";
import { SUPERBLOCK_MAGIC, SUPERBLOCK_SIZE } from "@tessera/block/assembly/format/superblock";
import { StoreError } from "@tessera/block/assembly/errors";
import { Store } from "@tessera/block/assembly/store";
import { SimDisk } from "@tessera/block/assembly/testing/sim-disk";
import { check } from "./common";

export { area, areaLength, input } from "./common";

const BLOCK: u32 = 512;
const BLOCKS: u32 = 16;
const SIZE: u32 = BLOCK * BLOCKS;

function sealAll(image: usize, ctl: u32, layout: Layout): void {
  if (ctl & 1)
    for (let c: u32 = 0; c < 2; c++) {
      const p = image + c * BLOCK;
      if (load<u32>(p) == SUPERBLOCK_MAGIC) store<u32>(p, crc32c(0, p + 8, SUPERBLOCK_SIZE - 8), 4);
    }
  if (ctl & 2)
    for (let r: u32 = 0; r < 2; r++)
      for (let c: u32 = 0; c < 2; c++) {
        const p = image + <usize>layout.header(r, c);
        if (load<u32>(p) == REGION_MAGIC) store<u32>(p, crc32c(0, p + 8, REGION_HEADER_SIZE - 8), 4);
      }
  if (!(ctl & 4)) return;
  const salt = load<u32>(image, 32);
  for (let r: u32 = 0; r < 2; r++) {
    const header = image + <usize>layout.header(r, 0);
    let prev = load<u32>(header, 4);
    let sequence = load<u64>(header, 16);
    const end = layout.logEnd(r);
    let at = layout.logStart(r);
    while (at + FRAME_HEADER_SIZE <= end) {
      const p = image + <usize>at;
      if (load<u32>(p) != FRAME_MAGIC) break;
      const length = load<u32>(p, 20);
      if (length < FRAME_HEADER_SIZE || <u64>length > end - at) break;
      const s = ctl & 8 ? sequence : load<u64>(p, 8);
      prev = sealFrame(p, length, load<u32>(p, 24), s, prev, salt);
      at += layout.padded(length);
      sequence = s + 1;
    }
  }
}

export function fuzz(ptr: usize, len: u32): void {
  if (len < 1) return;
  const ctl = <u32>load<u8>(ptr);
  const image = new Uint8Array(SIZE);
  memory.copy(image.dataStart, ptr + 1, min(len - 1, SIZE));
  const layout = Layout.of(BLOCK, SIZE)!;
  sealAll(image.dataStart, ctl, layout);
  const disk = SimDisk.of(image, BLOCK, 1);
  const m = Store.mount(disk);
  check((m.store === null) == (m.error != StoreError.None), "a store, or an error");
  const store = m.store;
  if (store === null) return;
  const count = store.count;
  check(count >= 0 && store.freeBytes <= store.logBytes, "sizes make sense");
  const key = Uint8Array.wrap(String.UTF8.encode("fuzz"));
  const value = Uint8Array.wrap(String.UTF8.encode("value"));
  const had = store.has(key);
  const e = store.put(key, value);
  check(e == StoreError.None || e == StoreError.Full, "a put on a mounted store succeeds or is Full");
  if (e != StoreError.None) return;
  const again = Store.mount(SimDisk.of(disk.current, BLOCK, 2));
  check(again.error == StoreError.None, "a store that took a put mounts again");
  const s = again.store!;
  check(s.count == count + (had ? 0 : 1), "the same keys and the new one");
  const v = s.get(key);
  check(
    v !== null && v.length == value.length && memory.compare(v.dataStart, value.dataStart, value.length) == 0,
    "the put's value",
  );
}

export function _start(): void {}
