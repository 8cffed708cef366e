/**
 * `tessera run` of a virtio-x86_64 image: QEMU boots it with `-kernel` (the
 * image's PVH note), the console on stdout, and the guest's exit status
 * brought back whole.
 *
 * The status: isa-debug-exit (port 0xf4) ends QEMU with `(v << 1) | 1` for a
 * guest write of v, which an 8-bit process status cannot carry for v >= 128.
 * So the stub first writes the status as one byte to port 0x4f0, an
 * isa-debugcon whose output goes to a file here; that byte is the status.
 * With no byte, QEMU's own status says what happened (see `statusOf`).
 *
 * Devices: each of the image's devices is a virtio-mmio device of QEMU's
 * microvm (q35 has no virtio-mmio transport), modern (version 2), placed in
 * the manifest's order in slots 0, 1, ... (virtio-mmio-bus.N): the stub
 * matches the k-th net (block) device of the manifest with the k-th
 * virtio-net (virtio-blk) device in address order. microvm writes where they
 * are on the kernel command line (`virtio_mmio.device=512@0xfeb00000:5`) when
 * ACPI is off. `--net NAME=tap:IF` is a TAP netdev, `--net NAME=user` and
 * `--publish` QEMU's own user-mode network (slirp: the guest is 10.0.2.15 by
 * DHCP, the gateway 10.0.2.2, DNS 10.0.2.3, as with Tessera's gateway), and
 * `--block NAME=FILE` the disk's blocks (not its label) as a raw drive with a
 * write cache that a virtio FLUSH empties with fdatasync (cache=writeback).
 *
 * A virtio-aarch64 image (a Linux arm64 Image) boots under
 * qemu-system-aarch64 -M virt (GICv2 or v3, `--gic`), its device tree saying
 * where everything is; its status comes back through Arm semihosting
 * (SYS_EXIT_EXTENDED ends QEMU with it, 0 to 255), its devices in virt's
 * virtio-mmio slots the same way.
 *
 * @module
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import {
  accessSync,
  closeSync,
  constants as fsConstants,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { createServer, isIPv4 } from "node:net";
import { constants, tmpdir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import type { Manifest, NativeImage } from "@tessera/image";
import { applyPublish, lockPath, openDisk, parsePublish, takeLock, TenderError, type Publish } from "@tessera/node";
import { CliError } from "../errors.js";
import { QEMU_CONSOLE, qemuValue } from "./qemu-args.js";
import { checkSdCard, raspi3bArgs, raspi3bDtb, refuseNetwork, sdCardOf } from "./run-rpi.js";

/** The QEMU binary and the Debian package it comes in. */
export const QEMU = "qemu-system-x86_64";
export const QEMU_PACKAGE = "qemu-system-x86";

/** The same for virtio-aarch64 images. */
export const QEMU_AARCH64 = "qemu-system-aarch64";
export const QEMU_AARCH64_PACKAGE = "qemu-system-arm";

/** The machines a virtio-x86_64 image is tested on, and virt for virtio-aarch64. */
export const MACHINES = ["microvm", "q35", "virt"] as const;
/** virtio-aarch64: the GIC QEMU -M virt gives (gic-version). */
export const GICS = ["2", "3"] as const;
/** virtio-aarch64: the CPUs it is tested on (max has RNDR, for entropy). */
export const CPUS = ["max", "cortex-a53", "cortex-a72", "cortex-a57"] as const;
/** virtio-x86_64: QEMU's CPUs under TCG (max has RDRAND, for entropy; qemu64, a baseline x86-64, has not). */
export const X86_CPUS = ["max", "qemu64"] as const;
export type Machine = (typeof MACHINES)[number];
/** `auto`: KVM when /dev/kvm is usable and the CPU has VT-x or AMD-V, else TCG. */
export const ACCELS = ["auto", "kvm", "tcg"] as const;
export type Accel = (typeof ACCELS)[number];

/** Where the stub writes its status byte (exit.c's STATUS_PORT). */
const STATUS_PORT = "0x4f0";

/** What `tessera run` passes on for a virtio-x86_64 image. */
export interface VirtioRun {
  memMiB?: number;
  machine: Machine;
  accel: Accel;
  /** The words after `--`. */
  cmdline: string[];
  /** The image's devices in the manifest's order, as `virtioDevices` made them (none: no devices). */
  devices?: VirtioDevice[];
  /** The architecture, and for virtio-aarch64 images the GIC (default x86_64; 3); the CPU under TCG (default max). */
  arch?: "x86_64" | "aarch64";
  gic?: (typeof GICS)[number];
  cpu?: string;
  /** rpi images: QEMU's raspi3b (with a device tree of its own for the command line, written here). */
  board?: "raspi3b";
}

