// Network impairment for the virtual switch, with no I/O and no clock (the
// time is passed in): each frame the switch sends out of a port is first
// offered here, and may be lost, duplicated, held back behind the next frame
// for that port (reordered), and delayed by a fixed time. Every random choice
// comes from one seeded generator, three draws per frame whatever they
// decide, so a seed and a sequence of frames always give the same result.
// Queues are bounded: a frame that finds its port's queue full is dropped and
// counted.

/** What to do to frames; rates are fractions from 0 to 1. */
export interface ImpairmentOptions {
  /** Fraction of frames lost. */
  loss?: number;
  /** Fraction of frames held back until the next frame for the same port has gone (reordered). */
  reorder?: number;
  /** Fraction of frames sent twice. */
  duplicate?: number;
  /** Time every frame waits before it is sent, in ms. */
  delayMs?: number;
  /** Seed of the generator (a 32-bit unsigned integer). */
  seed?: number;
  /** Frames each port's queue holds at most (default 4096). */
  queueLimit?: number;
  /** How long a held-back frame waits for a next frame before it goes anyway, in ms (default 5). */
  holdMs?: number;
}

/** The impairment's counters. */
export interface ImpairmentStats {
  /** Frames offered. */
  offered: number;
  /** Frames lost on purpose. */
  lost: number;
  /** Frames sent twice on purpose. */
  duplicated: number;
  /** Frames that went out behind a frame that came after them. */
  reordered: number;
  /** Frames dropped because their port's queue was full. */
  overflowed: number;
}

interface Queued {
  frame: Uint8Array;
  /** When it may go (ms). */
  at: number;
}

interface PortQueue {
  /** Frames in the order they go, each due no earlier than the one before. */
  fifo: Queued[];
  head: number;
  /** A frame held back, to go right behind the next frame queued for this port. */
  held: Queued | null;
  /** When the held frame goes anyway (ms). */
  heldUntil: number;
}

/** A small seeded generator (SplitMix32): uniform numbers in [0, 1). */
export class SeededRandom {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** The next number in [0, 1). */
  next(): number {
    let z = (this.state = (this.state + 0x9e3779b9) | 0);
    z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
    z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
    return ((z ^ (z >>> 15)) >>> 0) / 0x1_0000_0000;
  }
}

/** The impairment of one switch: a queue per port, one generator for all. */
export class Impairment {
  readonly stats: ImpairmentStats = { offered: 0, lost: 0, duplicated: 0, reordered: 0, overflowed: 0 };
  readonly loss: number;
  readonly reorder: number;
  readonly duplicate: number;
  readonly delayMs: number;
  readonly seed: number;
  private readonly queueLimit: number;
  private readonly holdMs: number;
  private readonly random: SeededRandom;
  private readonly queues = new Map<number, PortQueue>();
  private readonly out: [number, Uint8Array][] = [];

  constructor(opts: ImpairmentOptions = {}) {
    this.loss = rate("loss", opts.loss);
    this.reorder = rate("reorder", opts.reorder);
    this.duplicate = rate("duplicate", opts.duplicate);
    this.delayMs = opts.delayMs ?? 0;
    if (!(this.delayMs >= 0 && this.delayMs <= 10_000)) throw new RangeError(`delay ${opts.delayMs} ms: 0 to 10000`);
    this.seed = (opts.seed ?? 1) >>> 0;
    this.queueLimit = opts.queueLimit ?? 4096;
    this.holdMs = opts.holdMs ?? 5;
    this.random = new SeededRandom(this.seed);
  }

  /** Whether it does anything at all (if not, the switch need not use it). */
  get active(): boolean {
    return this.loss > 0 || this.reorder > 0 || this.duplicate > 0 || this.delayMs > 0;
  }

  /** Frames waiting, all ports together. */
  get waiting(): number {
    let n = 0;
    for (const q of this.queues.values()) n += q.fifo.length - q.head + (q.held ? 1 : 0);
    return n;
  }

  /**
   * Offers `frame`, to be sent out of `port`, at time `now` (ms). The frame is
   * copied (the caller may reuse its buffer); it comes out of `due` later, or
   * never.
   */
  offer(port: number, frame: Uint8Array, now: number): void {
    this.stats.offered++;
    // Three draws per frame, always, so that one frame's fate does not shift the next one's.
    const lose = this.random.next() < this.loss;
    const twice = this.random.next() < this.duplicate;
    const holdBack = this.random.next() < this.reorder;
    if (lose) {
      this.stats.lost++;
      return;
    }
    let q = this.queues.get(port);
    if (!q) this.queues.set(port, (q = { fifo: [], head: 0, held: null, heldUntil: 0 }));
    const item: Queued = { frame: frame.slice(), at: now + this.delayMs };
    if (holdBack && !q.held) {
      q.held = item;
      q.heldUntil = now + Math.max(this.holdMs, this.delayMs);
    } else {
      this.push(q, item);
      if (q.held) {
        // The held frame goes right behind this one: reordered.
        this.push(q, { frame: q.held.frame, at: item.at });
        q.held = null;
        this.stats.reordered++;
      }
    }
    if (twice) {
      this.stats.duplicated++;
      this.push(q, { frame: item.frame, at: item.at });
    }
  }

  /** When the next frame is due (ms), or Infinity if none waits. */
  nextAt(): number {
    let at = Infinity;
    for (const q of this.queues.values()) {
      if (q.head < q.fifo.length) at = Math.min(at, q.fifo[q.head].at);
      if (q.held) at = Math.min(at, q.heldUntil);
    }
    return at;
  }

  /**
   * The frames due by `now` (ms), as [port, frame] in the order to send them
   * (per port, the order they were queued). The array is reused by the next call.
   */
  due(now: number): readonly [number, Uint8Array][] {
    const out = this.out;
    out.length = 0;
    for (const [port, q] of this.queues) {
      if (q.held && q.heldUntil <= now) {
        // No frame came to pass it: it goes in its turn after all.
        this.push(q, { frame: q.held.frame, at: q.heldUntil });
        q.held = null;
      }
      while (q.head < q.fifo.length && q.fifo[q.head].at <= now) out.push([port, q.fifo[q.head++].frame]);
      if (q.head === q.fifo.length) {
        q.fifo.length = 0;
        q.head = 0;
      } else if (q.head > 1024) {
        q.fifo.splice(0, q.head);
        q.head = 0;
      }
    }
    return out;
  }

  /** Forgets every frame waiting for `port` (it has left the switch). */
  removePort(port: number): void {
    this.queues.delete(port);
  }

  private push(q: PortQueue, item: Queued): void {
    if (q.fifo.length - q.head >= this.queueLimit) {
      this.stats.overflowed++;
      return;
    }
    q.fifo.push(item);
  }
}

function rate(what: string, value: number | undefined): number {
  const r = value ?? 0;
  if (!(r >= 0 && r <= 1)) throw new RangeError(`${what} ${value}: a fraction from 0 to 1`);
  return r;
}
