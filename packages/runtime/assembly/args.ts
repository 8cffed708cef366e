// The boot command line, parsed once into `key=value` arguments.
//
// The command line is copied into a static buffer and split on spaces; each
// argument is a span of that buffer, so reading arguments allocates nothing
// until a caller asks for a string.

import { cmdline } from "@tessera/abi/assembly";
import { fail } from "./abort";

/** Longest command line an image accepts, in bytes. */
export const CMDLINE_MAX: u32 = 4096;
/** Most arguments an image accepts. */
export const ARGS_MAX: u32 = 64;

const text = memory.data(CMDLINE_MAX);
// Per argument: u16 start, u16 end of the key, u16 end of the argument.
const spans = memory.data(ARGS_MAX * 6);
let parsed = false;
let argc: i32 = 0;

function parse(): void {
  parsed = true;
  const n = cmdline(text, CMDLINE_MAX);
  if (n < 0) fail("cmdline: host refused the buffer");
  if (<u32>n > CMDLINE_MAX) fail("command line longer than 4096 bytes");
  let i: u32 = 0;
  while (i < <u32>n) {
    while (i < <u32>n && load<u8>(text + i) == 0x20) i++;
    if (i == <u32>n) break;
    if (<u32>argc == ARGS_MAX) fail("more than 64 command-line arguments");
    const start = i;
    let eq: u32 = 0xffff;
    while (i < <u32>n && load<u8>(text + i) != 0x20) {
      if (eq == 0xffff && load<u8>(text + i) == 0x3d) eq = i;
      i++;
    }
    const s = spans + argc * 6;
    store<u16>(s, start);
    store<u16>(s, eq == 0xffff ? i : eq, 2);
    store<u16>(s, i, 4);
    argc++;
  }
}

/** The command-line arguments: `key=value` words separated by spaces. */
export class Args {
  /** Number of arguments. */
  static get count(): i32 {
    if (!parsed) parse();
    return argc;
  }

  /** Address of argument `i`'s key (UTF-8). */
  static keyPtr(i: i32): usize {
    return text + load<u16>(Args.span(i));
  }

  /** Length in bytes of argument `i`'s key. */
  static keyLength(i: i32): u32 {
    const s = Args.span(i);
    return load<u16>(s, 2) - load<u16>(s);
  }

  /** Whether argument `i` has a `=` (a bare word has no value). */
  static hasValue(i: i32): bool {
    const s = Args.span(i);
    return load<u16>(s, 2) != load<u16>(s, 4);
  }

  /** Address of argument `i`'s value (UTF-8). */
  static valuePtr(i: i32): usize {
    const s = Args.span(i);
    return text + load<u16>(s, 2) + <u32>Args.hasValue(i);
  }

  /** Length in bytes of argument `i`'s value; 0 for a bare word. */
  static valueLength(i: i32): u32 {
    const s = Args.span(i);
    const end = load<u16>(s, 4);
    const keyEnd = load<u16>(s, 2);
    return end == keyEnd ? 0 : end - keyEnd - 1;
  }

  /** Index of the first argument whose key is `key` (ASCII), or -1. */
  static find(key: string): i32 {
    const n = Args.count;
    for (let i = 0; i < n; i++) {
      const len = Args.keyLength(i);
      if (len != <u32>key.length) continue;
      const p = Args.keyPtr(i);
      let same = true;
      for (let j: u32 = 0; j < len; j++) {
        if (<u32>load<u8>(p + j) != <u32>key.charCodeAt(j)) {
          same = false;
          break;
        }
      }
      if (same) return i;
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

  /** The key of argument `i` as a string. */
  static key(i: i32): string {
    return String.UTF8.decodeUnsafe(Args.keyPtr(i), Args.keyLength(i));
  }

  private static span(i: i32): usize {
    if (<u32>i >= <u32>Args.count) fail("Args: index out of range");
    return spans + i * 6;
  }
}
