#!/usr/bin/env node
// Boot under a VMM (issue 14, "Benchmarks"): the hello unikernel built with
// --target virtio-x86_64 (--arch aarch64: virtio-aarch64) against Debian's
// Linux kernel with a busybox initramfs whose /init prints one line and ends
// the machine, both booted by QEMU with the same flags, tessera run's
// (x86_64: -M microvm,acpi=off; aarch64: -M virt,gic-version=3; TCG here: KVM
// only where the CPU has VT-x/AMD-V under it, and this machine's KVM has not),
// interleaved in the same run. Measured from QEMU's start:
//   - to the first console byte (stdout), and to QEMU's exit;
//   - for Linux also to its /init's line (boot to userspace).
// And on x86_64 the guest's own part, from QEMU's trace (-msg timestamp=on
// -trace fw_cfg_read -trace serial_write, in separate runs so that tracing
// costs the timed runs nothing): the firmware (qboot) reads fw_cfg to load
// the kernel; its last read is taken as the hand-over to the guest's first
// instruction, and the guest's first byte written to the UART's data register
// (DLAB off) as the end. On -M virt QEMU enters the kernel with no firmware,
// and there is no such event to trace. Writes benchmarks/results/vmm-boot-ARCH.json
// and docs/img/vmm-boot-ARCH.svg. Never gates anything.
//
//   node benchmarks/vmm-boot.mjs [--runs N] [--arch x86_64|aarch64]
//
// x86_64 needs qemu-system-x86_64 (apt-get install qemu-system-x86), gcc,
// busybox-static (a static /bin/busybox) and Debian's x86_64 kernel:
// /boot/vmlinuz-*-amd64 if there is one, else linux-image-amd64's kernel
// package, fetched with `apt-get download` and unpacked into .bench (nothing
// installed). aarch64 needs qemu-system-aarch64 (apt-get install
// qemu-system-arm), aarch64-linux-gnu-gcc (gcc-aarch64-linux-gnu), and
// Debian's arm64 linux-image-arm64 and busybox-static, fetched the same way;
// apt needs the arm64 architecture for that (dpkg --add-architecture arm64 &&
// apt-get update: the script says so, and does not do it).
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { median, quantile } from "./lib/stats.mjs";
import { barChart } from "./lib/svg.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const runsArg = process.argv.indexOf("--runs");
const runs = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 7;
if (!Number.isInteger(runs) || runs < 3) {
  console.error("vmm-boot.mjs: --runs needs a whole number of at least 3");
  process.exit(2);
}
const archArg = process.argv.indexOf("--arch");
const arch = archArg > 0 ? process.argv[archArg + 1] : "x86_64";
if (arch !== "x86_64" && arch !== "aarch64") {
  console.error("vmm-boot.mjs: --arch is x86_64 or aarch64");
  process.exit(2);
}
/** What differs between the two: Debian's names, QEMU, the console, how the machine ends. */
const ARCH = {
  x86_64: {
    debian: "amd64",
    qemu: "qemu-system-x86_64",
    qemuPackage: "qemu-system-x86",
    target: "virtio-x86_64",
    machine: ["-M", "microvm,acpi=off", "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"],
    console: "ttyS0",
    // reboot=t: a triple fault, which -no-reboot turns into QEMU's exit (microvm without ACPI cannot power off)
    end: "reboot -f",
    endArgs: " reboot=t",
    tesseraExit: 1, // isa-debug-exit: status 0 is QEMU's 1
  },
  aarch64: {
    debian: "arm64",
    qemu: "qemu-system-aarch64",
    qemuPackage: "qemu-system-arm",
    target: "virtio-aarch64",
    machine: ["-M", "virt,gic-version=3", "-semihosting-config", "enable=on,target=native"],
    console: "ttyAMA0",
    end: "poweroff -f", // PSCI SYSTEM_OFF
    endArgs: "",
    tesseraExit: 0, // semihosting's exit, status 0
  },
}[arch];
const fail = (msg) => {
  console.error(`vmm-boot.mjs: ${msg}`);
  process.exit(1);
};
const has = (cmd) => spawnSync("sh", ["-c", 'command -v "$0"', cmd]).status === 0;
if (!has(ARCH.qemu)) fail(`needs ${ARCH.qemu} (apt-get install ${ARCH.qemuPackage})`);

const out = join(root, ".bench");
mkdirSync(out, { recursive: true });
const foreign = arch === "x86_64" ? "" : `:${ARCH.debian}`;
const addArch = foreign ? " (Debian's arm64 packages need: dpkg --add-architecture arm64 && apt-get update)" : "";

