// Where the compiler's `abort`, `trace` and `seed` are routed (with asc's
// `--use`), so that an image imports nothing but `tessera.*`.

import { entropy, exit as abiExit, panic } from "@tessera/abi/assembly";
import { collect, collected, collectedLength, flush, putByte, putString, putUint, putUtf16 } from "./out";

/** Stops the unikernel with `panic: <message>` and status 255. */
export function fail(message: string): void {
  collect();
  putString(message);
  panic(collected(), collectedLength());
  unreachable();
}

/** Flushes the console and stops the unikernel with `status` (0..254). */
export function exit(status: i32): void {
  flush();
  abiExit(status);
  unreachable();
}

// Appends a string given as a raw pointer; its byte size is in the object
// header just before it (see ~lib/rt/common.ts).
function putRaw(s: usize): void {
  putUtf16(s, load<u32>(s - 4));
}

/**
 * The image's `abort`: `panic: <message> at <file>:<line>:<column>`.
 * The compiler builds abort before the runtime, so this touches its strings
 * only as raw pointers.
 */
export function tesseraAbort(message: string | null, fileName: string | null, line: u32, column: u32): void {
  collect();
  const m = changetype<usize>(message);
  const f = changetype<usize>(fileName);
  putRaw(m ? m : changetype<usize>("abort"));
  if (f) {
    putRaw(changetype<usize>(" at "));
    putRaw(f);
    putByte(0x3a);
    putUint(line);
    putByte(0x3a);
    putUint(column);
  }
  panic(collected(), collectedLength());
  unreachable();
}

/** The image's `trace`: `trace: <message> <a0>, ...` on the console. */
export function tesseraTrace(
  message: string,
  n: i32 = 0,
  a0: f64 = 0,
  a1: f64 = 0,
  a2: f64 = 0,
  a3: f64 = 0,
  a4: f64 = 0,
): void {
  putString("trace: ");
  putString(message);
  for (let i = 0; i < n; i++) {
    putString(i ? ", " : " ");
    const v = i == 0 ? a0 : i == 1 ? a1 : i == 2 ? a2 : i == 3 ? a3 : a4;
    putString(v.toString());
  }
  putByte(0x0a);
  flush();
}

/** The image's `seed` for `Math.random`: 64 bits from the host's entropy source. */
export function tesseraSeed(): f64 {
  const bits = memory.data(8);
  if (entropy(bits, 8) != 0) fail("entropy source failed");
  return reinterpret<f64>(load<u64>(bits));
}
