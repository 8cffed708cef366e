// The console: text output without allocation, the logger (levels from the command line, a time and a level on
// each line, key=value fields), and input.

import { console_read, AGAIN, OK, CONSOLE_READY_BIT } from "@tessera/abi/assembly";
import { flush, putAscii, putByte, putBytes, putInt, putString, putUint } from "@tessera/runtime/assembly/out";
import { fail } from "@tessera/runtime/assembly/abort";
import { Loop, mainLoop, ReadyHandler } from "@tessera/runtime/assembly/loop";

/** Writes `s` to the console. */
export function print(s: string): void {
  putString(s);
  flush();
}

/** Writes `s` and a newline to the console. */
export function println(s: string): void {
  putString(s);
  putByte(0x0a);
  flush();
}

/**
 * Builds console output from parts without allocating:
 * `line.str("x=").int(3).nl()`. Nothing reaches the console until `nl()` or
 * `end()` (or until the output buffer fills).
 */
@final
@unmanaged
export class Line {
  /** Appends a string. */
  @inline str(s: string): Line {
    putString(s);
    return this;
  }
  /** Appends an ASCII-only string (smaller code than `str`; other characters come out wrong). */
  @inline ascii(s: string): Line {
    putAscii(s);
    return this;
  }
  /** Appends UTF-8 bytes. */
  @inline bytes(ptr: usize, len: usize): Line {
    putBytes(ptr, len);
    return this;
  }
  /** Appends a signed integer in decimal. */
  @inline int(v: i64): Line {
    putInt(v);
    return this;
  }
  /** Appends an unsigned integer in decimal, zero-padded to `width` digits. */
  @inline uint(v: u64, width: i32 = 1): Line {
    putUint(v, width);
    return this;
  }
  /** Appends one byte (an ASCII character code). */
  @inline char(c: u32): Line {
    putByte(c);
    return this;
  }
  /** Ends the line with a newline and writes it. */
  @inline nl(): void {
    putByte(0x0a);
    flush();
  }
  /** Writes what was appended, without a newline. */
  @inline end(): void {
    flush();
  }
}

/** The console's line builder. */
export const line = changetype<Line>(memory.data(4));

export { Level, log, Logger, LogLine } from "./log";

/** The bit of `yield`'s ready set that means console input is waiting. */
export const CONSOLE_READY: u64 = (<u64>1) << CONSOLE_READY_BIT;

/**
 * Reads one chunk of console input into `buf` (at most `cap` bytes).
 * Returns the number of bytes read, 0 if none is waiting now.
 */
export function readInto(buf: usize, cap: u32): u32 {
  const lenOut = memory.data(4);
  const r = console_read(buf, cap, lenOut);
  if (r == AGAIN) return 0;
  if (r != OK) fail("console_read failed");
  return load<u32>(lenOut);
}

/** Receives console input: subclass it and register it with `onInput`. */
export abstract class InputHandler {
  /** A chunk of input: `len` (> 0) bytes at `ptr`, valid only during the call. */
  abstract data(ptr: usize, len: u32): void;
  /** End of input; no more calls follow (the handler is unregistered first). */
  abstract end(): void;
}

/** Size of the buffer console input is read into, and so the largest chunk. */
export const INPUT_CHUNK: u32 = 4096;

// Drains console input when the loop sees bit 63; EOF is `OK` with length 0.
class ConsoleReader extends ReadyHandler {
  private buffer: StaticArray<u8> = new StaticArray<u8>(INPUT_CHUNK);
  private length: StaticArray<u32> = new StaticArray<u32>(1);

  constructor(
    private loop: Loop,
    private handler: InputHandler,
  ) {
    super();
  }

  ready(_now: i64): void {
    const buf = changetype<usize>(this.buffer);
    for (;;) {
      const r = console_read(buf, INPUT_CHUNK, changetype<usize>(this.length));
      if (r == AGAIN) return;
      if (r != OK) fail("console_read failed");
      const n = unchecked(this.length[0]);
      if (n == 0) {
        this.loop.off(CONSOLE_READY_BIT);
        this.handler.end();
        return;
      }
      this.handler.data(buf, n);
      if (this.loop.handler(CONSOLE_READY_BIT) !== this) return; // replaced or removed meanwhile
    }
  }
}

/**
 * Delivers console input to `handler` from `loop` (default: the app's loop)
 * until end of input, replacing any earlier console handler. The loop keeps
 * running while the handler is registered.
 */
export function onInput(handler: InputHandler, loop: Loop | null = null): void {
  const l = loop ? loop : mainLoop();
  l.on(CONSOLE_READY_BIT, new ConsoleReader(l, handler));
}

/** Stops delivering console input on `loop` (default: the app's loop). */
export function offInput(loop: Loop | null = null): void {
  (loop ? loop : mainLoop()).off(CONSOLE_READY_BIT);
}
