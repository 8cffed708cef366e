// When the event loop collects garbage.
//
// AssemblyScript's `minimal` runtime (the default for Tessera images) is a
// mark-and-sweep collector that never runs on its own and does not scan the
// wasm stack: it marks from globals (and pinned objects) only. An object that
// some function still holds in a local, and nothing else, would be freed under
// it. So the one safe moment is between two turns of the outermost `run()`,
// when no function below it is running. Everything a running app uses is
// reachable from there: the loop is a global (or pinned while it runs), and it
// holds the handlers and timers that hold the rest. Doing without the
// `incremental` runtime's shadow stack halves an image (examples/http: 134 to
// 75 KB) and makes every call cheaper.
//
// Policy: after a turn that ran app code (a device handler or a timer), the
// loop collects as soon as its budget allows: collecting may take at most one
// part in `share` of the time (a collection that took 50 µs allows the next
// 1 ms later), never more often than every `minGap` and, however slow the last
// one was, at least every `maxGap` while app code runs. The allocator cannot
// tell us how much garbage there is, so collecting often is what keeps memory
// from growing under a burst of allocation. While there is garbage to collect
// the loop wakes up for it, so memory goes back down soon after a burst ends;
// an idle loop collects nothing. Under the `incremental` runtime (which
// collects on its own) and `stub` (which never frees) this does nothing.
//
// Under memory pressure the budget gives way. Pressure is measured by
// `memoryRoom()`: the largest block the allocator could hand out now, from a
// free block or by growing memory. Once that is below `reserve` parts of the
// limit (memory_limit), or memory has grown to within that of its limit since
// the last collection, the loop collects after every turn that ran app code,
// at most half the time (a collection waits as long as the last one took),
// and once it is below half of that, `minGap` apart whatever collecting
// costs: falling behind would cost the guest (the allocator traps when
// memory.grow fails). Room, not memory's size, is the measure, because
// memory never shrinks and garbage fills it without growing it:
// - with memory's size as the measure, a store with 16 MB live and memory
//   grown to 200 of 256 MB spent nearly all its time collecting (1,000
//   durable PUTs a second instead of 22,000), long after the burst that grew
//   memory; its free blocks were large, and room counts them;
// - with memory's growth since the last collection as the only measure,
//   examples/http trapped in 8 MiB under 100 clients on a busy machine: with
//   memory at 114 of 128 pages and 6 MB free after a collection that took
//   8 ms (descheduled), the budget let the next wait 50 ms, 6 MB of garbage
//   filled the free blocks without memory growing, and the turn that then
//   had to grow it found no room;
// - and room alone misses garbage that comes faster than it shows: the
//   gc-loop fixture (1 MiB a turn, collections of milliseconds, 16 MiB)
//   trapped once in CI with room as the only measure: a free block of the
//   reserve's size lasts a few turns, and the budget's wait can be longer.
//   So memory grown to within the reserve since the last collection is
//   pressure too, as it was before room.
// The network stack also ends a turn early once room is short (stack.ts).

import { clock_monotonic } from "@tessera/abi/assembly";
import { memoryHeadroom, memoryLimit, memoryRoom } from "./memory";

/** Collects garbage between the event loop's turns (the `minimal` runtime; a no-op under the others). */
export class Collector {
  /** Collecting takes at most one part in `share` of the loop's time (default 20: 5%). */
  share: i64 = 20;
  /** The least time between two collections, in ns (default 1 ms). */
  minGap: i64 = 1_000_000;
  /** The most time between two collections while app code runs, in ns (default 50 ms). */
  maxGap: i64 = 50_000_000;
  /** Collect after every busy turn once no block of one part in `reserve` of the memory limit is left (default 4: 25%). */
  reserve: u64 = 4;
  /** Collections so far. */
  count: u32 = 0;
  /** Time spent collecting so far, in ns. */
  spent: i64 = 0;
  private next: i64 = i64.MIN_VALUE;
  private last: i64 = i64.MIN_VALUE / 2; // when the last collection started (loop time)
  private dirty: bool = false;
  private took: i64 = 0; // how long the last collection took
  private pagesAtLast: i32 = 0; // memory.size() when the last collection ended

  /** Notes that a turn ran app code, so there may be garbage. */
  touch(): void {
    this.dirty = true;
  }

  /** When the loop should wake up to collect (i64.MAX_VALUE: nothing to collect, or not this runtime). */
  get wakeAt(): i64 {
    if (ASC_RUNTIME != 1 || !this.dirty) return i64.MAX_VALUE;
    const gap = this.pressure();
    return max(gap >= 0 ? this.last + gap : this.next, 0);
  }

  // Under pressure, how long after the last collection the next may start; -1 if memory is not under pressure.
  // Pressure: no room for an allocation of `reserve` parts of the limit, or memory grown since the last collection
  // to within that of its limit (or so close to it that it may not grow enough again: a sixteenth of the reserve).
  // The last collection's own time, but `minGap` within half the reserve, where a few turns' garbage could take
  // what is left (the gc-loop fixture trapped so, with 8 ms collections and 1 MiB a turn). Cheap: memory.size,
  // a cached limit and one load.
  private pressure(): i64 {
    const reserve = memoryLimit() / this.reserve;
    const room = memoryRoom();
    const headroom = memoryHeadroom();
    const growing = headroom < reserve && (memory.size() > this.pagesAtLast || headroom < reserve / 16);
    if (room >= reserve && !growing) return -1;
    return room < reserve / 2 || (growing && headroom < reserve / 2) ? this.minGap : max(this.minGap, this.took);
  }

  /**
   * Collects if a turn since the last collection ran app code and the budget
   * allows it at `now` (the loop's time); true if it collected. Call it only
   * where no function holds a heap reference in a local alone (the loop calls
   * it between turns of the outermost `run()`).
   */
  collectIfDue(now: i64): bool {
    if (ASC_RUNTIME != 1 || !this.dirty) return false;
    // Under pressure, as soon as its gap since the last collection has passed.
    if (now < this.next) {
      const gap = this.pressure();
      if (gap < 0 || now < this.last + gap) return false;
    }
    const start = clock_monotonic();
    __collect();
    const took = clock_monotonic() - start;
    this.count++;
    this.spent += took;
    this.took = took;
    this.last = now;
    this.next = now + min(this.maxGap, max(this.minGap, took * this.share));
    this.dirty = false;
    this.pagesAtLast = memory.size();
    return true;
  }
}
