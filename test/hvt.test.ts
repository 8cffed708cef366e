// tessera-hvt, the KVM tender, on tiny hand-written guests (test/fixtures/hvt-guests)
// and on a real image: calls over port I/O, the exit status, bad input refused in
// words, guest faults reported in words and never a hang, the same cases under
// its AddressSanitizer/UBSan build, and the note a host without VT-x/SVM gets.
import { spawn, spawnSync, type SpawnSyncReturns } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";

const root = join(import.meta.dirname, "..");
const guestBuild = join(root, "test/fixtures/hvt-guests/build.sh");
const cli = join(root, "packages/cli/bin/tessera.cjs");
const hasKvm = existsSync("/dev/kvm");
if (!hasKvm) console.warn("hvt.test.ts: skipped: /dev/kvm does not exist on this host");
const emulated = (() => {
  const flags =
    readFileSync("/proc/cpuinfo", "utf8")
      .match(/^flags\s*:(.*)$/m)?.[1]
      .split(/\s+/) ?? [];
  return !flags.includes("vmx") && !flags.includes("svm");
})();
const isRoot = process.getuid?.() === 0;

let dir: string;
/** The tender binaries under test, as scripts/build-tenders.mjs builds them: release and sanitizer. */
const tenders = {
  plain: join(root, "targets/hvt/build/tessera-hvt"),
  asan: join(root, "targets/hvt/build/tessera-hvt-asan"),
};

/** Builds test guest CASE (see guest.c) for `target` (2 = hvt, 1 = spt) and returns its path. */
function guest(name: string, extra: string[] = [], target = 2): string {
  const out = join(dir, `${name}${extra.join("").replace(/[^A-Za-z0-9]/g, "")}-${target}`);
  if (existsSync(out)) return out;
  const r = spawnSync(guestBuild, [name, out, String(target), ...extra], { encoding: "utf8" });
  expect(r.stderr.replace(/.*has a LOAD segment with RWX permissions\n/g, "")).toBe("");
  expect(r.status).toBe(0);
  return out;
}

/** Runs a tender; every run is bounded, so a hang fails the test instead of stalling it. */
function run(
  tender: string,
  args: string[],
  env: Record<string, string> = { TESSERA_HVT_QUIET: "1" },
): SpawnSyncReturns<string> {
  return spawnSync(tender, args, {
    encoding: "utf8",
    timeout: 20_000,
    env: { ...process.env, ASAN_OPTIONS: "detect_leaks=0", ...env },
  });
}

/** Asserts the guest was stopped with status 255 and one line on stderr containing `text`. */
function expectStopped(r: SpawnSyncReturns<string>, text: string): void {
  expect(r.signal).toBeNull();
  expect(r.stderr).toContain(text);
  expect(r.stderr.trim().split("\n")).toHaveLength(1);
  expect(r.status).toBe(255);
}

