// What the peer's SACK blocks (RFC 2018) say it holds beyond SND.UNA: the sender's scoreboard for loss recovery (RFC 6675).

import { TcpOptions } from "../wire/tcp-options";
import { seqGt, seqLe, seqLt } from "../wire/seq";
import { SeqRanges } from "./ranges";

/**
 * Up to `capacity` disjoint, sorted sequence ranges the peer reported holding above SND.UNA.
 * Blocks outside (SND.UNA, SND.MAX] are ignored (a forged or stale block cannot make us skip
 * data); when every range is in use a new disjoint block is ignored too. Nothing allocates after
 * construction. The peer may still discard what it SACKed (RFC 2018 §8), so the connection clears
 * the scoreboard on a retransmission timeout and never frees SACKed data before it is ACKed.
 */
export class Scoreboard extends SeqRanges {
  /** Bytes SACKed. */
  sacked: u32 = 0;

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
      if (seqLt(una, left) && seqLt(left, right) && seqLe(right, max) && this.insert(left, right)) this.recount();
    }
  }

  /** SND.UNA advanced to `una`: forgets what it covers. */
  advance(una: u32): void {
    let gone: u32 = 0;
    while (gone < this.count && seqLe(unchecked(this.ends[gone]), una)) gone++;
    this.remove(0, gone);
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

  private recount(): void {
    let total: u32 = 0;
    for (let k: u32 = 0; k < this.count; k++) total += unchecked(this.ends[k]) - unchecked(this.starts[k]);
    this.sacked = total;
  }
}
