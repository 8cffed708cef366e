// --target virtio-aarch64: the boot stub as a Linux arm64 Image under
// qemu-system-aarch64 -M virt (TCG): the image's header and its ELF beside
// it; hello boots on GICv2 and GICv3, cortex-a53 and cortex-a72, and prints
// its command line; the exit status comes back whole through semihosting;
// traps and panics are reported on the console with the wasm function's
// name; a sleep waits on WFI without spinning and console input wakes it; the
// hostile guest gets EINVAL for every bad range and handle with its net and
// block devices (the shared virtio drivers) there; kv through QEMU's user
// network with --publish; tessera run's --dry-run, options and checks, and
// its one-line errors for a missing QEMU or cross compiler; U-Boot's booti
// boots it. And --target rpi, the same stub as a Raspberry Pi's kernel8.img,
// on QEMU -M raspi3b.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { ROOT, TESSERA, tessera } from "../helpers/cli.js";
import { command, firstMissing, need, type Missing } from "../helpers/require.js";
import { buildFor } from "../helpers/targets.js";
import { freePort } from "../helpers/ports.js";
import { waitForOutput } from "../helpers/netns.js";
import { cpuSeconds } from "../helpers/proc.js";

const QEMU = "qemu-system-aarch64";

const crossGcc = () => command("aarch64-linux-gnu-gcc");
const qemu = () => command(QEMU);
/** Debian's U-Boot for QEMU's -M virt (aarch64). */
const UBOOT = "/usr/lib/u-boot/qemu_arm64/u-boot.bin";
const uboot = (): Missing => (existsSync(UBOOT) ? null : `no ${UBOOT} (apt-get install u-boot-qemu)`);

let dir = "";
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "tessera-virtio-aarch64-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** `tessera run IMAGE ...args`. */
function run(image: string, args: string[]) {
  return tessera(["run", image, ...args]);
}

