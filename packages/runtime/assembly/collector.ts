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
// Under memory pressure the budget gives way: once the linear memory has grown
// to within `reserve` parts of its limit (memory_limit), and has grown again
// since the last collection, the loop collects after every turn that ran app
// code, `minGap` apart, whatever collecting costs: falling behind would cost
// the guest (the allocator traps when memory.grow fails). Memory never
// shrinks, so "near the limit" alone would hold the collector at that pace
// for good after one burst, long after the garbage that grew memory is gone:
// a store with 16 MB live and memory grown to 200 of 256 MB spent nearly all
// its time collecting (1,000 durable PUTs a second instead of 22,000). While
// memory has not grown since the last collection, the allocator is serving
// from the space that collection freed, and the budget's pace is enough;
// unless memory is within a sixteenth of that reserve of its limit, where it
// may not be able to grow at all. And under pressure a collection waits at
// least as long as the last one took (at most half the time goes to it),
// except within half the reserve of the limit, where it waits only `minGap`.

import { clock_monotonic } from "@tessera/abi/assembly";
import { memoryLimit, memoryRoom } from "./memory";

/** Collects garbage between the event loop's turns (the `minimal` runtime; a no-op under the others). */
export class Collector {
  /** Collecting takes at most one part in `share` of the loop's time (default 20: 5%). */
  share: i64 = 20;
  /** The least time between two collections, in ns (default 1 ms). */
  minGap: i64 = 1_000_000;
  /** The most time between two collections while app code runs, in ns (default 50 ms). */
  maxGap: i64 = 50_000_000;
  /** Collect after every busy turn once less than one part in `reserve` of the memory limit is left (default 4: 25%). */
  reserve: u64 = 4;
  /** Collections so far. */
  count: u32 = 0;
  /** Time spent collecting so far, in ns. */
  spent: i64 = 0;
  private next: i64 = i64.MIN_VALUE;
  private last: i64 = i64.MIN_VALUE / 2; // when the last collection started (loop time)
  private dirty: bool = false;
  private took: i64 = 0; // how long the last collection took

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
  // Pressure: memory within `reserve` parts of its limit and grown since the last collection, or so close to it
  // that it may not grow enough again (a sixteenth of that reserve). The gap is the last collection's own time
  // (at most half the time goes to collecting), but only `minGap` within half the reserve, where a few turns'
  // garbage could take what is left (the gc-loop fixture trapped so: 8 ms collections, 1 MiB a turn). Cheap:
  // memory.size and a cached limit.
  private pressure(): i64 {
    const room = memoryRoom();
    const reserve = memoryLimit() / this.reserve;
    if (room >= reserve) return -1;
    return room < reserve / 2 ? this.minGap : max(this.minGap, this.took);
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
    return true;
  }
}