/** One of the image's devices, as QEMU gets it. */
export type VirtioDevice =
  | { kind: "net"; name: string; mac: string; tap: string }
  | { kind: "net"; name: string; mac: string; publish: Publish[] }
  | { kind: "block"; name: string; file: string; capacity: bigint; blockSize: number };

/** The most devices: microvm's virtio-mmio slots, and what the stub's drivers keep room for. */
const MAX_SLOTS = 8;
const MAX_OF_KIND = 4;

/** Why KVM cannot be used here, or null if it can: /dev/kvm read-write and real hardware virtualization. */
export function kvmUnusable(): string | null {
  try {
    accessSync("/dev/kvm", fsConstants.R_OK | fsConstants.W_OK);
  } catch {
    return existsSync("/dev/kvm") ? "no read-write access to /dev/kvm" : "no /dev/kvm";
  }
  const cpuinfo = readCpuinfo(); // ("" where there is none, not Linux: QEMU decides)
  // Without VT-x/AMD-V underneath (kvm_pvm and the like) KVM emulates ring 0
  // one instruction at a time, and the stub runs in ring 0: TCG is faster.
  if (cpuinfo && !/^flags\s*:.*\b(vmx|svm)\b/m.test(cpuinfo))
    return "this CPU has no VT-x or AMD-V (the KVM here would emulate the stub's ring-0 code)";
  return null;
}

/** The accelerator `accel` comes to on this machine (KVM only for the host's own architecture). */
export function chooseAccel(accel: Accel, arch: "x86_64" | "aarch64" = "x86_64"): "kvm" | "tcg" {
  const native = arch === "x86_64" ? process.arch === "x64" : process.arch === "arm64";
  if (!native) {
    if (accel === "kvm") throw new CliError(`--accel kvm: this host is not ${arch}; use --accel tcg`, 2);
    return "tcg";
  }
  if (accel === "auto") return arch === "x86_64" && kvmUnusable() === null ? "kvm" : "tcg";
  if (accel === "kvm") {
    const why = kvmUnusable();
    if (why && !why.startsWith("this CPU")) throw new CliError(`--accel kvm: ${why} (use --accel tcg)`, 2);
  }
  return accel;
}

/** QEMU's arguments for the image's devices, each in its own virtio-mmio slot, in order. */
function deviceArgs(devices: VirtioDevice[]): string[] {
  if (devices.length === 0) return [];
  const args = ["-global", "virtio-mmio.force-legacy=false"];
  devices.forEach((d, slot) => {
    const id = `tessera-${d.name}`;
    const bus = `bus=virtio-mmio-bus.${slot}`;
    if (d.kind === "block") {
      args.push(
        "-drive",
        `file=${qemuValue(d.file)},if=none,id=${id},format=raw,size=${d.capacity},cache=writeback`,
        "-device",
        `virtio-blk-device,drive=${id},logical_block_size=${d.blockSize},physical_block_size=${d.blockSize},${bus}`,
      );
      return;
    }
    const netdev =
      "tap" in d
        ? `tap,id=${id},ifname=${d.tap},script=no,downscript=no`
        : `user,id=${id}${d.publish.map((p) => `,hostfwd=tcp:${p.host}:${p.hostPort}-:${p.guestPort}`).join("")}`;
    args.push("-netdev", netdev, "-device", `virtio-net-device,netdev=${id},mac=${d.mac},${bus}`);
  });
  return args;
}

/**
 * Whether the guest's CPU has the random number instruction the stub takes
 * its entropy from: RDRAND on x86_64, RNDR on aarch64. Under TCG, QEMU's max
 * has it (the other models here do not); under KVM the guest has the host's
 * CPU, whose /proc/cpuinfo says (flags: rdrand; Features: rng).
 */
export function cpuHasRng(opts: VirtioRun, accel: "kvm" | "tcg", cpuinfo = readCpuinfo()): boolean {
  if (accel === "tcg") return (opts.cpu ?? "max") === "max";
  return opts.arch === "aarch64" ? /^Features\s*:.*\brng\b/m.test(cpuinfo) : /^flags\s*:.*\brdrand\b/m.test(cpuinfo);
}

/** /proc/cpuinfo, or "" where there is none. */
function readCpuinfo(): string {
  try {
    return readFileSync("/proc/cpuinfo", "utf8");
  } catch {
    return "";
  }
}

