// The boot command line, parsed once into `key=value` arguments.
//
// The command line is copied into a static buffer and split on spaces; each
// argument is a span of that buffer, so reading arguments allocates nothing
// until a caller asks for a string.

import { cmdline, CMDLINE_MAX, panic } from "@tessera/abi/assembly";
import { collect, collected, collectedLength, putByte, putBytes, putInt, putString } from "./out";

// The host refuses a command line over CMDLINE_MAX bytes, so it always fits,
// and so do its arguments: each takes at least two bytes with its separator.
const ARGS_MAX: u32 = CMDLINE_MAX / 2;

// [ text: CMDLINE_MAX bytes + a space | spans: ARGS_MAX x u32 (start | end << 16) ]
const text = memory.data(CMDLINE_MAX + 4 + ARGS_MAX * 4);
const spans = text + CMDLINE_MAX + 4;
let argc: i32 = -1; // -1 until parsed

function parse(): void {
  const n = min(<u32>cmdline(text, CMDLINE_MAX), CMDLINE_MAX); // never -EINVAL: the buffer is static
  let count: u32 = 0;
  let start: u32 = 0;
  store<u8>(text + n, 0x20); // ends the last argument
  for (let i: u32 = 0; i <= n; i++) {
    if (load<u8>(text + i) == 0x20) {
      if (i > start) store<u32>(spans + (count++ << 2), start | (i << 16));
      start = i + 1;
    }
  }
  argc = count;
}

/** The command-line arguments: `key=value` words separated by spaces. */
export class Args {
  /** Number of arguments. */
  static get count(): i32 {
    if (argc < 0) parse();
    return argc;
  }

  /** Address of argument `i`, the whole `key=value` word (UTF-8); also its key's address. */
  static ptr(i: i32): usize {
    return text + (Args.span(i) & 0xffff);
  }

  /** Length in bytes of argument `i`, the whole `key=value` word. */
  static length(i: i32): u32 {
    const s = Args.span(i);
    return (s >>> 16) - (s & 0xffff);
  }

  /** Address of argument `i`'s key (UTF-8). */
  static keyPtr(i: i32): usize {
    return Args.ptr(i);
  }

  /** Length in bytes of argument `i`'s key: up to the first `=`, or the whole word. */
  static keyLength(i: i32): u32 {
    const p = Args.ptr(i);
    const n = Args.length(i);
    let k: u32 = 0;
    while (k < n && load<u8>(p + k) != 0x3d) k++;
    return k;
  }

  /** Whether argument `i` has a `=` (a bare word has no value). */
  static hasValue(i: i32): bool {
    return Args.keyLength(i) < Args.length(i);
  }

  /** Address of argument `i`'s value (UTF-8). */
  static valuePtr(i: i32): usize {
    return Args.ptr(i) + min(Args.keyLength(i) + 1, Args.length(i));
  }

  /** Length in bytes of argument `i`'s value; 0 for a bare word. */
  static valueLength(i: i32): u32 {
    const n = Args.length(i);
    const k = Args.keyLength(i);
    return k < n ? n - k - 1 : 0;
  }

  /** Index of the first argument whose key is `key` (ASCII), or -1. */
  static find(key: string): i32 {
    const n = Args.count;
    for (let i = 0; i < n; i++) {
      const len = Args.keyLength(i);
      if (len != <u32>key.length) continue;
      const p = Args.keyPtr(i);
      let j: u32 = 0;
      while (j < len && <u32>load<u8>(p + j) == <u32>key.charCodeAt(j)) j++;
      if (j == len) return i;
    }
    return -1;
  }

  /** Whether an argument named `key` was given. */
  static has(key: string): bool {
    return Args.find(key) >= 0;
  }

  /** The value of `key` as a string, or `fallback` if it was not given. */
  static get(key: string, fallback: string | null = null): string | null {
    const i = Args.find(key);
    if (i < 0) return fallback;
    return String.UTF8.decodeUnsafe(Args.valuePtr(i), Args.valueLength(i));
  }

  /**
   * The value of `key` as a whole decimal number from `lo` to `hi`, or
   * `fallback` if it was not given. Anything else stops the image with a
   * message naming the argument (`port=http: give a whole number from 1 to 65535`).
   */
  static int(key: string, fallback: i64, lo: i64 = i64.MIN_VALUE, hi: i64 = i64.MAX_VALUE): i64 {
    const i = Args.find(key);
    if (i < 0) return fallback;
    const p = Args.valuePtr(i);
    const n = Args.valueLength(i);
    const negative = n > 0 && load<u8>(p) == 0x2d;
    let k: u32 = negative ? 1 : 0;
    let v: u64 = 0;
    let ok = k < n;
    for (; k < n && ok; k++) {
      const d = <u32>load<u8>(p + k) - 0x30;
      ok = d <= 9 && v <= (<u64>i64.MAX_VALUE - d) / 10;
      v = v * 10 + d;
    }
    const value = negative ? -(<i64>v) : <i64>v;
    if (!ok || value < lo || value > hi) {
      // The panic message, written straight into the output buffer: `port=http: give a whole number from 1 to 65535`.
      collect();
      putString(key);
      putByte(0x3d);
      putBytes(p, n);
      putString(": give a whole number");
      if (lo != i64.MIN_VALUE) {
        putString(" from ");
        putInt(lo);
        if (hi == i64.MAX_VALUE) putString(" up");
      }
      if (hi != i64.MAX_VALUE) {
        if (lo == i64.MIN_VALUE) putString(" up");
        putString(" to ");
        putInt(hi);
      }
      panic(collected(), collectedLength());
      unreachable();
    }
    return value;
  }

  /** The key of argument `i` as a string. */
  static key(i: i32): string {
    return String.UTF8.decodeUnsafe(Args.keyPtr(i), Args.keyLength(i));
  }

  // An index out of range reads as an empty argument.
  private static span(i: i32): u32 {
    return <u32>i < <u32>Args.count ? load<u32>(spans + (i << 2)) : 0;
  }
}
