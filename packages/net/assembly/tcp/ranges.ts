// Sorted, disjoint sequence ranges: what reassembly holds past RCV.NXT and what the peer SACKed past SND.UNA.

import { seqGt, seqLe, seqLt } from "../wire/seq";

/**
 * Up to `capacity` disjoint ranges `[start, end)` of sequence numbers, sorted; ranges that overlap
 * or touch are merged. Nothing allocates after construction.
 */
export class SeqRanges {
  protected readonly starts: StaticArray<u32> = new StaticArray<u32>(<i32>max<u32>(this.capacity, 1));
  protected readonly ends: StaticArray<u32> = new StaticArray<u32>(<i32>max<u32>(this.capacity, 1));
  protected count: u32 = 0;
  protected latest: u32 = 0; // the start of the range the last `insert` went into

  /** Room for `capacity` (> 0) ranges. */
  constructor(readonly capacity: u32) {}

  /** Ranges held. */
  get ranges(): u32 {
    return this.count;
  }

  /** No range is held. */
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

  /** Whether `seq` is held. */
  holds(seq: u32): bool {
    for (let k: u32 = 0; k < this.count; k++)
      if (seqLe(unchecked(this.starts[k]), seq) && seqLt(seq, unchecked(this.ends[k]))) return true;
    return false;
  }

  // Adds [`start`, `end`) (not empty), merging with the ranges it overlaps or touches; false if it
  // needed a range of its own and none was free.
  protected insert(start: u32, end: u32): bool {
    const starts = this.starts;
    const ends = this.ends;
    const n = this.count;
    let i: u32 = 0; // the first range that ends at or after `start`
    while (i < n && seqLt(unchecked(ends[i]), start)) i++;
    let j = i; // ranges i..j-1 overlap or touch [start, end)
    while (j < n && seqLe(unchecked(starts[j]), end)) j++;
    if (j > i) {
      const s = seqLt(unchecked(starts[i]), start) ? unchecked(starts[i]) : start;
      const e = seqGt(unchecked(ends[j - 1]), end) ? unchecked(ends[j - 1]) : end;
      unchecked((starts[i] = s));
      unchecked((ends[i] = e));
      this.remove(i + 1, j - i - 1); // merged into range i
      this.latest = s;
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
    this.latest = start;
    return true;
  }

  // Removes `gone` ranges from index `at` on.
  protected remove(at: u32, gone: u32): void {
    if (gone == 0) return;
    const n = this.count;
    for (let k = at; k + gone < n; k++) {
      unchecked((this.starts[k] = this.starts[k + gone]));
      unchecked((this.ends[k] = this.ends[k + gone]));
    }
    this.count = n - gone;
  }
}
