// The `tessera` command end to end, as a user runs it: build, run, inspect,
// new, --help everywhere, and a one-line error for every bad input.
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { ABI_VERSION } from "@tessera/abi";
import { parseImage } from "@tessera/image";
import { guest } from "../targets/node/test/guest.js";
import { tessera } from "./helpers/cli.js";

let dir: string;
let hello: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "tessera-cli-"));
  const r = tessera(["build", "examples/hello", "-o", join(dir, "out")]);
  expect(r.stderr).toContain("wrote");
  expect(r.status).toBe(0);
  hello = join(dir, "out", "hello.wasm");
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Writes an image into the test directory and returns its path. */
function file(name: string, bytes: Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

/** Asserts a one-line `tessera: ...` error containing `text`, and the exit status. */
function expectError(r: { status: number | null; stderr: string }, text: string, status = 1): void {
  expect(r.stderr).toContain(text);
  expect(r.stderr.trim().split("\n")).toHaveLength(1);
  expect(r.stderr.startsWith("tessera: ")).toBe(true);
  expect(r.status).toBe(status);
}

describe("hello", () => {
  test("runs, prints the greeting with its arguments and the time, exits 0", () => {
    const r = tessera(["run", hello, "--", "name=x"]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(
      /^Hello from Tessera!\nargs: name=x\nwall clock: \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\n$/,
    );
    const year = Number(/wall clock: (\d{4})/.exec(r.stdout)![1]);
    expect(year).toBe(new Date().getUTCFullYear());
  });

  test("is at most 1,024 bytes, imports only tessera.*, carries both custom sections", () => {
    const bytes = new Uint8Array(readFileSync(hello));
    expect(bytes.length).toBeLessThanOrEqual(1024);
    const image = parseImage(bytes);
    expect(image.imports.length).toBeGreaterThan(0);
    for (const i of image.imports) expect(i.module).toBe("tessera");
    expect(image.abiVersion).toBe(ABI_VERSION);
    expect(JSON.parse(image.manifestText!)).toEqual({ version: 1, devices: [] });
  });

  test("keeps its function names in a sidecar that inspect reads", () => {
    const r = tessera(["inspect", hello]);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`Tessera ABI v${ABI_VERSION}`);
    expect(r.stdout).toContain("_start");
    expect(r.stdout).toContain("@tessera/runtime");
    const json = JSON.parse(tessera(["inspect", hello, "--json"]).stdout);
    expect(json.names).toBe("sidecar");
    expect(json.size).toBe(readFileSync(hello).length);
    const total = json.sections.reduce((a: number, s: { bytes: number }) => a + s.bytes, 0);
    expect(total).toBe(json.size);
  });

  test("passes several arguments and bare words through", () => {
    const r = tessera(["run", hello, "--", "a=1", "b", "c=x=y"]);
    expect(r.stdout).toContain("args: a=1 b c=x=y\n");
  });
});

describe("--help", () => {
  for (const cmd of ["build", "run", "inspect", "new"]) {
    test(`tessera ${cmd} --help`, () => {
      const r = tessera([cmd, "--help"]);
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`^usage: tessera ${cmd} `));
    });
  }
  test("tessera --help lists the commands", () => {
    const r = tessera(["--help"]);
    expect(r.status).toBe(0);
    for (const cmd of ["build", "run", "inspect", "new"]) expect(r.stdout).toContain(`  ${cmd}`);
  });
});

