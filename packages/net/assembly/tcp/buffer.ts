// A fixed-capacity byte ring: a TCP connection's send and receive buffers. Allocated on the first
// write, given back by `release` (TIME-WAIT and CLOSED need no buffers); nothing else allocates.

// What a ring holds before its first write: its bytes are allocated then, so that a connection that
// never sends (or never receives), or a half-open one, costs no buffer memory.
const UNALLOCATED: StaticArray<u8> = new StaticArray<u8>(0);

/** A ring of `capacity` bytes: append at the tail, copy out from any offset, consume from the head. */
export class ByteRing {
  private data: StaticArray<u8> = UNALLOCATED; // allocated on the first write
  private head: u32 = 0; // index of the oldest byte
  private used: u32 = 0; // bytes held

  /** A ring holding up to `capacity` (> 0) bytes, allocated when first written. */
  constructor(readonly capacity: u32) {}

  /** Whether the bytes are allocated (the ring has been written to). */
  get allocated(): bool {
    return this.data !== UNALLOCATED;
  }

  // The bytes' address, allocating them on first use (only writes call this).
  private base(): usize {
    let d = this.data;
    if (d === UNALLOCATED) this.data = d = new StaticArray<u8>(<i32>max<u32>(this.capacity, 1));
    return changetype<usize>(d);
  }

  /** Bytes held. */
  get length(): u32 {
    return this.used;
  }

  /** Bytes that can still be written. */
  get free(): u32 {
    return this.capacity - this.used;
  }

  /** Appends up to `len` bytes from `ptr`; returns how many fit (0 when full). */
  write(ptr: usize, len: u32): u32 {
    const n = this.writeAt(0, ptr, len);
    this.used += n;
    return n;
  }

  /**
   * Copies up to `len` bytes from `ptr` into the free space, `offset` bytes past the tail, without
   * making them readable (out-of-order data waiting for a hole to fill); returns how many fit.
   */
  writeAt(offset: u32, ptr: usize, len: u32): u32 {
    const free = this.free;
    if (offset >= free) return 0;
    const n = min(len, free - offset);
    if (n == 0) return 0;
    this.base();
    this.copy(this.used + offset, ptr, n, true);
    return n;
  }

  /** Makes up to `n` bytes after the tail, already placed by `writeAt`, readable; returns how many. */
  commit(n: u32): u32 {
    const k = min(n, this.free);
    if (k > 0) this.base(); // (writeAt has allocated them)
    this.used += k;
    return k;
  }

  /** The address of `len` bytes starting `offset` bytes past the head if they are held and contiguous, else 0. */
  contiguous(offset: u32, len: u32): usize {
    if (len == 0 || offset >= this.used || len > this.used - offset) return 0;
    const start = (this.head + offset) % this.capacity;
    return start + len <= this.capacity ? changetype<usize>(this.data) + start : 0;
  }

  /** Copies up to `len` bytes starting `offset` bytes past the head to `ptr`, consuming nothing; returns how many. */
  peek(offset: u32, ptr: usize, len: u32): u32 {
    if (offset >= this.used) return 0;
    const n = min(len, this.used - offset);
    this.copy(offset, ptr, n, false);
    return n;
  }

  // Copies `n` bytes between `ptr` and the ring from `offset` bytes past the head (wrapping at the
  // end): into the ring if `into`, else out of it.
  private copy(offset: u32, ptr: usize, n: u32, into: bool): void {
    const base = changetype<usize>(this.data);
    const start = (this.head + offset) % this.capacity;
    const first = min(n, this.capacity - start);
    const at = base + start;
    memory.copy(into ? at : ptr, into ? ptr : at, first);
    if (n > first) memory.copy(into ? base : ptr + first, into ? ptr + first : base, n - first);
  }

  /** Drops up to `n` bytes from the head; returns how many. */
  discard(n: u32): u32 {
    const k = min(n, this.used);
    this.head = (this.head + k) % this.capacity;
    this.used -= k; // the head is not reset when empty: out-of-order data may wait past the tail
    return k;
  }

  /** Moves up to `cap` bytes from the head to `ptr`; returns how many. */
  read(ptr: usize, cap: u32): u32 {
    return this.discard(this.peek(0, ptr, cap));
  }

  /** Empties the ring. */
  clear(): void {
    this.head = 0;
    this.used = 0;
  }

  /** Gives the bytes back (a later write allocates them again) if the ring holds none. */
  release(): void {
    if (this.used == 0) {
      this.data = UNALLOCATED;
      this.head = 0;
    }
  }
}
