// --target virtio-x86_64: the boot stub under QEMU (TCG, as CI has no usable
// KVM): hello boots on -M microvm and -M q35 and prints its command line, the
// exit status comes back whole through tessera run, traps and panics are
// reported on the console with the wasm function's name, a sleep waits
// without spinning and console input wakes it, the hostile guest gets EINVAL
// for every bad range and handle with its net and block devices there and
// cannot crash the stub, an idle guest with a net device sleeps, without
// isa-debug-exit the stub resets the VM through the i8042, and tessera
// run's --dry-run, its device flags and checks, and its missing-QEMU error.
// The shared suites (hello, echo, http, kv) run on virtio-x86_64 too.
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { TESSERA, tessera } from "../helpers/cli.js";
import { command, firstMissing, gcc, need } from "../helpers/require.js";
import { buildFor } from "../helpers/targets.js";
import { waitForOutput } from "../helpers/netns.js";
import { cpuSeconds } from "../helpers/proc.js";

const QEMU = "qemu-system-x86_64";

let dir = "";
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "tessera-virtio-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** `tessera run IMAGE --accel tcg ...args` (TCG: the same run on every machine). */
function run(image: string, args: string[]) {
  return tessera(["run", image, "--accel", "tcg", ...args]);
}

describe("virtio-x86_64 images", () => {
  const noGcc = need("building virtio-x86_64 images", gcc());
  let hello = "";
  let crashy = "";
  let sleeper = "";
  let hostile = "";
  let consoleWait = "";
  let echo = "";
  let kv = "";
  let disk = "";
  beforeAll(() => {
    if (noGcc) return;
    hello = buildFor("examples/hello", "virtio-x86_64", dir);
    crashy = buildFor("test/fixtures/crashy", "virtio-x86_64", dir);
    sleeper = buildFor("test/fixtures/sleeper", "virtio-x86_64", dir);
    hostile = buildFor("test/fixtures/hostile", "virtio-x86_64", dir);
    consoleWait = buildFor("test/fixtures/console-wait", "virtio-x86_64", dir);
    echo = buildFor("examples/echo", "virtio-x86_64", dir);
    kv = buildFor("examples/kv", "virtio-x86_64", dir);
    disk = join(dir, "disk.img");
    expect(tessera(["disk", "create", disk, "1M"]).status).toBe(0);
  }, 300_000);

  test.skipIf(noGcc !== null)("tessera inspect reads the image: target, notes, segments", () => {
    const r = tessera(["inspect", hello]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/native image for virtio-x86_64 \(booted by QEMU with -kernel\), Tessera ABI v2/);
    expect(r.stdout).toMatch(/^devices: none$/m);
    // text R+X, rodata R, data R+W, and the function names' read-only segment; none W+X
    expect(r.stdout).toMatch(/0x100000\s+r-x\s+code/);
    expect(r.stdout).not.toMatch(/rwx/);
  });

  test.skipIf(noGcc !== null)("--dry-run prints the QEMU command line", () => {
    const r = tessera(["run", hello, "--dry-run", "--accel", "tcg", "--", "name=x", "it's"]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(
      new RegExp(
        `^\\S*${QEMU} -M microvm,acpi=off -accel tcg -cpu max -m 64M -nodefaults -no-user-config -display none -serial stdio -no-reboot -device isa-debug-exit,iobase=0xf4,iosize=0x04 -chardev file,id=tessera-status,path=\\S+ -device isa-debugcon,iobase=0x4f0,chardev=tessera-status -kernel ${hello} -append 'name=x it'\\\\''s'\\n$`,
      ),
    );
    const q35 = tessera(["run", hello, "--dry-run", "--machine", "q35", "--mem", "128", "--accel", "tcg"]);
    expect(q35.stdout).toMatch(/ -M q35 .* -m 128M /);
    expect(q35.stdout).not.toMatch(/-append/);
    // A CPU without RDRAND: a virtio-rng device after the image's own, where the stub's entropy then comes from.
    const rng = run(echo, ["--dry-run", "--cpu", "qemu64", "--net", "service=user"]);
    expect(rng.stdout).toMatch(
      / -cpu qemu64 .*,bus=virtio-mmio-bus\.0 -device virtio-rng-device,bus=virtio-mmio-bus\.1 -kernel /,
    );
    expect(run(echo, ["--dry-run", "--net", "service=user"]).stdout).not.toMatch(/virtio-rng/);
    const arm = run(hello, ["--dry-run", "--cpu", "cortex-a53"]);
    expect(arm.stderr).toBe("tessera: --cpu cortex-a53: a virtio-x86_64 image runs on max or qemu64\n");
    expect(arm.status).toBe(2);
  });

  test.skipIf(noGcc !== null)("without qemu-system-x86_64 on PATH: one line naming the Debian package", () => {
    const r = spawnSync(process.execPath, [TESSERA, "run", hello], {
      encoding: "utf8",
      env: { ...process.env, PATH: "/nonexistent" },
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(
      `tessera: ${QEMU} is not installed (or not on PATH): virtio-x86_64 images boot under QEMU; install it with: apt-get install qemu-system-x86\n`,
    );
  });

  test.skipIf(noGcc !== null)("--dry-run with devices: each in its virtio-mmio slot, in the manifest's order", () => {
    const r = run(kv, ["--dry-run", "--block", `storage=${disk}`, "--publish", "127.0.0.1:8080:80"]);
    expect(r.status, r.stderr).toBe(0);
    // kv's manifest: storage (block), then service (net); the disk's 4096-byte label is not the guest's
    expect(r.stdout).toContain(
      ` -global virtio-mmio.force-legacy=false -drive file=${disk},if=none,id=tessera-storage,format=raw,size=1048576,cache=writeback -device virtio-blk-device,drive=tessera-storage,logical_block_size=4096,physical_block_size=4096,bus=virtio-mmio-bus.0 -netdev user,id=tessera-service,hostfwd=tcp:127.0.0.1:8080-:80 -device virtio-net-device,netdev=tessera-service,mac=`,
    );
    expect(r.stdout).toMatch(/,mac=[0-9a-f]{2}(:[0-9a-f]{2}){5},bus=virtio-mmio-bus\.1 -kernel /);
    const tap = run(echo, ["--dry-run", "--net", "service=tap:tap7"]);
    expect(tap.stdout).toContain(
      " -netdev tap,id=tessera-service,ifname=tap7,script=no,downscript=no -device virtio-net-device,netdev=tessera-service,",
    );
  });

  test.skipIf(noGcc !== null)("devices are checked against the manifest as every tender checks them", () => {
    const missing = run(kv, ["--publish", "8080:80"]);
    expect(missing.stderr).toBe('tessera: the image needs block device "storage": give it with --block storage=FILE\n');
    expect(missing.status).toBe(1);
    const extra = run(hello, ["--net", "service=tap:tap0"]);
    expect(extra.stderr).toContain('--net service=tap:tap0: the image has no net device "service" (its devices: none)');
    expect(extra.status).toBe(1);
    const q35 = run(echo, ["--machine", "q35", "--net", "service=tap:tap0"]);
    expect(q35.stderr).toMatch(/--machine q35: .* no virtio-mmio transport/);
    expect(q35.status).toBe(2);
    const sw = run(echo, ["--net", "service=switch:lan"]);
    expect(sw.stderr).toMatch(/takes tap:IFNAME networks .* and user; switch networks need the Node\.js tender/);
    const notDisk = run(kv, ["--block", `storage=${join(dir, "none.img")}`, "--net", "service=user"]);
    expect(notDisk.stderr).toMatch(
      /--block storage=\S+none\.img: file not found \(create it with: tessera disk create/,
    );
  });

  describe("under QEMU", () => {
    const why = need(
      "the virtio-x86_64 boot tests",
      firstMissing(gcc, () => command(QEMU)),
    );

    test.skipIf(why !== null).each(["microvm", "q35"])(
      "hello boots on -M %s, prints its greeting and command line, and exits 0",
      (machine) => {
        const r = run(hello, ["--machine", machine, "--", "name=x", "bare"]);
        expect(r.stderr).toBe("");
        expect(r.status).toBe(0);
        expect(r.stdout).toMatch(
          /^Hello from Tessera!\nargs: name=x bare\nwall clock: \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\n$/,
        );
        // The CMOS RTC, read once to the second: within a minute of the host's clock.
        const clock = Date.parse(/wall clock: (\S+)/.exec(r.stdout)![1]);
        expect(Math.abs(clock - Date.now())).toBeLessThan(60_000);
      },
      30_000,
    );

    test.skipIf(why !== null)(
      "the exit status comes back whole, 128..254 too",
      () => {
        for (const status of [0, 7, 200, 254]) {
          const r = run(crashy, ["--", `exit=${status}`]);
          expect(r.status, r.stdout + r.stderr).toBe(status);
        }
      },
      30_000,
    );

    test.skipIf(why !== null)(
      "without isa-debug-exit (as on Firecracker): the status said on the console, then a reset through the i8042 ends the VM",
      () => {
        // tessera run's q35 command line (--dry-run) without the isa-debug-exit and status devices.
        const r = spawnSync(
          QEMU,
          [
            ...["-M", "q35", "-accel", "tcg", "-cpu", "max", "-m", "64M", "-nodefaults", "-no-user-config"],
            ...["-display", "none", "-serial", "stdio", "-no-reboot", "-kernel", crashy, "-append", "exit=7"],
          ],
          { encoding: "utf8", timeout: 30_000 },
        );
        expect(r.stdout).toContain(
          "tessera: exit 7: no isa-debug-exit device at port 0xf4 to stop the machine; resetting it through the i8042\n",
        );
        // QEMU ended by itself (the reset, with -no-reboot), not by the timeout's signal.
        expect(r.signal).toBeNull();
        expect(r.status, r.stderr).toBe(0);
      },
      30_000,
    );

    const ends: [string, RegExp][] = [
      ["trap", /^tessera: trap: unreachable in assembly\/index\/explode$/m],
      ["recurse", /^tessera: trap: call stack exhausted in assembly\/index\/deeper$/m],
      ["oob", /^tessera: trap: memory access out of bounds in assembly\/index\/_start$/m],
      ["divide", /^tessera: trap: divide by zero in assembly\/index\/_start$/m],
      ["assert", /^panic: the assert argument was given at assembly\/index\.ts:\d+:\d+$/m],
    ];
    test.skipIf(why !== null).each(ends)(
      "%s: reported on the console with the wasm function's name, status 255",
      (arg, line) => {
        const r = run(crashy, ["--", arg]);
        expect(r.stdout).toMatch(line);
        expect(r.status).toBe(255);
      },
      30_000,
    );

    test.skipIf(why !== null)(
      "a 2 s sleep takes about 2 s, and QEMU's CPU time stays low: yield halts, it does not spin",
      () => {
        // sh's `times`: the CPU time of its children, QEMU's included (tessera run waits for it).
        const started = Date.now();
        const r = spawnSync(
          "sh",
          ["-c", '"$0" "$1" run "$2" --accel tcg -- ms=2000 && times', process.execPath, TESSERA, sleeper],
          { encoding: "utf8", timeout: 60_000 },
        );
        const wall = (Date.now() - started) / 1000;
        expect(r.status, r.stderr).toBe(0);
        expect(r.stdout).toMatch(/^sleeper: slept 20\d\d ms$/m);
        const children = /^(\d+)m([\d.]+)s (\d+)m([\d.]+)s\s*$/m.exec(r.stdout.trim().split("\n").pop()!)!;
        const cpu = Number(children[1]) * 60 + Number(children[2]) + Number(children[3]) * 60 + Number(children[4]);
        console.log(`virtio-x86_64: a 2 s sleep took ${wall.toFixed(2)} s, ${cpu.toFixed(2)} s of CPU (node and QEMU)`);
        // Behaviour bounds, not timings: the sleep lasts its 2 s and ends (12 s is far from hung, even loaded).
        expect(wall).toBeGreaterThanOrEqual(2);
        expect(wall).toBeLessThan(12);
        // A spinning guest would burn about the whole 2 s (TCG runs it flat out).
        expect(cpu).toBeLessThan(1.2);
      },
      60_000,
    );

    test.skipIf(why !== null)(
      "console input ends yield's sleep: the UART's interrupt, not a poll",
      () => {
        // Two pieces of input a second apart: yield returns once for each, and
        // not in between (its deadline is 20 s away).
        const feed = '(sleep 1; printf "hello\\n"; sleep 1; printf q; sleep 1) | "$0" "$1" run "$2" --accel tcg';
        const r = spawnSync("sh", ["-c", feed, process.execPath, TESSERA, consoleWait], {
          encoding: "utf8",
          timeout: 60_000,
        });
        expect(r.stdout).toBe("hello\nq");
        expect(r.status, r.stderr).toBe(2);
      },
      60_000,
    );

    test.skipIf(why !== null)(
      "the hostile guest, with its net and block devices: every bad range and handle gets EINVAL, the stub carries on",
      () => {
        const r = run(hostile, ["--net", "service=user", "--block", `storage=${disk}`, "--", "n=20000"]);
        const out = `${r.stdout}${r.stderr}`;
        expect(out).toMatch(/hostile: memory \d+ bytes, 20000 calls per ABI function/);
        expect(out).toMatch(/hostile: net handle 0 \(mtu 1500\), block handle 1 \(1048576 bytes in 4096-byte blocks\)/);
        const summary = /hostile: (\d+) bad calls, (\d+) failures/.exec(out);
        expect(summary, out).not.toBeNull();
        expect(Number(summary![1])).toBeGreaterThanOrEqual(13 * 20000);
        expect(summary![2], out).toBe("0");
        expect(r.status, out).toBe(0);
      },
      120_000,
    );

    test.skipIf(why !== null)(
      "on a CPU without RDRAND (--cpu qemu64) the stub's entropy comes from virtio-rng: echo seeds its TCP and gets a DHCP lease",
      async () => {
        const child = spawn(
          process.execPath,
          [TESSERA, "run", echo, "--accel", "tcg", "--cpu", "qemu64", "--net", "service=user"],
          {
            stdio: ["ignore", "pipe", "pipe"],
          },
        );
        let out = "";
        try {
          child.stdout.on("data", (d) => (out += d));
          child.stderr.on("data", (d) => (out += d));
          // (the whole line: it may come in more than one chunk)
          await waitForOutput(child, /dhcp: 10\.0\.2\.15\/24 gw 10\.0\.2\.2|panic/, 20_000);
          // (without the device: "panic: entropy source failed", as no RDRAND answers)
          expect(out).toMatch(/dhcp: 10\.0\.2\.15\/24 gw 10\.0\.2\.2/);
        } finally {
          const pid = spawnSync("pgrep", ["-f", `${QEMU} .*-cpu qemu64 .*-kernel ${echo}`], {
            encoding: "utf8",
          }).stdout.trim();
          for (const p of pid.split("\n").filter(Boolean)) process.kill(Number(p), "SIGKILL");
          child.kill("SIGKILL");
        }
      },
      60_000,
    );

    test.skipIf(why !== null)(
      "an idle guest with a net device sleeps in yield: QEMU takes little CPU",
      async () => {
        const child = spawn(process.execPath, [TESSERA, "run", echo, "--accel", "tcg", "--net", "service=user"], {
          stdio: ["ignore", "pipe", "pipe"],
        });
        let pid = "";
        try {
          let out = "";
          child.stdout.on("data", (d) => (out += d));
          await waitForOutput(child, /dhcp: 10\.0\.2\.15/, 20_000);
          pid = spawnSync("pgrep", ["-f", `${QEMU} .*-kernel ${echo}`], { encoding: "utf8" }).stdout.trim();
          expect(pid, out).toMatch(/^\d+$/);
          await new Promise((r) => setTimeout(r, 500));
          const before = cpuSeconds(Number(pid));
          await new Promise((r) => setTimeout(r, 3000));
          const cpu = cpuSeconds(Number(pid)) - before;
          console.log(`virtio-x86_64: echo idle with a net device for 3 s: QEMU used ${cpu.toFixed(2)} s of CPU`);
          // A guest that polled its rings would keep TCG busy: about 3 s.
          expect(cpu).toBeLessThan(0.6);
        } finally {
          if (pid) process.kill(Number(pid), "SIGKILL");
          child.kill("SIGKILL");
        }
      },
      60_000,
    );
  });
});
