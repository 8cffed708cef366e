// The console: the line builder, and input delivered through the loop until EOF.

import { InputHandler, line, onInput, println } from "@tessera/console/assembly";
import { Loop, run } from "@tessera/runtime/assembly/loop";
import { expect, runTests, test } from "@tessera/test/assembly";

test("builds lines from parts", () => {
  line.str("é=").int(-3).char(0x20).uint(7, 3).ascii(" ok").nl();
  println("done");
}).stdout("é=-3 007 ok\ndone\n");

// Echoes input back in brackets and counts chunks; prints a summary at the end.
class Echo extends InputHandler {
  bytes: u32 = 0;
  chunks: i32 = 0;
  ended: i32 = 0;
  quiet: bool = false;
  data(ptr: usize, len: u32): void {
    assert(len > 0, "an empty chunk");
    this.bytes += len;
    this.chunks++;
    if (!this.quiet) line.char(0x5b).bytes(ptr, len).char(0x5d).end();
  }
  end(): void {
    this.ended++;
    line.ascii("\nend after ").uint(this.bytes).ascii(" bytes").nl();
  }
}

test("delivers console input to onInput's handler, then the end, and run() returns", () => {
  const echo = new Echo();
  onInput(echo);
  run();
  expect(echo.ended, 1);
})
  .stdin("héllo\nworld\n")
  .stdout("[héllo\nworld\n]\nend after 13 bytes\n");

test("ends at once when there is no input", () => {
  const echo = new Echo();
  onInput(echo);
  run();
  expect(echo.chunks, 0);
  expect(echo.ended, 1);
}).stdout("\nend after 0 bytes\n");

test("delivers input larger than one chunk in several chunks, on a loop of the caller's", () => {
  const echo = new Echo();
  echo.quiet = true;
  const loop = new Loop();
  onInput(echo, loop);
  loop.run();
  expect(echo.bytes, 10000);
  assert(echo.chunks >= 3, "10000 bytes came in " + echo.chunks.toString() + " chunks of at most 4096");
  expect(echo.ended, 1);
})
  .stdin("0123456789".repeat(1000))
  .stdout("\nend after 10000 bytes\n");

export function _start(): void {
  runTests();
}
