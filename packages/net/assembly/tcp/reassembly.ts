// Out-of-order ranges beyond RCV.NXT: which sequence ranges a connection holds, and the SACK blocks that report them.

import { TcpOptions } from "../wire/tcp-options";
import { seqGt, seqLe, seqLt } from "../wire/seq";
import { SeqRanges } from "./ranges";

/**
 * The bookkeeping of out-of-order reassembly. The data itself goes straight into the receive ring
 * at its offset past the tail (`ByteRing.writeAt`), so this only records up to `capacity` disjoint
 * sequence ranges `[start, end)`, sorted and merged; nothing allocates after construction. When
 * the ranges are all in use, a segment that would need a new one is refused (the peer sends it
 * again), so memory stays bounded by the receive window and time by the range count.
 */
export class Reassembly extends SeqRanges {
  /** Records `[start, end)` (past RCV.NXT) as held, merging with neighbours; false if no range was free. */
  add(start: u32, end: u32): bool {
    return !seqLt(start, end) || this.insert(start, end);
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
    this.remove(0, gone);
    return nxt;
  }

  /**
   * Adds SACK blocks for the ranges to `options` (RFC 2018 §4): first the one holding the latest
   * segment, then the rest in order.
   */
  sackBlocks(options: TcpOptions): void {
    const n = this.count;
    let first: u32 = 0;
    for (let k: u32 = 0; k < n; k++) if (unchecked(this.starts[k]) == this.latest) first = k;
    for (let i: u32 = 0; i < n; i++) {
      const k = i == 0 ? first : i <= first ? i - 1 : i; // first, then the others in order
      if (!options.addSack(unchecked(this.starts[k]), unchecked(this.ends[k]))) break;
    }
  }
}