/**
 * A virtio-rng device after the image's own, for a CPU without RDRAND or RNDR
 * (cpuHasRng): the stub's entropy then comes from the host.
 */
function rngArgs(opts: VirtioRun, accel: "kvm" | "tcg"): string[] {
  if (cpuHasRng(opts, accel)) return [];
  const slot = (opts.devices ?? []).length;
  return [
    ...(slot === 0 ? ["-global", "virtio-mmio.force-legacy=false"] : []),
    "-device",
    `virtio-rng-device,bus=virtio-mmio-bus.${slot}`,
  ];
}

/** QEMU's arguments for a virtio-aarch64 image: -M virt, the status through semihosting. */
function qemuArgsAarch64(file: string, opts: VirtioRun, accel: "kvm" | "tcg", dtb: string): string[] {
  if (opts.board === "raspi3b") return raspi3bArgs(file, opts.cmdline, sdCardOf(opts.devices), dtb);
  const args = [
    "-M",
    `virt,gic-version=${opts.gic ?? "3"}`,
    "-accel",
    accel,
    "-cpu",
    accel === "kvm" ? "host" : (opts.cpu ?? "max"),
    "-m",
    `${opts.memMiB ?? 64}M`,
    ...QEMU_CONSOLE,
    // SYS_EXIT_EXTENDED ends QEMU with the guest's status; nothing else of the host is reachable through it.
    "-semihosting-config",
    "enable=on,target=native",
    ...deviceArgs(opts.devices ?? []),
    ...rngArgs(opts, accel),
    "-kernel",
    file,
  ];
  if (opts.cmdline.length) args.push("-append", opts.cmdline.join(" "));
  return args;
}

/** QEMU's arguments for `file`, its status byte going to `statusFile`. */
export function qemuArgs(file: string, opts: VirtioRun, accel: "kvm" | "tcg", statusFile: string): string[] {
  if (opts.arch === "aarch64") return qemuArgsAarch64(file, opts, accel, join(dirname(statusFile), "raspi3b.dtb"));
  // acpi=off: microvm then writes its virtio-mmio devices on the command line (with ACPI it describes them there instead).
  const machine = opts.machine === "microvm" ? "microvm,acpi=off" : "q35";
  const args = [
    "-M",
    machine,
    "-accel",
    accel,
    "-cpu",
    accel === "kvm" ? "host" : (opts.cpu ?? "max"),
    "-m",
    `${opts.memMiB ?? 64}M`,
    ...QEMU_CONSOLE,
    "-device",
    "isa-debug-exit,iobase=0xf4,iosize=0x04",
    "-chardev",
    `file,id=tessera-status,path=${statusFile}`,
    "-device",
    `isa-debugcon,iobase=${STATUS_PORT},chardev=tessera-status`,
    ...deviceArgs(opts.devices ?? []),
    ...(opts.machine === "microvm" ? rngArgs(opts, accel) : []), // (q35 has no virtio-mmio bus)
    "-kernel",
    file,
  ];
  if (opts.cmdline.length) args.push("-append", opts.cmdline.join(" "));
  return args;
}

/** The shell's quoting of `words`, for --dry-run. */
export function shellQuote(words: string[]): string {
  return words.map((w) => (/^[\w@%+=:,./-]+$/.test(w) ? w : `'${w.replace(/'/g, "'\\''")}'`)).join(" ");
}

/** The path of qemu-system-x86_64 (or `binary`) on PATH, or null. */
export function findQemu(path = process.env.PATH ?? "", binary = QEMU): string | null {
  for (const dir of path.split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, binary);
    try {
      accessSync(candidate, fsConstants.X_OK);
      return candidate;
    } catch {
      /* not here */
    }
  }
  return null;
}

/**
 * The guest's status from QEMU's exit code and the status byte (if the guest
 * wrote one); a message for the user when the guest did not end by exit.
 */
export function statusOf(code: number, statusBytes: Uint8Array): { status: number; message?: string } {
  if (statusBytes.length > 0) return { status: statusBytes[statusBytes.length - 1] };
  if (code === 0)
    return {
      status: 255,
      message: "the guest stopped without an exit (a triple fault or a reset: QEMU ran with -no-reboot)",
    };
  if (code % 2 === 1)
    // isa-debug-exit without the status byte (an image of another build): the low 7 bits.
    return { status: (code - 1) / 2 };
  return { status: code, message: `${QEMU} failed with status ${code} (its message is above)` };
}

function describe(manifest: Manifest): string {
  return manifest.devices.length === 0 ? "none" : manifest.devices.map((d) => `${d.name} (${d.kind})`).join(", ");
}

