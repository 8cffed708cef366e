// Group commit: writes that arrive while a flush runs, or in the same turn of the event loop, share
// the next flush; each is acknowledged only after a flush that covers it.

import { Loop, mainLoop } from "@tessera/runtime/assembly/loop";
import { Timer } from "@tessera/runtime/assembly/heap";
import { Batch } from "./batch";
import { StoreError } from "./errors";
import { Store } from "./store";

/**
 * What to do once a write (or a read that must not see writes that are not
 * durable) may be answered: extend it and implement `done`.
 */
export abstract class Durable {
  /** The store's `lastTicket` when it was queued: `done` runs once that is durable. */
  ticket: u64 = 0;

  /** The write is durable (`StoreError.None`), or was lost to a device failure (`Io`, the store stopped). */
  abstract done(error: StoreError): void;
}

/**
 * Commits the writes of one turn of the event loop together: each `put`,
 * `delete` or `commit` is applied to the store at once (`Store.stage`), and
 * at the end of the turn (a timer due at once, fired after the turn's input)
 * one frame holding all of them is written and flushed (`Store.sync`); then
 * every one of them gets `done`. The ABI's flush blocks the guest, so writes
 * that arrive while it runs wait in the host and come in the next turn,
 * to share the next flush: with N clients writing, a flush covers about N
 * writes.
 *
 * Nothing is acknowledged before it is durable: `done(StoreError.None)`
 * comes only after a flush (or a compaction) that covers the write. If the
 * flush fails, every write it covered gets `done(StoreError.Io)` and is
 * taken back out of the store (which stops). Reads see staged writes at
 * once; a service that must not answer from a write that is not yet
 * durable (a GET right after a PUT of another client, in the same turn)
 * waits with `afterDurable`, which costs nothing when nothing is staged.
 */
export class GroupCommit extends Timer {
  /** Flushes that covered at least one write. */
  flushes: u64 = 0;
  /** Writes applied (each then acknowledged once durable, or failed with `Io`). */
  writes: u64 = 0;
  private waiting: Durable[] = [];
  private resolving: Durable[] = [];
  private readonly single: Batch = new Batch();

  constructor(
    /** The store it writes to. */
    readonly store: Store,
    /** The loop whose turns it groups the writes of. */
    readonly loop: Loop = mainLoop(),
  ) {
    super();
  }

  /**
   * Applies `batch` (all or nothing, as `Store.commit`); `then.done` runs once
   * it is durable, after this turn's flush. On an error returned here
   * (sizes, `Full`, `Stopped`, `Io`) nothing was applied and `then` is not
   * called.
   */
  commit(batch: Batch, then: Durable): StoreError {
    const e = this.store.stage(batch);
    if (e != StoreError.None) return e;
    this.writes++;
    this.afterDurable(then);
    return e;
  }

  /** Sets `key` to `value`; `then.done` once durable. The errors of `commit`. */
  put(key: Uint8Array, value: Uint8Array, then: Durable): StoreError {
    this.single.put(key, value);
    const e = this.commit(this.single, then);
    this.single.clear();
    return e;
  }

  /** Removes `key` (an absent key writes nothing); `then.done` once durable. The errors of `commit`. */
  delete(key: Uint8Array, then: Durable): StoreError {
    if (!this.store.has(key)) {
      this.afterDurable(then);
      return StoreError.None;
    }
    this.single.delete(key);
    const e = this.commit(this.single, then);
    this.single.clear();
    return e;
  }

  /** Runs `then.done` once every write staged so far is durable: at once if it is, else after this turn's flush. */
  afterDurable(then: Durable): void {
    const store = this.store;
    then.ticket = store.lastTicket;
    if (then.ticket <= store.durableTicket) {
      then.done(StoreError.None);
      return;
    }
    this.waiting.push(then);
    if (!this.armed) this.loop.at(this, 0);
  }

  /** How many are waiting for the next flush. */
  get pending(): i32 {
    return this.waiting.length;
  }

  /** Flushes now what is staged and answers everything waiting (the loop's timer calls it at the end of a turn). */
  flush(): void {
    const waiting = this.waiting;
    if (waiting.length == 0) return;
    const store = this.store;
    const flushed = store.hasStaged;
    const e = store.sync();
    if (flushed && e == StoreError.None) this.flushes++;
    // New writes that the answers lead to (a pipelined request served at once) wait for the next flush.
    this.waiting = this.resolving;
    this.resolving = waiting;
    const durable = store.durableTicket;
    for (let i = 0; i < waiting.length; i++) {
      const then = waiting[i];
      then.done(then.ticket <= durable ? StoreError.None : e != StoreError.None ? e : StoreError.Io);
    }
    waiting.length = 0;
  }

  fire(now: i64): void {
    this.flush();
  }
}
