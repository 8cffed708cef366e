// Test helper: a seeded mixed workload on a store over a SimDisk, checked at crash points.
//
// A model (a map of strings) holds what the store must hold: every
// acknowledged write. Before each device operation (write or flush) the
// checker takes the image a crash there would leave (unflushed writes
// dropped, the write in flight torn), mounts a store on it and requires the
// store to equal the model before the operation in flight or after it, whole:
// nothing acknowledged lost, no deleted key back, no batch half applied.
// Every few dozen operations the disk really crashes, and the workload goes
// on with the store mounted from what survived.

import { Batch } from "@tessera/block/assembly/batch";
import { StoreError, storeErrorMessage } from "@tessera/block/assembly/errors";
import { Store } from "@tessera/block/assembly/store";
import { Random } from "@tessera/block/assembly/testing/random";
import { CrashProbe, SimDisk } from "@tessera/block/assembly/testing/sim-disk";
import { failTest } from "@tessera/test/assembly";

/** What the store must hold: keys to values, as strings. */
export class Model {
  readonly map: Map<string, string> = new Map<string, string>();

  /** A copy. */
  clone(): Model {
    const m = new Model();
    const keys = this.map.keys();
    for (let i = 0; i < keys.length; i++) m.map.set(keys[i], this.map.get(keys[i]));
    return m;
  }

  /** Null if `store` holds exactly this; else the first difference. */
  differs(store: Store): string | null {
    const keys = this.map.keys();
    for (let i = 0; i < keys.length; i++) {
      const got = store.getString(keys[i]);
      if (got === null) return "key " + keys[i] + " is missing";
      if (got != this.map.get(keys[i])) return "key " + keys[i] + " has " + got + ", not " + this.map.get(keys[i]);
    }
    if (store.count != this.map.size) {
      const c = store.scanString("");
      while (c.next()) if (!this.map.has(c.keyString)) return "key " + c.keyString + " is there and should not be";
      return "the store has " + store.count.toString() + " keys, not " + this.map.size.toString();
    }
    return null;
  }
}

/** The knobs of a workload. */
export class Options {
  /** The seed of everything random. */
  seed: u32 = 1;
  /** The disk's block size. */
  blockSize: u32 = 512;
  /** The disk's size. */
  capacity: u64 = 32 * 1024;
  /** The number of distinct keys (few: overwrites; many: a full store). */
  keys: u32 = 40;
  /** The longest value. */
  maxValue: u32 = 1500;
  /** Store operations to run. */
  operations: i32 = 1000;
  /** Crash for real every this many device operations on average (0: never). */
  restartEvery: u32 = 40;
  /** Let a crash keep some unflushed writes too, whole or torn. */
  keepSomeUnflushed: bool = false;
  /** Check every this many crash points by writing to the recovered store and mounting again. */
  writeAfterEvery: u32 = 8;
}

/** What a run did. */
export class Stats {
  /** Crash images mounted and checked. */
  points: u32 = 0;
  /** Real crashes the workload recovered from and went on. */
  restarts: u32 = 0;
  /** Writes acknowledged. */
  acknowledged: u32 = 0;
  /** Writes refused with Full. */
  full: u32 = 0;
  /** Compactions (generations gone through). */
  compactions: u64 = 0;
  /** Crash images in which the write in flight had happened. */
  inFlightApplied: u32 = 0;

  /** One line for the test's output. */
  toString(): string {
    return (
      "crash points " +
      this.points.toString() +
      ", real crashes " +
      this.restarts.toString() +
      ", writes acknowledged " +
      this.acknowledged.toString() +
      ", refused full " +
      this.full.toString() +
      ", compactions " +
      this.compactions.toString() +
      ", in-flight write applied " +
      this.inFlightApplied.toString()
    );
  }
}

// Mounts a store on `disk`; a store that does not mount fails the test.
function mountOrFail(disk: SimDisk, where: string): Store {
  const m = Store.mount(disk);
  if (m.store === null) failTest("a crashed store failed to mount " + where + ": " + m.message);
  return m.store!;
}

// Checks `store` holds `before` or `after` (the model without and with the
// write in flight); returns true if it holds `after` (and that differs).
function check(store: Store, before: Model, after: Model | null, where: string): bool {
  const lost = before.differs(store);
  if (lost === null) return false;
  if (after !== null && after.differs(store) === null) return true;
  failTest(
    "after a crash " + where + ": " + lost + (after !== null ? " (nor is it the state with the write in flight)" : ""),
  );
  return false;
}

/** Checks the crash image of every device operation against the model. */
class Checker extends CrashProbe {
  before: Model = new Model();
  after: Model | null = null;
  readonly stats: Stats;
  private readonly random: Random;

  constructor(
    readonly options: Options,
    stats: Stats,
  ) {
    super();
    this.stats = stats;
    this.random = new Random(options.seed ^ 0x5eed);
  }

