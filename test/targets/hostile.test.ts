// The shared suite, part 5: a hostile guest on every target. test/fixtures/hostile
// calls every ABI function 100,000 times with pointers, lengths, handles and
// offsets that are out of range, wrap around or name the wrong device; each
// bad call must get EINVAL and change nothing, the good calls after them
// must still work, and the tender must never crash. The native tenders also
// run it in their AddressSanitizer/UBSan builds, which stop at the first
// access outside what the tender may touch. Last, a panic whose message
// lies outside memory must end the guest cleanly with status 255.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { tessera } from "../helpers/cli.js";
import { netnsMissing, TapNamespace } from "../helpers/netns.js";
import { need, type Missing } from "../helpers/require.js";
import { buildFor, slowCalls, suiteTargets, tenderBinary, type Target } from "../helpers/targets.js";

const netns = netnsMissing();

const CALLS = 100_000;

let dir = "";
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "tessera-suite-hostile-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.each(suiteTargets())("on %s", (target: Target, missing: Missing) => {
  const why = need(`the hostile-guest suite on ${target}`, netns ?? missing);
  let ns: TapNamespace;
  let image = "";
  let disk = "";

  beforeAll(() => {
    if (why) return;
    image = buildFor("test/fixtures/hostile", target, join(dir, target));
    disk = join(dir, `${target}.img`);
    expect(tessera(["disk", "create", disk, "1M"]).status).toBe(0);
    ns = new TapNamespace(`tessera-hostile-${target}-${process.pid}`, "tsx0", "10.92.0.1/24");
  }, 120_000);

  afterAll(() => ns?.destroy());

  /** Runs the hostile image with `tender` (a command and its first arguments) to its end. */
  function attack(tender: string[], args: string[] = []) {
    const device = ["--net", "service=tap:tsx0", "--block", `storage=${disk}`];
    const r = spawnSync("ip", ["netns", "exec", ns.name, ...tender, ...device, image, "--", ...args], {
      encoding: "utf8",
      timeout: 170_000,
      killSignal: "SIGKILL",
      env: { ...process.env, ASAN_OPTIONS: "detect_leaks=0", TESSERA_HVT_QUIET: "1" },
    });
    return { status: r.status, signal: r.signal, out: `${r.stdout}${r.stderr}` };
  }

  function expectSurvived(r: ReturnType<typeof attack>, calls = CALLS) {
    expect(r.out).toMatch(new RegExp(`hostile: memory \\d+ bytes, ${calls} calls per ABI function`));
    const summary = /hostile: (\d+) bad calls, (\d+) failures/.exec(r.out);
    expect(summary, r.out).not.toBeNull();
    expect(Number(summary![1])).toBeGreaterThanOrEqual(12 * calls);
    expect(summary![2], r.out).toBe("0");
    expect(r.signal, r.out).toBeNull();
    expect(r.status, r.out).toBe(0);
  }

  test.skipIf(why !== null)(
    `every ABI call ${CALLS} times with bad arguments: all EINVAL, the guest carries on`,
    () => {
      const r = attack([process.execPath, join(process.cwd(), "packages/cli/bin/tessera.cjs"), "run"]);
      console.log(`${target}: ${/hostile: \d+ bad calls, \d+ failures/.exec(r.out)?.[0]}`);
      expectSurvived(r);
    },
    180_000,
  );

  // On hvt every call is a VM exit that KVM emulates here (~50 us): the
  // sanitizer run there makes a tenth of the calls.
  const asanCalls = slowCalls(target) ? CALLS / 10 : CALLS;
  if (target !== "node")
    test.skipIf(why !== null)(
      `the same under the tender's AddressSanitizer and UBSan build (${asanCalls} calls each)`,
      () => expectSurvived(attack([`${tenderBinary(target as "spt" | "hvt")}-asan`], [`n=${asanCalls}`]), asanCalls),
      180_000,
    );

  test.skipIf(why !== null)("a panic with its message outside memory ends the guest with status 255", () => {
    const r = attack(
      [process.execPath, join(process.cwd(), "packages/cli/bin/tessera.cjs"), "run"],
      ["n=10", "panic=bad"],
    );
    expect(r.out).toMatch(/^panic: /m);
    expect(r.signal).toBeNull();
    expect(r.status).toBe(255);
  });
});
