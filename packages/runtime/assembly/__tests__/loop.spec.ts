// The event loop on a simulated clock: timer order, periodic timers, cancel, re-arm, stop, ready handlers.

import { Timer } from "@tessera/runtime/assembly/heap";
import { CONSOLE_BIT, Loop, PrepareHandler, ReadyHandler } from "@tessera/runtime/assembly/loop";
import { expect, runTests, test } from "@tessera/test/assembly";

// A loop whose clock jumps straight to each deadline; `script` holds ready sets `wait` returns first.
class FakeLoop extends Loop {
  time: i64 = 1000;
  waits: i32 = 0;
  lastDeadline: i64 = 0;
  script: i64[] = [];

  now(): i64 {
    return this.time;
  }

  wait(deadline: i64): i64 {
    this.waits++;
    this.lastDeadline = deadline;
    if (this.script.length) return this.script.shift();
    assert(deadline != i64.MAX_VALUE, "the loop would block forever");
    if (deadline > this.time) this.time = deadline;
    return 0;
  }
}

let events = "";

function note(s: string): void {
  events += (events.length ? " " : "") + s;
}

// Notes `id@time`; fires `limit` times at most (cancelling itself), re-arms with `rearm` ns if >= 0.
class Probe extends Timer {
  count: i32 = 0;
  rearm: i64 = -1;
  limit: i32 = 1 << 30;
  victim: Timer | null = null;
  stopAt: i32 = 0;

  constructor(
    public loop: FakeLoop,
    public id: string,
  ) {
    super();
  }

  fire(now: i64): void {
    note(this.id + "@" + (now - 1000).toString());
    this.count++;
    if (this.count >= this.limit) this.cancel();
    else if (this.rearm >= 0) this.loop.after(this, this.rearm);
    const victim = this.victim;
    if (victim) victim.cancel();
    if (this.count == this.stopAt) this.loop.stop();
  }
}

test("fires one-shot timers in deadline order, ties in arming order, and returns when none is left", () => {
  events = "";
  const loop = new FakeLoop();
  loop.after(new Probe(loop, "c"), 30);
  loop.after(new Probe(loop, "a"), 10);
  loop.after(new Probe(loop, "b"), 20);
  loop.at(new Probe(loop, "d"), 1020);
  loop.after(new Probe(loop, "e"), 0);
  expect(loop.timerCount, 5);
  loop.run();
  expect(events, "e@0 a@10 b@20 d@20 c@30");
  expect(loop.pending, false);
  expect(loop.timerCount, 0);
});

test("run() returns at once with nothing to do", () => {
  const loop = new FakeLoop();
  loop.run();
  expect(loop.waits, 0);
});

test("fires a periodic timer every period until it cancels itself", () => {
  events = "";
  const loop = new FakeLoop();
  const p = new Probe(loop, "p");
  p.limit = 3;
  loop.every(p, 10);
  const q = new Probe(loop, "q");
  loop.every(q, 25, 5); // re-armed at 5 for 30, before p is for 30: first at 30
  q.limit = 2;
  loop.run();
  expect(events, "q@5 p@10 p@20 q@30 p@30");
  expect(p.armed, false);
});

test("skips the ticks a periodic timer missed", () => {
  events = "";
  const loop = new FakeLoop();
  const p = new Probe(loop, "p");
  p.limit = 3;
  loop.every(p, 10);
  loop.turn(); // p@10
  loop.time += 35; // 45: ticks at 20, 30 and 40 are late
  loop.turn(); // fires once, now
  loop.run(); // next tick one period later
  expect(events, "p@10 p@45 p@55");
});

test("cancels a timer before it fires", () => {
  events = "";
  const loop = new FakeLoop();
  const a = new Probe(loop, "a");
  const b = new Probe(loop, "b");
  loop.after(a, 10);
  loop.after(b, 20);
  a.cancel();
  b.cancel();
  b.cancel();
  loop.after(new Probe(loop, "c"), 30);
  loop.run();
  expect(events, "c@30");
});