  at(disk: SimDisk, op: u32, offset: u64, ptr: usize, len: u32): void {
    const image = disk.crashImage(offset, ptr, len);
    const crashed = SimDisk.of(image, disk.blockSize, this.random.next());
    const where = "at device operation " + op.toString() + " of seed " + this.options.seed.toString();
    const store = mountOrFail(crashed, where);
    if (check(store, this.before, this.after, where)) this.stats.inFlightApplied++;
    this.stats.points++;
    if (this.options.writeAfterEvery && this.random.oneIn(this.options.writeAfterEvery)) {
      // The recovered store takes writes, and they are there after another mount.
      const e = store.putString("\xff-after-crash", "x");
      if (e != StoreError.None && e != StoreError.Full)
        failTest("a write to a recovered store " + where + ": " + storeErrorMessage(e));
      const again = mountOrFail(crashed, where + ", mounted again");
      if (e == StoreError.None && again.getString("\xff-after-crash") === null)
        failTest("a write to a recovered store " + where + " was lost");
      again.deleteString("\xff-after-crash");
      const now = again.count;
      if (now != store.count - (e == StoreError.None ? 1 : 0))
        failTest("a recovered store changed after a write and a delete " + where);
    }
  }
}

/** Runs the workload `options` describes; fails the test at the first crash point that breaks the contract. */
export function runWorkload(options: Options): Stats {
  const stats = new Stats();
  const random = new Random(options.seed);
  const checker = new Checker(options, stats);
  let disk = new SimDisk(options.blockSize, options.capacity, random.next());
  disk.keepSomeUnflushed = options.keepSomeUnflushed;
  let m = Store.open(disk, random.next() | 1);
  if (m.store === null) failTest("formatting: " + m.message);
  let store = m.store!;
  disk.probe = checker;
  let model = new Model();
  const pattern = randomText(random, 4096);
  const batch = new Batch();
  let generations: u64 = store.generation;
  if (options.restartEvery) disk.crashAt = <i64>disk.ops + 1 + random.below(2 * options.restartEvery);

  for (let n = 0; n < options.operations; n++) {
    checker.before = model;
    const after = model.clone();
    batch.clear();
    const kind = random.below(100);
    const stamp = n.toString() + ":";
    let e: StoreError;
    if (kind < 55) {
      const key = "k" + random.below(options.keys).toString();
      const value = stamp + valueOf(random, pattern, options.maxValue);
      after.map.set(key, value);
      checker.after = after;
      e = store.putString(key, value);
    } else if (kind < 75) {
      const key = "k" + random.below(options.keys).toString();
      after.map.delete(key);
      checker.after = after;
      e = store.deleteString(key);
    } else if (kind < 97) {
      const ops: u32 = 2 + random.below(7);
      for (let i: u32 = 0; i < ops; i++) {
        const key = "k" + random.below(options.keys).toString();
        if (random.oneIn(3)) {
          batch.deleteString(key);
          after.map.delete(key);
        } else {
          const value = stamp + i.toString() + ":" + valueOf(random, pattern, options.maxValue / 2);
          batch.putString(key, value);
          after.map.set(key, value);
        }
      }
      checker.after = after;
      e = store.commit(batch);
    } else {
      checker.after = null;
      e = store.compact();
    }

    if (e == StoreError.None) {
      model = after;
      stats.acknowledged++;
    } else if (e == StoreError.Full) {
      stats.full++;
    } else if (e == StoreError.Io && disk.crashed) {
      // A real crash: mount what survived and go on from whichever state it holds.
      const where = "(real crash " + stats.restarts.toString() + " of seed " + options.seed.toString() + ")";
      stats.compactions += store.generation - generations;
      disk = disk.reboot(random.next());
      disk.keepSomeUnflushed = options.keepSomeUnflushed;
      store = mountOrFail(disk, where);
      generations = store.generation;
      if (check(store, model, after, where)) model = after;
      disk.probe = checker;
      disk.crashAt = <i64>disk.ops + 1 + random.below(2 * options.restartEvery);
      stats.restarts++;
    } else {
      failTest("operation " + n.toString() + " of seed " + options.seed.toString() + ": " + storeErrorMessage(e));
    }
  }
  stats.compactions += store.generation - generations;
  checker.before = model;
  checker.after = null;
  const last = mountOrFail(disk.reboot(1), "at the end");
  check(last, model, null, "at the end");
  return stats;
}

// `len` random letters.
function randomText(random: Random, len: i32): string {
  let s = "";
  for (let i = 0; i < len; i++) s += String.fromCharCode(0x61 + random.below(26));
  return s;
}

// A value: mostly short, sometimes spanning blocks, now and then up to `max`.
function valueOf(random: Random, pattern: string, max: u32): string {
  const r = random.below(10);
  const len = r < 6 ? random.below(40) : r < 9 ? random.below(max / 3 + 1) : random.below(max + 1);
  const start = random.below(<u32>pattern.length - min(len, <u32>pattern.length - 1));
  return pattern.substr(start, len);
}
