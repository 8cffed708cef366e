// What an interface counts: frames in and out, and every drop by its reason.

import { Drop } from "../wire/drop";

/** Counters of one interface. Plain fields: read them, reset them, log them. */
export class Counters {
  /** Frames received (before any check). */
  rxFrames: u64 = 0;
  /** Frames sent (including ARP and ICMP the stack sends on its own). */
  txFrames: u64 = 0;
  /** Frames the link refused to send. */
  txDropped: u64 = 0;
  /** Drops by reason, indexed by `Drop`. */
  readonly drops: StaticArray<u64> = new StaticArray<u64>(<i32>Drop.Count);

  /** Counts one drop for `reason`. */
  drop(reason: Drop): void {
    unchecked((this.drops[<i32>reason] += 1));
  }

  /** Drops counted for `reason`. */
  dropped(reason: Drop): u64 {
    return unchecked(this.drops[<i32>reason]);
  }

  /** All drops, whatever the reason. */
  totalDropped(): u64 {
    let sum: u64 = 0;
    for (let i = 0; i < <i32>Drop.Count; i++) sum += unchecked(this.drops[i]);
    return sum;
  }
}
