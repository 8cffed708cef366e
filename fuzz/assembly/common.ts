// What every fuzz entry shares: the input area the driver copies each input into, and the checks.
//
// The driver (fuzz/runtime/driver.c) asks `input(len)` where to put an input of `len` bytes, copies it there and
// calls the entry's `fuzz(ptr, len)`. The input ends exactly at the end of the area, and the driver poisons the
// rest of the area for AddressSanitizer: a parser that reads one byte past the input (or writes into it from
// further down) is reported, although the bytes around are ordinary linear memory to the wasm bounds checks.

import { fail } from "@tessera/runtime/assembly/abort";

/** The longest input, in bytes (libFuzzer's -max_len is at most this). */
export const INPUT_CAP: u32 = 65536;
const AREA = memory.data(INPUT_CAP + 64, 16);

/** Where the driver puts an input of `len` bytes (at most INPUT_CAP): ending at the end of the area's first INPUT_CAP bytes. */
export function input(len: u32): usize {
  return AREA + INPUT_CAP - min(len, INPUT_CAP);
}

/** The area's address, for the driver's poisoning. */
export function area(): usize {
  return AREA;
}

/** The area's length in bytes. */
export function areaLength(): u32 {
  return INPUT_CAP + 64;
}

/** Fails the run (a panic: libFuzzer records a crash) with `what` unless `ok`. */
export function check(ok: bool, what: string): void {
  if (!ok) fail("fuzz: invariant broken: " + what);
}

/** Byte `i` of the input at `ptr` of `len` bytes, or 0 past its end. */
export function byteAt(ptr: usize, len: u32, i: u32): u32 {
  return i < len ? <u32>load<u8>(ptr + i) : 0;
}
