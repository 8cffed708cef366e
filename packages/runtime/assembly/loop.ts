// The event loop: sleeps in `yield` until the next timer or device input, then
// dispatches ready devices to their handlers and fires the timers that are due.

import { clock_monotonic, CONSOLE_READY_BIT, yield_ } from "@tessera/abi/assembly";
import { fail } from "./abort";
import { Collector } from "./collector";
import { Timer, TimerHeap } from "./heap";
import { flush } from "./out";

/** Reacts to a device with input waiting: register one with `Loop.on` for a handle bit. */
export abstract class ReadyHandler {
  /** Called when the device's bit is in `yield`'s ready set; `now` is the loop's monotonic time. */
  abstract ready(now: i64): void;
}

/** Runs once per turn, before the loop waits: register one with `Loop.prepare` to send what was queued during the turn. */
export abstract class PrepareHandler {
  /** Called at the start of each turn, before console output is flushed and the loop sleeps. */
  abstract prepare(): void;
}

/** The bit of the ready set for console input (63); bits 0..62 are device handles. */
export const CONSOLE_BIT: u32 = CONSOLE_READY_BIT;

// How many `run()`s are on the wasm stack, of any loop: only the outermost may collect garbage.
let running: i32 = 0;

/**
 * An event loop over the ABI's `yield`. Each turn flushes console output,
 * sleeps until the earliest timer (or indefinitely if only device handlers
 * are registered), calls the handlers of ready devices, then fires due timers.
 * A turn allocates nothing. Between turns, the outermost `run()` collects
 * garbage (see `collector`). Subclasses may override `now` and `wait` to run
 * the loop on a simulated clock.
 */
export class Loop {
  /** When garbage is collected between turns (the `minimal` runtime): its time budget, and what it has done. */
  readonly collector: Collector = new Collector();
  private timers: TimerHeap = new TimerHeap();
  private handlers: StaticArray<ReadyHandler | null> = new StaticArray<ReadyHandler | null>(64);
  private handlerCount: i32 = 0;
  private preparers: Array<PrepareHandler> = new Array<PrepareHandler>();
  private stopping: bool = false;
  private collecting: bool = false;
  private turnTime: i64 = 0;

  /** The loop's clock: monotonic nanoseconds. */
  now(): i64 {
    return clock_monotonic();
  }

  /** Blocks until `deadline` or device input; returns the ready set (the ABI's `yield`). */
  wait(deadline: i64): i64 {
    return yield_(deadline);
  }

  /** Arms `timer` to fire once at monotonic time `deadline` (re-arming it if armed). */
  at(timer: Timer, deadline: i64): void {
    timer.cancel();
    timer.deadline = deadline;
    timer.period = 0;
    this.timers.push(timer);
  }

  /** Arms `timer` to fire once, `delay` ns from now (re-arming it if armed). */
  after(timer: Timer, delay: i64): void {
    this.at(timer, this.now() + delay);
  }

  /**
   * Arms `timer` to fire every `period` ns (> 0), first after `first` ns
   * (default: one period). A loop that falls behind skips the missed ticks.
   */
  every(timer: Timer, period: i64, first: i64 = -1): void {
    if (period <= 0) fail("Loop.every: the period must be positive");
    this.at(timer, this.now() + (first < 0 ? period : first));
    timer.period = period;
  }

  /** Number of armed timers. */
  get timerCount(): i32 {
    return this.timers.size;
  }

  /** Registers `handler` for ready-set bit `bit` (a handle 0..62, or CONSOLE_BIT), replacing any other. */
  on(bit: u32, handler: ReadyHandler): void {
    if (bit > 63) fail("Loop.on: the bit must be 0..63");
    if (!unchecked(this.handlers[bit])) this.handlerCount++;
    unchecked((this.handlers[bit] = handler));
  }

  /** The handler registered for `bit`, or null. */
  handler(bit: u32): ReadyHandler | null {
    return bit > 63 ? null : unchecked(this.handlers[bit]);
  }

  /** Registers `handler` to run at the start of every turn (a stack sends what the app wrote since the last turn). */
  prepare(handler: PrepareHandler): void {
    if (!this.preparers.includes(handler)) this.preparers.push(handler);
  }

  /** Unregisters the handler of `bit`, if any. */
  off(bit: u32): void {
    if (bit > 63 || !unchecked(this.handlers[bit])) return;
    unchecked((this.handlers[bit] = null));
    this.handlerCount--;
  }

  /** Whether there is anything left to wait for: an armed timer or a registered handler. */
  get pending(): bool {
    return this.timers.size > 0 || this.handlerCount > 0;
  }

  /**
   * Runs turns until nothing is pending or `stop()` is called. The outermost
   * `run()` collects garbage between turns under the `minimal` runtime, which
   * sees only what globals and the loop reach: an object the caller keeps in
   * a local alone, to use after `run()` returns, must be kept in a global.
   */
  run(): void {
    this.stopping = false;
    const outer = running++ == 0;
    const was = this.collecting;
    this.collecting = outer;
    // A loop that is not the global main loop is reachable only from locals: pin it while it collects.
    if (ASC_RUNTIME == 1 && outer) __pin(changetype<usize>(this));
    while (!this.stopping && this.turn()) if (outer) this.collector.collectIfDue(this.turnTime);
    if (ASC_RUNTIME == 1 && outer) __unpin(changetype<usize>(this));
    this.collecting = was;
    running--;
  }

  /** Makes `run()` return after the current turn. */
  stop(): void {
    this.stopping = true;
  }

  /** One turn of the loop (prepare, flush, wait, dispatch, fire); returns `pending` afterwards. */
  turn(): bool {
    const preparers = this.preparers;
    for (let i = 0, n = preparers.length; i < n; i++) unchecked(preparers[i]).prepare();
    flush();
    if (!this.pending) return false;
    const first = this.timers.peek();
    let deadline = first ? first.deadline : i64.MAX_VALUE;
    if (this.collecting) deadline = min(deadline, this.collector.wakeAt);
    let ready = this.wait(deadline);
    const now = this.now();
    this.turnTime = now;
    if (ready) this.collector.touch();
    while (ready) {
      const bit = <i32>ctz(ready);
      ready &= ready - 1;
      const handler = unchecked(this.handlers[bit]);
      if (handler) handler.ready(now);
    }
    this.fire(now);
    return this.pending;
  }

  // Fires the timers due at `now`, in order; one armed while firing waits for the next turn.
  private fire(now: i64): void {
    const limit = this.timers.sequence;
    for (;;) {
      const timer = this.timers.peek();
      if (!timer || timer.deadline > now || timer.seq >= limit) break;
      this.collector.touch();
      this.timers.remove(timer);
      const period = timer.period;
      if (period) {
        const next = timer.deadline + period;
        timer.deadline = next > now ? next : now + period;
        this.timers.push(timer);
      }
      timer.fire(now);
    }
  }
}

// Created on first use, so an image that never runs a loop carries none.
let main: Loop | null = null;

/** The app's event loop (one per image, created on first use). */
export function mainLoop(): Loop {
  let l = main;
  if (!l) main = l = new Loop();
  return l;
}

/** Runs the app's event loop until nothing is left to do. */
export function run(): void {
  mainLoop().run();
}
