// A small seeded generator (xorshift32) for reproducible tests: the same seed, the same run.

/** xorshift32: fast, seeded, and good enough to pick workloads and tear writes. */
export class Random {
  private state: u32;

  /** A generator from `seed` (0 is replaced, since xorshift would stay at 0). */
  constructor(seed: u32) {
    this.state = seed != 0 ? seed : 0x9e3779b9;
  }

  /** The next 32 random bits. */
  next(): u32 {
    let x = this.state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    this.state = x;
    return x;
  }

  /** A number in [0, n) (n > 0). */
  below(n: u32): u32 {
    return <u32>((<u64>this.next() * n) >> 32);
  }

  /** True one time in `n`. */
  oneIn(n: u32): bool {
    return this.below(n) == 0;
  }

  /** Fills `len` bytes at `ptr` with random bytes. */
  fill(ptr: usize, len: usize): void {
    for (let i: usize = 0; i < len; i++) store<u8>(ptr + i, <u8>this.next());
  }
}
