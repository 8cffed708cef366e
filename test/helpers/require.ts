// What a test needs from the machine it runs on, checked in one place. A test
// that cannot run here is skipped with its reason printed, except under CI
// (CI=true): there it is a failing test that names what is missing and how to
// get it, so that CI on a machine without root, /dev/kvm, gcc or TAP goes red
// instead of green without that coverage.
import { spawnSync } from "node:child_process";
import { accessSync, constants, existsSync } from "node:fs";
import { join } from "node:path";
import { test } from "vitest";
import { ROOT } from "./cli.js";

/** True under CI (CI=true or CI=1, as CI services and .ci/run set it): every test must run. */
export const CI = /^(true|1)$/i.test(process.env.CI ?? "");

/** What is missing on this machine and how to get it, or null when it is here. */
export type Missing = string | null;

/** The Debian package of each command the tests run (.ci/run installs them). */
const PACKAGES: Record<string, string> = {
  ip: "iproute2",
  ping: "iputils-ping",
  nc: "netcat-openbsd",
  dnsmasq: "dnsmasq-base",
  curl: "curl",
  ab: "apache2-utils",
  gcc: "gcc",
  pkill: "procps",
  pgrep: "procps",
  setpriv: "util-linux",
  prlimit: "util-linux",
  unshare: "util-linux",
  mount: "mount",
  "qemu-system-x86_64": "qemu-system-x86",
  "aarch64-linux-gnu-gcc": "gcc-aarch64-linux-gnu",
  "qemu-system-aarch64": "qemu-system-arm",
  "qemu-aarch64-static": "qemu-user-static",
};

/** Root: the network namespaces, TAP devices, mounts and other users the tests make. */
export function root(): Missing {
  return process.getuid?.() === 0 ? null : "not root (run the tests as root: sudo, or a root CI job)";
}

/** /dev/kvm, readable and writable, for tessera-hvt. */
export function kvm(): Missing {
  if (!existsSync("/dev/kvm"))
    return "no /dev/kvm (a Linux host with KVM: modprobe kvm_intel or kvm_amd, or a VM with nested virtualization)";
  try {
    accessSync("/dev/kvm", constants.R_OK | constants.W_OK);
    return null;
  } catch {
    return "no access to /dev/kvm (add the user to group kvm, or run the tests as root)";
  }
}

/** /dev/net/tun, for TAP devices. */
export function tun(): Missing {
  return existsSync("/dev/net/tun") ? null : "no /dev/net/tun (modprobe tun)";
}

/** A command on PATH. */
export function command(name: string): Missing {
  if (spawnSync("sh", ["-c", 'command -v "$0"', name]).status === 0) return null;
  return `no ${name} command (apt-get install ${PACKAGES[name] ?? name})`;
}

/** gcc, for the native tenders, native images and the Node tender's native helper. */
export function gcc(): Missing {
  return command("gcc");
}

/** The Node tender's native helper (TAP devices, the switch's sockets), which `npm run build` compiles with gcc. */
export function tapHelper(): Missing {
  return existsSync(join(ROOT, "targets/node/native/tessera_tap.node"))
    ? null
    : "the Node tender's native helper targets/node/native/tessera_tap.node is not built (apt-get install gcc, then npm run build)";
}

/** The first of `checks` that finds something missing (the later ones are not run), or null. */
export function firstMissing(...checks: (() => Missing)[]): Missing {
  for (const check of checks) {
    const why = check();
    if (why !== null) return why;
  }
  return null;
}

/**
 * Declares that `what` (a suite, or some tests; it reads after "cannot run:")
 * needs what `missing` names, and returns `missing`: the tests it gates skip
 * when it is not null (`test.skipIf(why !== null)`, `if (why) return` in their
 * hooks). When it is not null, under CI this registers a test that fails
 * saying what is missing and how to get it; elsewhere it prints the reason and
 * registers a skipped test of that name, so that the reporter shows it too.
 * Call it where the gated tests are declared (in their describe, if any).
 */
export function need(what: string, missing: Missing): Missing {
  if (missing === null) return null;
  const name = `${what} can run here`;
  if (CI) {
    test(name, () => {
      throw new Error(`${what} cannot run on this machine: ${missing}. CI must run every test.`);
    });
  } else {
    console.warn(`skipped ${what}: ${missing}`);
    test.skip(`${name} (skipped: ${missing})`, () => {});
  }
  return missing;
}

/**
 * For a test that finds out only while it runs that this machine cannot run
 * it: under CI it fails naming `missing`; elsewhere the test is skipped (the
 * context's `skip`) and the reason printed.
 */
export function cannotRunHere(ctx: { skip: (note?: string) => never }, what: string, missing: string): never {
  if (CI) throw new Error(`${what} cannot run on this machine: ${missing}. CI must run every test.`);
  console.warn(`skipped ${what}: ${missing}`);
  return ctx.skip(missing);
}
