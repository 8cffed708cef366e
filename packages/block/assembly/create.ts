// Formatting: writes an empty store onto a device.

import { Disk } from "./disk";
import { StoreError } from "./errors";
import { Layout } from "./format/layout";
import { RegionHeader } from "./format/region-header";
import { FORMAT_VERSION, Superblock } from "./format/superblock";

/** How much of the start of a device must be zeros for `isBlank` (or all of a smaller device). */
export const BLANK_CHECK_BYTES: u64 = 64 * 1024;

/**
 * Writes an empty store onto `disk`, whatever it held, with `salt` (random;
 * see docs/storage.md): region 0's headers, then, after a flush, the
 * superblocks, then a flush. The superblocks go last, so a device cut off
 * while being formatted still reads as blank.
 */
export function formatDisk(disk: Disk, salt: u32): StoreError {
  const layout = Layout.of(disk.blockSize, disk.capacity);
  if (layout === null) return StoreError.DeviceTooSmall;
  const bs = disk.blockSize;
  const buffer = new Uint8Array(4 * bs);
  const blocks = buffer.dataStart;
  const first = new RegionHeader(1, 1, 0, salt, 0);
  first.emit(blocks);
  first.emit(blocks + bs);
  if (!disk.write(layout.header(0, 0), blocks, 2 * bs)) return StoreError.Io;
  memory.fill(blocks, 0, 4 * bs);
  if (!disk.write(layout.header(1, 0), blocks, 2 * bs) || !disk.flush()) return StoreError.Io;
  const superblock = new Superblock(FORMAT_VERSION, bs, disk.capacity, layout.regionBlocks, salt);
  superblock.emit(blocks);
  superblock.emit(blocks + bs);
  if (!disk.write(layout.superblock(0), blocks, 2 * bs) || !disk.flush()) return StoreError.Io;
  return StoreError.None;
}

/**
 * True if the device's first `BLANK_CHECK_BYTES` (all of it, if smaller) are
 * zeros, as a new disk file's are, but for the region headers of a format
 * that was cut off before its superblocks: the one case in which
 * `Store.open` formats. False too if the device failed a read.
 */
export function isBlank(disk: Disk): bool {
  const bs = disk.blockSize;
  const layout = Layout.of(bs, disk.capacity);
  const end = min(disk.capacity, BLANK_CHECK_BYTES);
  const buffer = new Uint8Array(bs);
  const block = buffer.dataStart;
  for (let at: u64 = 0; at + bs <= end; at += bs) {
    if (!disk.read(at, block, bs)) return false;
    if (layout !== null && (at == layout.header(0, 0) || at == layout.header(0, 1)) && RegionHeader.sealed(block))
      continue;
    for (let i: u32 = 0; i < bs; i += 8) if (load<u64>(block + i) != 0) return false;
  }
  return true;
}
