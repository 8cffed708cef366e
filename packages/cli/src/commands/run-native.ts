/**
 * `tessera run` of a native image: the image's target note picks the tender
 * (tessera-spt or tessera-hvt), which is started with the same options; its
 * exit status becomes ours.
 *
 * @module
 */
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { constants } from "node:os";
import { delimiter, dirname, join } from "node:path";
import { ImageError, parseNativeImage, type NativeImage } from "@tessera/image";
import { commandPackage, dependencyDir } from "../build/packages.js";
import { CliError } from "../errors.js";

/** What `tessera run` passes on to a native tender (--publish and --net NAME=user to tessera-spt only). */
export interface NativeRun {
  memMiB?: number;
  net: Record<string, string>;
  block: Record<string, string>;
  publish: string[];
  /** The files the user network's resolver reads instead of /etc/hosts and /etc/resolv.conf. */
  hostsFile?: string;
  resolvConf?: string;
  /** The words after `--`. */
  cmdline: string[];
}

/** The path of the tender binary for `target`, from the `bin` of its package (one of the command's dependencies). */
export function tenderPath(target: "spt" | "hvt"): string {
  const name = `tessera-${target}`;
  const dir = dependencyDir(`@tessera/${target}`);
  // An optional dependency of @tessera/cli, for Linux on x86_64 (and @tessera/spt on aarch64 too).
  if (dir === null)
    throw new CliError(
      `${name} is not installed: it comes with @tessera/${target}, for Linux on ${target === "spt" ? "x86_64 and aarch64" : "x86_64"} (npm install @tessera/${target}@${commandPackage().version})`,
    );
  const pkg = join(dir, "package.json");
  let bins: Record<string, string> = {};
  try {
    bins = (JSON.parse(readFileSync(pkg, "utf8")) as { bin?: Record<string, string> }).bin ?? {};
  } catch {
    /* not installed */
  }
  // On aarch64 the package's cross-built tender, if it has one (a package built on an aarch64 host has its own
  // tessera-spt for aarch64 instead).
  const cross = process.arch === "arm64" && bins[`${name}-aarch64`] ? join(dirname(pkg), bins[`${name}-aarch64`]) : "";
  if (cross && existsSync(cross)) return cross;
  const bin = bins[name];
  const path = bin ? join(dirname(pkg), bin) : "";
  if (!bin || !existsSync(path))
    throw new CliError(
      `${name} is not built: it is compiled from C with gcc by npm install (install gcc with: apt-get install gcc, then run: npm run build)`,
    );
  return path;
}

/** The first of `names` found on PATH, or null. */
function onPath(names: string[]): string | null {
  for (const name of names)
    for (const dir of (process.env.PATH ?? "").split(delimiter))
      if (dir && existsSync(join(dir, name))) return join(dir, name);
  return null;
}

/**
 * How to start the tender of an spt-aarch64 image: on an aarch64 host tessera-spt itself; on x86_64 the cross-built
 * tessera-spt-aarch64 under qemu-user (qemu-aarch64-static), which refuses seccomp filters: the tender is told so
 * (TESSERA_SPT_EMULATED=1) and runs the guest without its sandbox, saying so.
 */
export function aarch64Tender(): { command: string; prefix: string[]; env: Record<string, string>; note?: string } {
  if (process.arch === "arm64") return { command: tenderPath("spt"), prefix: [], env: {} };
  if (process.arch !== "x64")
    throw new CliError(
      `spt-aarch64 images run on aarch64 Linux, or under qemu-user on x86_64 (this host is ${process.arch})`,
    );
  const dir = dependencyDir("@tessera/spt");
  const tender = dir ? join(dir, "build", "tessera-spt-aarch64") : "";
  if (!tender || !existsSync(tender))
    throw new CliError(
      "tessera-spt-aarch64 is not built: npm run build compiles it with aarch64-linux-gnu-gcc (apt-get install gcc-aarch64-linux-gnu, then npm run build)",
    );
  const qemu = onPath(["qemu-aarch64-static", "qemu-aarch64"]);
  if (!qemu)
    throw new CliError(
      "an spt-aarch64 image runs on this x86_64 host under qemu-aarch64-static, which was not found (apt-get install qemu-user-static)",
    );
  return {
    command: qemu,
    prefix: [tender],
    env: { TESSERA_SPT_EMULATED: "1" },
    note: `tessera: an aarch64 image on x86_64: tessera-spt-aarch64 runs under ${qemu.split("/").pop()} (qemu-user refuses seccomp, so without its sandbox)\n`,
  };
}