describe("bad input gets one line that says what to do", () => {
  test("an unknown command", () => expectError(tessera(["frobnicate"]), 'unknown command "frobnicate"', 2));
  test("an unknown option", () => expectError(tessera(["run", "x.wasm", "--bogus"]), "unknown option --bogus", 2));
  test("a missing image", () => expectError(tessera(["run", join(dir, "nope.wasm")]), "file not found"));
  test("a file that is not wasm", () =>
    expectError(tessera(["run", file("text.wasm", new TextEncoder().encode("hello, world\n"))]), "not a WebAssembly"));
  test("a wrong ABI version: an image built before memory_limit is refused, with a word to rebuild it", () => {
    const img = guest(`(module (memory (export "memory") 1) (func (export "_start")))`, { abi: 1 });
    expectError(
      tessera(["run", file("v1.wasm", img)]),
      "image was built for Tessera ABI v1; this host speaks v2 (rebuild it with this version of tessera)",
    );
  });
  test("an image importing env.abort", () => {
    const img = guest(`(module (import "env" "abort" (func (param i32 i32 i32 i32)))
      (memory (export "memory") 1) (func (export "_start")))`);
    expectError(tessera(["run", file("abort.wasm", img)]), "env.abort");
  });
  test("a manifest device not given", () => {
    const img = guest(`(module (memory (export "memory") 1) (func (export "_start")))`, {
      manifest: '{"version":1,"devices":[{"name":"service","kind":"net"}]}',
    });
    expectError(tessera(["run", file("needsnet.wasm", img)]), "--net service=");
  });
  test("an extra device given", () => {
    const img = guest(`(module (memory (export "memory") 1) (func (export "_start")))`);
    expectError(tessera(["run", file("nodev.wasm", img), "--block", "storage=disk.img"]), "storage");
  });
  test("a malformed device option", () => expectError(tessera(["run", hello, "--net", "service"]), "NAME=BACKEND", 2));
  test("--mem smaller than the image needs", () => {
    const img = guest(`(module (memory (export "memory") 40) (func (export "_start")))`);
    expectError(tessera(["run", file("big.wasm", img), "--mem", "2"]), "--mem 2");
  });
  test("--mem that is not a number", () => expectError(tessera(["run", hello, "--mem", "lots"]), "--mem lots", 2));
  test("a command line over 4096 bytes", () =>
    expectError(tessera(["run", hello, "--", "x=" + "y".repeat(5000)]), "at most 4096", 2));
  test("build of a directory that is not an app", () => expectError(tessera(["build", dir]), "no package.json"));
  test("build of a missing directory", () => expectError(tessera(["build", join(dir, "nowhere")]), "tessera new"));
  test("an unknown target", () => expectError(tessera(["build", "examples/hello", "--target", "vax"]), "vax", 2));
  test("inspect of a missing file", () => expectError(tessera(["inspect", join(dir, "gone.wasm")]), "file not found"));
});

describe("traps and panics", () => {
  let app: string;
  beforeAll(() => {
    app = join(dir, "crashy");
    mkdirSync(join(app, "assembly"), { recursive: true });
    writeFileSync(join(app, "package.json"), JSON.stringify({ name: "crashy", tessera: { runtime: "stub" } }));
    writeFileSync(
      join(app, "assembly", "index.ts"),
      `import { Args } from "@tessera/runtime/assembly";
function explode(n: i32): i32 {
  if (n > 3) unreachable();
  return explode(n + 1) + 1;
}
export function _start(): void {
  if (Args.has("trap")) explode(Args.count);
  assert(!Args.has("assert"), "the assert argument was given");
}
`,
    );
    const r = tessera(["build", app, "-o", join(dir, "crashy-out")]);
    expect(r.status, r.stderr).toBe(0);
  });

  test("a trap is reported with the wasm function name, status 255", () => {
    const r = tessera(["run", join(dir, "crashy-out", "crashy.wasm"), "--", "trap"]);
    expect(r.stderr).toMatch(/^tessera: trap: unreachable in assembly\/index\/explode\n$/);
    expect(r.status).toBe(255);
  });

  test("a failed assert panics with its message and location, status 255", () => {
    const r = tessera(["run", join(dir, "crashy-out", "crashy.wasm"), "--", "assert"]);
    expect(r.stderr).toMatch(/^panic: the assert argument was given at .*index\.ts:8:\d+\n$/);
    expect(r.status).toBe(255);
  });

  test("without trouble it exits 0", () => {
    expect(tessera(["run", join(dir, "crashy-out", "crashy.wasm")]).status).toBe(0);
  });
});

test("tessera new makes an app that builds and runs at once", () => {
  const app = join(dir, "fresh-app");
  const made = tessera(["new", app]);
  expect(made.status).toBe(0);
  const built = tessera(["build", app, "-o", join(app, "build")]);
  expect(built.status, built.stderr).toBe(0);
  const ran = tessera(["run", join(app, "build", "fresh-app.wasm"), "--", "name=you"]);
  expect(ran.stdout).toBe("Hello, you, from fresh-app!\n");
  expect(ran.status).toBe(0);
  expectError(tessera(["new", app]), "not empty");
});