// ---- Debian's packages, fetched with apt-get download and unpacked under .bench/debs (nothing installed) ----
function unpacked(pkg, name) {
  const dir = join(out, "debs", name);
  if (existsSync(join(dir, ".done"))) return dir;
  if (!has("apt-get") || !has("dpkg-deb")) fail(`needs Debian's ${pkg}: apt-get and dpkg-deb`);
  mkdirSync(dir, { recursive: true });
  console.error(`fetching ${pkg} with apt-get download (unpacked into ${dir}, not installed) ...`);
  const r = spawnSync("apt-get", ["download", pkg], { cwd: dir, encoding: "utf8" });
  if (r.status !== 0) fail(`apt-get download ${pkg} failed${addArch}:\n${r.stderr}`);
  for (const deb of readdirSync(dir).filter((f) => f.endsWith(".deb")))
    execFileSync("dpkg-deb", ["-x", join(dir, deb), dir]);
  writeFileSync(join(dir, ".done"), "");
  return dir;
}

function debianKernel() {
  const mine = new RegExp(`^vmlinuz-.*-${ARCH.debian}$`);
  const installed = existsSync("/boot")
    ? readdirSync("/boot")
        .filter((f) => mine.test(f))
        .sort()
    : [];
  if (installed.length) return join("/boot", installed.at(-1));
  const meta = `linux-image-${ARCH.debian}${foreign}`;
  const deps = spawnSync("apt-cache", ["depends", meta], { encoding: "utf8" });
  const pkg = new RegExp(`Depends: (linux-image-[\\w.+-]+-${ARCH.debian})`).exec(deps.stdout ?? "")?.[1];
  if (!pkg) fail(`apt-cache does not know ${meta} (apt-get update?)${addArch}`);
  const dir = unpacked(`${pkg}${foreign}`, pkg);
  const k = readdirSync(join(dir, "boot")).find((f) => f.startsWith("vmlinuz-"));
  if (!k) fail(`${pkg} has no /boot/vmlinuz-*`);
  return join(dir, "boot", k);
}

// ---- a busybox initramfs: /init prints a line and ends the machine ----
function isStatic(file) {
  const b = readFileSync(file);
  if (b.readUInt32BE(0) !== 0x7f454c46) return false;
  const phoff = Number(b.readBigUInt64LE(32));
  const phentsize = b.readUInt16LE(54);
  for (let i = 0; i < b.readUInt16LE(56); i++) if (b.readUInt32LE(phoff + i * phentsize) === 3) return false; // PT_INTERP
  return true;
}
const INIT_LINE = "init: Hello from busybox";
function initramfs() {
  const busybox = foreign
    ? join(unpacked(`busybox-static${foreign}`, `busybox-static-${ARCH.debian}`), "bin/busybox")
    : "/bin/busybox";
  if (!existsSync(busybox) || !isStatic(busybox))
    fail(`needs a statically linked busybox at ${busybox} (apt-get install busybox-static)`);
  const entries = [
    { name: "dev", mode: 0o40755 },
    { name: "bin", mode: 0o40755 },
    { name: "dev/console", mode: 0o20600, rdev: [5, 1] },
    { name: "bin/busybox", mode: 0o100755, data: readFileSync(busybox) },
    {
      name: "init",
      mode: 0o100755,
      data: Buffer.from(`#!/bin/busybox sh\n/bin/busybox echo '${INIT_LINE}'\n/bin/busybox ${ARCH.end}\n`),
    },
    { name: "TRAILER!!!", mode: 0 },
  ];
  // cpio "newc": a 110-byte header of hex fields, the name, the data, each padded to 4 bytes.
  const hex = (n) => n.toString(16).padStart(8, "0");
  const pad = (n) => Buffer.alloc((4 - (n % 4)) % 4);
  const parts = [];
  entries.forEach((e, i) => {
    const name = Buffer.from(`${e.name}\0`);
    const data = e.data ?? Buffer.alloc(0);
    const [major, minor] = e.rdev ?? [0, 0];
    const fields = [i + 1, e.mode, 0, 0, 1, 0, data.length, 0, 0, major, minor, name.length, 0];
    parts.push(Buffer.from(`070701${fields.map(hex).join("")}`), name, pad(110 + name.length), data, pad(data.length));
  });
  const file = join(out, `busybox-initramfs-${arch}.cpio`);
  writeFileSync(file, Buffer.concat(parts));
  return file;
}

// ---- the unikernel ----
const cli = join(root, "packages/cli/bin/tessera.cjs");
console.error(`building examples/hello --target ${ARCH.target} ...`);
const built = spawnSync(process.execPath, [cli, "build", "examples/hello", "--target", ARCH.target, "-o", out], {
  cwd: root,
  encoding: "utf8",
});
if (built.status !== 0) fail(`tessera build failed:\n${built.stderr}`);
const hello = join(out, `hello.${ARCH.target}`);
const kernel = debianKernel();
const initrd = initramfs();

