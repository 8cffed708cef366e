// Clocks: monotonic and wall time in nanoseconds, and UTC formatting.

import { clock_monotonic, clock_wall } from "@tessera/abi/assembly";
import { putByte, putUint } from "@tessera/runtime/assembly/out";

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

/**
 * Appends `ns` (since the Unix epoch) to the console's output buffer as
 * ISO 8601 UTC with milliseconds: `2026-11-22T20:45:00.123Z`.
 * Days to civil date after Howard Hinnant's algorithm.
 */
export function putUtc(ns: i64): void {
  let ms = ns / MS;
  let msOfDay = ms % 86_400_000;
  let days = ms / 86_400_000;
  if (msOfDay < 0) {
    msOfDay += 86_400_000;
    days--;
  }
  const z = days + 719468;
  const era = (z >= 0 ? z : z - 146096) / 146097;
  const doe = z - era * 146097;
  const yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const mp = (5 * doy + 2) / 153;
  const d = doy - (153 * mp + 2) / 5 + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  const y = yoe + era * 400 + <i64>(m <= 2);
  putUint(<u64>y, 4);
  putByte(0x2d);
  putUint(<u64>m, 2);
  putByte(0x2d);
  putUint(<u64>d, 2);
  putByte(0x54);
  putUint(<u64>(msOfDay / 3_600_000), 2);
  putByte(0x3a);
  putUint(<u64>((msOfDay / 60_000) % 60), 2);
  putByte(0x3a);
  putUint(<u64>((msOfDay / 1000) % 60), 2);
  putByte(0x2e);
  putUint(<u64>(msOfDay % 1000), 3);
  putByte(0x5a);
}
