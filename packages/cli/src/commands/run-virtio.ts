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
 * @module
 */
import { spawn } from "node:child_process";
import { accessSync, constants as fsConstants, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { constants, tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import type { NativeImage } from "@tessera/image";
import { CliError } from "../errors.js";

/** The QEMU binary and the Debian package it comes in. */
export const QEMU = "qemu-system-x86_64";
export const QEMU_PACKAGE = "qemu-system-x86";

/** The machines a virtio-x86_64 image is tested on. */
export const MACHINES = ["microvm", "q35"] as const;
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
}

/** Why KVM cannot be used here, or null if it can: /dev/kvm read-write and real hardware virtualization. */
export function kvmUnusable(): string | null {
  try {
    accessSync("/dev/kvm", fsConstants.R_OK | fsConstants.W_OK);
  } catch {
    return existsSync("/dev/kvm") ? "no read-write access to /dev/kvm" : "no /dev/kvm";
  }
  let cpuinfo = "";
  try {
    cpuinfo = readFileSync("/proc/cpuinfo", "utf8");
  } catch {
    /* not Linux: let QEMU decide */
  }
  // Without VT-x/AMD-V underneath (kvm_pvm and the like) KVM emulates ring 0
  // one instruction at a time, and the stub runs in ring 0: TCG is faster.
  if (cpuinfo && !/^flags\s*:.*\b(vmx|svm)\b/m.test(cpuinfo))
    return "this CPU has no VT-x or AMD-V (the KVM here would emulate the stub's ring-0 code)";
  return null;
}

/** The accelerator `accel` comes to on this machine. */
export function chooseAccel(accel: Accel): "kvm" | "tcg" {
  if (accel === "auto") return kvmUnusable() === null ? "kvm" : "tcg";
  if (accel === "kvm") {
    const why = kvmUnusable();
    if (why && !why.startsWith("this CPU")) throw new CliError(`--accel kvm: ${why} (use --accel tcg)`, 2);
  }
  return accel;
}

/** QEMU's arguments for `file`, its status byte going to `statusFile`. */
export function qemuArgs(file: string, opts: VirtioRun, accel: "kvm" | "tcg", statusFile: string): string[] {
  const machine = opts.machine === "microvm" ? "microvm" : "q35";
  const args = [
    "-M",
    machine,
    "-accel",
    accel,
    "-cpu",
    accel === "kvm" ? "host" : "max",
    "-m",
    `${opts.memMiB ?? 64}M`,
    "-nodefaults",
    "-no-user-config",
    "-display",
    "none",
    "-serial",
    "stdio",
    "-no-reboot",
    "-device",
    "isa-debug-exit,iobase=0xf4,iosize=0x04",
    "-chardev",
    `file,id=tessera-status,path=${statusFile}`,
    "-device",
    `isa-debugcon,iobase=${STATUS_PORT},chardev=tessera-status`,
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

/** The path of qemu-system-x86_64 on PATH, or null. */
export function findQemu(path = process.env.PATH ?? ""): string | null {
  for (const dir of path.split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, QEMU);
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

/** Refuses what a virtio-x86_64 image cannot have yet: devices. */
export function checkVirtioImage(
  file: string,
  image: NativeImage,
  given: { net: number; block: number; publish: number },
) {
  if (given.net || given.block || given.publish)
    throw new CliError(
      `${given.net ? "--net" : given.block ? "--block" : "--publish"}: virtio-x86_64 images have no device drivers yet; run a device-using app with --target spt or hvt, or as a .wasm`,
      2,
    );
  if (image.manifest.devices.length)
    throw new CliError(
      `${file}: the image uses ${image.manifest.devices.map((d) => `${d.kind} device ${d.name}`).join(", ")}, and virtio-x86_64 images have no device drivers yet (build it with --target spt or hvt, or as a .wasm)`,
    );
}

/** Boots `file` under QEMU; resolves to the guest's exit status. With `dryRun`, prints QEMU's command line instead. */
export async function runVirtio(file: string, opts: VirtioRun, dryRun: boolean): Promise<number> {
  const accel = chooseAccel(opts.accel);
  if (dryRun) {
    const args = qemuArgs(file, opts, accel, join(tmpdir(), "tessera-qemu-XXXXXX", "status"));
    process.stdout.write(`${shellQuote([findQemu() ?? QEMU, ...args])}\n`);
    return 0;
  }
  const qemu = findQemu();
  if (qemu === null)
    throw new CliError(
      `${QEMU} is not installed (or not on PATH): virtio-x86_64 images boot under QEMU; install it with: apt-get install ${QEMU_PACKAGE}`,
    );
  const dir = mkdtempSync(join(tmpdir(), "tessera-qemu-"));
  const statusFile = join(dir, "status");
  try {
    const child = spawn(qemu, qemuArgs(file, opts, accel, statusFile), { stdio: "inherit" });
    const forward = (signal: NodeJS.Signals) => () => child.kill(signal);
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
        process.stderr.write(`tessera: ${QEMU} was stopped by ${signal}\n`);
        return 128 + (constants.signals[signal as NodeJS.Signals] ?? 0);
      }
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
  }
}
