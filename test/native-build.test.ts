// `tessera build --target spt|hvt`: the native images themselves, without a
// tender: their size budgets, the manifest and target in the note, three
// segments none of which is writable and executable, a file the host kernel
// refuses to run, function names for trap reports, and clear errors.
import { spawnSync } from "node:child_process";
import { chmodSync, copyFileSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ABI_VERSION } from "@tessera/abi";
import { parseNativeImage } from "@tessera/image";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { tessera } from "./helpers/cli.js";
import { gcc, need } from "./helpers/require.js";
import { buildFor } from "./helpers/targets.js";

const noGcc = need("the native build tests", gcc());

let dir = "";
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "tessera-native-build-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const KiB = 1024;

describe.skipIf(noGcc !== null).each(["spt", "hvt"] as const)("native images for %s", (target) => {
  test("hello is at most 64 KiB and http at most 512 KiB", () => {
    const hello = buildFor("examples/hello", target, join(dir, target));
    const http = buildFor("examples/http", target, join(dir, target));
    const sizes = { hello: statSync(hello).size, http: statSync(http).size };
    console.log(`${target}: hello ${sizes.hello} bytes, http ${sizes.http} bytes`);
    expect(sizes.hello).toBeLessThanOrEqual(64 * KiB);
    expect(sizes.http).toBeLessThanOrEqual(512 * KiB);
  }, 180_000);

  test("the note carries the target, the ABI version and the manifest", () => {
    const image = parseNativeImage(readFileSync(join(dir, target, `http.${target}`)));
    expect(image.target).toBe(target);
    expect(image.abiVersion).toBe(ABI_VERSION);
    // examples/http's package.json says it serves port 80: tessera build records that too.
    expect(image.manifest).toEqual({ version: 1, devices: [{ name: "service", kind: "net" }], ports: [80] });
    expect(image.entry).toBeGreaterThanOrEqual(0x100000n);
  });

  test("code, read-only data and data are separate segments, none writable and executable", () => {
    const image = parseNativeImage(readFileSync(join(dir, target, `http.${target}`)));
    expect(image.segments.map((s) => s.flags).sort()).toEqual(["r--", "r-x", "rw-"]);
    for (const s of image.segments) expect(s.vaddr % 4096n).toBe(0n);
  });

  test("the symbol table names the wasm functions, for trap reports", () => {
    const image = parseNativeImage(readFileSync(join(dir, target, `http.${target}`)));
    const names = image.functions.map((f) => f.name);
    expect(names).toContain("assembly/index/_start");
    expect(names.some((n) => n.startsWith("~lib/@tessera/net/assembly/tcp/"))).toBe(true);
  });

  test("the file is not executable, and the host kernel refuses it even when made so", () => {
    const file = join(dir, target, `hello.${target}`);
    expect(statSync(file).mode & 0o111).toBe(0);
    const copy = join(dir, target, "exec-me");
    copyFileSync(file, copy);
    chmodSync(copy, 0o755);
    const r = spawnSync(copy, []);
    expect(r.error && (r.error as NodeJS.ErrnoException).code).toBe("ENOENT");
  });

  test("tessera inspect shows its target, devices, segments and biggest functions", () => {
    const r = tessera(["inspect", join(dir, target, `http.${target}`)]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain(`native image for tessera-${target}, Tessera ABI v${ABI_VERSION}`);
    expect(r.stdout).toContain("devices: service (net)");
    expect(r.stdout).toMatch(/r-x {2}code/);
    expect(r.stdout).toContain("@tessera/net");
    const json = JSON.parse(tessera(["inspect", join(dir, target, `http.${target}`), "--json"]).stdout);
    expect(json.target).toBe(target);
  });
});

// Runs with or without gcc: PATH names no directory, so gcc is never found.
test("without gcc, --target spt says how to install it", () => {
  const r = spawnSync(
    process.execPath,
    [join("packages/cli/bin/tessera.cjs"), "build", "examples/hello", "--target", "spt", "-o", dir],
    {
      encoding: "utf8",
      env: { ...process.env, PATH: "/nonexistent" },
    },
  );
  expect(r.status).toBe(1);
  expect(r.stderr).toContain(
    "gcc is needed to compile a native image and was not found (install it with: apt-get install gcc)",
  );
});

test("an unknown target is refused with the list", () => {
  const r = tessera(["build", "examples/hello", "--target", "riscv", "-o", dir]);
  expect(r.status).toBe(2);
  expect(r.stderr).toMatch(/--target riscv: unknown target \(targets: node, spt, hvt, virtio-x86_64, spt-aarch64[,)]/);
});

test("tessera run of an ELF file that is not a Tessera image says so", () => {
  const r = tessera(["run", "/bin/true"]);
  expect(r.status).toBe(1);
  expect(r.stderr).toContain("/bin/true: not a Tessera native image: it has no .note.tessera section");
});