test("a timer cancelled by another's fire in the same turn does not fire", () => {
  events = "";
  const loop = new FakeLoop();
  const a = new Probe(loop, "a");
  const b = new Probe(loop, "b");
  a.victim = b;
  loop.after(a, 10);
  loop.after(b, 10);
  loop.run();
  expect(events, "a@10");
  expect(loop.waits, 1);
});

test("a one-shot timer re-armed in its fire fires again", () => {
  events = "";
  const loop = new FakeLoop();
  const r = new Probe(loop, "r");
  r.rearm = 5;
  r.limit = 3;
  loop.after(r, 5);
  loop.run();
  expect(events, "r@5 r@10 r@15");
});

test("a timer re-armed for now in its fire waits for the next turn", () => {
  events = "";
  const loop = new FakeLoop();
  const z = new Probe(loop, "z");
  z.rearm = 0; // after(0) would spin within one turn without the turn boundary
  z.limit = 3;
  loop.after(z, 0);
  loop.turn();
  expect(events, "z@0");
  z.rearm = 1;
  loop.run();
  expect(events, "z@0 z@0 z@1"); // the one armed in the first turn fires in the second
});

test("re-arming a periodic timer from its fire replaces its period", () => {
  events = "";
  const loop = new FakeLoop();
  const p = new Probe(loop, "p");
  p.rearm = 7; // after() makes it a one-shot 7 ns later
  p.limit = 2;
  loop.every(p, 10);
  loop.run();
  expect(events, "p@10 p@17");
});

test("stop() makes run() return; run() goes on from there", () => {
  events = "";
  const loop = new FakeLoop();
  const p = new Probe(loop, "p");
  p.stopAt = 2;
  p.limit = 4;
  loop.every(p, 10);
  loop.run();
  expect(events, "p@10 p@20");
  expect(loop.pending, true);
  loop.run();
  expect(events, "p@10 p@20 p@30 p@40");
});

class Device extends ReadyHandler {
  calls: i32 = 0;
  constructor(
    public loop: FakeLoop,
    public bit: u32,
    public times: i32,
  ) {
    super();
  }
  ready(now: i64): void {
    note("h" + this.bit.toString() + "@" + (now - 1000).toString());
    if (++this.calls == this.times) this.loop.off(this.bit);
  }
}

test("dispatches ready bits to their handlers and blocks without a deadline when only handlers remain", () => {
  events = "";
  const loop = new FakeLoop();
  loop.script = [(1 << 5) | (1 << 63), 1 << 63, 1 << 2]; // bit 2 has no handler: ignored
  loop.on(5, new Device(loop, 5, 1));
  loop.on(CONSOLE_BIT, new Device(loop, CONSOLE_BIT, 2));
  expect(loop.handler(7) === null, true);
  loop.run();
  expect(events, "h5@0 h63@0 h63@0");
  expect(loop.lastDeadline, i64.MAX_VALUE);
  expect(loop.pending, false);
});

test("handlers run before the timers of the same turn; off() of a missing bit is harmless", () => {
  events = "";
  const loop = new FakeLoop();
  loop.script = [0, 1 << 0];
  loop.on(0, new Device(loop, 0, 1));
  loop.off(9);
  loop.after(new Probe(loop, "t"), 0);
  loop.run();
  expect(events, "t@0 h0@0");
  expect(loop.lastDeadline, i64.MAX_VALUE);
});

class Preparer extends PrepareHandler {
  constructor(private readonly loop: FakeLoop) {
    super();
  }
  prepare(): void {
    note("prepare@" + this.loop.waits.toString());
  }
}

class Tick extends Timer {
  fire(now: i64): void {
    note("tick");
  }
}

test("prepare handlers run once per turn, before the loop waits; registering twice runs once", () => {
  events = "";
  const loop = new FakeLoop();
  const p = new Preparer(loop);
  loop.prepare(p);
  loop.prepare(p);
  const t = new Tick();
  loop.every(t, 10, 10);
  loop.turn();
  loop.turn();
  expect(events, "prepare@0 tick prepare@1 tick");
});

export function _start(): void {
  runTests();
}
