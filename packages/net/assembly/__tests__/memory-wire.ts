// Test helper: interfaces joined by an in-memory wire. Frames sent are copied into a queue and
// delivered when the test pumps the wire: in order and at once by default, or through a seeded
// impairment model (loss, reordering, duplication, delay on the simulated clock) when one is set.

import { Interface } from "@tessera/net/assembly/iface/interface";
import { Link } from "@tessera/net/assembly/iface/link";

/** One end of a wire: frames sent here are queued for `peer`. */
export class WireEnd extends Link {
  peer: Interface | null = null;

  constructor(private readonly wire: MemoryWire) {
    super();
  }

  send(ptr: usize, len: u32): bool {
    return this.wire.carry(ptr, len, this.peer!);
  }
}

/** What happens to frames on an impaired wire; each frame draws from a seeded generator. */
export class Impairment {
  /** Probability a frame is lost. */
  loss: f64 = 0;
  /** Probability a frame is held back by `reorderDelay`, so that later frames overtake it. */
  reorder: f64 = 0;
  /** Probability a frame arrives twice (the copy `duplicateDelay` later). */
  duplicate: f64 = 0;
  /** The one-way delay of every frame, in ns. */
  delay: i64 = 0;
  /** A further uniform random delay in [0, jitter) ns (it reorders frames closer than it). */
  jitter: i64 = 0;
  /** The extra delay of a reordered frame, in ns. */
  reorderDelay: i64 = 3_000_000;
  /** How much later a duplicate arrives, in ns. */
  duplicateDelay: i64 = 100_000;
  private state: u64;

  /** An impairment drawing from `seed` (any value). */
  constructor(seed: u64 = 1) {
    this.state = seed;
  }

  /** A uniform random number in [0, 1) (SplitMix64). */
  random(): f64 {
    let z = (this.state += 0x9e3779b97f4a7c15);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9;
    z = (z ^ (z >> 27)) * 0x94d049bb133111eb;
    z ^= z >> 31;
    return <f64>(z >> 11) / 9007199254740992.0;
  }
}

/**
 * A wire with a queue of frames in flight. Without an impairment frames go out in order on the
 * next `pump`, whatever the time; it can lose every n-th frame. With one, each frame is due at the
 * wire's clock (`now`, set by `advance` and `pump`) plus its delay, and `pump(now)` delivers those due.
 */
export class MemoryWire {
  /** Copies of the frames in flight, where each goes, and when it is due, ordered by due time. */
  readonly frames: Array<StaticArray<u8>> = new Array<StaticArray<u8>>();
  readonly targets: Array<Interface> = new Array<Interface>();
  readonly dues: Array<i64> = new Array<i64>();
  /** Lose every n-th frame when > 0. */
  loseEvery: i32 = 0;
  /** Frames offered to the wire. */
  carried: i32 = 0;
  /** Frames lost, reordered and duplicated by the impairment. */
  lost: i32 = 0;
  reordered: i32 = 0;
  duplicated: i32 = 0;
  /** Frames that arrived ahead of a frame sent earlier to the same interface: reordering that happened. */
  overtook: i32 = 0;
  /** The impairment model, or null for a perfect wire. */
  impairment: Impairment | null = null;
  /** The simulated time frames are sent at. */
  now: i64 = 0;

  /** Sets the time at which frames sent from now on leave (call before polling the interfaces). */
  advance(now: i64): void {
    this.now = now;
  }

  /** Queues a copy of the frame for `to` (or loses it). */
  carry(ptr: usize, len: u32, to: Interface): bool {
    this.carried++;
    if (this.loseEvery > 0 && this.carried % this.loseEvery == 0) return true; // lost on the way
    const imp = this.impairment;
    if (!imp) {
      this.queue(ptr, len, to, this.now);
      return true;
    }
    if (imp.random() < imp.loss) {
      this.lost++;
      return true;
    }
    let due = this.now + imp.delay;
    if (imp.jitter > 0) due += <i64>(imp.random() * <f64>imp.jitter);
    if (imp.random() < imp.reorder) {
      due += imp.reorderDelay;
      this.reordered++;
    }
    this.queue(ptr, len, to, due);
    if (imp.random() < imp.duplicate) {
      this.duplicated++;
      this.queue(ptr, len, to, due + imp.duplicateDelay);
    }
    return true;
  }

  // Inserts a copy in due order (after frames due at the same time).
  private queue(ptr: usize, len: u32, to: Interface, due: i64): void {
    const copy = new StaticArray<u8>(<i32>len);
    memory.copy(changetype<usize>(copy), ptr, len);
    const f = this.frames;
    const t = this.targets;
    const d = this.dues;
    f.push(copy);
    t.push(to);
    d.push(due);
    let overtakes = false;
    for (let i = d.length - 1; i > 0 && d[i - 1] > due; i--) {
      if (t[i - 1] == to) overtakes = true;
      f[i] = f[i - 1];
      t[i] = t[i - 1];
      d[i] = d[i - 1];
      f[i - 1] = copy;
      t[i - 1] = to;
      d[i - 1] = due;
    }
    if (overtakes) this.overtook++;
  }

  /** Delivers frames due by `now` (all of them on a perfect wire) until none are (at most 10,000); returns how many. */
  pump(now: i64): i32 {
    this.now = now;
    const perfect = this.impairment == null;
    let n = 0;
    while (this.frames.length > 0 && n < 10_000 && (perfect || this.dues[0] <= now)) {
      this.deliver(now);
      n++;
    }
    return n;
  }

  /** Delivers the oldest frame in flight, whenever it is due; false if none is. */
  step(now: i64): bool {
    if (this.frames.length == 0) return false;
    this.now = now;
    this.deliver(now);
    return true;
  }

  private deliver(now: i64): void {
    const frame = this.frames.shift();
    this.dues.shift();
    this.targets.shift().receive(changetype<usize>(frame), <u32>frame.length, now);
  }

  /** When the next frame in flight is due (i64.MAX_VALUE: none is in flight). */
  nextDue(): i64 {
    return this.dues.length > 0 ? this.dues[0] : i64.MAX_VALUE;
  }

  /** Takes the oldest frame in flight off the wire without delivering it. */
  take(): StaticArray<u8> {
    this.targets.shift();
    this.dues.shift();
    return this.frames.shift();
  }
}

/** Two interfaces, 10.0.0.1 (a) and 10.0.0.2 (b) on 10.0.0.0/24, joined by one wire. */
export class Pair {
  readonly wire: MemoryWire;
  readonly a: Interface;
  readonly b: Interface;

  constructor() {
    const wire = new MemoryWire();
    const endA = new WireEnd(wire);
    const endB = new WireEnd(wire);
    this.wire = wire;
    this.a = new Interface(endA, 0x020000000001, 1500);
    this.b = new Interface(endB, 0x020000000002, 1500);
    endA.peer = this.b;
    endB.peer = this.a;
    this.a.config.cidr.addr = 0x0a000001;
    this.a.config.cidr.prefixLen = 24;
    this.b.config.cidr.addr = 0x0a000002;
    this.b.config.cidr.prefixLen = 24;
  }
}
