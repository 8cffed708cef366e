// Mounting: finds the store on a device, checks it was made for this device, and rebuilds its table by replaying the log.

import { Disk } from "./disk";
import { StoreError } from "./errors";
import {
  EntryReader,
  ENTRY_PUT,
  FRAME_HEADER_SIZE,
  frameCrc,
  frameIntact,
  frameLength,
  frameSealed,
  frameSequence,
} from "./format/frame";
import { Layout } from "./format/layout";
import { MAX_BATCH_BYTES } from "./limits";
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
  /**
   * Intact frames found after the end of the log with later sequence numbers:
   * a crash cannot leave those (a frame is written only once the one before
   * is flushed), so the log was damaged where it ended and they were dropped.
   */
  framesAfterDamage: u64 = 0;
  /** If the store mounted in spite of damage, what the damage was and what was lost; else empty. */
  damage: string = "";

  /**
   * Replays the log of the region `header` describes; sets `log` and `table`,
   * or leaves them null if the log ends inside its compacted data (damage).
   * False if the device failed a read.
   */
  replay(disk: Disk, layout: Layout, header: RegionHeader, nextGeneration: u64): bool {
    const log = new Log(
      disk,
      layout,
      header.salt,
      header.region,
      header.generation,
      nextGeneration,
      header.firstSequence,
      header.seed,
      layout.logStart(header.region),
    );
    const table = new Table();
    this.frames = 0;
    this.framesAfterDamage = 0;
    if (!replayLog(log, table, this)) return false;
    if (log.tail < layout.logStart(header.region) + header.compactedBytes) return true;
    if (!findLaterFrames(log, this)) return false;
    if (this.framesAfterDamage > 0)
      this.damage =
        "the log is damaged at byte " +
        log.tail.toString() +
        ": " +
        this.framesAfterDamage.toString() +
        " later frames dropped";
    this.log = log;
    this.table = table;
    return true;
  }

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

  // The active region: the one whose header has the higher generation,
  // unless the data its compaction wrote is damaged; then the other one,
  // which holds the state from before that compaction.
  if (!disk.read(layout.header(0, 0), blocks, 2 * bs)) return result.fail(StoreError.Io, "reading region 0's headers");
  const h0 = bestHeader(blocks, bs, 0, sb.salt);
  if (!disk.read(layout.header(1, 0), blocks, 2 * bs)) return result.fail(StoreError.Io, "reading region 1's headers");
  const h1 = bestHeader(blocks, bs, 1, sb.salt);
  if (h0 === null && h1 === null) return result.fail(StoreError.Corrupt, "no region header is valid");
  if (h0 !== null && h1 !== null && h0.generation == h1.generation)
    return result.fail(StoreError.Corrupt, "both regions claim generation " + h0.generation.toString());
  const newer = h1 === null || (h0 !== null && h0.generation > h1.generation) ? h0! : h1;
  const older = newer === h0 ? h1 : h0;
  const nextGeneration = newer.generation + 1;
  if (!result.replay(disk, layout, newer, nextGeneration)) return result.fail(StoreError.Io, "reading the log");
  if (result.log === null) {
    const damage = "region " + newer.region.toString() + "'s compacted data is damaged";
    if (older === null || !result.replay(disk, layout, older, nextGeneration))
      return result.fail(StoreError.Corrupt, damage + " and there is no older region to fall back to");
    if (result.log === null) return result.fail(StoreError.Corrupt, damage + ", and so is the older region's");
    result.damage = damage + ": mounted the generation before it";
  }
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

/**
 * The longest a frame can be: its header and the largest batch. It bounds how
 * far past the tail a mount looks for frames that a damaged one hides.
 */
export const MAX_FRAME_BYTES: u64 = <u64>FRAME_HEADER_SIZE + MAX_BATCH_BYTES;

/** How much of a log a mount reads at a time. */
export const READ_AHEAD_BYTES: u32 = 64 * 1024;

/**
 * Reads the frames of a region's log through a read-ahead window (a mount
 * reads the log front to back, so one device read serves many small frames);
 * a frame larger than the window gets a buffer of its own.
 */
class FrameReader {
  private readonly window: Uint8Array;
  private windowStart: u64 = 0;
  private windowLength: u64 = 0;
  private large: Uint8Array = new Uint8Array(0);
  /** The end of the log: no read goes past it, and no frame is longer than the room before it. */
  end: u64;
  /** The frame read last. */
  frame: usize = 0;

