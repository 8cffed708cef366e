// Timers and the binary min-heap that orders them by deadline (ties in arming order).

/**
 * Something to do at a time: subclass it and implement `fire`. Arm it with
 * `Loop.at`, `Loop.after` or `Loop.every` (or `after`/`every` in
 * `@tessera/clock`); a timer is armed in at most one loop at a time.
 */
export abstract class Timer {
  /** Monotonic time (ns) at which the timer fires next; meaningful while armed. */
  deadline: i64 = 0;
  /** Interval of a periodic timer in ns; 0 for a one-shot timer. */
  period: i64 = 0;
  /** Arming order, which breaks ties between equal deadlines (set by the heap). */
  seq: u64 = 0;
  /** Position in its heap; -1 when not armed (maintained by the heap). */
  index: i32 = -1;
  /** The heap the timer is armed in, if any (maintained by the heap). */
  heap: TimerHeap | null = null;

  /** Called by the loop once the deadline has passed; `now` is the loop's monotonic time. */
  abstract fire(now: i64): void;

  /** Whether the timer is armed (will fire). */
  get armed(): bool {
    return this.index >= 0;
  }

  /** Disarms the timer (also a periodic one, also from inside its own `fire`); nothing if not armed. */
  cancel(): void {
    const heap = this.heap;
    if (heap) heap.remove(this);
  }
}

/**
 * A binary min-heap of timers keyed by (deadline, arming order). Its array
 * grows by doubling and never shrinks, so arming and firing in the steady
 * state allocates nothing.
 */
export class TimerHeap {
  private items: StaticArray<Timer | null>;
  private count: i32 = 0;
  private nextSeq: u64 = 0;

  /** A heap with room for `capacity` timers before it first grows. */
  constructor(capacity: i32 = 16) {
    this.items = new StaticArray<Timer | null>(max(capacity, 1));
  }

  /** Number of armed timers. */
  get size(): i32 {
    return this.count;
  }

  /** The arming-order number the next `push` will get; timers pushed earlier have smaller ones. */
  get sequence(): u64 {
    return this.nextSeq;
  }

  /** The earliest timer, or null if the heap is empty. */
  peek(): Timer | null {
    return this.count ? this.at(0) : null;
  }

  /** Adds `timer` with its current `deadline`, first removing it from whatever heap holds it. */
  push(timer: Timer): void {
    timer.cancel();
    if (this.count == this.items.length) this.grow();
    timer.seq = this.nextSeq++;
    timer.heap = this;
    this.place(timer, this.count++);
    this.up(timer.index);
  }

  /** Removes and returns the earliest timer, or null if the heap is empty. */
  pop(): Timer | null {
    if (!this.count) return null;
    const top = this.at(0);
    this.remove(top);
    return top;
  }

  /** Removes `timer` if this heap holds it. */
  remove(timer: Timer): void {
    const i = timer.index;
    if (i < 0 || timer.heap !== this) return;
    const last = this.at(--this.count);
    unchecked((this.items[this.count] = null));
    timer.index = -1;
    timer.heap = null;
    if (last === timer) return;
    this.place(last, i);
    this.down(i);
    this.up(last.index);
  }

  @inline private at(i: i32): Timer {
    return changetype<Timer>(unchecked(this.items[i]));
  }

  @inline private place(timer: Timer, i: i32): void {
    unchecked((this.items[i] = timer));
    timer.index = i;
  }

  // Whether a fires before b.
  @inline private static before(a: Timer, b: Timer): bool {
    return a.deadline < b.deadline || (a.deadline == b.deadline && a.seq < b.seq);
  }

  private up(i: i32): void {
    const timer = this.at(i);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = this.at(parent);
      if (!TimerHeap.before(timer, p)) break;
      this.place(p, i);
      i = parent;
    }
    this.place(timer, i);
  }

  private down(i: i32): void {
    const timer = this.at(i);
    const n = this.count;
    for (;;) {
      let child = (i << 1) + 1;
      if (child >= n) break;
      if (child + 1 < n && TimerHeap.before(this.at(child + 1), this.at(child))) child++;
      const c = this.at(child);
      if (!TimerHeap.before(c, timer)) break;
      this.place(c, i);
      i = child;
    }
    this.place(timer, i);
  }

  private grow(): void {
    const items = new StaticArray<Timer | null>(this.items.length << 1);
    for (let i = 0; i < this.count; i++) unchecked((items[i] = this.items[i]));
    this.items = items;
  }
}
