// Group commit: the writes of concurrent writers in one turn share one flush, each is acknowledged
// only after a flush that covers it, and a crash at any point loses none that was acknowledged.

import { Durable, GroupCommit } from "@tessera/block/assembly/group";
import { StoreError } from "@tessera/block/assembly/errors";
import { MAX_VALUE_SIZE } from "@tessera/block/assembly/limits";
import { Store } from "@tessera/block/assembly/store";
import { Random } from "@tessera/block/assembly/testing/random";
import { SimDisk } from "@tessera/block/assembly/testing/sim-disk";
import { SparseDisk } from "@tessera/block/assembly/testing/sparse-disk";
import { Loop } from "@tessera/runtime/assembly/loop";
import { expect, failTest, runTests, test } from "@tessera/test/assembly";

const MiB: u64 = 1 << 20;

// A loop on a simulated clock that never sleeps: a turn dispatches nothing and fires what is due.
class TestLoop extends Loop {
  time: i64 = 1000;
  now(): i64 {
    return this.time;
  }
  wait(deadline: i64): i64 {
    if (deadline > this.time) this.time = deadline;
    return 0;
  }
}

// One writer's acknowledgement: what it was told, and how many flushes the disk had done by then.
class Ack extends Durable {
  answered: bool = false;
  error: StoreError = StoreError.None;
  flushesThen: u32 = 0;
  constructor(
    readonly disk: SparseDisk | null,
    readonly key: string,
    readonly value: string,
  ) {
    super();
  }
  done(error: StoreError): void {
    if (this.answered) failTest("acknowledged twice: " + this.key);
    this.answered = true;
    this.error = error;
    const disk = this.disk;
    if (disk) this.flushesThen = disk.flushes;
  }
}

function bytes(s: string): Uint8Array {
  return Uint8Array.wrap(String.UTF8.encode(s));
}

// N writers' puts in one turn of a loop: the flushes the disk did, after checking every writer was answered after them.
function flushesFor(writers: i32): u32 {
  const disk = new SparseDisk(4096, 64 * MiB);
  const store = Store.open(disk, 0x77).store!;
  const loop = new TestLoop();
  const group = new GroupCommit(store, loop);
  disk.resetCounters();
  const acks: Ack[] = [];
  for (let w = 0; w < writers; w++) {
    const ack = new Ack(disk, "w" + w.toString(), "v".repeat(1000) + w.toString());
    expect(group.put(bytes(ack.key), bytes(ack.value), ack), StoreError.None);
    acks.push(ack);
  }
  for (let w = 0; w < writers; w++) expect(acks[w].answered, false, "answered before the flush");
  expect(disk.flushes, 0, "no flush while the turn lasts");
  expect(store.getString("w0") !== null, true, "reads see staged writes");
  loop.turn(); // the group's timer, due at once, fires at the end of the turn
  for (let w = 0; w < writers; w++) {
    expect(acks[w].answered, true);
    expect(acks[w].error, StoreError.None);
    expect(acks[w].flushesThen, disk.flushes, "answered only after the flush");
  }
  expect(group.pending, 0);
  const again = Store.mount(disk).store!;
  for (let w = 0; w < writers; w++) expect(again.getString(acks[w].key), acks[w].value);
  return disk.flushes;
}

test("16 concurrent writers in one turn share one flush, and each is answered after it", () => {
  expect(flushesFor(1), 1);
  expect(flushesFor(16), 1);
  expect(flushesFor(200), 1);
});

test("writes of the next turn share the next flush; a turn with none flushes nothing", () => {
  const disk = new SparseDisk(4096, 64 * MiB);
  const store = Store.open(disk, 0x78).store!;
  const loop = new TestLoop();
  const group = new GroupCommit(store, loop);
  disk.resetCounters();
  for (let turn = 0; turn < 5; turn++) {
    for (let w = 0; w < 8; w++) group.put(bytes("k" + w.toString()), bytes(turn.toString()), new Ack(null, "", ""));
    loop.turn();
  }
  expect(disk.flushes, 5);
  group.afterDurable(new Ack(null, "", ""));
  loop.turn();
  expect(disk.flushes, 5);
  expect(group.flushes, 5);
  expect(group.writes, 40);
  expect(Store.mount(disk).store!.getString("k7"), "4");
});

test("afterDurable answers at once when nothing is staged, else after the flush", () => {
  const disk = new SparseDisk(4096, 64 * MiB);
  const store = Store.open(disk, 0x79).store!;
  const group = new GroupCommit(store, new TestLoop());
  const read = new Ack(null, "", "");
  group.afterDurable(read);
  expect(read.answered, true);
  group.put(bytes("a"), bytes("b"), new Ack(null, "a", "b"));
  const later = new Ack(null, "", "");
  group.afterDurable(later);
  expect(later.answered, false);
  group.flush();
  expect(later.answered, true);
  // A delete of an absent key waits for what is staged too (a staged delete may be what made it absent).
  group.delete(bytes("a"), new Ack(null, "a", ""));
  const absent = new Ack(null, "a", "");
  expect(group.delete(bytes("a"), absent), StoreError.None);
  expect(absent.answered, false);
  group.flush();
  expect(absent.answered, true);
});