  /** A reader of `log`'s region, or of its first `end` bytes (a window is read only as far as that). */
  constructor(
    private readonly log: Log,
    end: u64 = 0,
  ) {
    this.window = new Uint8Array(max(READ_AHEAD_BYTES, log.layout.blockSize));
    this.end = end != 0 ? end : log.layout.logEnd(log.region);
  }

  /**
   * Reads the frame at `at` if its first block says it could be one; returns
   * its length, 0 if it is not one, or -1 if the device failed a read.
   * A frame numbered below `minSequence` counts as not one.
   */
  read(at: u64, minSequence: u64 = 0): i64 {
    const layout = this.log.layout;
    if (!this.covers(at, layout.blockSize) && !this.fill(at)) return -1;
    let p = this.window.dataStart + <usize>(at - this.windowStart);
    const length = frameLength(p, this.end - at);
    if (length == 0 || frameSequence(p) < minSequence) return 0;
    const padded = layout.padded(length);
    if (!this.covers(at, padded)) {
      if (padded <= <u64>this.window.length) {
        if (!this.fill(at)) return -1;
        p = this.window.dataStart;
      } else {
        if (<u64>this.large.length < padded) this.large = new Uint8Array(<i32>padded);
        if (!this.log.disk.read(at, this.large.dataStart, <u32>padded)) return -1;
        p = this.large.dataStart;
      }
    }
    this.frame = p;
    return length;
  }

  // True if the window holds the `len` bytes at `at`.
  private covers(at: u64, len: u64): bool {
    return at >= this.windowStart && at + len <= this.windowStart + this.windowLength;
  }

  // Reads the window from `at` (block-aligned) up to its size or the end of the log.
  private fill(at: u64): bool {
    const len = min(<u64>this.window.length, this.end - at);
    this.windowStart = at;
    this.windowLength = 0;
    if (!this.log.disk.read(at, this.window.dataStart, <u32>len)) return false;
    this.windowLength = len;
    return true;
  }
}

// Replays the frames of the log from its start into `table`, leaving `log`
// at the tail: the first place that is not the next intact frame of the
// chain. False if the device failed a read.
function replayLog(log: Log, table: Table, result: Recovery): bool {
  const end = log.layout.logEnd(log.region);
  const reader = new FrameReader(log);
  while (log.tail < end) {
    const length = reader.read(log.tail);
    if (length < 0) return false;
    if (length == 0) break;
    const frame = reader.frame;
    if (!frameIntact(frame, <u32>length, log.nextSequence, log.prev, log.salt)) break;
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
    log.tail += log.layout.padded(length);
    log.nextSequence++;
    log.prev = frameCrc(frame);
    result.frames++;
  }
  return true;
}

// Counts the intact frames of this store after the log's tail whose sequence
// numbers come after it (stale frames of earlier generations have lower
// ones). False if the device failed a read.
//
// It looks only as far as a later frame could be: every frame of a region's
// log starts where the one before it ends, and none is longer than
// `MAX_FRAME_BYTES`, so the frame after a damaged one at the tail starts at
// most that far past the tail, and the one after a frame found at `at`,
// `length` long (if that next one is damaged too, the one after it at most
// `MAX_FRAME_BYTES` further). So a mount reads the log and at most one
// largest frame past its end, not the rest of the region (half the device).
function findLaterFrames(log: Log, result: Recovery): bool {
  const layout = log.layout;
  const end = layout.logEnd(log.region);
  const reach = layout.padded(MAX_FRAME_BYTES);
  let at = log.tail;
  let limit = min(end, at + reach + layout.blockSize); // the block after the last place a later frame may start
  const reader = new FrameReader(log, min(end, limit + reach));
  while (at < limit) {
    const length = reader.read(at, log.nextSequence);
    if (length < 0) return false;
    if (length > 0 && frameSealed(reader.frame, <u32>length, log.salt)) {
      result.framesAfterDamage++;
      at += layout.padded(length);
      limit = min(end, at + reach + layout.blockSize);
      reader.end = min(end, limit + reach);
    } else {
      at += layout.blockSize;
    }
  }
  return true;
}