describe("virtio-aarch64 images", () => {
  const noGcc = need("building virtio-aarch64 images", crossGcc());
  let hello = "";
  let crashy = "";
  let sleeper = "";
  let hostile = "";
  let consoleWait = "";
  let kv = "";
  let disk = "";
  beforeAll(() => {
    if (noGcc) return;
    hello = buildFor("examples/hello", "virtio-aarch64", dir);
    crashy = buildFor("test/fixtures/crashy", "virtio-aarch64", dir);
    sleeper = buildFor("test/fixtures/sleeper", "virtio-aarch64", dir);
    hostile = buildFor("test/fixtures/hostile", "virtio-aarch64", dir);
    consoleWait = buildFor("test/fixtures/console-wait", "virtio-aarch64", dir);
    kv = buildFor("examples/kv", "virtio-aarch64", dir);
    disk = join(dir, "disk.img");
    expect(tessera(["disk", "create", disk, "1M"]).status).toBe(0);
  }, 600_000);

  test.skipIf(noGcc !== null)("the image is a Linux arm64 Image, with its aarch64 ELF beside it", () => {
    const image = readFileSync(hello);
    const v = new DataView(image.buffer, image.byteOffset, image.byteLength);
    expect(image.subarray(0x38, 0x3c).toString("latin1")).toBe("ARM\x64");
    expect(v.getUint32(0, true) >>> 26).toBe(0b000101); // code0: a branch
    expect(v.getBigUint64(0x08, true)).toBe(0x80000n); // text_offset
    expect(Number(v.getBigUint64(0x10, true))).toBeGreaterThan(image.length); // image_size: the bss too
    expect(v.getBigUint64(0x18, true)).toBe(0xan); // little-endian, 4 KiB pages, anywhere in physical memory (it relocates itself)
    const elf = readFileSync(`${hello}.elf`);
    expect(elf.subarray(0, 4).toString("latin1")).toBe("\x7fELF");
    expect(elf.readUInt16LE(18)).toBe(183); // EM_AARCH64
    expect(image.length).toBeLessThan(64 * 1024);
  });

  test.skipIf(noGcc !== null)("tessera inspect reads the image: target, notes, segments from the ELF beside it", () => {
    const r = tessera(["inspect", hello]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/native image for virtio-aarch64 \(a Linux arm64 Image, booted by QEMU -M virt/);
    expect(r.stdout).toMatch(/^devices: none$/m);
    expect(r.stdout).toMatch(/0x40080000\s+r-x\s+code/);
    expect(r.stdout).not.toMatch(/rwx/);
    expect(r.stdout).toMatch(/assembly\/index\/_start/);
    const withKv = tessera(["inspect", kv]);
    expect(withKv.stdout).toMatch(/^devices: storage \(block\), service \(net\)$/m);
  });

  test.skipIf(noGcc !== null)("--dry-run prints the QEMU command line; --gic and --cpu choose the machine", () => {
    const r = run(hello, ["--dry-run", "--", "name=x", "it's"]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(
      new RegExp(
        `^\\S*${QEMU} -M virt,gic-version=3 -accel tcg -cpu max -m 64M -nodefaults -no-user-config -display none -serial stdio -no-reboot -semihosting-config enable=on,target=native -kernel ${hello} -append 'name=x it'\\\\''s'\\n$`,
      ),
    );
    const v2 = run(hello, ["--dry-run", "--gic", "2", "--cpu", "cortex-a53", "--mem", "128"]);
    expect(v2.stdout).toMatch(/ -M virt,gic-version=2 -accel tcg -cpu cortex-a53 -m 128M /);
    expect(v2.stdout).not.toMatch(/-append/);
    // no RNDR on cortex-a53: a virtio-rng device for entropy
    expect(v2.stdout).toMatch(
      / -global virtio-mmio\.force-legacy=false -device virtio-rng-device,bus=virtio-mmio-bus\.0 -kernel /,
    );
    expect(r.stdout).not.toMatch(/virtio-rng/);
    const dev = run(kv, ["--dry-run", "--block", `storage=${disk}`, "--publish", "127.0.0.1:8080:80"]);
    expect(dev.stdout).toContain(
      ` -global virtio-mmio.force-legacy=false -drive file=${disk},if=none,id=tessera-storage,format=raw,size=1048576,cache=writeback -device virtio-blk-device,drive=tessera-storage,logical_block_size=4096,physical_block_size=4096,bus=virtio-mmio-bus.0 -netdev user,id=tessera-service,hostfwd=tcp:127.0.0.1:8080-:80 -device virtio-net-device,netdev=tessera-service,mac=`,
    );
    const tap = run(kv, ["--dry-run", "--block", `storage=${disk}`, "--net", "service=tap:tap7"]);
    expect(tap.stdout).toContain(" -netdev tap,id=tessera-service,ifname=tap7,script=no,downscript=no -device");
  });

  test.skipIf(noGcc !== null)("options and devices are checked", () => {
    expect(run(hello, ["--gic", "4"]).stderr).toBe("tessera: --gic 4: give 2 or 3\n");
    expect(run(hello, ["--machine", "q35"]).stderr).toBe(
      "tessera: --machine q35: a virtio-aarch64 image boots on virt\n",
    );
    expect(run(hello, ["--accel", "kvm"]).status).toBe(process.arch === "arm64" ? 0 : 2);
    const missing = run(kv, ["--publish", "8080:80"]);
    expect(missing.stderr).toBe('tessera: the image needs block device "storage": give it with --block storage=FILE\n');
    const extra = run(hello, ["--net", "service=tap:tap0"]);
    expect(extra.stderr).toContain('--net service=tap:tap0: the image has no net device "service" (its devices: none)');
    const sw = run(kv, ["--block", `storage=${disk}`, "--net", "service=switch:lan"]);
    expect(sw.stderr).toMatch(/a virtio-aarch64 image takes tap:IFNAME networks .* and user/);
  });

  test.skipIf(noGcc !== null)(
    "without qemu-system-aarch64 or the cross compiler: one line naming the Debian package",
    () => {
      const env = { ...process.env, PATH: "/nonexistent" };
      const r = spawnSync(process.execPath, [TESSERA, "run", hello], { encoding: "utf8", env });
      expect(r.status).toBe(1);
      expect(r.stderr).toBe(
        `tessera: ${QEMU} is not installed (or not on PATH): virtio-aarch64 images boot under QEMU; install it with: apt-get install qemu-system-arm\n`,
      );
      const b = spawnSync(
        process.execPath,
        [TESSERA, "build", "examples/hello", "--target", "virtio-aarch64", "-o", join(dir, "nogcc")],
        { encoding: "utf8", env, cwd: ROOT },
      );
      expect(b.status).toBe(1);
      expect(b.stderr).toMatch(
        /tessera: --target virtio-aarch64: aarch64-linux-gnu-gcc is needed to compile a native image and was not found \(install it with: apt-get install gcc-aarch64-linux-gnu\)\n$/,
      );
    },
  );

  describe("under QEMU -M virt (TCG)", () => {
    const why = need("the virtio-aarch64 boot tests", firstMissing(crossGcc, qemu));

    const machines: [string, string][] = [
      ["2", "cortex-a53"],
      ["2", "cortex-a72"],
      ["3", "cortex-a53"],
      ["3", "cortex-a72"],
    ];
    test.skipIf(why !== null).each(machines)(
      "hello boots with GICv%s on %s, prints its greeting and command line, and exits 0",
      (gic, cpu) => {
        const r = run(hello, ["--gic", gic, "--cpu", cpu, "--", "name=x", `gic=${gic}`, cpu]);
        expect(r.stderr).toBe("");
        expect(r.status).toBe(0);
        expect(r.stdout).toMatch(
          new RegExp(
            `^Hello from Tessera!\\nargs: name=x gic=${gic} ${cpu}\\nwall clock: \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z\\n$`,
          ),
        );
        // The PL031 RTC, read once to the second: within a minute of the host's clock.
        const clock = Date.parse(/wall clock: (\S+)/.exec(r.stdout)![1]);
        expect(Math.abs(clock - Date.now())).toBeLessThan(60_000);
      },
      30_000,
    );

    test.skipIf(why !== null).each(["virtualization=on,gic-version=3", "secure=on,gic-version=2"])(
      "QEMU by hand with -M virt,%s (entered at EL2, or with the secure UART disabled in the tree): hello boots",
      (flags) => {
        const r = spawnSync(
          QEMU,
          [
            ...["-M", `virt,${flags}`, "-cpu", "cortex-a72", "-m", "64M", "-nodefaults", "-no-user-config"],
            ...["-display", "none", "-serial", "stdio", "-no-reboot", "-semihosting-config", "enable=on,target=native"],
            ...["-kernel", hello, "-append", `name=${flags}`],
          ],
          { encoding: "utf8", timeout: 30_000 },
        );
        expect(r.stdout).toMatch(new RegExp(`^Hello from Tessera!\\nargs: name=${flags}\\n`));
        expect(r.status).toBe(0);
      },
      30_000,
    );

    const noUboot = need("booting through U-Boot", firstMissing(crossGcc, qemu, uboot));
    /** U-Boot as the firmware; `image` put in RAM at `addr` as a board's loader would (tftp, mmc, ...), then booti. */
    async function booti(image: string, addr: string, bootargs: string, mem: string) {
      const child = spawn(
        QEMU,
        [
          ...["-M", "virt,gic-version=3", "-cpu", "cortex-a72", "-m", mem, "-nodefaults", "-no-user-config"],
          ...["-display", "none", "-serial", "stdio", "-no-reboot", "-semihosting-config", "enable=on,target=native"],
          ...["-bios", UBOOT, "-device", `loader,file=${image},addr=${addr},force-raw=on`],
        ],
        { stdio: ["pipe", "pipe", "pipe"] },
      );
      let out = "";
      let step = 0;
      child.stderr.on("data", (d) => (out += d));
      child.stdout.on("data", (d) => {
        out += d;
        // Stop the autoboot (its distro boot would look for disks), then boot the image at the prompt.
        if (step === 0 && out.includes("Hit any key to stop autoboot")) {
          step = 1;
          child.stdin.write(" ");
        }
        if (step === 1 && /=> $/.test(out)) {
          step = 2;
          child.stdin.write(`setenv bootargs ${bootargs}\nbooti ${addr} - \${fdtcontroladdr}\n`);
        }
      });
      const status = await new Promise<number | null>((done) => {
        const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
        child.on("exit", (code) => (clearTimeout(timer), done(code)));
      });
      return { out, status };
    }

    test.skipIf(noUboot !== null)(
      "U-Boot's booti: the header lets the image run anywhere (flags bit 3), so U-Boot only aligns it, away from its link address, and hello prints the bootargs",
      async () => {
        // 0x44000000 is no 2 MiB base + text_offset: U-Boot moves it up to one, 0x44080000, not down to the RAM base.
        const { out, status } = await booti(hello, "0x44000000", "name=uboot booti", "256M");
        expect(out).toContain("Moving Image from 0x44000000 to 0x44080000");
        expect(out).toMatch(/Hello from Tessera!\r?\nargs: name=uboot booti\r?\n/);
        expect(status, out).toBe(0);
      },
      90_000,
    );

    test.skipIf(noUboot !== null)(
      "at Firecracker's address, 0x80200000 + text_offset: booti leaves it there, hello runs and exits with its status; a trap still names the wasm function",
      async () => {
        const at = "0x80280000";
        const { out, status } = await booti(hello, at, "name=firecracker at=0x80280000", "3G");
        expect(out).toMatch(/Starting kernel/);
        expect(out).not.toContain("Moving Image");
        expect(out).toMatch(/Hello from Tessera!\r?\nargs: name=firecracker at=0x80280000\r?\n/);
        expect(status, out).toBe(0);
        const exit = await booti(crashy, at, "exit=42", "3G");
        expect(exit.status, exit.out).toBe(42);
        // The function table holds link-time addresses: the stub takes its load delta off the pc first.
        const trap = await booti(crashy, at, "trap", "3G");
        expect(trap.out).toMatch(/^tessera: trap: unreachable in assembly\/index\/explode\r?$/m);
        expect(trap.status, trap.out).toBe(255);
      },
      240_000,
    );

    test.skipIf(why !== null)(
      "the image is a static PIE: boot.S applies its R_AARCH64_RELATIVE relocations and stops, said on the console, on any other type",
      () => {
        // The ELF's one SHT_RELA section (.rela.dyn), kept inside the flat Image at its offset from the link address.
        const elf = readFileSync(`${hello}.elf`);
        const shoff = Number(elf.readBigUInt64LE(0x28));
        const sections = Array.from({ length: elf.readUInt16LE(0x3c) }, (_, i) => shoff + i * elf.readUInt16LE(0x3a));
        const rela = sections.filter((sh) => elf.readUInt32LE(sh + 4) === 4);
        expect(rela).toHaveLength(1);
        const at = Number(elf.readBigUInt64LE(rela[0] + 0x10) - 0x40080000n);
        const count = Number(elf.readBigUInt64LE(rela[0] + 0x20)) / 24;
        expect(count).toBeGreaterThan(0);
        const image = Buffer.from(readFileSync(hello));
        for (let i = 0; i < count; i++) expect(image.readBigUInt64LE(at + i * 24 + 8)).toBe(1027n); // R_AARCH64_RELATIVE
        // One entry made an R_AARCH64_GLOB_DAT (0x401): the stub must refuse to run.
        image.writeBigUInt64LE(1025n, at + 8);
        const bad = join(dir, "bad-reloc.virtio-aarch64");
        writeFileSync(bad, image);
        const r = spawnSync(
          QEMU,
          [
            ...["-M", "virt", "-cpu", "cortex-a72", "-m", "64M", "-nodefaults", "-no-user-config", "-display", "none"],
            ...["-serial", "stdio", "-no-reboot", "-semihosting-config", "enable=on,target=native", "-kernel", bad],
          ],
          { encoding: "utf8", timeout: 30_000 },
        );
        expect(r.stdout).toContain(
          "tessera: .rela.dyn: 1 relocation(s) not R_AARCH64_RELATIVE (0x403), the first of type 0x401\n",
        );
        expect(r.stdout).not.toContain("Hello from Tessera!");
        expect(r.status).toBe(255);
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
        const r = run(crashy, ["--gic", "2", "--", arg]);
        expect(r.stdout).toMatch(line);
        expect(r.status).toBe(255);
      },
      30_000,
    );

    test.skipIf(why !== null)(
      "a 2 s sleep takes about 2 s, and QEMU's CPU time stays low: yield waits on WFI, it does not spin",
      () => {
        const started = Date.now();
        const r = spawnSync(
          "sh",
          ["-c", '"$0" "$1" run "$2" -- ms=2000 && times', process.execPath, TESSERA, sleeper],
          {
            encoding: "utf8",
            timeout: 60_000,
          },
        );
        const wall = (Date.now() - started) / 1000;
        expect(r.status, r.stderr).toBe(0);
        expect(r.stdout).toMatch(/^sleeper: slept 20\d\d ms$/m);
        const children = /^(\d+)m([\d.]+)s (\d+)m([\d.]+)s\s*$/m.exec(r.stdout.trim().split("\n").pop()!)!;
        const cpu = Number(children[1]) * 60 + Number(children[2]) + Number(children[3]) * 60 + Number(children[4]);
        console.log(
          `virtio-aarch64: a 2 s sleep took ${wall.toFixed(2)} s, ${cpu.toFixed(2)} s of CPU (node and QEMU)`,
        );
        // Behaviour bounds, not timings: the sleep lasts its 2 s and ends.
        expect(wall).toBeGreaterThanOrEqual(2);
        expect(wall).toBeLessThan(12);
        // A spinning guest would burn about the whole 2 s (TCG runs it flat out).
        expect(cpu).toBeLessThan(1.2);
      },
      60_000,
    );

    test.skipIf(why !== null)(
      "console input ends yield's sleep: the PL011's interrupt wakes WFI",
      () => {
        const feed = '(sleep 1; printf "hello\\n"; sleep 1; printf q; sleep 1) | "$0" "$1" run "$2"';
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
      180_000,
    );

    test.skipIf(why !== null)(
      "an idle guest with net and block devices sleeps in yield: QEMU takes little CPU",
      async () => {
        const store = join(dir, "idle.img");
        expect(tessera(["disk", "create", store, "1M"]).status).toBe(0);
        const child = spawn(
          process.execPath,
          [TESSERA, "run", kv, "--block", `storage=${store}`, "--net", "service=user"],
          {
            stdio: ["ignore", "pipe", "pipe"],
          },
        );
        let pid = "";
        try {
          let out = "";
          child.stdout.on("data", (d) => (out += d));
          await waitForOutput(child, /dhcp: 10\.0\.2\.15/, 30_000);
          pid = spawnSync("pgrep", ["-f", `${QEMU} .*-kernel ${kv}`], { encoding: "utf8" }).stdout.trim();
          expect(pid, out).toMatch(/^\d+$/);
          await new Promise((r) => setTimeout(r, 500));
          const before = cpuSeconds(Number(pid));
          await new Promise((r) => setTimeout(r, 3000));
          const cpu = cpuSeconds(Number(pid)) - before;
          console.log(`virtio-aarch64: kv idle with its devices for 3 s: QEMU used ${cpu.toFixed(2)} s of CPU`);
          // A guest that polled its rings would keep TCG busy: about 3 s.
          expect(cpu).toBeLessThan(0.6);
        } finally {
          if (pid) process.kill(Number(pid), "SIGKILL");
          child.kill("SIGKILL");
        }
      },
      60_000,
    );

    test.skipIf(why !== null)(
      "kv on virtio-blk and virtio-net: PUT and GET through --publish (QEMU's user network), the value on disk after a restart on a cortex-a53 (entropy from virtio-rng)",
      async () => {
        const store = join(dir, "kv.img");
        expect(tessera(["disk", "create", store, "8M"]).status).toBe(0);
        for (const round of [0, 1]) {
          const port = await freePort();
          const child = spawn(
            process.execPath,
            [
              TESSERA,
              "run",
              kv,
              "--block",
              `storage=${store}`,
              "--publish",
              `127.0.0.1:${port}:80`,
              ...(round === 1 ? ["--cpu", "cortex-a53"] : []),
            ],
            { stdio: ["ignore", "pipe", "pipe"] },
          );
          let out = "";
          child.stdout.on("data", (d) => (out += d));
          try {
            const started = Date.now();
            while (!/dhcp: 10\.0\.2\.15/.test(out) && Date.now() - started < 30_000)
              await new Promise((r) => setTimeout(r, 50));
            expect(out).toMatch(/dhcp: 10\.0\.2\.15/);
            const url = `http://127.0.0.1:${port}/kv/greeting`;
            if (round === 0) {
              const put = await fetch(url, { method: "PUT", body: "hello from aarch64" });
              expect(put.status).toBe(201);
            }
            const get = await fetch(url);
            expect(get.status).toBe(200);
            expect(await get.text()).toBe("hello from aarch64");
          } finally {
            const exited = new Promise((r) => child.once("exit", r));
            child.kill("SIGTERM");
            await exited;
          }
        }
      },
      120_000,
    );
  });
});

describe("rpi images (a Raspberry Pi's kernel8.img)", () => {
  const why = need("the rpi boot tests on QEMU -M raspi3b", firstMissing(crossGcc, qemu));
  let hello = "";
  let crashy = "";
  beforeAll(() => {
    if (why) return;
    hello = buildFor("examples/hello", "rpi", dir);
    crashy = buildFor("test/fixtures/crashy", "rpi", dir);
  }, 300_000);

  test.skipIf(why !== null)("an arm64 Image linked at 0x80000, where a Pi's firmware loads kernel8.img", () => {
    const image = readFileSync(hello);
    expect(image.subarray(0x38, 0x3c).toString("latin1")).toBe("ARM\x64");
    const r = tessera(["inspect", hello]);
    expect(r.stdout).toMatch(/native image for rpi \(a Raspberry Pi's kernel8\.img/);
    expect(r.stdout).toMatch(/0x80000\s+r-x\s+code/);
    const dry = run(hello, ["--dry-run", "--", "name=pi"]);
    expect(dry.stdout).toMatch(/ -M raspi3b -m 1G .* -dtb \S+ -kernel \S+hello\.rpi -append name=pi\n$/);
  });

  test.skipIf(why !== null)(
    "hello boots on -M raspi3b and prints its command line; the exit status and a trap come back",
    () => {
      const r = run(hello, ["--", "name=pi", "board=raspi3b"]);
      expect(r.stderr).toBe("");
      expect(r.stdout).toMatch(/^Hello from Tessera!\nargs: name=pi board=raspi3b\nwall clock: 1970-01-01T/);
      expect(r.status).toBe(0);
      expect(run(crashy, ["--", "exit=9"]).status).toBe(9);
      const trap = run(crashy, ["--", "trap"]);
      expect(trap.stdout).toMatch(/^tessera: trap: unreachable in assembly\/index\/explode$/m);
      expect(trap.status).toBe(255);
    },
    60_000,
  );
});