test("a compile error shows asc's diagnostics and one summary line", () => {
  const app = join(dir, "broken");
  mkdirSync(join(app, "assembly"), { recursive: true });
  writeFileSync(join(app, "package.json"), '{"name":"broken"}');
  writeFileSync(join(app, "assembly", "index.ts"), "export function _start(): void { let x: i32 = 'no'; }\n");
  const r = tessera(["build", app, "-o", join(dir, "broken-out")]);
  expect(r.stderr).toContain("TS2322");
  expect(r.stderr).toContain("the app does not compile");
  expect(r.status).toBe(1);
});

describe("top-level code runs inside _start, where the host can see its memory", () => {
  for (const mode of ["release", "debug"]) {
    test(`output and a panic from top-level statements reach the console (${mode})`, () => {
      const app = join(dir, `toplevel-${mode}`);
      mkdirSync(join(app, "assembly"), { recursive: true });
      writeFileSync(join(app, "package.json"), JSON.stringify({ name: "toplevel" }));
      writeFileSync(
        join(app, "assembly", "index.ts"),
        `import { Args } from "@tessera/runtime/assembly";
import { println } from "@tessera/console/assembly";
println("from the top level");
assert(!Args.has("fail"), "top-level assert");
export function _start(): void {
  println("from _start");
}
`,
      );
      const out = join(app, "build");
      const built = tessera(["build", app, "-o", out, ...(mode === "debug" ? ["--debug"] : [])]);
      expect(built.status, built.stderr).toBe(0);
      const ok = tessera(["run", join(out, "toplevel.wasm")]);
      expect(ok.stdout).toBe("from the top level\nfrom _start\n");
      expect(ok.status).toBe(0);
      const failed = tessera(["run", join(out, "toplevel.wasm"), "--", "fail"]);
      expect(failed.stdout).toBe("from the top level\n");
      expect(failed.stderr).toMatch(/^panic: top-level assert at assembly\/index\.ts:4:\d+\n$/);
      expect(failed.status).toBe(255);
    });
  }
});

describe("the manifest lists the devices the source opens", () => {
  /** Builds an app whose entry is `source`; returns the build's result and the image path. */
  function buildApp(name: string, source: string) {
    const app = join(dir, name);
    mkdirSync(join(app, "assembly"), { recursive: true });
    writeFileSync(join(app, "package.json"), JSON.stringify({ name }));
    writeFileSync(join(app, "assembly", "index.ts"), source);
    return { built: tessera(["build", app, "-o", join(app, "build")]), image: join(app, "build", `${name}.wasm`) };
  }

  test("NetDevice.open with a literal name puts the device in the manifest", () => {
    const { built, image } = buildApp(
      "netapp",
      `import { NetDevice } from "@tessera/net/assembly/device";
export function _start(): void {
  const dev = NetDevice.open("service");
  dev.write(0, 0);
}
`,
    );
    expect(built.status, built.stderr).toBe(0);
    const report = JSON.parse(tessera(["inspect", image, "--json"]).stdout);
    expect(report.manifest).toEqual({ version: 1, devices: [{ name: "service", kind: "net" }] });
    // And the host then insists on it.
    expectError(tessera(["run", image]), "--net service=tap:IFNAME");
  });

  test("a device name that is not a string literal is a build error that says where", () => {
    const { built } = buildApp(
      "dynname",
      `import { NetDevice } from "@tessera/net/assembly/device";
export function _start(): void {
  const name = "serv" + "ice";
  NetDevice.open(name);
}
`,
    );
    expect(built.stderr).toContain("tessera: assembly/index.ts:4: a device name must be a string literal");
    expect(built.status).toBe(1);
  });

  test("an image that acquires net devices without naming any is refused at build time", () => {
    const { built } = buildApp(
      "rawacquire",
      `import { net_acquire } from "@tessera/abi/assembly";
export function _start(): void {
  net_acquire(0, 0, 0, 0);
}
`,
    );
    expect(built.stderr).toContain("the image acquires net devices but names none");
    expect(built.status).toBe(1);
  });
});
