// How much of the heap is in use: for health checks and for tests that look
// for leaks. AssemblyScript's memory managers keep their own count private,
// so this walks the allocator's blocks instead.

import { fail } from "./abort";

// TLSF's layout in AssemblyScript 0.28 (std/assembly/rt/tlsf.ts, common.ts):
// its root lies at __heap_base rounded up to 16 bytes (`initialize`; not
// imported from there, as that module cannot be imported beside the `stub`
// runtime, which must still compile an image that imports this file); every
// block starts with a usize `mmInfo`, its payload size with two tag
// bits (bit 0: the block is free); blocks lie one after another from just
// past the root to a zero-size tail block, whose address the root holds at
// HL_END.
const AL_MASK: usize = 15;
const BLOCK_OVERHEAD: usize = sizeof<usize>();
const FL_BITS: usize = 31 - 8;
const SL_END: usize = sizeof<usize>() + (FL_BITS << 2);
const HL_END: usize = ((SL_END + AL_MASK) & ~AL_MASK) + FL_BITS * 16 * sizeof<usize>();
const ROOT_SIZE: usize = HL_END + sizeof<usize>();
const FREE: usize = 1;
const TAGS: usize = 3;

/** What `heapUsage` found: bytes and blocks in use, and bytes free, in the allocator's memory. */
export class HeapUsage {
  /** Bytes of allocated blocks, block and object headers included. */
  used: usize = 0;
  /** Number of allocated blocks. */
  blocks: u32 = 0;
  /** Bytes of free blocks, headers included. */
  free: usize = 0;
}

let last: HeapUsage | null = null; // made on the first call: nothing allocated where nobody asks

/**
 * Counts the allocator's blocks. Under the `incremental` runtime it first
 * runs a full collection, so `used` is what live objects take. Under
 * `minimal` (the default) it cannot collect here, where the caller's locals
 * are invisible to the collector: `used` is what was live at the event loop's
 * last collection plus what was allocated since (the loop collects within
 * 100 ms of a turn that ran app code). The walk is O(blocks) and allocates
 * nothing; the result is overwritten by the next call. With the `stub`
 * runtime, which never frees, it reports the memory above the static data as
 * used.
 */
export function heapUsage(): HeapUsage {
  let u = last;
  if (!u) last = u = new HeapUsage();
  u.used = 0;
  u.blocks = 0;
  u.free = 0;
  if (ASC_RUNTIME == 0) {
    // the stub runtime (0)
    u.used = ((<usize>memory.size()) << 16) - __heap_base;
    return u;
  }
  if (ASC_RUNTIME == 2) __collect(); // incremental; minimal (1) collects only between the loop's turns
  const root = (__heap_base + AL_MASK) & ~AL_MASK;
  const tail = load<usize>(root + HL_END);
  const end = (<usize>memory.size()) << 16;
  let block = ((root + ROOT_SIZE + BLOCK_OVERHEAD + AL_MASK) & ~AL_MASK) - BLOCK_OVERHEAD;
  while (block < tail) {
    const info = load<usize>(block);
    const size = (info & ~TAGS) + BLOCK_OVERHEAD;
    if (info & FREE) u.free += size;
    else {
      u.used += size;
      u.blocks++;
    }
    block += size;
  }
  // A panic without assert's file and line: its message says where (and the image is smaller by their text).
  if (block != tail || tail >= end) fail("heapUsage: unexpected heap layout");
  return u;
}
