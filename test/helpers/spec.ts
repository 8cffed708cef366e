// Compiles AssemblyScript spec files into images and runs their cases (the host side of @tessera/test).
import { PassThrough } from "node:stream";
import { basename } from "node:path";
import { compile, finish, type App } from "@tessera/cli";
import { runImage } from "@tessera/node";

/** One case of a spec, as its `list` run describes it. */
export interface SpecCase {
  /** Index for `run=N`. */
  index: number;
  name: string;
  /** The command line the case runs with instead of `run=N`, if it declares one. */
  cmdline: string | null;
  /** Console input fed to the case, then EOF. */
  stdin: string | null;
  /** The exact console output the case must produce, if it declares it. */
  stdout: string | null;
}

/** What one run of an image did. */
export interface Ran {
  status: number;
  stdout: string;
  stderr: string;
}

/** The line `runTests` prints after a case passes under `run=N` or a declared cmdline. */
export const PASSED = "#passed\n";

/** Compiles a spec file into an image; throws an Error carrying asc's diagnostics if it does not compile. */
export async function compileSpec(file: string): Promise<Uint8Array> {
  const app: App = { dir: process.cwd(), name: basename(file, ".ts"), entry: file, runtime: "incremental" };
  const { wasm } = await compile(app, { opt: "speed", debug: false });
  return finish(wasm, { version: 1, devices: [] }, true).image;
}

/** Runs `image` with `cmdline` and console input `stdin` (then EOF), capturing its output. */
export async function run(image: Uint8Array, cmdline: string, stdin: string | null = null): Promise<Ran> {
  const out: Uint8Array[] = [];
  const err: Uint8Array[] = [];
  const input = new PassThrough();
  input.end(stdin ?? "");
  const { status } = await runImage(image, {
    cmdline,
    stdin: input,
    stdout: (b) => out.push(b),
    stderr: (b) => err.push(b),
  });
  return { status, stdout: Buffer.concat(out).toString("utf8"), stderr: Buffer.concat(err).toString("utf8") };
}

function unescape(s: string): string {
  return s.replace(/\\(.)/g, (_, c: string) => (c === "n" ? "\n" : c));
}

/** Lists the cases of a spec image (runs it with `list`). */
export async function listCases(image: Uint8Array): Promise<SpecCase[]> {
  const r = await run(image, "list");
  if (r.status !== 0) throw new Error(`listing the cases failed (status ${r.status}):\n${r.stderr}${r.stdout}`);
  const cases: SpecCase[] = [];
  for (const line of r.stdout.split("\n")) {
    const m = /^#(test|cmdline|stdin|stdout) (.*)$/.exec(line);
    if (!m) continue;
    if (m[1] === "test") cases.push({ index: cases.length, name: m[2], cmdline: null, stdin: null, stdout: null });
    else if (cases.length) cases[cases.length - 1][m[1] as "cmdline" | "stdin" | "stdout"] = unescape(m[2]);
  }
  return cases;
}

/** Runs one case in a fresh instance. */
export function runCase(image: Uint8Array, c: SpecCase): Promise<Ran> {
  return run(image, c.cmdline ?? `run=${c.index}`, c.stdin);
}

/** Why a run of `c` failed, or null if it passed: its panic or trap, a bad status, or wrong output. */
export function failureOf(c: SpecCase, r: Ran): string | null {
  const passed = r.status === 0 && r.stdout.endsWith(PASSED);
  if (!passed) {
    const why = r.stderr.trim() || (r.status === 0 ? "the case ended the image before returning" : "");
    const output = r.stdout ? `\nconsole output:\n${r.stdout}` : "";
    return `${c.name}: ${why} (status ${r.status})${output}`;
  }
  const stdout = r.stdout.slice(0, -PASSED.length);
  if (c.stdout !== null && stdout !== c.stdout)
    return `${c.name}: expected console output ${JSON.stringify(c.stdout)}, got ${JSON.stringify(stdout)}`;
  return null;
}
