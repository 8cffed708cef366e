// The AssemblyScript unit tests: every packages/*/assembly/__tests__/*.spec.ts, one vitest test per case.
// TESSERA_SPEC=WORD (outside CI) compiles and runs only the spec files whose path contains WORD, for
// a quick run while working on one package: `TESSERA_SPEC=tcp-window npx vitest run test/assembly.test.ts`.
import { readdirSync, existsSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, test } from "vitest";
import { ROOT } from "./helpers/cli.js";
import { CI } from "./helpers/require.js";
import { compileSpec, failureOf, listCases, run, runCase, type SpecCase } from "./helpers/spec.js";

const ONLY = CI ? undefined : process.env.TESSERA_SPEC;
if (ONLY) console.warn(`TESSERA_SPEC=${ONLY}: only the spec files whose path contains it`);

function specFiles(): string[] {
  const files: string[] = [];
  for (const pkg of readdirSync(join(ROOT, "packages")).sort()) {
    const dir = join(ROOT, "packages", pkg, "assembly", "__tests__");
    if (!existsSync(dir)) continue;
    for (const f of readdirSync(dir).sort())
      if (f.endsWith(".spec.ts") && (!ONLY || join(dir, f).includes(ONLY))) files.push(join(dir, f));
  }
  return files;
}

/** A spec compiled once, with its cases, or why it could not be. */
async function load(file: string): Promise<{ image: Uint8Array | null; cases: SpecCase[]; error: string | null }> {
  try {
    const image = await compileSpec(file);
    return { image, cases: await listCases(image), error: null };
  } catch (e) {
    return { image: null, cases: [], error: (e as Error).message };
  }
}

const specs = await Promise.all(specFiles().map(async (file) => ({ file, ...(await load(file)) })));

for (const spec of specs) {
  describe(relative(ROOT, spec.file), () => {
    if (spec.error !== null) {
      const error = spec.error;
      test("compiles", () => {
        throw new Error(error);
      });
      return;
    }
    test.each(spec.cases.map((c) => [c.name, c] as const))("%s", async (_name, c) => {
      const failure = failureOf(c, await runCase(spec.image!, c));
      if (failure !== null) throw new Error(failure);
    });
  });
}

test("every spec has cases", () => {
  expect(specs.length).toBeGreaterThan(0);
  for (const s of specs) if (s.error === null) expect(s.cases.length, s.file).toBeGreaterThan(0);
});

describe("the harness", () => {
  const fixture = compileSpec(join(ROOT, "test", "fixtures", "failing.spec.ts")).then(async (image) => ({
    image,
    cases: await listCases(image),
  }));
  const failure = async (name: string) => {
    const { image, cases } = await fixture;
    const c = cases.find((x) => x.name === name)!;
    return failureOf(c, await runCase(image, c));
  };

  test("lists the cases with what they declare", async () => {
    const { cases } = await fixture;
    expect(cases.map((c) => c.name)).toEqual([
      "passes",
      "fails an assert",
      "fails an expect",
      "prints the wrong thing",
      "traps",
    ]);
    expect(cases[3].stdout).toBe("expected\n");
  });
  test("passes a passing case", async () => {
    expect(await failure("passes")).toBeNull();
  });
  test("reports an assert with its message and file:line:column", async () => {
    expect(await failure("fails an assert")).toMatch(
      /^fails an assert: panic: the answer is 42 at test\/fixtures\/failing\.spec\.ts:11:3 \(status 255\)$/,
    );
  });
  test("reports an expect with expected, actual and the caller's message", async () => {
    expect(await failure("fails an expect")).toBe(
      "fails an expect: panic: multiplying: expected 43, got 42 (status 255)",
    );
  });
  test("reports wrong console output", async () => {
    expect(await failure("prints the wrong thing")).toBe(
      'prints the wrong thing: expected console output "expected\\n", got "trace: unexpected\\n"',
    );
  });
  test("reports a trap with the function it happened in", async () => {
    expect(await failure("traps")).toMatch(/^traps: tessera: trap: unreachable.* in .*failing/);
  });
  test("runs every undeclared case with an empty command line, stopping at the first failure", async () => {
    const r = await run((await fixture).image, "");
    expect(r.stdout).toBe("ok passes\n");
    expect(r.stderr).toMatch(/^panic: the answer is 42 at /);
  });
  test("reports a compile error with asc's diagnostics", async () => {
    await expect(compileSpec(join(ROOT, "test", "fixtures", "broken.spec.ts"))).rejects.toThrow(
      /TS2322: Type '~lib\/string\/String' is not assignable to type 'i32'[\s\S]*broken\.spec\.ts/,
    );
  });
});

const randomSpec = specs.find((s) => s.file.endsWith(join("runtime", "assembly", "__tests__", "random.spec.ts")));
// (Not defined when TESSERA_SPEC leaves random.spec.ts out.)
test.runIf(randomSpec !== undefined || !ONLY)(
  "Math.random is seeded from entropy: two instances give different values",
  async () => {
    const spec = randomSpec!;
    const c = spec.cases.find((x) => x.name === "prints a random value")!;
    const values = await Promise.all([runCase(spec.image!, c), runCase(spec.image!, c)]);
    const [a, b] = values.map((r) => Number(/^trace: (\S+)\n/.exec(r.stdout)?.[1]));
    for (const v of [a, b]) expect(v >= 0 && v < 1, `${v} in [0, 1)`).toBe(true);
    expect(a).not.toBe(b);
  },
);
