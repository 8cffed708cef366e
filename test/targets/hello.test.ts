// The shared suite, part 1: examples/hello and a guest that ends in every way
// an image can, on every target (virtio-x86_64 and virtio-aarch64 too, under QEMU). Each target must print the same greeting,
// pass the same exit status through, and report a trap or a panic in the
// same words with the same wasm function name.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { tessera } from "../helpers/cli.js";
import { need, type Missing } from "../helpers/require.js";
import { buildFor, suiteTargets, type Target } from "../helpers/targets.js";

let dir = "";
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "tessera-suite-hello-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.each(suiteTargets({ virtio: true }))("on %s", (target: Target, missing: Missing) => {
  const why = need(`the hello suite on ${target}`, missing);
  // Under QEMU the guest's one output is the serial console, on stdout: its traps and panics are there.
  const errors = (r: { stdout: string; stderr: string }) => (target.startsWith("virtio-") ? r.stdout : r.stderr);
  let hello = "";
  let crashy = "";
  beforeAll(() => {
    if (why) return;
    hello = buildFor("examples/hello", target, join(dir, target));
    crashy = buildFor("test/fixtures/crashy", target, join(dir, target));
  }, 120_000);

  test.skipIf(why !== null)("hello prints its greeting, its arguments and the time, and exits 0", () => {
    const r = tessera(["run", hello, "--", "name=x", "bare"]);
    expect(r.stderr.replace(/^tessera-hvt: note: .*\n/, "")).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(
      /^Hello from Tessera!\nargs: name=x bare\nwall clock: \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\n$/,
    );
    const clock = Date.parse(/wall clock: (\S+)/.exec(r.stdout)![1]);
    // The guest's wall clock is the host's: within a minute, a bound on the
    // clock, not on speed (the run takes well under a second even loaded).
    expect(Math.abs(clock - Date.now())).toBeLessThan(60_000);
  });

  test.skipIf(why !== null)("the exit status passes through", () => {
    for (const status of [0, 7, 254]) expect(tessera(["run", crashy, "--", `exit=${status}`]).status).toBe(status);
  });

  const traps: [string, RegExp][] = [
    ["trap", /^tessera: trap: unreachable in assembly\/index\/explode$/m],
    ["recurse", /^tessera: trap: call stack exhausted in assembly\/index\/deeper$/m],
    ["oob", /^tessera: trap: memory access out of bounds in assembly\/index\/_start$/m],
    ["divide", /^tessera: trap: divide by zero in assembly\/index\/_start$/m],
  ];
  test.skipIf(why !== null).each(traps)(
    "%s: a trap is reported with its reason and wasm function, status 255",
    (arg, line) => {
      const r = tessera(["run", crashy, "--", arg]);
      expect(errors(r)).toMatch(line);
      expect(r.status).toBe(255);
    },
  );

  test.skipIf(why !== null)("a failed assert panics with its message and location, status 255", () => {
    const r = tessera(["run", crashy, "--", "assert"]);
    expect(errors(r)).toMatch(/^panic: the assert argument was given at assembly\/index\.ts:\d+:\d+$/m);
    expect(r.status).toBe(255);
  });

  test.skipIf(why !== null)("a command line over 4096 bytes is refused before boot", () => {
    const r = tessera(["run", hello, "--", "x=" + "y".repeat(5000)]);
    expect(r.stderr).toContain("4096");
    expect(r.status).toBe(2);
  });

  test.skipIf(why !== null)("a device the image does not have is refused, naming the image's devices", () => {
    const r = tessera(["run", hello, "--block", "storage=nowhere.img"]);
    expect(r.stderr).toContain('the image has no block device "storage" (its devices: none)');
    expect(r.status).toBe(1);
  });
});
