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