/** Reads the native image `file`; throws a CliError saying what is wrong. */
export function readNative(file: string, bytes: Uint8Array): NativeImage {
  try {
    return parseNativeImage(bytes);
  } catch (e) {
    if (e instanceof ImageError) throw new CliError(`${file}: ${e.message}`);
    throw e;
  }
}

/** The tender's command line for `opts`. */
export function tenderArgs(file: string, opts: NativeRun): string[] {
  const args: string[] = [];
  if (opts.memMiB !== undefined) args.push("--mem", String(opts.memMiB));
  for (const [name, value] of Object.entries(opts.net)) args.push("--net", `${name}=${value}`);
  for (const [name, value] of Object.entries(opts.block)) args.push("--block", `${name}=${value}`);
  for (const spec of opts.publish) args.push("--publish", spec);
  if (opts.hostsFile !== undefined) args.push("--hosts-file", opts.hostsFile);
  if (opts.resolvConf !== undefined) args.push("--resolv-conf", opts.resolvConf);
  args.push(file);
  if (opts.cmdline.length) args.push("--", ...opts.cmdline);
  return args;
}

/** Runs `file` (already read as `image`) on its tender; resolves to the exit status. */
export async function runNative(file: string, image: NativeImage, opts: NativeRun): Promise<number> {
  // tessera-spt has user-mode networking (--publish, --net NAME=user) of its own; tessera-hvt only TAP devices.
  const user = image.target === "spt" || image.target === "spt-aarch64";
  if (opts.publish.length && !user)
    throw new CliError(
      `--publish ${opts.publish[0]}: tessera-hvt has only tap: networks; --publish needs tessera-spt (tessera build APP --target spt) or the Node.js tender (a .wasm)`,
      2,
    );
  const resolverFile =
    opts.hostsFile !== undefined ? "--hosts-file" : opts.resolvConf !== undefined ? "--resolv-conf" : "";
  if (resolverFile && !user)
    throw new CliError(
      `${resolverFile}: tessera-hvt has no user-mode network; it needs tessera-spt (tessera build APP --target spt) or the Node.js tender (a .wasm)`,
      2,
    );
  for (const [name, value] of Object.entries(opts.net))
    if (!value.startsWith("tap:") && !(user && value === "user"))
      throw new CliError(
        `--net ${name}=${value}: a native image takes tap:IFNAME networks${user ? " and user" : ""}; ${user ? "switch networks need" : "user and switch networks need tessera-spt or"} the Node.js tender (build a .wasm: tessera build APP)`,
        2,
      );
  if (image.target === "virtio-x86_64" || image.target === "virtio-aarch64" || image.target === "rpi")
    throw new CliError(`${file}: a ${image.target} image boots under QEMU`);
  const start =
    image.target === "spt-aarch64"
      ? aarch64Tender()
      : { command: tenderPath(image.target), prefix: [], env: {}, note: undefined };
  if (start.note) process.stderr.write(start.note);
  const tender = start.command;
  const child = spawn(tender, [...start.prefix, ...tenderArgs(file, opts)], {
    stdio: "inherit",
    env: { ...process.env, ...start.env },
  });
  const forward = (signal: NodeJS.Signals) => () => child.kill(signal);
  const handlers = (["SIGINT", "SIGTERM", "SIGHUP"] as const).map((s) => [s, forward(s)] as const);
  for (const [s, h] of handlers) process.on(s, h);
  try {
    return await new Promise<number>((resolve, reject) => {
      child.on("error", (e) => reject(new CliError(`cannot start ${tender}: ${e.message}`)));
      child.on("exit", (code, signal) => {
        if (code !== null) return resolve(code);
        const why =
          signal === "SIGSYS"
            ? " (the guest made a system call outside the tender's seccomp allowlist)"
            : signal === "SIGKILL"
              ? " (killed)"
              : "";
        process.stderr.write(
          `tessera: tessera-${image.target === "spt-aarch64" ? "spt" : image.target} was stopped by ${signal}${why}\n`,
        );
        resolve(128 + (constants.signals[signal as NodeJS.Signals] ?? 0));
      });
    });
  } finally {
    for (const [s, h] of handlers) process.off(s, h);
  }
}