/** A random locally administered unicast MAC, 02:xx:xx:xx:xx:xx, as the tenders give. */
function randomMac(): string {
  const b = randomBytes(6);
  b[0] = (b[0] & 0xfc) | 0x02;
  return [...b].map((x) => x.toString(16).padStart(2, "0")).join(":");
}

/** The disk file's label: its capacity and block size (what the guest sees), or a CliError with the Node tender's words. */
function readDisk(name: string, file: string): { capacity: bigint; blockSize: number } {
  try {
    const { fd, label } = openDisk(`--block ${name}=${file}`, file, "r");
    closeSync(fd);
    return { capacity: label.capacity, blockSize: label.blockSize };
  } catch (e) {
    if (e instanceof TenderError) throw new CliError(e.message);
    throw e;
  }
}

/**
 * The image's devices as QEMU will get them, from --net, --block and
 * --publish, checked against the manifest as every tender checks them (the
 * Node tender's words): each device given, nothing else given, net backends
 * tap:IFNAME or user, block devices Tessera disks.
 */
export function virtioDevices(
  image: NativeImage,
  given: {
    net: Record<string, string>;
    block: Record<string, string>;
    publish: string[];
    machine: Machine | "raspi3b";
  },
): VirtioDevice[] {
  const manifest = image.manifest;
  if (given.machine === "raspi3b") refuseNetwork(manifest);
  let net = given.net;
  let published: string | null = null;
  const publish = given.publish.map((p) => parsePublish(p));
  try {
    ({ net, device: published } = applyPublish(manifest, net, publish));
  } catch (e) {
    if (e instanceof TenderError) throw new CliError(e.message);
    throw e;
  }
  const lists = { net, block: given.block };
  for (const kind of ["net", "block"] as const)
    for (const [name, value] of Object.entries(lists[kind]))
      if (!manifest.devices.some((d) => d.name === name && d.kind === kind))
        throw new CliError(
          `--${kind} ${name}=${value}: the image has no ${kind} device "${name}" (its devices: ${describe(manifest)})`,
        );
  for (const d of manifest.devices)
    if (!Object.hasOwn(lists[d.kind], d.name))
      throw new CliError(
        `the image needs ${d.kind} device "${d.name}": give it with --${d.kind} ${d.name}=${d.kind === "net" ? "tap:IFNAME (or user, or --publish HOSTPORT:GUESTPORT)" : "FILE"}`,
      );
  if (manifest.devices.length === 0) return [];
  if (given.machine === "raspi3b")
    return checkSdCard(manifest, (name) => ({
      name,
      file: given.block[name],
      ...readDisk(name, given.block[name]),
    })).map((sd) => ({ kind: "block", ...sd }));
  if (given.machine !== "microvm" && given.machine !== "virt")
    throw new CliError(
      `--machine ${given.machine}: the image has devices, and QEMU's ${given.machine} has no virtio-mmio transport for them; boot it on microvm (leave --machine out)`,
      2,
    );
  for (const kind of ["net", "block"] as const)
    if (manifest.devices.filter((d) => d.kind === kind).length > MAX_OF_KIND || manifest.devices.length > MAX_SLOTS)
      throw new CliError(
        `the image has ${manifest.devices.length} devices; a ${image.target} image takes at most ${MAX_OF_KIND} net and ${MAX_OF_KIND} block devices`,
      );
  for (const p of publish)
    if (!isIPv4(p.host))
      throw new CliError(
        `--publish ${p.spec}: QEMU's user network publishes on IPv4 addresses only (e.g. 127.0.0.1 or 0.0.0.0)`,
        2,
      );
  return manifest.devices.map((d): VirtioDevice => {
    if (d.kind === "block")
      return { kind: "block", name: d.name, file: given.block[d.name], ...readDisk(d.name, given.block[d.name]) };
    const backend = net[d.name];
    if (backend === "user")
      return { kind: "net", name: d.name, mac: randomMac(), publish: d.name === published ? publish : [] };
    const tap = backend.startsWith("tap:") ? backend.slice(4) : null;
    if (tap === null || !/^[A-Za-z0-9_.-]{1,15}$/.test(tap))
      throw new CliError(
        `--net ${d.name}=${backend}: a ${image.target} image takes tap:IFNAME networks (an interface name of 1-15 letters, digits, _ . -) and user; switch networks need the Node.js tender (build a .wasm: tessera build APP)`,
        2,
      );
    return { kind: "net", name: d.name, mac: randomMac(), tap };
  });
}

