// Clocks: monotonic and wall time in nanoseconds, timers on the app's loop, and UTC formatting.

import { clock_monotonic, clock_wall } from "@tessera/abi/assembly";
import { Timer } from "@tessera/runtime/assembly/heap";
import { mainLoop } from "@tessera/runtime/assembly/loop";
import { putByte, putU32 } from "@tessera/runtime/assembly/out";

export { Timer } from "@tessera/runtime/assembly/heap";

/** Nanoseconds per millisecond. */
export const MS: i64 = 1_000_000;
/** Nanoseconds per second. */
export const SECOND: i64 = 1_000_000_000;

/** Nanoseconds on a monotonic clock (arbitrary epoch). */
export function monotonic(): i64 {
  return clock_monotonic();
}

/** Nanoseconds since 1970-01-01T00:00:00Z. */
export function wall(): i64 {
  return clock_wall();
}

/** Arms `timer` to fire once, `delay` ns from now, on the app's loop (re-arming it if armed). */
export function after(delay: i64, timer: Timer): void {
  mainLoop().after(timer, delay);
}

/** Arms `timer` to fire once at monotonic time `deadline` on the app's loop. */
export function at(deadline: i64, timer: Timer): void {
  mainLoop().at(timer, deadline);
}

/** Arms `timer` to fire every `period` ns (> 0) on the app's loop, first one period from now. */
export function every(period: i64, timer: Timer): void {
  mainLoop().every(timer, period);
}

/**
 * Appends `ns` (since the Unix epoch) to the console's output buffer as
 * ISO 8601 UTC with milliseconds: `2026-11-22T20:45:00.123Z`. Valid from
 * 1970 to 2099 (every fourth year a leap year); written to be small, not fast.
 */
export function putUtc(ns: i64): void {
  const ms = <u64>ns / <u64>MS;
  let days = <u32>(ms / 86_400_000);
  const msOfDay = <u32>(ms % 86_400_000);
  let year: u32 = 1970;
  let month: u32 = 1;
  for (;;) {
    // 31 days in odd months up to July and in even months from August.
    const length: u32 = month == 2 ? 28 + <u32>((year & 3) == 0) : 30 + ((month ^ (month >> 3)) & 1);
    if (days < length) break;
    days -= length;
    if (++month > 12) {
      month = 1;
      year++;
    }
  }
  putU32(year, 4);
  putByte(0x2d);
  putU32(month, 2);
  putByte(0x2d);
  putU32(days + 1, 2);
  putByte(0x54);
  putU32(msOfDay / 3_600_000, 2);
  putByte(0x3a);
  putU32((msOfDay / 60_000) % 60, 2);
  putByte(0x3a);
  putU32((msOfDay / 1000) % 60, 2);
  putByte(0x2e);
  putU32(msOfDay % 1000, 3);
  putByte(0x5a);
}
