// A sparse memory-backed disk of any size for tests: only the blocks written take memory (the rest
// read as zeros), and it counts the bytes read and the flushes, to measure what a mount reads.

import { Disk } from "@tessera/block/assembly/disk";

/**
 * A disk of `capacity` bytes that keeps only the blocks written to it, so a
 * test can have a 4 GiB device in a wasm32 image. It never crashes: it is
 * for counting what the store reads (`bytesRead`, `reads`) and how often it
 * flushes (`flushes`), not for crash tests (`SimDisk` is).
 */
export class SparseDisk extends Disk {
  /** The bytes read since the counters were last reset. */
  bytesRead: u64 = 0;
  /** The read calls since the counters were last reset. */
  reads: u32 = 0;
  /** The flushes since the counters were last reset. */
  flushes: u32 = 0;
  private readonly blocksWritten: Map<u64, Uint8Array> = new Map<u64, Uint8Array>();

  /** Sets the counters to 0. */
  resetCounters(): void {
    this.bytesRead = 0;
    this.reads = 0;
    this.flushes = 0;
  }

  /** The number of blocks that were ever written (the memory it holds). */
  get blocksHeld(): i32 {
    return this.blocksWritten.size;
  }

  protected readBlocks(offset: u64, ptr: usize, len: u32): bool {
    this.reads++;
    this.bytesRead += len;
    const bs = this.blockSize;
    for (let done: u32 = 0; done < len; done += bs) {
      const block = (offset + done) / bs;
      if (this.blocksWritten.has(block)) memory.copy(ptr + done, this.blocksWritten.get(block).dataStart, bs);
      else memory.fill(ptr + done, 0, bs);
    }
    return true;
  }

  protected writeBlocks(offset: u64, ptr: usize, len: u32): bool {
    const bs = this.blockSize;
    for (let done: u32 = 0; done < len; done += bs) {
      const block = (offset + done) / bs;
      let data: Uint8Array;
      if (this.blocksWritten.has(block)) data = this.blocksWritten.get(block);
      else {
        data = new Uint8Array(bs);
        this.blocksWritten.set(block, data);
      }
      memory.copy(data.dataStart, ptr + done, bs);
    }
    return true;
  }

  protected flushBlocks(): bool {
    this.flushes++;
    return true;
  }
}
