// Test helper: a network namespace with a TAP device that this test makes and
// removes, and the Linux tools run inside it. Traffic stays inside it.
import { execFileSync, spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "./cli.js";

/** Why namespace tests cannot run here, or null if they can. */
export function netnsMissing(tools: string[] = []): string | null {
  if (process.getuid?.() !== 0) return "not root";
  if (!existsSync("/dev/net/tun")) return "no /dev/net/tun";
  if (spawnSync("ip", ["-V"]).status !== 0) return "no ip command (iproute2)";
  if (!existsSync(join(ROOT, "targets/node/native/tessera_tap.node")))
    return "the Node tender's native helper is not built (gcc)";
  for (const t of tools) if (spawnSync("sh", ["-c", `command -v ${t}`]).status !== 0) return `no ${t}`;
  return null;
}

/** A namespace holding one TAP device with the Linux side's address on it. */
export class TapNamespace {
  readonly children: ChildProcess[] = [];

  constructor(
    readonly name: string,
    readonly tap: string,
    /** The Linux side's address with its prefix, e.g. 10.98.0.1/24. */
    readonly hostCidr: string,
  ) {
    execFileSync("ip", ["netns", "add", name]);
    this.ip("tuntap", "add", "dev", tap, "mode", "tap");
    this.ip("addr", "add", hostCidr, "dev", tap);
    this.ip("link", "set", tap, "up");
  }

  /** Runs `ip ARGS...` in the namespace and returns its output. */
  ip(...args: string[]): string {
    return this.exec("ip", args);
  }

  /** Runs a command in the namespace; throws if it fails. */
  exec(cmd: string, args: string[], input?: string | Uint8Array): string {
    return execFileSync("ip", ["netns", "exec", this.name, cmd, ...args], { encoding: "utf8", input, timeout: 30_000 });
  }

  /** Runs a command in the namespace and returns what it did, without throwing. */
  run(cmd: string, args: string[], input?: string | Uint8Array, timeout = 30_000) {
    return spawnSync("ip", ["netns", "exec", this.name, cmd, ...args], { input, timeout });
  }

  /** Starts `tessera run ARGS...` in the namespace, in the background. */
  startTessera(args: string[]): ChildProcess {
    const child = spawn(
      "ip",
      ["netns", "exec", this.name, process.execPath, join(ROOT, "packages/cli/bin/tessera.cjs"), "run", ...args],
      {
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    this.children.push(child);
    return child;
  }

  /** Pings `addr` once a second until it answers (true) or `tries` run out (false). */
  waitForPing(addr: string, tries = 15): boolean {
    for (let i = 0; i < tries; i++) if (this.run("ping", ["-c", "1", "-W", "1", addr]).status === 0) return true;
    return false;
  }

  /** Stops every process started here and removes the namespace (and the TAP device with it). */
  destroy(): void {
    for (const c of this.children) c.kill("SIGKILL");
    spawnSync("ip", ["netns", "del", this.name]);
  }
}