test("a group over the largest frame goes out in more than one frame, each flushed, all durable", () => {
  const disk = new SparseDisk(4096, 256 * MiB);
  const store = Store.open(disk, 0x7a).store!;
  const group = new GroupCommit(store, new TestLoop());
  disk.resetCounters();
  const value = new Uint8Array(MAX_VALUE_SIZE);
  const acks: Ack[] = [];
  for (let i = 0; i < 10; i++) {
    value[0] = <u8>i;
    const ack = new Ack(disk, "big" + i.toString(), "");
    expect(group.put(bytes(ack.key), value, ack), StoreError.None);
    acks.push(ack);
  }
  group.flush();
  expect(disk.flushes, 4, "at most 4 MiB of entries a frame: 3 + 3 + 3 + 1 values of just over 1 MiB");
  const again = Store.mount(disk).store!;
  for (let i = 0; i < 10; i++) {
    expect(acks[i].error, StoreError.None);
    expect(again.get(bytes(acks[i].key))![0], <u8>i);
  }
});

test("a group that needs a compaction is durable by it; a failed flush answers Io and takes the writes back", () => {
  const disk = new SimDisk(512, 64 * 1024, 5);
  const store = Store.open(disk, 0x7b).store!;
  const group = new GroupCommit(store, new TestLoop());
  const acks: Ack[] = [];
  for (let i = 0; i < 400; i++) {
    const ack = new Ack(null, "k" + (i % 20).toString(), i.toString() + "-" + "x".repeat(100));
    expect(group.put(bytes(ack.key), bytes(ack.value), ack), StoreError.None);
    acks.push(ack);
    if (i % 7 == 6) group.flush();
  }
  group.flush();
  expect(store.generation > 1, true, "compacted");
  for (let i = 0; i < acks.length; i++) expect(acks[i].error, StoreError.None);
  for (let i = 380; i < 400; i++) expect(Store.mount(disk.reboot(1)).store!.getString(acks[i].key), acks[i].value);
  // The device fails the next flush: every write of the group is told Io and taken back.
  const before = store.getString("k3");
  const failed: Ack[] = [];
  for (let i = 0; i < 5; i++) {
    const ack = new Ack(null, "k" + i.toString(), "lost");
    group.put(bytes(ack.key), bytes(ack.value), ack);
    failed.push(ack);
  }
  disk.crashAt = <i64>disk.ops + 1; // the flush after the group's write
  group.flush();
  for (let i = 0; i < 5; i++) expect(failed[i].error, StoreError.Io);
  expect(store.getString("k3"), before, "taken back");
  expect(store.isStopped, true);
});

// What a value written by `crashRun` says: "turn.writer".
function tag(value: string | null): string {
  if (value === null) return "(none)";
  const dash = value.indexOf("-");
  return dash < 0 ? value : value.substring(0, dash);
}

// A workload of turns of 1 to 12 writers on a SimDisk that crashes at operation `crashAt` (tearing
// the write in flight, and keeping some unflushed writes if `keep`): in the store mounted on what
// survived, every key must have its last acknowledged value, or one from the turn the crash cut off.
// Returns the operations the disk did.
function crashRun(seed: u32, crashAt: i64, keep: bool): i32 {
  const random = new Random(seed);
  const disk = new SimDisk(512, 48 * 1024, seed);
  const store = Store.open(disk, seed).store!;
  const group = new GroupCommit(store, new TestLoop());
  disk.crashAt = crashAt;
  disk.keepSomeUnflushed = keep;
  const model = new Map<string, string>();
  let turn = 0;
  for (; turn < 60 && !disk.crashed; turn++) {
    const acks: Ack[] = [];
    const n = 1 + random.below(12);
    for (let w = 0; w < <i32>n; w++) {
      const ack = new Ack(null, "k" + random.below(30).toString(), turn.toString() + "." + w.toString());
      if (group.put(bytes(ack.key), bytes(ack.value + "-" + "x".repeat(random.below(300))), ack) != StoreError.None)
        break;
      acks.push(ack);
    }
    group.flush();
    for (let i = 0; i < acks.length; i++) {
      if (!acks[i].answered) failTest("a write was never answered");
      if (acks[i].error == StoreError.None) model.set(acks[i].key, acks[i].value);
    }
  }
  const cut = (turn - 1).toString() + ".";
  const m = Store.mount(disk.reboot(seed + 1), true);
  if (m.store === null) failTest("crash at " + crashAt.toString() + ": " + m.message);
  const after = m.store!;
  for (let k = 0; k < 30; k++) {
    const key = "k" + k.toString();
    const got = tag(after.getString(key));
    const want = model.has(key) ? model.get(key) : "(none)";
    if (got != want && !(disk.crashed && got.startsWith(cut)))
      failTest("crash at " + crashAt.toString() + ": " + key + " holds " + got + ", acknowledged " + want);
  }
  return <i32>disk.ops;
}

test("a crash at every operation of a group-commit workload loses nothing acknowledged", () => {
  const ops = crashRun(11, -1, false);
  for (let at: i64 = 0; at < <i64>ops; at++) {
    crashRun(11, at, false);
    crashRun(12 + <u32>at, at, true);
  }
});

export function _start(): void {
  runTests();
}
