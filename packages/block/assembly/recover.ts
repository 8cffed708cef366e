// Mounting: finds the store on a device, checks it was made for this device, and rebuilds its table by replaying the log.

import { Disk } from "./disk";
import { StoreError } from "./errors";
import { EntryReader, ENTRY_PUT, frameCrc, frameIntact, frameLength } from "./format/frame";
import { Layout } from "./format/layout";
import { RegionHeader } from "./format/region-header";
import { FORMAT_VERSION, Superblock, SuperblockState } from "./format/superblock";
import { Log } from "./log";
import { copyBytes, Table } from "./table";

/** What a mount found: the log and table of a store, or an error and a sentence about it. */
export class Recovery {
  /** The store's log, positioned at its tail; null on error. */
  log: Log | null = null;
  /** The live entries; null on error. */
  table: Table | null = null;
  /** Why the mount failed, or `StoreError.None`. */
  error: StoreError = StoreError.None;
  /** What exactly was wrong (empty on success). */
  detail: string = "";
  /** The frames replayed. */
  frames: u64 = 0;

  /** Fails with `error` and `detail`. */
  fail(error: StoreError, detail: string): Recovery {
    this.error = error;
    this.detail = detail;
    return this;
  }
}

/** Mounts the store on `disk`; never panics on what the device holds. */
export function recover(disk: Disk): Recovery {
  const result = new Recovery();
  const bs = disk.blockSize;
  if (Layout.of(bs, disk.capacity) === null)
    return result.fail(StoreError.DeviceTooSmall, "the device has " + disk.blocks.toString() + " blocks");
  const buffer = new Uint8Array(2 * bs);
  const blocks = buffer.dataStart;

  // The superblock: either copy will do; they are written together, once.
  if (!disk.read(0, blocks, 2 * bs)) return result.fail(StoreError.Io, "reading the superblocks");
  const a = Superblock.check(blocks);
  const b = Superblock.check(blocks + bs);
  if (a != SuperblockState.Valid && b != SuperblockState.Valid) {
    if (a == SuperblockState.Damaged || b == SuperblockState.Damaged)
      return result.fail(StoreError.Corrupt, "both copies of the superblock fail their checksums");
    return result.fail(StoreError.NotAStore, "no superblock at blocks 0 and 1");
  }
  const sb = Superblock.parse(a == SuperblockState.Valid ? blocks : blocks + bs);
  if (sb.version != FORMAT_VERSION)
    return result.fail(
      StoreError.UnsupportedVersion,
      "format version " + sb.version.toString() + "; this code reads " + FORMAT_VERSION.toString(),
    );
  if (sb.blockSize != bs)
    return result.fail(
      StoreError.WrongBlockSize,
      "made with " + sb.blockSize.toString() + "-byte blocks; the device has " + bs.toString() + "-byte blocks",
    );
  if (sb.capacity != disk.capacity)
    return result.fail(
      StoreError.WrongCapacity,
      "made for " + sb.capacity.toString() + " bytes; the device has " + disk.capacity.toString(),
    );
  const layout = Layout.of(bs, disk.capacity)!;
  if (sb.regionBlocks != layout.regionBlocks)
    return result.fail(StoreError.Corrupt, "the superblock's region size does not match its device's");

  // The active region: the one whose header has the higher generation.
  if (!disk.read(layout.header(0, 0), blocks, 2 * bs)) return result.fail(StoreError.Io, "reading region 0's headers");
  const h0 = bestHeader(blocks, bs, 0, sb.salt);
  if (!disk.read(layout.header(1, 0), blocks, 2 * bs)) return result.fail(StoreError.Io, "reading region 1's headers");
  const h1 = bestHeader(blocks, bs, 1, sb.salt);
  let active: RegionHeader;
  if (h0 === null && h1 === null) return result.fail(StoreError.Corrupt, "no region header is valid");
  else if (h1 === null) active = h0!;
  else if (h0 === null) active = h1;
  else if (h0.generation == h1.generation)
    return result.fail(StoreError.Corrupt, "both regions claim generation " + h0.generation.toString());
  else active = h0.generation > h1.generation ? h0 : h1;

  const log = new Log(
    disk,
    layout,
    sb.salt,
    active.region,
    active.generation,
    active.firstSequence,
    active.seed,
    layout.logStart(active.region),
  );
  const table = new Table();
  if (!replay(log, table, result)) return result.fail(StoreError.Io, "reading the log");
  result.log = log;
  result.table = table;
  return result;
}

// The valid one of the two copies of `region`'s header at `blocks` (the one
// with the higher generation if both are), or null.
function bestHeader(blocks: usize, bs: u32, region: u32, salt: u32): RegionHeader | null {
  const a = RegionHeader.parse(blocks, region, salt);
  const b = RegionHeader.parse(blocks + bs, region, salt);
  if (a === null) return b;
  if (b === null) return a;
  return b.generation > a.generation ? b : a;
}

// Replays the frames of the log from its start into `table`, leaving `log`
// at the tail: the first place that is not the next intact frame of the
// chain. False if the device failed a read.
function replay(log: Log, table: Table, result: Recovery): bool {
  const layout = log.layout;
  const disk = log.disk;
  const bs = layout.blockSize;
  const end = layout.logEnd(log.region);
  let buffer = new Uint8Array(bs);
  while (log.tail < end) {
    if (!disk.read(log.tail, buffer.dataStart, bs)) return false;
    const length = frameLength(buffer.dataStart, end - log.tail);
    if (length == 0) break;
    const padded = <u32>layout.padded(length);
    if (padded > bs) {
      if (<u32>buffer.length < padded) {
        const bigger = new Uint8Array(padded);
        memory.copy(bigger.dataStart, buffer.dataStart, bs);
        buffer = bigger;
      }
      if (!disk.read(log.tail + bs, buffer.dataStart + bs, padded - bs)) return false;
    }
    const frame = buffer.dataStart;
    if (!frameIntact(frame, length, log.nextSequence, log.prev)) break;
    // Check every entry before applying any: a frame applies whole or not at all.
    const check = new EntryReader(frame);
    while (check.next()) {}
    if (check.malformed) break;
    const entries = new EntryReader(frame);
    while (entries.next()) {
      if (entries.kind == ENTRY_PUT)
        table.set(copyBytes(entries.key, entries.keyLen), copyBytes(entries.value, entries.valueLen));
      else table.remove(entries.key, entries.keyLen);
    }
    log.tail += padded;
    log.nextSequence++;
    log.prev = frameCrc(frame);
    result.frames++;
  }
  return true;
}
