// Logging: one line per event, with the time since boot, the level, a message and key=value fields, written
// into the console's output buffer as it is built (nothing allocates).
//
//   log.info("http: serving").int("port", 80).end();
//   log.debug("request").bytes("path", req.pathPtr, req.pathLen).int("status", 200).end();
//
//   0.004512 info  http: serving port=80
//   1.250003 debug request path=/index.html status=200
//
// The time is seconds since the first line (an app logs as it starts, so about the time since it started), from
// the monotonic clock, to the microsecond: every host has
// that clock (the wall clock may be unset on a board, and it jumps when it is set), and whoever collects the
// console (docker logs, journald, a serial line) stamps its own wall time on the lines anyway.
//
// The level is set from the command line, `log=debug|info|warn|error` (info if not given); a line below it is
// not built at all: its field methods return at once.

import { clock_monotonic, panic } from "@tessera/abi/assembly";
import { Args } from "@tessera/runtime/assembly/args";
import {
  collect,
  collected,
  collectedLength,
  flush,
  putByte,
  putBytes,
  putInt,
  putString,
  putUint,
  putUtf16,
} from "@tessera/runtime/assembly/out";

/** Log levels, most severe first: a logger set to a level writes that level's lines and the more severe ones. */
export enum Level {
  Error = 0,
  Warn = 1,
  Info = 2,
  Debug = 3,
}

// When the first line was begun: the zero of the lines' times. Read then, not at start-up, so that an image
// that never logs (hello) neither calls the clock nor carries the code.
let boot: i64 = -1;
let threshold: i32 = -1; // the level, -1 until read from the command line
let writing = false; // whether the line under way is written (it is at or above the level)
let fixedTime: i64 = -1; // for tests: the time every line shows, in ns since boot

// The levels' names, each padded to 6 characters, in the order of `Level`. A function, not a global: a
// global's string is in every image that imports the console (hello too), a literal only in those that log.
// @inline
function levelNames(): string {
  return "error warn  info  debug ";
}

// The level given as `log=` on the command line, Info if none; another word stops the image saying what to give.
function levelFromArgs(): i32 {
  const i = Args.find("log");
  if (i < 0) return Level.Info;
  const p = Args.valuePtr(i);
  const n = Args.valueLength(i);
  for (let l = 0; l < 4; l++) {
    let k: u32 = 0;
    while (k < n && k < 6 && <u32>load<u8>(p + k) == <u32>levelNames().charCodeAt(l * 6 + k)) k++;
    if (k == n && levelNames().charCodeAt(l * 6 + k) == 0x20) return l;
  }
  collect();
  putBytes(Args.ptr(i), Args.length(i)); // log=...
  putString(": give error, warn, info or debug");
  panic(collected(), collectedLength());
  return Level.Info; // not reached
}

// Appends two hexadecimal digits of the byte `c`.
function putHex(c: u32): void {
  putByte(0x30 + (c >> 4) + (c >= 0xa0 ? 7 : 0));
  c &= 15;
  putByte(0x30 + c + (c >= 10 ? 7 : 0));
}

// Appends a string field's value: as it is when it is a plain word, else in double quotes, with `"` and `\\` escaped
// by a backslash and control characters as \u00XX (as in JSON).
function putValue(s: string): void {
  const ptr = changetype<usize>(s);
  const end = ptr + ((<usize>s.length) << 1);
  let quoted = ptr == end;
  for (let p = ptr; p < end; p += 2) {
    const c = <u32>load<u16>(p);
    if (c <= 0x20 || c == 0x22 || c == 0x3d || c == 0x5c || c == 0x7f) quoted = true;
  }
  if (quoted) putByte(0x22);
  let from = ptr; // the start of the run of characters written as they are
  for (let p = ptr; p < end; p += 2) {
    const c = <u32>load<u16>(p);
    if (!quoted || (c >= 0x20 && c != 0x22 && c != 0x5c)) continue;
    putUtf16(from, p - from);
    from = p + 2;
    putByte(0x5c);
    if (c >= 0x20) putByte(c);
    else {
      putByte(0x75);
      putByte(0x30);
      putByte(0x30);
      putHex(c);
    }
  }
  putUtf16(from, end - from);
  if (quoted) putByte(0x22);
}

