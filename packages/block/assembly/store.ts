// The key-value store: get, put, delete, atomic batches and prefix scans over a log on a block device.

import { entropy } from "@tessera/abi/assembly";
import { Batch } from "./batch";
import { formatDisk, isBlank } from "./create";
import { Cursor } from "./cursor";
import { Disk } from "./disk";
import { StoreError, storeErrorMessage } from "./errors";
import { ENTRY_PUT } from "./format/frame";
import { MAX_BATCH_BYTES, MAX_BATCH_OPS, MAX_KEY_SIZE, MAX_VALUE_SIZE } from "./limits";
import { Log } from "./log";
import { recover } from "./recover";
import { copyBytes, Table, Undo } from "./table";

/**
 * A write that adds live data is refused as `Full` if, compacted, the store
 * would leave less than 1/FULL_HEADROOM of a region's log free. Each
 * compaction then frees at least that much for appends, which bounds the
 * copying near full to FULL_HEADROOM - 1 bytes per byte appended; without it
 * a nearly full store would rewrite all its data on every put. Writes that
 * do not add live data (deletes, smaller values) may use the headroom.
 */
export const FULL_HEADROOM: u64 = 8;

/** What mounting a store gave: the store, or why not. */
export class Mounted {
  constructor(
    /** The store, or null if the mount failed. */
    readonly store: Store | null,
    /** Why it failed, or `StoreError.None`. */
    readonly error: StoreError,
    /** What exactly was wrong; on success, empty unless the log was found damaged. */
    readonly detail: string,
    /** True if the store mounted in spite of damage, to the last state it could (`detail` says what was lost). */
    readonly damaged: bool = false,
  ) {}

  /** One line for a person: what is wrong, in detail, and what to do. */
  get message(): string {
    const text = storeErrorMessage(this.error);
    return this.detail.length ? text + " (" + this.detail + ")" : text;
  }
}

/**
 * A crash-safe key-value store on a block device. Keys and values are bytes
 * (`MAX_KEY_SIZE`, `MAX_VALUE_SIZE`), with string conveniences. Every write
 * (`put`, `delete`, `commit`) is durable when it returns `StoreError.None`:
 * it reached the device and the device flushed. A write that fails changes
 * nothing in the store; one that fails with `Io` may or may not be on the
 * device, and the store refuses writes until mounted again.
 *
 * The live keys and values are held in memory, in key order; the device
 * holds a log of them (see docs/storage.md), replayed on mount.
 */
export class Store {
  private stopped: bool = false;
  private readonly single: Batch = new Batch();
  // How to take the staged batches back out of the table, in the order they were applied.
  private readonly staged: Undo[] = [];
  // Batches staged (or committed) over this mount, and how many of the first ones are durable.
  private tickets: u64 = 0;
  private durable: u64 = 0;

  private constructor(
    private readonly log: Log,
    private readonly table: Table,
    // Mounted in spite of damage: the next write compacts, moving the store
    // away from the damaged log (whose leftovers would be reported again).
    private damaged: bool,
  ) {}

  /**
   * Writes an empty store onto `disk`, erasing what it held, with a salt
   * drawn from the host's entropy: a new salt is what keeps the old store's
   * frames from chaining onto the new one's headers.
   */
  static format(disk: Disk): StoreError {
    return formatDisk(disk, randomSalt());
  }

  /**
   * Mounts the store on `disk`: checks it was made for this device and
   * replays its log up to the first frame that is not intact. A crash leaves
   * at most the one frame it cut off; if intact frames follow it, or it is in
   * data a compaction flushed, the media was damaged (a flipped byte): the
   * store mounts to the last state it can (the one before the damaged frame,
   * or before the damaged compaction) and says so in `damaged` and `detail`,
   * or, with `refuseDamage`, refuses with `Corrupt`.
   */
  static mount(disk: Disk, refuseDamage: bool = false): Mounted {
    const r = recover(disk);
    if (r.error != StoreError.None) return new Mounted(null, r.error, r.detail);
    if (r.damage.length == 0) return new Mounted(new Store(r.log!, r.table!, false), StoreError.None, "");
    if (refuseDamage) return new Mounted(null, StoreError.Corrupt, r.damage);
    return new Mounted(new Store(r.log!, r.table!, true), StoreError.None, r.damage, true);
  }

  /**
   * Mounts the store on `disk`, first formatting it if it is blank (its start
   * is all zeros, as a new disk file's is); a device that holds anything else
   * is never formatted. `salt` 0 (the default) draws one from the host's
   * entropy; tests give one, to be reproducible (a blank device has no old
   * frames that a salt must keep out).
   */
  static open(disk: Disk, salt: u32 = 0): Mounted {
    if (isBlank(disk)) {
      if (salt == 0) salt = randomSalt();
      const e = formatDisk(disk, salt);
      if (e != StoreError.None) return new Mounted(null, e, "formatting the blank device");
    }
    return Store.mount(disk);
  }