// The same QEMU flags for both: tessera run's (docs/virtio.md), with room for Linux and its initramfs
// (64 MiB, tessera run's default, is too little for Debian's x86_64 kernel: it dies decompressing).
const MEM = "256M";
const QEMU = [
  ARCH.machine,
  ["-accel", "tcg", "-cpu", "max", "-m", MEM],
  ["-nodefaults", "-no-user-config", "-display", "none", "-serial", "stdio", "-no-reboot"],
].flat();
const guests = {
  tessera: ["-kernel", hello, "-append", "name=bench"],
  linux: ["-kernel", kernel, "-initrd", initrd, "-append", `console=${ARCH.console} quiet${ARCH.endArgs} panic=-1`],
};
const TRACE = ["-msg", "timestamp=on", "-trace", "fw_cfg_read", "-trace", "serial_write"];

/** One boot: times from QEMU's spawn (ms), and with `trace` the guest's part from QEMU's own timestamps. */
function boot(name, trace) {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const since = () => Number(process.hrtime.bigint() - t0) / 1e6;
    const child = spawn(ARCH.qemu, [...QEMU, ...(trace ? TRACE : []), ...guests[name]], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let firstByte = null;
    let initLine = null;
    let text = "";
    let err = "";
    child.stdout.on("data", (d) => {
      firstByte ??= since();
      text += d;
      if (initLine === null && text.includes(INIT_LINE)) initLine = since();
    });
    child.stderr.on("data", (d) => (err += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), 300_000);
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      const exit = since();
      // Linux: the triple fault of reboot=t (x86_64) or PSCI's power-off (aarch64), QEMU's 0.
      const ok =
        name === "tessera" ? code === ARCH.tesseraExit && text.includes("Hello from Tessera!") : code === 0 && initLine;
      if (!ok)
        return reject(
          new Error(`${name}: QEMU ended with ${code ?? signal}:\n${text.slice(-2000)}\n${err.slice(-2000)}`),
        );
      resolve({ firstByte, initLine, exit, guest: trace ? guestPart(err) : null });
    });
  });
}

/** From QEMU's trace: the firmware's first and last fw_cfg reads and the guest's first UART data byte (seconds). */
function guestPart(trace) {
  let first = null;
  let last = null;
  let dlab = false;
  let byte = null;
  for (const line of trace.split("\n")) {
    const m = /^\d+@(\d+\.\d+):(\w+) (.*)$/.exec(line);
    if (!m) continue;
    const t = Number(m[1]);
    if (m[2] === "fw_cfg_read") {
      if (byte === null) {
        first ??= t;
        last = t;
      }
      continue;
    }
    const w = /write addr 0x([0-9a-f]+) val 0x([0-9a-f]+)/.exec(m[3]);
    if (m[2] !== "serial_write" || !w) continue;
    const [addr, val] = [parseInt(w[1], 16), parseInt(w[2], 16)];
    if (addr === 3) dlab = (val & 0x80) !== 0;
    if (addr === 0 && !dlab && last !== null && byte === null) byte = t;
  }
  if (first === null || byte === null) return null;
  return { firmwareMs: (last - first) * 1e3, guestToFirstByteMs: (byte - last) * 1e3 };
}

const samples = { tessera: [], linux: [] };
const traced = { tessera: [], linux: [] };
console.error(`warming up, then ${runs} runs of each, interleaved (Linux takes tens of seconds a boot under TCG) ...`);
await boot("tessera", false);
for (let i = 0; i < runs; i++) {
  for (const name of ["tessera", "linux"]) samples[name].push(await boot(name, false));
  if (arch === "x86_64") for (const name of ["tessera", "linux"]) traced[name].push((await boot(name, true)).guest);
  console.error(
    `  ${i + 1}/${runs}: tessera first byte ${samples.tessera.at(-1).firstByte.toFixed(1)} ms, exit ${samples.tessera.at(-1).exit.toFixed(1)} ms; linux init ${samples.linux.at(-1).initLine.toFixed(0)} ms, exit ${samples.linux.at(-1).exit.toFixed(0)} ms`,
  );
}

