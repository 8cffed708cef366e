/**
 * `tessera run IMAGE`: boots an image on the tender that fits it: a `.wasm`
 * on the Node.js tender in this process, a native image on the tender its
 * target note names (tessera-spt or tessera-hvt).
 *
 * @module
 */
import { closeSync, openSync, readFileSync, readSync } from "node:fs";
import { CMDLINE_MAX } from "@tessera/abi";
import { isArm64Image, isElf } from "@tessera/image";
import { runFile, TenderError } from "@tessera/node";
import { helpText, parseArgs, type CommandSpec } from "../argv.js";
import { CliError } from "../errors.js";
import { readNative, runNative } from "./run-native.js";
import {
  ACCELS,
  CPUS,
  GICS,
  MACHINES,
  runVirtio,
  virtioDevices,
  X86_CPUS,
  type Accel,
  type Machine,
} from "./run-virtio.js";
import { parseDevices, parseMem, parsePublishes } from "./run-options.js";

/** The command's usage. */
export const spec: CommandSpec = {
  name: "run",
  usage:
    "tessera run IMAGE [--mem MiB] [--net NAME=BACKEND]... [--publish [ADDR:]HOSTPORT:GUESTPORT]... [--hosts-file FILE] [--resolv-conf FILE] [--block NAME=FILE]... [--machine microvm|q35|virt] [--gic 2|3] [--cpu CPU] [--accel auto|kvm|tcg] [--dry-run] [-- CMDLINE...]",
  summary: "Boot a unikernel image. Its exit status becomes this command's exit status.",
  positionals: ["IMAGE"],
  required: 1,
  rest: "CMDLINE",
  options: {
    mem: { value: "MiB", help: "memory the guest may use, in MiB (default 64)" },
    net: {
      value: "NAME=BACKEND",
      repeat: true,
      help: "give the image its net device NAME: tap:IFNAME (a Linux TAP device), switch:SWITCH (see tessera switch; not for native images) or user (user-mode networking: no root, a gateway in the tender; the guest gets 10.0.2.15 by DHCP and DNS server 10.0.2.3, and reaches any address through the host's sockets, 10.0.2.2 being the host's 127.0.0.1; not on tessera-hvt)",
    },
    publish: {
      value: "[ADDR:]HOSTPORT:GUESTPORT",
      repeat: true,
      help: "listen on ADDR:HOSTPORT (ADDR default 127.0.0.1; HOSTPORT 0: any free port) and connect each host TCP connection to the guest's GUESTPORT, with user-mode networking (implies --net NAME=user for an image with one net device)",
    },
    "hosts-file": {
      value: "FILE",
      help: "with user-mode networking: the hosts file whose names the DNS server 10.0.2.3 answers (default /etc/hosts)",
    },
    "resolv-conf": {
      value: "FILE",
      help: "with user-mode networking: the resolv.conf whose nameservers 10.0.2.3 forwards other names to (default /etc/resolv.conf)",
    },
    block: {
      value: "NAME=FILE",
      repeat: true,
      help: "give the image its block device NAME, backed by FILE (a disk from tessera disk create)",
    },
    machine: {
      value: "microvm|q35|virt",
      help: "virtio-x86_64 images: the QEMU machine to boot (default microvm); virtio-aarch64 images: virt (the default)",
    },
    gic: { value: "2|3", help: "virtio-aarch64 images: the GIC of QEMU's -M virt (gic-version; default 3)" },
    cpu: {
      value: "CPU",
      help: `QEMU's CPU under TCG: for virtio-aarch64 images ${CPUS.join(", ")}; for virtio-x86_64 images ${X86_CPUS.join(" or ")} (default max, the one with RNDR or RDRAND for entropy; on the others, and under KVM on a CPU without them, tessera run adds a virtio-rng device)`,
    },
    accel: {
      value: "auto|kvm|tcg",
      help: "virtio-x86_64 images: QEMU's accelerator; auto (default) is KVM when /dev/kvm is usable and the CPU has VT-x or AMD-V, else TCG",
    },
    "dry-run": { help: "virtio-x86_64 and virtio-aarch64 images: print the QEMU command line instead of running it" },
  },
  notes: [
    "Words after -- form the image's command line, e.g. `tessera run hello.wasm -- name=x`.",
    "Every device in the image's manifest must be given; see them with `tessera inspect IMAGE`.",
    "With --publish, e.g. `tessera run http.wasm --publish 8080:80`, leave ip= off the command line: the guest gets its address by DHCP.",
    "A trap or panic in the guest exits with status 255.",
    "A native image (.spt, .hvt) runs on tessera-spt or tessera-hvt: tap: networks on both, user and --publish on tessera-spt.",
    "A virtio-x86_64 image boots under qemu-system-x86_64 (apt-get install qemu-system-x86), its console on stdout; its devices are virtio-mmio devices of -M microvm: --net NAME=tap:IFNAME, --net NAME=user and --publish (QEMU's user network), --block NAME=FILE.",
    "A virtio-aarch64 image (a Linux arm64 Image) boots under qemu-system-aarch64 -M virt (apt-get install qemu-system-arm), under TCG on other hosts, with the same devices and options.",
  ],
};

