// The targets an image can run on, and what each needs on this machine: the
// shared integration suites run once per target, and one whose target is not
// here is skipped saying why (under CI: fails saying why; see ./require.ts).
// virtio-x86_64 and virtio-aarch64 (the image boots under QEMU, TCG here) are
// in the suites that ask for them: hello, echo, http and kv.
import { spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "vitest";
import { ROOT, tessera } from "./cli.js";
import { command, gcc, kvm, type Missing } from "./require.js";

/** Where an image runs: the Node.js tender, the seccomp process tender, the KVM tender, QEMU with the image's own boot stub. */
export type Target = "node" | "spt" | "hvt" | "virtio-x86_64" | "virtio-aarch64" | "rpi";

/** Every target with a tender, in the order the suites run them. */
export const TARGETS: Target[] = ["node", "spt", "hvt"];

/** The built tender binary of a native target (as its package's bin names it). */
export function tenderBinary(target: "spt" | "hvt"): string {
  const dir = join(ROOT, "targets", target);
  const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { bin: Record<string, string> };
  return join(dir, pkg.bin[`tessera-${target}`]);
}

/** Why `target` cannot run here (what is missing and how to get it), or null if it can. */
export function targetMissing(target: Target): Missing {
  if (target === "node") return null;
  const noGcc = gcc(); // it builds the native images
  if (noGcc) return noGcc;
  if (target === "virtio-x86_64") return command("qemu-system-x86_64");
  if (target === "virtio-aarch64" || target === "rpi") {
    if (spawnSync("sh", ["-c", "command -v aarch64-linux-gnu-gcc"]).status !== 0 && process.arch !== "arm64")
      return "no aarch64-linux-gnu-gcc command (apt-get install gcc-aarch64-linux-gnu)";
    return spawnSync("sh", ["-c", "command -v qemu-system-aarch64"]).status === 0
      ? null
      : "no qemu-system-aarch64 command (apt-get install qemu-system-arm)";
  }
  try {
    if (!existsSync(tenderBinary(target)))
      return `tessera-${target} is not built (apt-get install gcc, then npm run build)`;
  } catch {
    return `targets/${target} is not there`;
  }
  return target === "hvt" ? kvm() : null;
}

/** True when KVM has no hardware virtualization under it here (it emulates the guest: slow). */
export const KVM_EMULATED = !/\b(vmx|svm)\b/.test(readFileSync("/proc/cpuinfo", "utf8"));

/** True if every call of a guest on `target` is an emulated VM exit here (~50 us): the suites load it lightly. */
export function slowCalls(target: Target): boolean {
  return target === "hvt" && KVM_EMULATED;
}

/** True if the whole guest is emulated here: virtio-x86_64 under QEMU's TCG, which tessera run picks where KVM has no VT-x/AMD-V. */
export function emulatedCpu(target: Target): boolean {
  if (target === "virtio-aarch64") return process.arch !== "arm64"; // always TCG on another architecture
  return target === "virtio-x86_64" && KVM_EMULATED;
}

/** The image file name of app `name` built for `target`. */
export function imageName(name: string, target: Target): string {
  return `${name}.${target === "node" ? "wasm" : target}`;
}

/** Builds the app in `app` (relative to the repository) for `target` into `dir`; returns the image's path. */
export function buildFor(app: string, target: Target, dir: string): string {
  const built = tessera(["build", app, "-o", dir, ...(target === "node" ? [] : ["--target", target])]);
  expect(built.status, built.stderr).toBe(0);
  const name = JSON.parse(readFileSync(join(ROOT, app, "package.json"), "utf8")).name.replace(/^@[^/]+\//, "");
  return join(dir, imageName(name, target));
}

/**
 * The targets a suite runs on, each with null or what it lacks here; the
 * suite's describe passes that to `need` (./require.js), which skips it, or
 * under CI fails it. With `virtio`, virtio-x86_64 and virtio-aarch64 last.
 */
export function suiteTargets(opts: { virtio?: boolean } = {}): [Target, Missing][] {
  return [...TARGETS, ...(opts.virtio ? (["virtio-x86_64", "virtio-aarch64"] as const) : [])].map((t) => [
    t,
    targetMissing(t),
  ]);
}

/**
 * Kills the tender running `image` with SIGKILL: the tender itself (a native
 * tender is a child of `tessera run`, and spt's guest a child of that; QEMU,
 * for the virtio and rpi targets, whose -kernel names the image), not only
 * `child`, the `tessera run` that started it. QEMU is killed alone: `tessera
 * run` then sees it die, as after any crash of QEMU, and removes its
 * temporary directory and disk locks (killed with it, it would leave them).
 * Resolves once `child` has exited and no process runs `image` any more.
 */
export async function killTender(child: ChildProcess | null, image: string): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once("exit", r));
  const quoted = image.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  if (spawnSync("pkill", ["-KILL", "-f", `^\\S*qemu-system-\\S+ .*${quoted}`]).status !== 0)
    spawnSync("pkill", ["-KILL", "-f", image]);
  await exited;
  for (let i = 0; i < 100 && spawnSync("pgrep", ["-f", image]).status === 0; i++)
    await new Promise((r) => setTimeout(r, 20));
}