/**
 * One log line under way, from `log.info(...)` and the like: add fields, then `end()` writes it. Below the
 * logger's level every method does nothing (the arguments are still evaluated: keep them cheap).
 */
@final
@unmanaged
export class LogLine {
  /** A field `key=value`; the value is quoted when it is empty or holds a space, `=`, `"`, `\` or a control character. */
  str(key: string, value: string): LogLine {
    if (this.key(key)) putValue(value);
    return this;
  }

  /**
   * A field `key=value` whose value is the `len` bytes at `ptr` (a request path, a header value): visible ASCII as
   * it is, every other byte and `"`, `=` and `\\` percent-encoded (`%20`), so that the value is one word.
   */
  bytes(key: string, ptr: usize, len: usize): LogLine {
    if (this.key(key))
      for (let p = ptr; p < ptr + len; p++) {
        const c = <u32>load<u8>(p);
        if (c - 0x21 < 0x5e && c != 0x22 && c != 0x3d && c != 0x5c) putByte(c);
        else {
          putByte(0x25);
          putHex(c);
        }
      }
    return this;
  }

  /** A field `key=N`, a signed integer in decimal. */
  int(key: string, value: i64): LogLine {
    if (this.key(key)) putInt(value);
    return this;
  }

  /** A field `key=true` or `key=false`. */
  bool(key: string, value: bool): LogLine {
    if (this.key(key)) putString(value ? "true" : "false");
    return this;
  }

  /** More words of the message, after a space (for prose; fields are for what a machine reads). */
  text(s: string): LogLine {
    if (writing) {
      putByte(0x20);
      putString(s);
    }
    return this;
  }

  /** A number in the message, after a space. */
  num(value: i64): LogLine {
    if (writing) {
      putByte(0x20);
      putInt(value);
    }
    return this;
  }

  /**
   * Whether the line is written (its level is enabled). Text appended through `line` or `print` while it is
   * goes into the line, before `end()`: `if (log.info("lease").on) { putIpv4(a); line.nl(); }` (ended by `nl`).
   */
  get on(): bool {
    return writing;
  }

  /** Ends the line and writes it. */
  end(): void {
    if (writing) {
      putByte(0x0a);
      flush();
    }
  }

  // ` key=` if the line is written.
  private key(key: string): bool {
    if (writing) {
      putByte(0x20);
      putString(key);
      putByte(0x3d);
    }
    return writing;
  }
}

/**
 * The logger: `log.info("message")` begins a line at the info level and returns it for its fields; `end()`
 * writes it. Its level comes from the command line (`log=debug|info|warn|error`, info if not given).
 */
@final
@unmanaged
export class Logger {
  /** The level: lines at it and the more severe ones are written. */
  get level(): Level {
    if (threshold < 0) threshold = levelFromArgs();
    return <Level>threshold;
  }

  set level(level: Level) {
    threshold = level;
  }

  /** Whether a line at `level` would be written (to skip work that only a debug line needs). */
  enabled(level: Level): bool {
    return level <= this.level;
  }

  /** Begins a line at the error level. */
  error(message: string): LogLine {
    return this.begin(Level.Error, message);
  }

  /** Begins a line at the warn level. */
  warn(message: string): LogLine {
    return this.begin(Level.Warn, message);
  }

  /** Begins a line at the info level. */
  info(message: string): LogLine {
    return this.begin(Level.Info, message);
  }

  /** Begins a line at the debug level. */
  debug(message: string): LogLine {
    return this.begin(Level.Debug, message);
  }

  /** Begins a line at `level`: `<seconds since the first line> <level> <message>` (a line begun and not ended is ended first). */
  begin(level: Level, message: string): LogLine {
    writing = this.enabled(level);
    if (writing) {
      const now = clock_monotonic();
      if (boot < 0) boot = now;
      const ns = fixedTime >= 0 ? fixedTime : now - boot;
      const us = <u64>ns / 1000;
      putUint(us / 1_000_000);
      putByte(0x2e);
      putUint(us % 1_000_000, 6);
      putByte(0x20);
      putUtf16(changetype<usize>(levelNames()) + level * 12, 12);
      putString(message);
    }
    return changetype<LogLine>(0);
  }

  /** For tests: every line shows `ns` since boot (-1: the clock again). */
  fixTime(ns: i64): void {
    fixedTime = ns;
  }
}

/** The logger. */
export const log = changetype<Logger>(0);
