// Math.random, seeded from the host's entropy: values in [0, 1) (the host test checks that instances differ).

import { expectIn, expectNot, runTests, test } from "@tessera/test/assembly";

test("gives values in [0, 1)", () => {
  let previous = -1.0;
  let repeats = 0;
  for (let i = 0; i < 10000; i++) {
    const r = Math.random();
    expectIn(r, 0.0, 1.0, "Math.random");
    if (r == previous) repeats++;
    previous = r;
  }
  expectNot(repeats, 10000 - 1, "Math.random is stuck");
});

// The host runs this case twice and compares: the seed comes from entropy, so the values differ.
test("prints a random value", () => {
  trace(Math.random().toString());
});

export function _start(): void {
  runTests();
}
