// Clocks: UTC formatting of known instants, and timers on the app's loop that really wait.

import { after, every, monotonic, MS, putUtc, SECOND, Timer, wall } from "@tessera/clock/assembly";
import { run } from "@tessera/runtime/assembly/loop";
import { flush, putByte } from "@tessera/runtime/assembly/out";
import { expect, expectIn, runTests, test } from "@tessera/test/assembly";

function utc(ms: i64): void {
  putUtc(ms * MS);
  putByte(0x0a);
  flush();
}

test("formats the epoch", () => {
  utc(0);
}).stdout("1970-01-01T00:00:00.000Z\n");

test("formats leap days and year ends", () => {
  utc(951782400000);
  utc(1709164800000);
  utc(946684799999);
  utc(4102444799999);
}).stdout("2000-02-29T00:00:00.000Z\n2024-02-29T00:00:00.000Z\n1999-12-31T23:59:59.999Z\n2099-12-31T23:59:59.999Z\n");

test("formats a 2026 instant with milliseconds", () => {
  utc(1795379100123);
}).stdout("2026-11-22T20:25:00.123Z\n");

test("reads a plausible wall clock and a monotonic clock that does not go back", () => {
  expectIn(wall(), 1_600_000_000 * SECOND, 4_102_444_800 * SECOND, "wall clock");
  const a = monotonic();
  const b = monotonic();
  assert(b >= a, "the monotonic clock went back");
});

class Stamp extends Timer {
  at: i64 = 0;
  fire(now: i64): void {
    this.at = now;
  }
}

test("after() on the app's loop waits in yield for at least the delay", () => {
  const start = monotonic();
  const t = new Stamp();
  after(20 * MS, t);
  run();
  const waited = monotonic() - start;
  assert(waited >= 20 * MS, "woke after " + waited.toString() + " ns");
  assert(t.at - start >= 20 * MS, "fired " + (t.at - start).toString() + " ns after arming");
  // (No upper bound: a loaded machine only makes the wait longer; that it ends at all is run() returning.)
});

// Tick k is due k periods after arming (drift-free, so a late tick does not delay the next).
class Ticker extends Timer {
  ticks: i32 = 0;
  start: i64 = 0;
  fire(now: i64): void {
    this.ticks++;
    assert(now - this.start >= this.ticks * 5 * MS, "a tick came before its time");
    if (this.ticks == 3) this.cancel();
  }
}

test("every() ticks once per period until cancelled", () => {
  const t = new Ticker();
  const start = monotonic();
  t.start = start;
  every(5 * MS, t);
  run();
  expect(t.ticks, 3);
  assert(monotonic() - start >= 15 * MS, "three periods took less than 15 ms");
});

export function _start(): void {
  runTests();
}