  /** The number of live keys. */
  get count(): i32 {
    return this.table.size;
  }

  /** The bytes of live keys and values, with 8 bytes of entry header each. */
  get liveBytes(): u64 {
    return this.table.liveBytes;
  }

  /** The bytes left at the end of the active region's log before the next write compacts. */
  get freeBytes(): u64 {
    return this.log.free - this.log.groupFrameBytes;
  }

  /** The bytes of one region's log: the most live data (with frame headers and padding) the store can hold. */
  get logBytes(): u64 {
    return this.log.layout.logBytes;
  }

  /** The active region's generation: it goes up by one with every compaction. */
  get generation(): u64 {
    return this.log.generation;
  }

  /** The sequence number the next frame gets: frames written over the store's life, plus one. */
  get nextSequence(): u64 {
    return this.log.nextSequence;
  }

  /** True once a device failure has stopped the store (mount it again). */
  get isStopped(): bool {
    return this.stopped;
  }

  /** The value of `key`, or null. The store's own array: read it, do not change it. */
  get(key: Uint8Array): Uint8Array | null {
    return this.table.get(key.dataStart, <u32>key.length);
  }

  /** True if `key` has a value. */
  has(key: Uint8Array): bool {
    return this.table.find(key.dataStart, <u32>key.length) >= 0;
  }

  /** The value of the UTF-8 of `key`, decoded as UTF-8, or null. */
  getString(key: string): string | null {
    const k = String.UTF8.encode(key);
    const v = this.table.get(changetype<usize>(k), <u32>k.byteLength);
    return v === null ? null : String.UTF8.decodeUnsafe(v.dataStart, v.length);
  }

  /** Sets `key` to `value`, durably. */
  put(key: Uint8Array, value: Uint8Array): StoreError {
    this.single.put(key, value);
    return this.commitSingle();
  }

  /** Removes `key`, durably (removing an absent key succeeds and writes nothing but what is staged). */
  delete(key: Uint8Array): StoreError {
    if (!this.has(key) && !this.stopped) return this.sync(); // absent: durably so once what is staged is
    this.single.delete(key);
    return this.commitSingle();
  }

  /** Sets the UTF-8 of `key` to the UTF-8 of `value`, durably. */
  putString(key: string, value: string): StoreError {
    return this.put(Uint8Array.wrap(String.UTF8.encode(key)), Uint8Array.wrap(String.UTF8.encode(value)));
  }

  /** Removes the UTF-8 of `key`, durably. */
  deleteString(key: string): StoreError {
    return this.delete(Uint8Array.wrap(String.UTF8.encode(key)));
  }

  /** The keys that start with `prefix`, in byte order (an empty prefix: all of them). */
  scan(prefix: Uint8Array): Cursor {
    return new Cursor(this.table, prefix);
  }

  /** The keys that start with the UTF-8 of `prefix`, in byte order. */
  scanString(prefix: string): Cursor {
    return new Cursor(this.table, Uint8Array.wrap(String.UTF8.encode(prefix)));
  }

  /**
   * Applies every operation of `batch`, in order, all or nothing: after a
   * crash the store holds all of them or none. Durable on `StoreError.None`
   * (with the batches staged before it: it is `stage` and then `sync`).
   * `Full` if even a compaction would not make room (nothing is written);
   * the size errors if a key or value is over its limit.
   */
  commit(batch: Batch): StoreError {
    const e = this.stage(batch);
    return e != StoreError.None ? e : this.sync();
  }