beforeAll(() => {
  if (!hasKvm) return;
  dir = mkdtempSync(join(tmpdir(), "tessera-hvt-"));
  // Build the current sources, so that the test never runs a stale tender.
  const r = spawnSync(process.execPath, [join(root, "scripts/build-tenders.mjs"), "hvt"], { encoding: "utf8" });
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!hasKvm).each(["plain", "asan"] as const)("tessera-hvt (%s build)", (build) => {
  const hvt = () => tenders[build];

  test("console_write reaches stdout through port I/O, and exit 0 is the status", () => {
    const r = run(hvt(), [guest("HELLO")]);
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("hello from hvt\n");
    expect(r.status).toBe(0);
  });

  test("the guest's exit status is the tender's", () => {
    const r = run(hvt(), [guest("HELLO", ["-DEXIT_STATUS=42"])]);
    expect(r.stdout).toBe("hello from hvt\n");
    expect(r.status).toBe(42);
  });

  test("a range outside the linear memory is EINVAL, returned to the guest", () => {
    const r = run(hvt(), [guest("EINVAL")]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(2); // the guest exits with the call's result
  });

  test("an argument struct outside guest memory stops the guest, in words", () => {
    expectStopped(run(hvt(), [guest("BAD_ARGS")]), "argument struct outside");
  });

  test("port I/O that is not a call stops the guest, not a hang", () => {
    expectStopped(run(hvt(), [guest("PORT")]), "port I/O at rip=0x");
  });

  test("HLT stops the guest with a message", () => {
    expectStopped(run(hvt(), [guest("HLT")]), "the guest halted (HLT) at rip=0x");
  });

  test("endless recursion is reported as a stack overflow", () => {
    expectStopped(run(hvt(), [guest("STACK")]), "the guest overflowed its stack");
  });

  test("page 0, the heap's no-execute and the text's read-only pages fault, in words", () => {
    expectStopped(run(hvt(), [guest("NULL")]), "read address 0x8 (a null pointer: page 0 is not mapped)");
    expectStopped(run(hvt(), [guest("NX")]), "(not executable)");
    expectStopped(run(hvt(), [guest("TEXT_WRITE")]), "(read-only) at rip=0x");
  });

  test("SSE works: the vCPU has the host's CPUID and CR4.OSFXSR", () => {
    const r = run(hvt(), [guest("SSE")]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(16);
  });

  test("the boot page: memory, heap and stack as tessera_native.h says, tsc_khz set, rsp aligned", () => {
    expect(run(hvt(), [guest("BOOT")]).status).toBe(0);
    expect(run(hvt(), ["--mem", "5", guest("BOOT")]).status).toBe(0);
    expect(run(hvt(), ["--mem", "4096", guest("BOOT")]).status).toBe(0);
  });

  test("the guest's TSC at the boot page's tsc_khz keeps the tender's monotonic time", () => {
    const r = run(hvt(), [guest("CLOCK")]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
  });

  test("a block device: acquire, write, flush, read back, and EINVAL past its capacity", () => {
    const disk = join(dir, `block-${build}.img`);
    const c = spawnSync(process.execPath, [cli, "disk", "create", disk, "1M"], { encoding: "utf8" });
    expect(c.status).toBe(0);
    const r = run(hvt(), ["--block", `storage=${disk}`, guest("BLOCK")]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(existsSync(`${disk}.lock`)).toBe(false);
  });

  test("the trap call is reported as a trap, status 255", () => {
    expectStopped(run(hvt(), [guest("TRAP")]), "tessera: trap: unreachable");
  });

  test("a writable and executable segment is refused before the guest starts", () => {
    const r = run(hvt(), [guest("WX")]);
    expect(r.stderr).toContain("writable and executable");
    expect(r.status).toBe(1);
  });

  test("an image built for spt is refused, naming the right tender", () => {
    const r = run(hvt(), [guest("HELLO", [], 1)]);
    expect(r.stderr).toContain("built for spt: run it with tessera-spt");
    expect(r.status).toBe(1);
  });
});

describe.skipIf(!hasKvm)("tessera-hvt on this host", () => {
  test.skipIf(!emulated)("without vmx/svm it says so, once, unless TESSERA_HVT_QUIET is set", () => {
    const r = run(tenders.plain, [guest("HELLO")], {});
    const notes = r.stderr.split("\n").filter((l) => l.startsWith("tessera-hvt: note: "));
    expect(notes).toHaveLength(1);
    expect(notes[0]).toContain("no hardware virtualization (no vmx/svm)");
    expect(r.status).toBe(0);
    expect(run(tenders.plain, [guest("HELLO")], { TESSERA_HVT_QUIET: "1" }).stderr).toBe("");
  });

  test.skipIf(!isRoot)("no /dev/kvm: says to use tessera-spt or the .wasm", () => {
    const r = spawnSync(
      "unshare",
      ["-m", "sh", "-c", 'mount -t tmpfs none /dev && exec "$0" "$1"', tenders.plain, guest("HELLO")],
      { encoding: "utf8", timeout: 20_000 },
    );
    expect(r.stderr).toContain("tessera-hvt: /dev/kvm not found: this host has no KVM (use tessera-spt");
    expect(r.status).toBe(1);
  });

  test.skipIf(!isRoot)("/dev/kvm not ours: says to join group kvm or run as root", () => {
    chmodSync(dir, 0o755); // the tender and the image, readable by nobody
    const r = spawnSync(
      "setpriv",
      ["--reuid=65534", "--regid=65534", "--clear-groups", tenders.plain, guest("HELLO")],
      {
        encoding: "utf8",
        timeout: 20_000,
      },
    );
    expect(r.stderr).toContain("/dev/kvm: permission denied: add your user to group kvm");
    expect(r.status).toBe(1);
  });

  test("SIGTERM ends a guest that never stops by the same signal, and removes its disk lock", async () => {
    const disk = join(dir, "sigterm.img");
    expect(spawnSync(process.execPath, [cli, "disk", "create", disk, "1M"]).status).toBe(0);
    const image = guest("BLOCK_SPIN");
    const child = spawn(tenders.plain, ["--block", `storage=${disk}`, image], {
      env: { ...process.env, TESSERA_HVT_QUIET: "1" },
    });
    for (let i = 0; i < 100 && !existsSync(`${disk}.lock`); i++) await new Promise((r) => setTimeout(r, 20));
    expect(existsSync(`${disk}.lock`)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 100));
    child.kill("SIGTERM");
    const [code, signal] = await new Promise<[number | null, string | null]>((resolve) =>
      child.on("exit", (c, s) => resolve([c, s])),
    );
    expect(code).toBeNull();
    expect(signal).toBe("SIGTERM");
    expect(existsSync(`${disk}.lock`)).toBe(false);
  });

  test("the cost of a call (a VM exit through the ring-0 stub) and of guest code", () => {
    const calls = 2000;
    const time = (args: string[]) => {
      const t0 = process.hrtime.bigint();
      const r = run(tenders.plain, args);
      expect(r.status).toBe(0);
      return Number(process.hrtime.bigint() - t0) / 1e6;
    };
    const empty = time([guest("CALLS", ["-DCALLS=0", "-DSPIN=0"])]);
    const withCalls = time([guest("CALLS", [`-DCALLS=${calls}`, "-DSPIN=0"])]);
    const spin = time([guest("CALLS", ["-DCALLS=0", "-DSPIN=100000000"])]);
    const perCall = ((withCalls - empty) * 1000) / calls;
    const perInsn = ((spin - empty) * 1e6) / 2e8;
    console.log(
      `hvt: boot+exit ${empty.toFixed(1)} ms, a call ${perCall.toFixed(1)} us, guest code ${perInsn.toFixed(2)} ns/instruction`,
    );
    // Ring 3 runs natively even under kvm_pvm: far below the ~600 ns an emulated instruction takes.
    expect(perInsn).toBeLessThan(50);
  });
});

describe.skipIf(!hasKvm)("tessera-hvt running a real image", () => {
  let hello = "";
  beforeAll(() => {
    const r = spawnSync(
      process.execPath,
      [cli, "build", "examples/hello", "--target", "hvt", "-o", join(dir, "hello")],
      { cwd: root, encoding: "utf8", timeout: 120_000 },
    );
    expect(r.status).toBe(0);
    hello = join(dir, "hello", "hello.hvt");
  });

  test("examples/hello greets with its arguments and the time, exit 0, in well under a second", () => {
    const t0 = process.hrtime.bigint();
    const r = run(tenders.plain, [hello, "--", "a", "b"]);
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    expect(r.stderr).toBe("");
    expect(r.stdout).toContain("Hello from Tessera!");
    expect(r.stdout).toContain("a b");
    expect(r.stdout).toMatch(/wall clock: 20\d\d-/);
    expect(r.status).toBe(0);
    console.log(`hvt: examples/hello ran in ${ms.toFixed(1)} ms`);
    expect(ms).toBeLessThan(1000);
  });

  test("examples/hello under the sanitizer build", () => {
    const r = run(tenders.asan, [hello]);
    expect(r.stderr).toBe("");
    expect(r.stdout).toContain("Hello from Tessera!");
    expect(r.status).toBe(0);
  });
});
