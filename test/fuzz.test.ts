// The fuzz targets (fuzz/, docs/fuzzing.md): every target builds, replays its committed corpus and the
// reproducers of the crashes found so far (fuzz/regressions/<target>/) without a crash, and then fuzzes for a
// short fixed time (FUZZ_SECONDS, 15 s by default) without finding one. A crash fails the test with the path
// of the input libFuzzer kept. Without clang and libFuzzer the tests are skipped, and under CI they fail
// saying which Debian package to install.
import { describe, expect, test } from "vitest";
// @ts-expect-error: a plain ES module of the fuzz tooling, without types
import { buildTargets, missingTools } from "../fuzz/build.mjs";
// @ts-expect-error: as above
import { filesIn, replay, runTarget, targetDirs } from "../fuzz/fuzz.mjs";
// @ts-expect-error: as above
import { TARGETS } from "../fuzz/targets.mjs";
import { need } from "./helpers/require.js";

interface Target {
  name: string;
  maxLen: number;
}
interface Run {
  execs: number;
  cov: number;
  ft: number;
  corpus: number;
  crash: string | null;
  status: number;
  output: string;
}

const SECONDS = Number(process.env.FUZZ_SECONDS ?? 15);
const RUNS = Number(process.env.FUZZ_RUNS ?? 100_000);
const targets = TARGETS as Target[];

describe("fuzz targets", () => {
  const missing = need("the fuzz targets", missingTools());
  if (missing !== null) return;

  let built: Promise<unknown> | null = null;
  const build = () => (built ??= buildTargets(targets, (line: string) => console.log(`fuzz: ${line}`)));

  describe.each(targets)("$name", (target) => {
    const d = targetDirs(target.name);

    test("builds, and replays its corpus without a crash", async () => {
      await build();
      const files = filesIn(d.corpus);
      expect(files.length, `no seeds in ${d.corpus} (node fuzz/seed.mjs)`).toBeGreaterThan(0);
      const r = replay(target, files);
      expect(r.status, r.output.split("\n").slice(-40).join("\n")).toBe(0);
    }, 900_000);

    const regressions = filesIn(d.regressions) as string[];
    test.skipIf(regressions.length === 0)(
      "replays the crashes found so far without one",
      async () => {
        await build();
        for (const file of regressions) {
          const r = replay(target, [file]);
          expect(r.status, `${file} still crashes ${target.name}:\n${r.output.split("\n").slice(-30).join("\n")}`).toBe(
            0,
          );
        }
      },
      900_000,
    );

    test(
      `fuzzes for ${SECONDS} s without a crash`,
      async () => {
        await build();
        // A fixed seed and at most RUNS inputs, so that CI runs the same inputs as a run here does (fast
        // targets reach RUNS first; the slow ones stop at SECONDS). Open-ended search is `npm run fuzz`.
        const r = (await runTarget(target, SECONDS, () => {}, { seed: 1, runs: RUNS })) as Run;
        console.log(
          `fuzz: ${target.name}: ${r.execs} executions in ${SECONDS} s, cov ${r.cov}, ft ${r.ft}, corpus ${r.corpus}`,
        );
        const why = r.crash
          ? `${target.name} crashed; the input is ${r.crash}`
          : `libFuzzer exited with status ${r.status}`;
        expect(r.crash === null && r.status === 0, `${why}:\n${r.output.split("\n").slice(-40).join("\n")}`).toBe(true);
        expect(r.execs).toBeGreaterThan(0);
      },
      900_000 + SECONDS * 2000,
    );
  });
});