const stat = (xs) => ({ median: median(xs), p10: quantile(xs, 0.1), p90: quantile(xs, 0.9) });
const pick = (name, key) => stat(samples[name].map((s) => s[key]));
const guestStat = (name, key) => {
  const xs = traced[name].filter(Boolean).map((g) => g[key]);
  return xs.length ? stat(xs) : null;
};
const qemuVersion = execFileSync(ARCH.qemu, ["--version"], { encoding: "utf8" }).split("\n")[0];
const result = {
  date: new Date().toISOString(),
  arch,
  qemu: qemuVersion,
  accel: "tcg",
  flags: QEMU.join(" "),
  runs,
  tessera: {
    image: `examples/hello --target ${ARCH.target}`,
    bytes: statSync(hello).size,
    firstByteMs: pick("tessera", "firstByte"),
    exitMs: pick("tessera", "exit"),
    firmwareMs: guestStat("tessera", "firmwareMs"),
    guestToFirstByteMs: guestStat("tessera", "guestToFirstByteMs"),
  },
  linux: {
    kernel: kernel.split("/").pop(),
    kernelBytes: statSync(kernel).size,
    initramfsBytes: statSync(initrd).size,
    cmdline: guests.linux.at(-1),
    firstByteMs: pick("linux", "firstByte"),
    initLineMs: pick("linux", "initLine"),
    exitMs: pick("linux", "exit"),
    firmwareMs: guestStat("linux", "firmwareMs"),
    guestToFirstByteMs: guestStat("linux", "guestToFirstByteMs"),
  },
};
result.ratios = {
  firstByte: result.linux.firstByteMs.median / result.tessera.firstByteMs.median,
  tesseraFirstByteToLinuxInit: result.linux.initLineMs.median / result.tessera.firstByteMs.median,
  exit: result.linux.exitMs.median / result.tessera.exitMs.median,
};
result.published = {
  note: "published figures, not measured here: Unikraft's EuroSys'21 artifacts and the specs in ../shared/design/BAREMETAL.md (KVM, not TCG)",
  "Unikraft hello, QEMU": "37.5 ms VMM + 54 us guest",
  "Unikraft hello, QEMU microvm": "8.9 ms VMM + 82 us guest",
  "Unikraft hello, Firecracker": "1.48 ms VMM + 1.25 ms guest",
  "Unikraft hello, Solo5 hvt": "3.06 ms VMM + 63 us guest",
  "Linux on Firecracker (spec)": "<= 125 ms to /sbin/init",
};
mkdirSync(join(root, "benchmarks/results"), { recursive: true });
writeFileSync(join(root, `benchmarks/results/vmm-boot-${arch}.json`), JSON.stringify(result, null, 2) + "\n");

const ms = (x) => (x >= 1000 ? `${(x / 1000).toFixed(2)} s` : `${x.toFixed(1)} ms`);
const bars = [
  { label: `hello.${ARCH.target}: first byte`, value: result.tessera.firstByteMs.median },
  { label: `hello.${ARCH.target}: exit`, value: result.tessera.exitMs.median },
  { label: "Linux + busybox: first byte", value: result.linux.firstByteMs.median },
  { label: "Linux + busybox: /init's line", value: result.linux.initLineMs.median },
  { label: "Linux + busybox: exit", value: result.linux.exitMs.median },
].map((b, i) => ({ ...b, value: +b.value.toFixed(1), text: ms(b.value), color: i < 2 ? "#3b6fb6" : "#9aa5b1" }));
writeFileSync(
  join(root, `docs/img/vmm-boot-${arch}.svg`),
  barChart({
    title: `${ARCH.qemu} -M ${ARCH.machine[1].replace(/,.*/, "")}, TCG: from QEMU's start (median)`,
    subtitle: `${runs} runs each, interleaved; ${result.linux.kernel}, busybox initramfs; ${qemuVersion.replace(/ \(.*/, "")}`,
    unit: "ms",
    bars,
  }),
);

const line = (label, s) => `${label.padEnd(36)} median ${ms(s.median)} (p10 ${ms(s.p10)}, p90 ${ms(s.p90)})`;
console.log(`QEMU flags: ${result.flags}`);
console.log(line("tessera hello: first console byte", result.tessera.firstByteMs));
console.log(line("tessera hello: exit", result.tessera.exitMs));
console.log(line("Linux: first console byte", result.linux.firstByteMs));
console.log(line("Linux: /init's line", result.linux.initLineMs));
console.log(line("Linux: exit", result.linux.exitMs));
for (const name of ["tessera", "linux"]) {
  const g = result[name].guestToFirstByteMs;
  const f = result[name].firmwareMs;
  if (g && f)
    console.log(line(`${name}: firmware (qboot, traced)`, f), "\n" + line(`${name}: guest entry to first byte`, g));
}
console.log(
  `ratios (Linux / tessera): first byte ${result.ratios.firstByte.toFixed(0)}x, Linux's init line / tessera's first byte ${result.ratios.tesseraFirstByteToLinuxInit.toFixed(0)}x, exit ${result.ratios.exit.toFixed(0)}x (goal: at least 20x)`,
);
