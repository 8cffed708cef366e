// What the peer's SACK blocks (RFC 2018) say it holds beyond SND.UNA: the sender's scoreboard for loss recovery (RFC 6675).

import { TcpOptions } from "../wire/tcp-options";
import { seqGe, seqGt, seqLe, seqLt } from "../wire/seq";

/**
 * Up to `capacity` disjoint, sorted sequence ranges the peer reported holding above SND.UNA.
 * Blocks outside (SND.UNA, SND.MAX] are ignored (a forged or stale block cannot make us skip
 * data); when every range is in use a new disjoint block is ignored too. Nothing allocates after
 * construction. The peer may still discard what it SACKed (RFC 2018 §8), so the connection clears
 * the scoreboard on a retransmission timeout and never frees SACKed data before it is ACKed.
 */
export class Scoreboard {
  private readonly starts: StaticArray<u32>;
  private readonly ends: StaticArray<u32>;
  private count: u32 = 0;
  /** Bytes SACKed. */
  sacked: u32 = 0;

  /** Room for `capacity` (> 0) ranges. */
  constructor(readonly capacity: u32) {
    this.starts = new StaticArray<u32>(<i32>max<u32>(capacity, 1));
    this.ends = new StaticArray<u32>(<i32>max<u32>(capacity, 1));
  }

  /** Nothing is SACKed. */
  get empty(): bool {
    return this.count == 0;
  }

  /** One past the highest SACKed sequence number (meaningful when not `empty`). */
  get highest(): u32 {
    return unchecked(this.ends[this.count - 1]);
  }

  /** Forgets every block. */
  clear(): void {
    this.count = 0;
    this.sacked = 0;
  }

  /** Takes the SACK blocks of `options` that lie within (`una`, `max`]. */
  update(options: TcpOptions, una: u32, max: u32): void {
    for (let i: u32 = 0; i < options.sackCount; i++) {
      const left = options.sackLeft(i);
      const right = options.sackRight(i);
      if (seqLt(una, left) && seqLt(left, right) && seqLe(right, max)) this.add(left, right);
    }
  }

  /** SND.UNA advanced to `una`: forgets what it covers. */
  advance(una: u32): void {
    const n = this.count;
    let gone: u32 = 0;
    while (gone < n && seqLe(unchecked(this.ends[gone]), una)) gone++;
    if (gone > 0) {
      for (let k: u32 = 0; k + gone < n; k++) {
        unchecked((this.starts[k] = this.starts[k + gone]));
        unchecked((this.ends[k] = this.ends[k + gone]));
      }
      this.count = n - gone;
    }
    if (this.count > 0 && seqLt(unchecked(this.starts[0]), una)) unchecked((this.starts[0] = una));
    this.recount();
  }

  /** The first sequence number at or after `from` that is not SACKed. */
  nextHole(from: u32): u32 {
    let at = from;
    for (let k: u32 = 0; k < this.count; k++) {
      const s = unchecked(this.starts[k]);
      const e = unchecked(this.ends[k]);
      if (seqLt(at, s)) return at;
      if (seqLt(at, e)) at = e;
    }
    return at;
  }

  /** Bytes from `seq` to the next SACKed range (or `limit` if none comes first). */
  holeLength(seq: u32, limit: u32): u32 {
    for (let k: u32 = 0; k < this.count; k++) {
      const s = unchecked(this.starts[k]);
      if (seqGt(s, seq)) return min(s - seq, limit);
    }
    return limit;
  }

  /** Bytes in [`from`, `to`) that are not SACKed. */
  unsackedBetween(from: u32, to: u32): u32 {
    if (!seqLt(from, to)) return 0;
    let n = to - from;
    for (let k: u32 = 0; k < this.count; k++) {
      const s = seqGt(unchecked(this.starts[k]), from) ? unchecked(this.starts[k]) : from;
      const e = seqLt(unchecked(this.ends[k]), to) ? unchecked(this.ends[k]) : to;
      if (seqLt(s, e)) n -= e - s;
    }
    return n;
  }

  private add(start: u32, end: u32): void {
    const starts = this.starts;
    const ends = this.ends;
    const n = this.count;
    let i: u32 = 0;
    while (i < n && seqLt(unchecked(ends[i]), start)) i++;
    let j = i;
    while (j < n && seqLe(unchecked(starts[j]), end)) j++;
    if (j > i) {
      unchecked((starts[i] = seqLt(starts[i], start) ? starts[i] : start));
      unchecked((ends[i] = seqGe(ends[j - 1], end) ? ends[j - 1] : end));
      const gone = j - i - 1;
      for (let k = i + 1; k + gone < n; k++) {
        unchecked((starts[k] = starts[k + gone]));
        unchecked((ends[k] = ends[k + gone]));
      }
      this.count = n - gone;
    } else {
      if (n == this.capacity) return;
      for (let k = n; k > i; k--) {
        unchecked((starts[k] = starts[k - 1]));
        unchecked((ends[k] = ends[k - 1]));
      }
      unchecked((starts[i] = start));
      unchecked((ends[i] = end));
      this.count = n + 1;
    }
    this.recount();
  }

  private recount(): void {
    let total: u32 = 0;
    for (let k: u32 = 0; k < this.count; k++) total += unchecked(this.ends[k]) - unchecked(this.starts[k]);
    this.sacked = total;
  }
}
