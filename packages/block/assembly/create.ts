// Formatting: writes an empty store onto a device.

import { Disk } from "./disk";
import { StoreError } from "./errors";
import { Layout } from "./format/layout";
import { RegionHeader } from "./format/region-header";
import { FORMAT_VERSION, Superblock, SuperblockState } from "./format/superblock";

/**
 * How much of the start of a device `isBlank` reads (all of a smaller one):
 * past the 64 KiB some formats (btrfs) leave empty before their superblock.
 */
export const BLANK_CHECK_BYTES: u64 = 1024 * 1024;

/**
 * Writes an empty store onto `disk`, whatever it held, with `salt`, which
 * must not be the salt of a store the device held before (its frames would
 * chain onto the new headers): random, or any on a blank device. It writes
 * region 0's headers and zeros over region 1's (whose old headers could
 * otherwise outrank them), a flush, superblock copy A, a flush, copy B, a
 * flush. Until copy A is whole the device still reads as blank to
 * `isBlank` (which knows what a format cut off leaves), and from then on as
 * a store.
 */
export function formatDisk(disk: Disk, salt: u32): StoreError {
  const layout = Layout.of(disk.blockSize, disk.capacity);
  if (layout === null) return StoreError.DeviceTooSmall;
  const bs = disk.blockSize;
  const buffer = new Uint8Array(2 * bs);
  const blocks = buffer.dataStart;
  const first = new RegionHeader(1, 1, 0, salt, 0);
  first.emit(blocks);
  first.emit(blocks + bs);
  if (!disk.write(layout.header(0, 0), blocks, 2 * bs)) return StoreError.Io;
  memory.fill(blocks, 0, 2 * bs);
  if (!disk.write(layout.header(1, 0), blocks, 2 * bs) || !disk.flush()) return StoreError.Io;
  new Superblock(FORMAT_VERSION, bs, disk.capacity, layout.regionBlocks, salt).emit(blocks);
  for (let copy: u32 = 0; copy < 2; copy++)
    if (!disk.write(layout.superblock(copy), blocks, bs) || !disk.flush()) return StoreError.Io;
  return StoreError.None;
}

/**
 * True if the device's first `BLANK_CHECK_BYTES` (all of it, if smaller) are
 * zeros, as a new disk file's are, or hold only what a format cut off
 * leaves: anything in the regions' header blocks (written first) and, once
 * one of region 0's is a sealed region header, anything but a valid
 * superblock in block 0 (a superblock torn as it was written). The one case in which
 * `Store.open` formats. False too if the device failed a read.
 */
export function isBlank(disk: Disk): bool {
  const bs = disk.blockSize;
  const layout = Layout.of(bs, disk.capacity);
  if (layout === null) return false;
  const end = min(disk.capacity, BLANK_CHECK_BYTES);
  const buffer = new Uint8Array(bs);
  const block = buffer.dataStart;
  let tornSuperblock = false;
  let headerWritten = false;
  for (let at: u64 = 0; at + bs <= end; at += bs) {
    if (!disk.read(at, block, bs)) return false;
    let zero = true;
    for (let i: u32 = 0; i < bs && zero; i += 8) zero = load<u64>(block + i) == 0;
    if (zero) continue;
    if (at == layout.header(0, 0) || at == layout.header(0, 1))
      headerWritten = headerWritten || RegionHeader.sealed(block);
    else if (at == layout.header(1, 0) || at == layout.header(1, 1)) continue;
    else if (at == layout.superblock(0) && Superblock.check(block) != SuperblockState.Valid) tornSuperblock = true;
    else return false;
  }
  return !tornSuperblock || headerWritten;
}
