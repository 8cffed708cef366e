// Out-of-order ranges beyond RCV.NXT: which sequence ranges a connection holds, and the SACK blocks that report them.

import { TcpOptions } from "../wire/tcp-options";
import { seqGe, seqGt, seqLe, seqLt } from "../wire/seq";

/**
 * The bookkeeping of out-of-order reassembly. The data itself goes straight into the receive ring
 * at its offset past the tail (`ByteRing.writeAt`), so this only records up to `capacity` disjoint
 * sequence ranges `[start, end)`, sorted and merged; nothing allocates after construction. When
 * the ranges are all in use, a segment that would need a new one is refused (the peer sends it
 * again), so memory stays bounded by the receive window and time by the range count.
 */
export class Reassembly {
  private readonly starts: StaticArray<u32>;
  private readonly ends: StaticArray<u32>;
  private count: u32 = 0;
  private recent: u32 = 0; // start of the range holding the latest segment: the first SACK block (RFC 2018 §4)

  /** Room for `capacity` (> 0) ranges. */
  constructor(readonly capacity: u32) {
    this.starts = new StaticArray<u32>(<i32>max<u32>(capacity, 1));
    this.ends = new StaticArray<u32>(<i32>max<u32>(capacity, 1));
  }

  /** Ranges held. */
  get ranges(): u32 {
    return this.count;
  }

  /** Nothing is held out of order. */
  get empty(): bool {
    return this.count == 0;
  }

  /** One past the highest sequence number held (meaningful when not `empty`). */
  get highest(): u32 {
    return unchecked(this.ends[this.count - 1]);
  }

  /** Forgets every range. */
  clear(): void {
    this.count = 0;
  }

  /** Records `[start, end)` (past RCV.NXT) as held, merging with neighbours; false if no range was free. */
  add(start: u32, end: u32): bool {
    if (!seqLt(start, end)) return true;
    const starts = this.starts;
    const ends = this.ends;
    let n = this.count;
    let i: u32 = 0; // the first range that ends at or after `start`
    while (i < n && seqLt(unchecked(ends[i]), start)) i++;
    let j = i; // ranges i..j-1 overlap or touch [start, end)
    while (j < n && seqLe(unchecked(starts[j]), end)) j++;
    if (j > i) {
      const s = seqLt(unchecked(starts[i]), start) ? unchecked(starts[i]) : start;
      const e = seqGt(unchecked(ends[j - 1]), end) ? unchecked(ends[j - 1]) : end;
      unchecked((starts[i] = s));
      unchecked((ends[i] = e));
      const gone = j - i - 1; // merged into range i
      for (let k = i + 1; k + gone < n; k++) {
        unchecked((starts[k] = starts[k + gone]));
        unchecked((ends[k] = ends[k + gone]));
      }
      this.count = n - gone;
      this.recent = s;
      return true;
    }
    if (n == this.capacity) return false;
    for (let k = n; k > i; k--) {
      unchecked((starts[k] = starts[k - 1]));
      unchecked((ends[k] = ends[k - 1]));
    }
    unchecked((starts[i] = start));
    unchecked((ends[i] = end));
    this.count = n + 1;
    this.recent = start;
    return true;
  }

  /**
   * RCV.NXT reached `next`: forgets the ranges it covers or touches and returns the new RCV.NXT
   * (the end of the data now contiguous), which the caller makes readable.
   */
  advance(next: u32): u32 {
    let nxt = next;
    let gone: u32 = 0;
    const n = this.count;
    while (gone < n && seqLe(unchecked(this.starts[gone]), nxt)) {
      const e = unchecked(this.ends[gone]);
      if (seqGt(e, nxt)) nxt = e;
      gone++;
    }
    if (gone > 0) {
      for (let k: u32 = 0; k + gone < n; k++) {
        unchecked((this.starts[k] = this.starts[k + gone]));
        unchecked((this.ends[k] = this.ends[k + gone]));
      }
      this.count = n - gone;
    }
    return nxt;
  }

  /** Whether `seq` is held. */
  holds(seq: u32): bool {
    for (let k: u32 = 0; k < this.count; k++)
      if (seqGe(seq, unchecked(this.starts[k])) && seqLt(seq, unchecked(this.ends[k]))) return true;
    return false;
  }

  /** Adds SACK blocks for the ranges to `options` (RFC 2018 §4): the latest first, then the rest in order. */
  sackBlocks(options: TcpOptions): void {
    const n = this.count;
    let first = n;
    for (let k: u32 = 0; k < n; k++) if (unchecked(this.starts[k]) == this.recent) first = k;
    if (first < n) options.addSack(unchecked(this.starts[first]), unchecked(this.ends[first]));
    for (let k: u32 = 0; k < n; k++) {
      if (k == first) continue;
      if (!options.addSack(unchecked(this.starts[k]), unchecked(this.ends[k]))) break;
    }
  }
}