export default async function run(argv: string[]): Promise<number> {
  const args = parseArgs(spec, argv);
  if (args.help) {
    process.stdout.write(helpText(spec));
    return 0;
  }
  const cmdline = args.rest.join(" ");
  if (Buffer.byteLength(cmdline) > CMDLINE_MAX)
    throw new CliError(
      `the command line is ${Buffer.byteLength(cmdline)} bytes; images accept at most ${CMDLINE_MAX}`,
      2,
    );
  const memMiB = parseMem(args.values.get("mem")?.[0]);
  const net = parseDevices("net", args.values.get("net") ?? []);
  const block = parseDevices("block", args.values.get("block") ?? []);
  const publish = parsePublishes(args.values.get("publish") ?? []);
  const hostsFile = args.values.get("hosts-file")?.[0];
  const resolvConf = args.values.get("resolv-conf")?.[0];
  const file = args.positionals[0];
  const machine = args.values.get("machine")?.[0];
  const accel = args.values.get("accel")?.[0];
  const dryRun = args.flags.has("dry-run");
  const gic = args.values.get("gic")?.[0];
  const cpu = args.values.get("cpu")?.[0];
  if (gic !== undefined && !(GICS as readonly string[]).includes(gic))
    throw new CliError(`--gic ${gic}: give ${GICS.join(" or ")}`, 2);
  if (cpu !== undefined && !([...CPUS, ...X86_CPUS] as string[]).includes(cpu))
    throw new CliError(
      `--cpu ${cpu}: give ${CPUS.join(", ")} (virtio-aarch64) or ${X86_CPUS.join(", ")} (virtio-x86_64)`,
      2,
    );
  if (machine !== undefined && !(MACHINES as readonly string[]).includes(machine))
    throw new CliError(`--machine ${machine}: give ${MACHINES.join(" or ")}`, 2);
  if (accel !== undefined && !(ACCELS as readonly string[]).includes(accel))
    throw new CliError(`--accel ${accel}: give ${ACCELS.join(", ")}`, 2);
  const virtioOnly =
    machine !== undefined
      ? "--machine"
      : accel !== undefined
        ? "--accel"
        : cpu !== undefined
          ? "--cpu"
          : dryRun
            ? "--dry-run"
            : "";
  const armOnly = gic !== undefined ? "--gic" : "";
  if (startsAsElf(file)) {
    const image = readNative(file, new Uint8Array(readFileSync(file)));
    if (armOnly && image.target !== "virtio-aarch64" && image.target !== "rpi")
      throw new CliError(`${armOnly}: only for virtio-aarch64 images (this one is for ${image.target})`, 2);
    if (image.target === "rpi") {
      if (machine !== undefined || gic !== undefined || cpu !== undefined)
        throw new CliError(
          `${machine !== undefined ? "--machine" : gic !== undefined ? "--gic" : "--cpu"}: an rpi image boots on QEMU's raspi3b`,
          2,
        );
      // Its one block device is the board's SD card (run-rpi.ts); it has no network.
      const devices = virtioDevices(image, { net, block, publish, machine: "raspi3b" });
      return runVirtio(
        file,
        { memMiB, machine: "virt", accel: "tcg", cmdline: args.rest, arch: "aarch64", board: "raspi3b", devices },
        dryRun,
      );
    }
    if (image.target === "virtio-aarch64") {
      if (hostsFile !== undefined || resolvConf !== undefined)
        throw new CliError(
          `${hostsFile !== undefined ? "--hosts-file" : "--resolv-conf"}: a virtio-aarch64 image's user network is QEMU's, whose resolver 10.0.2.3 reads the host's own /etc/hosts and /etc/resolv.conf`,
          2,
        );
      if (machine !== undefined && machine !== "virt")
        throw new CliError(`--machine ${machine}: a virtio-aarch64 image boots on virt`, 2);
      if (cpu !== undefined && !(CPUS as readonly string[]).includes(cpu))
        throw new CliError(`--cpu ${cpu}: a virtio-aarch64 image runs on ${CPUS.join(", ")}`, 2);
      const devices = virtioDevices(image, { net, block, publish, machine: "virt" });
      return runVirtio(
        file,
        {
          memMiB,
          machine: "virt",
          accel: (accel ?? "auto") as Accel,
          cmdline: args.rest,
          devices,
          arch: "aarch64",
          gic: (gic ?? "3") as "2" | "3",
          cpu,
        },
        dryRun,
      );
    }
    if (image.target === "virtio-x86_64") {
      if (hostsFile !== undefined || resolvConf !== undefined)
        throw new CliError(
          `${hostsFile !== undefined ? "--hosts-file" : "--resolv-conf"}: a virtio-x86_64 image's user network is QEMU's, whose resolver 10.0.2.3 reads the host's own /etc/hosts and /etc/resolv.conf`,
          2,
        );
      if (machine === "virt") throw new CliError("--machine virt: for virtio-aarch64 images; give microvm or q35", 2);
      if (cpu !== undefined && !(X86_CPUS as readonly string[]).includes(cpu))
        throw new CliError(`--cpu ${cpu}: a virtio-x86_64 image runs on ${X86_CPUS.join(" or ")}`, 2);
      const vm = (machine ?? "microvm") as Machine;
      const devices = virtioDevices(image, { net, block, publish, machine: vm });
      return runVirtio(
        file,
        { memMiB, machine: vm, accel: (accel ?? "auto") as Accel, cmdline: args.rest, devices, cpu },
        dryRun,
      );
    }
    if (virtioOnly)
      throw new CliError(
        `${virtioOnly}: only for virtio-x86_64 and virtio-aarch64 images (this one is for ${image.target})`,
        2,
      );
    return runNative(file, image, { memMiB, net, block, publish, hostsFile, resolvConf, cmdline: args.rest });
  }
  if (virtioOnly || armOnly)
    throw new CliError(`${virtioOnly || armOnly}: only for virtio-x86_64 and virtio-aarch64 images`, 2);
  try {
    const { status } = await runFile(args.positionals[0], {
      cmdline,
      memMiB,
      net,
      block,
      publish,
      hostsFile,
      resolvConf,
    });
    return status;
  } catch (e) {
    if (e instanceof TenderError) throw new CliError(e.message);
    throw e;
  }
}

/** True if `file` can be read and starts with the ELF magic or is an arm64 Image (errors are left to the tender's reader). */
function startsAsElf(file: string): boolean {
  let fd: number;
  try {
    fd = openSync(file, "r");
  } catch {
    return false;
  }
  try {
    const head = new Uint8Array(64);
    const n = readSync(fd, head, 0, 64, 0);
    return (n >= 4 && isElf(head)) || (n === 64 && isArm64Image(head));
  } catch {
    return false;
  } finally {
    closeSync(fd);
  }
}
