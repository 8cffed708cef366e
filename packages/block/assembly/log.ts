// The log of the active region: appends frames at its tail, and compacts the live entries into the other region.

import { Batch } from "./batch";
import { Disk } from "./disk";
import { emitEntry, ENTRY_PUT, FRAME_HEADER_SIZE, entrySize, sealFrame } from "./format/frame";
import { Layout } from "./format/layout";
import { LAST_GENERATION, RegionHeader } from "./format/region-header";
import { Table } from "./table";

/** A compaction packs entries into frames of up to this many bytes of entries (a larger entry gets a frame of its own). */
export const COMPACTION_FRAME_BYTES: u64 = 64 * 1024;

/**
 * Where the store's log stands: the active region, its generation, the next
 * frame's sequence number and `prev`, and the tail where it goes. Every write
 * is followed by a flush before the method returns true.
 */
export class Log {
  private staging: Uint8Array = new Uint8Array(0);
  // The next frame, built by `add`: room for its header, then the entries staged so far.
  private group: Uint8Array = new Uint8Array(0);
  private openBytes: u64 = 0;
  private openCount: u32 = 0;
  // Where the last rewrite left the chain: the next sequence number and prev.
  private rewrittenSequence: u64 = 0;
  private rewrittenPrev: u32 = 0;

  constructor(
    /** The device. */
    readonly disk: Disk,
    /** Where the regions are. */
    readonly layout: Layout,
    /** The store's salt (from its superblock). */
    readonly salt: u32,
    /** The active region, 0 or 1. */
    public region: u32,
    /** The active region's generation. */
    public generation: u64,
    /** The generation the next compaction gives its region: above every generation on the device. */
    public nextGeneration: u64,
    /** The sequence number the next frame gets. */
    public nextSequence: u64,
    /** The crc the next frame chains to. */
    public prev: u32,
    /** The offset where the next frame goes. */
    public tail: u64,
  ) {}

  /** The bytes left in the active region's log. */
  get free(): u64 {
    return this.layout.logEnd(this.region) - this.tail;
  }

  /** The bytes a frame holding `entryBytes` of entries takes, padded to whole blocks. */
  frameBytes(entryBytes: u64): u64 {
    return this.layout.padded(<u64>FRAME_HEADER_SIZE + entryBytes);
  }

  /** The bytes of entries staged for the next frame (see `add`). */
  get groupBytes(): u64 {
    return this.openBytes;
  }

  /** The bytes the next frame takes with what is staged for it, padded; 0 if nothing is. */
  get groupFrameBytes(): u64 {
    return this.openCount == 0 ? 0 : this.frameBytes(this.openBytes);
  }

  /**
   * Adds the entries of `batch` to the next frame, in memory: a group of
   * batches goes to the device as one frame, by `writeGroup`. The caller
   * checked the frame still fits at the tail and holds at most
   * `MAX_BATCH_BYTES` of entries.
   */
  add(batch: Batch): void {
    const length = <u64>FRAME_HEADER_SIZE + this.openBytes + batch.entryBytes;
    const padded = <i32>this.layout.padded(length);
    if (this.group.length < padded) {
      const grown = new Uint8Array(max(padded, this.group.length * 2));
      // (Only if there is something: even an empty copy traps if its source, past an empty buffer, is past the memory.)
      const from = <usize>FRAME_HEADER_SIZE;
      if (this.openBytes > 0) memory.copy(grown.dataStart + from, this.group.dataStart + from, <usize>this.openBytes);
      this.group = grown;
    }
    let at = this.group.dataStart + <usize>(FRAME_HEADER_SIZE + this.openBytes);
    const ops = batch.ops;
    for (let i = 0; i < ops.length; i++) {
      const op = ops[i];
      at = emitEntry(at, op.kind, op.key.dataStart, <u32>op.key.length, op.value.dataStart, <u32>op.value.length);
    }
    this.openBytes += batch.entryBytes;
    this.openCount += <u32>ops.length;
  }

