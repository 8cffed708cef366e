// `tessera build`'s build cache, through the real command: a second build of
// the same sources is the first one's bytes without compiling; any change to
// what the compiler read (the app's source, a file where it looked and found
// nothing before) compiles again; --no-cache and TESSERA_CACHE=off compile,
// to the same bytes. Each test has a cache directory of its own.
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { ROOT, TESSERA } from "./helpers/cli.js";
import { gcc, need } from "./helpers/require.js";

const noGcc = need("the build cache's native stage", gcc());
const WASM_HIT = "the wasm is unchanged since the last build";
const NATIVE_HIT = "the native image is unchanged since the last build";

let dir = "";
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "tessera-build-cache-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** `tessera build APP -o OUT ...args` with the cache in `cache` ("off": TESSERA_CACHE=off). */
function build(app: string, out: string, cache: string, args: string[] = []) {
  const env = { ...process.env, TESSERA_CACHE_DIR: cache === "off" ? join(dir, "unused") : cache };
  if (cache === "off") env.TESSERA_CACHE = "off";
  else delete env.TESSERA_CACHE;
  const r = spawnSync(process.execPath, [TESSERA, "build", app, "-o", out, ...args], {
    cwd: ROOT,
    env,
    encoding: "utf8",
    timeout: 120_000,
  });
  expect(r.status, r.stderr).toBe(0);
  return r.stderr;
}

/** A copy of examples/hello whose greeting comes from ./greeting, as `assembly/greeting/index.ts`. */
function helloApp(where: string): string {
  const app = join(dir, where);
  cpSync(join(ROOT, "examples/hello"), app, { recursive: true });
  const entry = join(app, "assembly/index.ts");
  writeFileSync(
    entry,
    readFileSync(entry, "utf8")
      .replace("import { Args }", 'import { GREETING } from "./greeting";\nimport { Args }')
      .replace('line.ascii("Hello from Tessera!\\nargs:")', "line.ascii(GREETING)"),
  );
  mkdirSync(join(app, "assembly/greeting"));
  writeFileSync(join(app, "assembly/greeting/index.ts"), 'export const GREETING = "from the directory\\nargs:";\n');
  return app;
}

describe("tessera build's cache", () => {
  test("the second build of the same app is the first one's bytes, from the cache; --no-cache and TESSERA_CACHE=off compile to the same bytes", () => {
    const cache = join(dir, "c1");
    const first = build("examples/hello", join(dir, "one"), cache);
    expect(first).not.toContain(WASM_HIT);
    const second = build("examples/hello", join(dir, "two"), cache);
    expect(second).toContain(WASM_HIT);
    const bytes = readFileSync(join(dir, "one/hello.wasm"));
    expect(readFileSync(join(dir, "two/hello.wasm")).equals(bytes)).toBe(true);
    expect(
      readFileSync(join(dir, "two/hello.wasm.names")).equals(readFileSync(join(dir, "one/hello.wasm.names"))),
    ).toBe(true);
    const fresh = build("examples/hello", join(dir, "three"), cache, ["--no-cache"]);
    expect(fresh).not.toContain(WASM_HIT);
    expect(readFileSync(join(dir, "three/hello.wasm")).equals(bytes)).toBe(true);
    const off = build("examples/hello", join(dir, "four"), "off");
    expect(off).not.toContain(WASM_HIT);
    expect(existsSync(join(dir, "unused"))).toBe(false);
    expect(readFileSync(join(dir, "four/hello.wasm")).equals(bytes)).toBe(true);
  });

  test("an edit to the app's source compiles again; so does a new file where the compiler looked and found none", () => {
    const cache = join(dir, "c2");
    const app = helloApp("app");
    build(app, join(dir, "a1"), cache);
    expect(build(app, join(dir, "a2"), cache)).toContain(WASM_HIT);
    const before = readFileSync(join(dir, "a2/hello.wasm"));

    // The app's own source.
    writeFileSync(join(app, "assembly/greeting/index.ts"), 'export const GREETING = "edited\\nargs:";\n');
    const edited = build(app, join(dir, "a3"), cache);
    expect(edited).not.toContain(WASM_HIT);
    const after = readFileSync(join(dir, "a3/hello.wasm"));
    expect(after.equals(before)).toBe(false);
    expect(after.includes(Buffer.from("edited", "utf16le"))).toBe(true);

    // assembly/greeting.ts comes before assembly/greeting/index.ts for `import "./greeting"`:
    // asc looked for it, found nothing, and now finds it.
    expect(build(app, join(dir, "a4"), cache)).toContain(WASM_HIT);
    writeFileSync(join(app, "assembly/greeting.ts"), 'export const GREETING = "from the file\\nargs:";\n');
    const shadowed = build(app, join(dir, "a5"), cache);
    expect(shadowed).not.toContain(WASM_HIT);
    expect(readFileSync(join(dir, "a5/hello.wasm")).includes(Buffer.from("from the file", "utf16le"))).toBe(true);
  });

  test.skipIf(noGcc !== null)(
    "a native image built again is the first one's bytes, from the cache; after the wasm changes it is compiled again",
    () => {
      const cache = join(dir, "c3");
      const app = helloApp("native");
      expect(build(app, join(dir, "n1"), cache, ["--target", "spt"])).not.toContain(NATIVE_HIT);
      const again = build(app, join(dir, "n2"), cache, ["--target", "spt"]);
      expect(again).toContain(NATIVE_HIT);
      expect(readFileSync(join(dir, "n2/hello.spt")).equals(readFileSync(join(dir, "n1/hello.spt")))).toBe(true);
      // Not executable, as a build that compiled leaves it.
      expect(spawnSync("test", ["-x", join(dir, "n2/hello.spt")]).status).not.toBe(0);

      writeFileSync(join(app, "assembly/greeting/index.ts"), 'export const GREETING = "native edit\\nargs:";\n');
      const edited = build(app, join(dir, "n3"), cache, ["--target", "spt"]);
      expect(edited).not.toContain(NATIVE_HIT);
      expect(readFileSync(join(dir, "n3/hello.spt")).includes(Buffer.from("native edit", "utf16le"))).toBe(true);
    },
  );
});
