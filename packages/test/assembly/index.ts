// The AssemblyScript unit-test harness: test cases, assertions, and the runner a spec's `_start` calls.
//
// A spec (`packages/<pkg>/assembly/__tests__/*.spec.ts`) registers cases at
// top level and ends with `export function _start(): void { runTests(); }`.
// It must import packages by name (`@tessera/runtime/assembly/loop`), never by
// relative path, or it gets a second copy of their state. The host side
// (test/assembly.test.ts) compiles each spec once and runs each case in a
// fresh instance. The command line selects what runs:
//
//   list        one `#test <name>` line per case, then its `#cmdline`,
//               `#stdin` and `#stdout` lines if declared (escaped: \\ and \n)
//   run=N       case N (0-based), then the line `#passed`
//   <cmdline>   the first case declared with exactly this command line
//   (empty)     every case without a declared command line, `ok <name>` each

import { cmdline, CMDLINE_MAX } from "@tessera/abi/assembly";
import { fail } from "@tessera/runtime/assembly/abort";
import { Args } from "@tessera/runtime/assembly/args";
import { flush, putByte, putString } from "@tessera/runtime/assembly/out";

/** One test case; its setters chain: `test("x", fn).cmdline("a=1").stdin("hi")`. */
export class Case {
  /** The command line the case must run with, or null for `run=N`. */
  cmdlineText: string | null = null;
  /** Console input the host feeds the case, then EOF; null for none (EOF at once). */
  stdinText: string | null = null;
  /** The exact console output the case must produce, or null to not check it. */
  stdoutText: string | null = null;

  constructor(
    /** The name shown by the host's test runner. */
    public name: string,
    /** The body: returns to pass, panics (assert, expect, fail) to fail. */
    public body: () => void,
  ) {}

  /** Runs the case with command line `text` instead of `run=N` (for tests of `Args`). */
  cmdline(text: string): Case {
    if (text == "list" || text.startsWith("run=") || text.includes(" run="))
      fail("test " + this.name + ": a declared command line cannot be `list` or contain run=");
    this.cmdlineText = text;
    return this;
  }

  /** Feeds `text` (UTF-8) to the case's console input, then EOF. */
  stdin(text: string): Case {
    this.stdinText = text;
    return this;
  }

  /** Requires the case's console output to be exactly `text`. */
  stdout(text: string): Case {
    this.stdoutText = text;
    return this;
  }
}

const cases = new Array<Case>();

/** Registers a test case named `name`; `body` is a function without captures. */
export function test(name: string, body: () => void): Case {
  const c = new Case(name, body);
  cases.push(c);
  return c;
}

/** Panics with `message: what` (or just `what`); the host reports it under the case's name. */
export function failTest(what: string, message: string = ""): void {
  fail(message.length ? message + ": " + what : what);
}

/** Shows a value in a failure message. */
export function show<T>(v: T): string {
  if (isString<T>()) {
    if (isNullable<T>() && changetype<usize>(v) == 0) return "null";
    return '"' + changetype<string>(v) + '"';
  }
  if (isBoolean<T>()) return v ? "true" : "false";
  if (isInteger<T>() || isFloat<T>()) return v.toString();
  if (isReference<T>()) {
    const p = changetype<usize>(v);
    return p ? "<" + nameof<T>() + " at " + p.toString() + ">" : "null";
  }
  return "<" + nameof<T>() + ">";
}

/** Passes if `actual == expected` (strings by content, NaN equal to NaN); else panics with `expected X, got Y`. */
export function expect<T>(actual: T, expected: T, message: string = ""): void {
  if (actual == expected) return;
  if (isFloat<T>()) {
    if (isNaN(actual) && isNaN(expected)) return;
  }
  failTest("expected " + show<T>(expected) + ", got " + show<T>(actual), message);
}

/** Passes if `actual != expected`; else panics with `expected not X`. */
export function expectNot<T>(actual: T, unexpected: T, message: string = ""): void {
  if (actual != unexpected) return;
  failTest("expected not " + show<T>(unexpected), message);
}

/** Passes if `lo <= actual < hi`; else panics with `expected [lo, hi), got X`. */
export function expectIn<T>(actual: T, lo: T, hi: T, message: string = ""): void {
  if (actual >= lo && actual < hi) return;
  failTest("expected [" + show<T>(lo) + ", " + show<T>(hi) + "), got " + show<T>(actual), message);
}

/** Passes if the `len` bytes at `ptr` are `expected`; else panics showing both in hex. */
export function expectBytes(ptr: usize, len: usize, expected: u8[], message: string = ""): void {
  let same = len == <usize>expected.length;
  for (let i = 0; same && i < <i32>len; i++) same = load<u8>(ptr + i) == expected[i];
  if (same) return;
  failTest("expected bytes [" + hex(expected.dataStart, expected.length) + "], got [" + hex(ptr, len) + "]", message);
}

function hex(ptr: usize, len: usize): string {
  let s = "";
  for (let i: usize = 0; i < len; i++) {
    if (i) s += " ";
    const b = load<u8>(ptr + i);
    s += (b < 16 ? "0" : "") + b.toString(16);
  }
  return s;
}

// Writes a declared string escaped onto one line: `\` as `\\`, newline as `\n`.
function putEscaped(s: string): void {
  putString(s.replaceAll("\\", "\\\\").replaceAll("\n", "\\n"));
}

function list(): void {
  for (let i = 0; i < cases.length; i++) {
    const c = cases[i];
    putString("#test " + c.name + "\n");
    const cmd = c.cmdlineText;
    if (cmd !== null) {
      for (let j = 0; j < i; j++) {
        const other = cases[j].cmdlineText;
        if (other !== null && other == cmd) fail("tests " + cases[j].name + " and " + c.name + " declare one cmdline");
      }
      putString("#cmdline ");
      putEscaped(cmd);
      putByte(0x0a);
    }
    const input = c.stdinText;
    if (input !== null) {
      putString("#stdin ");
      putEscaped(input);
      putByte(0x0a);
    }
    const out = c.stdoutText;
    if (out !== null) {
      putString("#stdout ");
      putEscaped(out);
      putByte(0x0a);
    }
  }
  flush();
}

function runOne(c: Case): void {
  const body = c.body;
  body();
  flush();
}

/** The spec's entry: lists or runs cases as the command line says (see the top of this file). */
export function runTests(): void {
  if (Args.has("list")) return list();
  const selected = Args.get("run");
  if (selected !== null) {
    const n = I32.parseInt(selected);
    if (n < 0 || n >= cases.length) fail("run=" + selected + ": no such test case");
    runOne(cases[n]);
    putString("#passed\n");
    flush();
    return;
  }
  const raw = memory.data(CMDLINE_MAX);
  const text = String.UTF8.decodeUnsafe(raw, min(<u32>cmdline(raw, CMDLINE_MAX), CMDLINE_MAX));
  for (let i = 0; i < cases.length; i++) {
    const cmd = cases[i].cmdlineText;
    if (cmd !== null && cmd == text) {
      runOne(cases[i]);
      putString("#passed\n");
      flush();
      return;
    }
  }
  if (text.length) fail("no test case declares the command line `" + text + "` (try list or run=N)");
  for (let i = 0; i < cases.length; i++) {
    if (cases[i].cmdlineText !== null) continue;
    runOne(cases[i]);
    putString("ok " + cases[i].name + "\n");
    flush();
  }
}
