// How much memory the image may still take: the host's limit on the linear
// memory, from the memory_limit call. Running out must never trap a guest, so
// whatever holds buffers for others (the TCP stack's connections) sizes its
// budget from this and refuses work before memory.grow would fail.

import { memory_limit } from "@tessera/abi/assembly";

let limit: u64 = 0; // 0 until asked: the limit never changes while the image runs

/**
 * The most bytes the linear memory may grow to: the host's cap (`--mem`) or
 * the image's own maximum, whichever is lower. Never below what memory holds
 * now. Asked of the host once, then cached.
 */
export function memoryLimit(): u64 {
  if (limit == 0) limit = <u64>memory_limit();
  return limit;
}

/**
 * Bytes the linear memory can still grow by: `memoryLimit()` minus what
 * `memory.size()` already holds. Free blocks inside the allocator are not
 * counted (they are in memory already; `heapUsage()` counts them), so this
 * is what is left when every free block is taken.
 */
export function memoryHeadroom(): u64 {
  const size = (<u64>memory.size()) << 16;
  const max = memoryLimit();
  return max > size ? max - size : 0;
}

/**
 * The largest single allocation that can succeed now without a garbage
 * collection, give or take a factor of two: the allocator's largest free
 * block (the lower bound of its size class, read from TLSF's first-level
 * bitmap in O(1)) or what memory can still grow by, whichever is more. Many
 * small free blocks do not count: they cannot hold a connection's buffers.
 * Under the `stub` runtime (no allocator to ask), the headroom alone. Call
 * it once something has been allocated (the allocator's root exists then).
 */
export function memoryRoom(): u64 {
  const headroom = memoryHeadroom();
  if (ASC_RUNTIME == 0) return headroom;
  // AssemblyScript 0.28's TLSF (std/assembly/rt/tlsf.ts, `initialize`): the root lies at __heap_base
  // rounded up to 16 bytes (not imported from there: that module cannot be imported beside the `stub`
  // runtime), and its first usize is the first-level bitmap: bit i (i >= 1) says there is a free block
  // of 2^(i+7) to 2^(i+8) bytes, bit 0 one below 256.
  const map = <u32>load<usize>((__heap_base + 15) & ~15);
  return max(map ? (<u64>128) << (31 - clz<u32>(map)) : 0, headroom);
}
