// tessera-hvt, the KVM tender, on tiny hand-written guests (test/fixtures/hvt-guests)
// and on a real image: calls over port I/O, the exit status, bad input refused in
// words, guest faults reported in words and never a hang, the same cases under
// its AddressSanitizer/UBSan build, and the note a host without VT-x/SVM gets.
import { spawn, spawnSync, type SpawnSyncReturns } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { firstMissing, gcc, kvm, need, root as asRoot } from "./helpers/require.js";

const root = join(import.meta.dirname, "..");
const guestBuild = join(root, "test/fixtures/hvt-guests/build.sh");
const cli = join(root, "packages/cli/bin/tessera.cjs");
// gcc builds the tender and the guests.
const hasKvm = need("the tessera-hvt tests", firstMissing(gcc, kvm)) === null;
// The tests that fake the host (a tmpfs over /dev, a fake /proc/cpuinfo) or run as another user.
const isRoot = hasKvm && need("the tessera-hvt tests that run as root", asRoot()) === null;

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
  // Each case with its own /proc/cpuinfo (bound over the real one in a mount
  // namespace of its own), so that both run on any host.
  test.skipIf(!isRoot)("without vmx/svm it says so, once, unless TESSERA_HVT_QUIET is set; with them, nothing", () => {
    const withFlags = (flags: string, env: Record<string, string>) => {
      const cpuinfo = join(dir, `cpuinfo-${flags.replace(/\W/g, "")}`);
      writeFileSync(cpuinfo, `processor\t: 0\nvendor_id\t: GenuineIntel\nflags\t\t: ${flags}\n\n`);
      const { TESSERA_HVT_QUIET: _, ...rest } = process.env;
      return spawnSync(
        "unshare",
        ["-m", "sh", "-c", 'mount --bind "$0" /proc/cpuinfo && exec "$@"', cpuinfo, tenders.plain, guest("HELLO")],
        { encoding: "utf8", timeout: 20_000, env: { ...rest, ...env } },
      );
    };
    const r = withFlags("fpu vme de pse tsc msr", {});
    const notes = r.stderr.split("\n").filter((l) => l.startsWith("tessera-hvt: note: "));
    expect(notes, r.stderr).toHaveLength(1);
    expect(notes[0]).toContain("no hardware virtualization (no vmx/svm)");
    expect(r.status).toBe(0);
    expect(withFlags("fpu vme de pse tsc msr", { TESSERA_HVT_QUIET: "1" }).stderr).toBe("");
    for (const flags of ["fpu vmx tsc", "fpu tsc svm"]) {
      const real = withFlags(flags, {});
      expect(real.stderr, flags).toBe("");
      expect(real.status, flags).toBe(0);
    }
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

  // What a call and guest code cost is measured by benchmarks/native-calls.mjs.
  test("2,000 calls through the ring-0 stub, then a million turns of a loop of guest code: exit 0", () => {
    const r = run(tenders.plain, [guest("CALLS", ["-DCALLS=2000", "-DSPIN=1000000"])]);
    expect(r.stderr).toBe("");
    expect(r.signal).toBeNull();
    expect(r.status).toBe(0);
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

  // How long it takes is measured by benchmarks/native-boot.mjs.
  test("examples/hello greets with its arguments and the time, exit 0", () => {
    const r = run(tenders.plain, [hello, "--", "a", "b"]);
    expect(r.stderr).toBe("");
    expect(r.stdout).toContain("Hello from Tessera!");
    expect(r.stdout).toContain("a b");
    expect(r.stdout).toMatch(/wall clock: 20\d\d-/);
    expect(r.status).toBe(0);
  });

  test("examples/hello under the sanitizer build", () => {
    const r = run(tenders.asan, [hello]);
    expect(r.stderr).toBe("");
    expect(r.stdout).toContain("Hello from Tessera!");
    expect(r.status).toBe(0);
  });
});