  /**
   * Applies `batch` like `commit`, but only in memory and in the next frame
   * of the log, which `sync` writes and flushes, with every batch staged
   * before it: the group commit of concurrent writers (see `GroupCommit`).
   * The batch is durable once `durableTicket` reaches `lastTicket` as it is
   * on return; until then reads see it but a crash may lose it, and a failed
   * `sync` takes it back. Returns the errors of `commit` that need no flush
   * (sizes, `Full`, `Stopped`), or `Io` if the store had to write (to
   * compact, or to write a group grown to `MAX_BATCH_BYTES`) and the device
   * failed. On `StoreError.None` the batch is staged, or already durable (a
   * compaction wrote it).
   */
  stage(batch: Batch): StoreError {
    if (this.stopped) return StoreError.Stopped;
    const ops = batch.ops;
    if (<u32>ops.length > MAX_BATCH_OPS) return StoreError.BatchTooLarge;
    for (let i = 0; i < ops.length; i++) {
      if (<u32>ops[i].key.length > MAX_KEY_SIZE) return StoreError.KeyTooLarge;
      if (<u32>ops[i].value.length > MAX_VALUE_SIZE) return StoreError.ValueTooLarge;
    }
    if (batch.entryBytes > <u64>MAX_BATCH_BYTES) return StoreError.BatchTooLarge;
    if (ops.length == 0) return StoreError.None;
    const log = this.log;
    if (log.frameBytes(batch.entryBytes) > log.layout.logBytes) return StoreError.Full;
    // A frame holds at most MAX_BATCH_BYTES of entries: a group this batch would take past that goes out first.
    if (log.groupBytes + batch.entryBytes > <u64>MAX_BATCH_BYTES && !this.writeStaged()) return StoreError.Io;

    const liveBefore = this.table.liveBytes;
    const undo = this.apply(batch);
    // With no room at the tail for the group's frame, compact, the batch
    // already in the table, so the new region holds it (and every batch
    // staged before it) and the switch commits it; likewise after damage,
    // if it fits. A batch that adds live data must leave the headroom free
    // (see FULL_HEADROOM).
    const logBytes = log.layout.logBytes;
    const limit = this.table.liveBytes > liveBefore ? logBytes - logBytes / FULL_HEADROOM : logBytes;
    const fits = log.frameBytes(log.groupBytes + batch.entryBytes) <= log.free;
    const compacted = !fits || this.damaged ? this.compactionBytes() : 0;
    if (fits && (!this.damaged || compacted > limit)) {
      log.add(batch);
      for (let i = 0; i < undo.length; i++) this.staged.push(undo[i]);
      this.tickets++;
      return StoreError.None;
    }
    if (compacted > limit) {
      this.table.rollback(undo);
      return StoreError.Full;
    }
    if (!log.compact(this.table)) {
      this.table.rollback(undo);
      this.stop();
      return StoreError.Io;
    }
    this.damaged = false;
    this.tickets++;
    this.compacted();
    return StoreError.None;
  }

  /**
   * Makes every staged batch durable: writes them as one frame, in one call,
   * and flushes (nothing, if none is waiting). On `Io` the device failed:
   * the staged batches are taken back out of the table, the store stops, and
   * `durableTicket` stays where it was.
   */
  sync(): StoreError {
    if (this.durable == this.tickets) return StoreError.None;
    if (this.stopped) return StoreError.Io; // what was staged was lost when the device failed
    return this.writeStaged() ? StoreError.None : StoreError.Io;
  }

  /** The ticket of the last batch staged or committed: it is durable once `durableTicket` is at least this. */
  get lastTicket(): u64 {
    return this.tickets;
  }

  /** Every batch up to this ticket is durable (flushed, or written by a compaction). */
  get durableTicket(): u64 {
    return this.durable;
  }

  /** True if batches are staged that are not yet durable (a `sync` would flush). */
  get hasStaged(): bool {
    return this.durable != this.tickets;
  }

  // Writes the staged group and flushes; on failure takes it back and stops the store.
  private writeStaged(): bool {
    if (this.log.writeGroup()) {
      this.staged.length = 0;
      this.durable = this.tickets;
      return true;
    }
    this.stop();
    return false;
  }

  // A compaction wrote every entry of the table: whatever was staged is durable with it.
  private compacted(): void {
    this.log.dropGroup();
    this.staged.length = 0;
    this.durable = this.tickets;
  }

  // After a device failure: takes the staged batches back out of the table and refuses writes from now on.
  private stop(): void {
    this.table.rollback(this.staged);
    this.staged.length = 0;
    this.log.dropGroup();
    this.stopped = true;
  }

  /**
   * Rewrites the live entries into the other region, reclaiming the space of
   * overwritten and deleted ones. Durable on success.
   */
  compact(): StoreError {
    if (this.stopped) return StoreError.Stopped;
    if (this.compactionBytes() > this.log.layout.logBytes) return StoreError.Full;
    if (this.log.compact(this.table)) {
      this.damaged = false;
      this.compacted();
      return StoreError.None;
    }
    this.stop();
    return StoreError.Io;
  }

  // The bytes a compaction of the table would write; more than any log holds
  // if the store can make no more compactions (it is Full then).
  private compactionBytes(): u64 {
    return this.log.canCompact ? this.log.compactedBytes(this.table) : u64.MAX_VALUE;
  }

  // Applies the batch to the table (copies of its bytes); returns how to take it back.
  private apply(batch: Batch): Undo[] {
    const undo: Undo[] = [];
    const table = this.table;
    const ops = batch.ops;
    for (let i = 0; i < ops.length; i++) {
      const op = ops[i];
      const key = copyBytes(op.key.dataStart, <u32>op.key.length);
      const before =
        op.kind == ENTRY_PUT
          ? table.set(key, copyBytes(op.value.dataStart, <u32>op.value.length))
          : table.remove(key.dataStart, <u32>key.length);
      undo.push(new Undo(key, before));
    }
    return undo;
  }

  private commitSingle(): StoreError {
    const e = this.commit(this.single);
    this.single.clear();
    return e;
  }
}

// A nonzero random salt from the host's entropy.
function randomSalt(): u32 {
  const out = memory.data(4);
  let salt: u32 = 0;
  while (salt == 0) {
    entropy(out, 4);
    salt = load<u32>(out);
  }
  return salt;
}