  /**
   * Writes what `add` staged as one frame at the tail, in one call, and
   * flushes; false if the device failed (what was staged is dropped either
   * way). True at once if nothing is staged.
   */
  writeGroup(): bool {
    if (this.openCount == 0) return true;
    const length = <u32>(FRAME_HEADER_SIZE + this.openBytes);
    const padded = <u32>this.layout.padded(length);
    const frame = this.group.dataStart;
    memory.fill(frame + length, 0, padded - length);
    const crc = sealFrame(frame, length, this.openCount, this.nextSequence, this.prev, this.salt);
    this.dropGroup();
    if (!this.disk.write(this.tail, frame, padded) || !this.disk.flush()) return false;
    this.tail += padded;
    this.nextSequence++;
    this.prev = crc;
    return true;
  }

  /** Forgets what `add` staged (a compaction wrote it, or a failure stopped the store). */
  dropGroup(): void {
    this.openBytes = 0;
    this.openCount = 0;
  }

  /** Writes `batch` as one frame at the tail and flushes; false if the device failed. The caller checked it fits. */
  append(batch: Batch): bool {
    this.add(batch);
    return this.writeGroup();
  }

  /** False once the store is at `LAST_GENERATION`: a compaction's header would be one no mount accepts. */
  get canCompact(): bool {
    return this.nextGeneration <= LAST_GENERATION;
  }

  /** The bytes of log a compaction of `table` writes. */
  compactedBytes(table: Table): u64 {
    return this.rewrite(table, 1 - this.region, 0, false);
  }

  /**
   * Writes every entry of `table` into the other region's log, flushes, then
   * makes that region the active one by writing both its headers with the
   * next generation, and flushes again; false if the device failed (the
   * active region is then unchanged on the device, whichever step failed,
   * unless the header write completed). The caller checked it fits.
   */
  compact(table: Table): bool {
    const into = 1 - this.region;
    const end = this.rewrite(table, into, 0, false);
    const header = new RegionHeader(this.nextGeneration, this.nextSequence, into, this.salt, end);
    if (this.rewrite(table, into, header.seed, true) == u64.MAX_VALUE || !this.disk.flush()) return false;
    const bs = this.layout.blockSize;
    const headers = this.buffer(2 * bs);
    memory.fill(headers, 0, 2 * bs);
    header.emit(headers);
    header.emit(headers + bs);
    if (!this.disk.write(this.layout.header(into, 0), headers, 2 * bs) || !this.disk.flush()) return false;
    this.region = into;
    this.generation = header.generation;
    this.nextGeneration = header.generation + 1;
    this.tail = this.layout.logStart(into) + end;
    this.nextSequence = this.rewrittenSequence;
    this.prev = this.rewrittenPrev;
    return true;
  }

  // Lays the table's entries out as frames in region `into`'s log, chained
  // from `seed`: writes them if `write` (leaving the chain's next sequence
  // number and prev in rewrittenSequence and rewrittenPrev), else only
  // counts. Returns the bytes of log used, or u64.MAX_VALUE if a write failed.
  private rewrite(table: Table, into: u32, seed: u32, write: bool): u64 {
    const start = this.layout.logStart(into);
    let pos = start;
    let prev = seed;
    let sequence = this.nextSequence;
    const n = table.size;
    let i = 0;
    while (i < n) {
      let bytes: u64 = 0;
      let j = i;
      while (j < n) {
        const e = table.at(j);
        const size = <u64>entrySize(<u32>e.key.length, <u32>e.value.length);
        if (j > i && bytes + size > COMPACTION_FRAME_BYTES) break;
        bytes += size;
        j++;
      }
      const length = <u32>(FRAME_HEADER_SIZE + bytes);
      const padded = <u32>this.layout.padded(length);
      if (write) {
        const frame = this.buffer(padded);
        let at = frame + FRAME_HEADER_SIZE;
        for (let k = i; k < j; k++) {
          const e = table.at(k);
          at = emitEntry(at, ENTRY_PUT, e.key.dataStart, <u32>e.key.length, e.value.dataStart, <u32>e.value.length);
        }
        memory.fill(at, 0, padded - length);
        prev = sealFrame(frame, length, <u32>(j - i), sequence, prev, this.salt);
        if (!this.disk.write(pos, frame, padded)) return u64.MAX_VALUE;
      }
      sequence++;
      pos += padded;
      i = j;
    }
    this.rewrittenSequence = sequence;
    this.rewrittenPrev = prev;
    return pos - start;
  }

  // A scratch buffer of at least `size` bytes, kept between calls.
  private buffer(size: u32): usize {
    if (<u32>this.staging.length < size) this.staging = new Uint8Array(size);
    return this.staging.dataStart;
  }
}