/** A free TCP port on `host`, for a --publish with host port 0 (QEMU would not say which it took). */
function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", (e) => reject(new CliError(`--publish ${host}:0: ${e.message}`)));
    server.listen(0, host, () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** One line for a published port, as the tenders print it. */
function publishing(p: Publish): string {
  const web = p.guestPort === 80 || p.guestPort === 8080 || p.guestPort === 8000;
  const host = p.host === "0.0.0.0" ? "127.0.0.1" : p.host;
  return `publishing ${web ? "http://" : ""}${host}:${p.hostPort}${p.host === "0.0.0.0" ? " (on every address)" : ""} -> guest port ${p.guestPort}`;
}

/** Boots `file` under QEMU; resolves to the guest's exit status. With `dryRun`, prints QEMU's command line instead. */
export async function runVirtio(file: string, opts: VirtioRun, dryRun: boolean): Promise<number> {
  const arm = opts.arch === "aarch64";
  const binary = arm ? QEMU_AARCH64 : QEMU;
  const accel = chooseAccel(opts.accel, opts.arch);
  if (dryRun) {
    const args = qemuArgs(file, opts, accel, join(tmpdir(), "tessera-qemu-XXXXXX", "status"));
    process.stdout.write(`${shellQuote([findQemu(undefined, binary) ?? binary, ...args])}\n`);
    return 0;
  }
  const qemu = findQemu(undefined, binary);
  if (qemu === null)
    throw new CliError(
      `${binary} is not installed (or not on PATH): ${arm ? "virtio-aarch64" : "virtio-x86_64"} images boot under QEMU; install it with: apt-get install ${arm ? QEMU_AARCH64_PACKAGE : QEMU_PACKAGE}`,
    );
  const devices = opts.devices ?? [];
  for (const d of devices)
    if (d.kind === "net" && "publish" in d)
      for (const p of d.publish) if (p.hostPort === 0) p.hostPort = await freePort(p.host);
  // Each disk's lock, as a tender takes it: one running guest per disk file.
  const locks: string[] = [];
  const dir = mkdtempSync(join(tmpdir(), "tessera-qemu-"));
  const statusFile = join(dir, "status");
  if (opts.board === "raspi3b") writeFileSync(join(dir, "raspi3b.dtb"), raspi3bDtb(sdCardOf(devices)));
  try {
    for (const d of devices) {
      if (d.kind !== "block") continue;
      const refused = takeLock(d.file);
      if (refused) throw new CliError(`--block ${d.name}=${d.file}: ${refused}`);
      locks.push(lockPath(d.file));
    }
    for (const d of devices)
      if (d.kind === "net" && "publish" in d)
        for (const p of d.publish) process.stderr.write(`tessera: ${publishing(p)}\n`);
    const child = spawn(qemu, qemuArgs(file, opts, accel, statusFile), { stdio: "inherit" });
    let forwarded: NodeJS.Signals | null = null;
    const forward = (signal: NodeJS.Signals) => () => {
      forwarded = signal;
      child.kill(signal);
    };
    const handlers = (["SIGINT", "SIGTERM", "SIGHUP"] as const).map((s) => [s, forward(s)] as const);
    for (const [s, h] of handlers) process.on(s, h);
    try {
      const { code, signal } = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>(
        (resolve, reject) => {
          child.on("error", (e) => reject(new CliError(`cannot start ${qemu}: ${e.message}`)));
          child.on("exit", (code, signal) => resolve({ code, signal }));
        },
      );
      if (code === null) {
        process.stderr.write(`tessera: ${binary} was stopped by ${signal}\n`);
        return 128 + (constants.signals[signal as NodeJS.Signals] ?? 0);
      }
      // QEMU ends with status 0 on SIGTERM, SIGINT and SIGHUP: say so as if it was stopped by it.
      if (forwarded !== null && code === 0) {
        process.stderr.write(`tessera: ${binary} was stopped by ${forwarded}\n`);
        return 128 + (constants.signals[forwarded as NodeJS.Signals] ?? 0);
      }
      // aarch64: semihosting's exit is the guest's status, 0 to 255 (PSCI SYSTEM_OFF without it: 0).
      if (arm) return code;
      let bytes = new Uint8Array(0);
      try {
        bytes = readFileSync(statusFile);
      } catch {
        /* QEMU never opened it: it failed before the guest ran */
      }
      const { status, message } = statusOf(code, bytes);
      if (message) process.stderr.write(`tessera: ${message}\n`);
      return status;
    } finally {
      for (const [s, h] of handlers) process.off(s, h);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
    for (const lock of locks) rmSync(lock, { force: true });
  }
}
