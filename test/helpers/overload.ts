// Test helper: a namespace where examples/http sits on a bridge with the
// Linux side (10.95.0.1/16, its gateway) and a second TAP device that frames
// are injected through, and the loads the overload suite makes: ab without
// keep-alive, slow clients, a SYN flood from spoofed addresses.
import { spawn } from "node:child_process";
import { join } from "node:path";
import { ROOT } from "./cli.js";
import { BackgroundTessera, TapNamespace } from "./netns.js";

/** The unikernel's address on the bridge. */
export const GUEST = "10.95.0.2";

/** What /healthz says, as numbers. */
export type Health = Record<"open" | "tcp" | "timewait" | "served" | "requests" | "heap" | "pages" | "gc", number>;

/** A namespace with bridge br0 (10.95.0.1/16) joining `tap` (the guest's) and `inject` (the test's). */
export class BridgeNamespace extends TapNamespace {
  constructor(
    name: string,
    tap: string,
    readonly inject: string,
  ) {
    super(name, tap, "10.95.0.9/32"); // (the TAP's own address is not used: the bridge holds the Linux side)
    this.ip("addr", "flush", "dev", tap);
    this.ip("link", "set", "lo", "up");
    this.ip("link", "add", "br0", "type", "bridge");
    this.ip("tuntap", "add", "dev", inject, "mode", "tap");
    for (const d of [tap, inject]) this.ip("link", "set", d, "master", "br0");
    this.ip("addr", "add", "10.95.0.1/16", "dev", "br0");
    for (const d of ["br0", inject]) this.ip("link", "set", d, "up");
  }

  /** Starts `image` on the bridge with `mem` MiB and `args` on its command line. */
  boot(image: string, mem: number, args: string[] = []): BackgroundTessera {
    return new BackgroundTessera(
      [
        "run",
        image,
        "--mem",
        String(mem),
        "--net",
        `service=tap:${this.tap}`,
        "--",
        `ip=${GUEST}/16`,
        "gw=10.95.0.1",
        ...args,
      ],
      { netns: this.name },
    );
  }

  /** The guest's MAC address, from the Linux side's neighbour table (ping it first). */
  guestMac(): string {
    const m = /lladdr ([0-9a-f:]{17})/.exec(this.ip("neigh", "show", GUEST));
    if (!m) throw new Error(`no neighbour entry for ${GUEST}: ${this.ip("neigh", "show")}`);
    return m[1];
  }

  /** GET `path` with curl (at most `seconds`): the HTTP status, or 0 if it got none. */
  get(path: string, seconds = 5): number {
    const r = this.run("curl", [
      "-s",
      "-o",
      "/dev/null",
      "-w",
      "%{http_code}",
      "--max-time",
      String(seconds),
      `http://${GUEST}${path}`,
    ]);
    return Number(r.stdout.toString()) || 0;
  }

  /** What /healthz says now, or null if it did not answer within 5 s. */
  health(): Health | null {
    const r = this.run("curl", ["-s", "--max-time", "5", `http://${GUEST}/healthz`]);
    const text = r.stdout.toString();
    if (!text.startsWith("ok ")) return null;
    const h: Record<string, number> = {};
    for (const [, k, v] of text.matchAll(/(\w+)=(\d+)/g)) h[k] = Number(v);
    return h as Health;
  }

  /**
   * The guest's heap once it has settled: /healthz read until two readings
   * 300 ms apart agree within 1 KiB (the loop collects garbage within 100 ms
   * of a busy turn), at most 20 times; the last reading.
   */
  async settledHeap(): Promise<number> {
    let last = this.health()?.heap ?? -1;
    for (let i = 0; i < 20; i++) {
      await new Promise((r) => setTimeout(r, 300));
      const now = this.health()?.heap ?? -1;
      if (now >= 0 && Math.abs(now - last) <= 1024) return now;
      last = now;
    }
    return last;
  }

  /** Runs ApacheBench in the namespace: `n` requests, `c` at once, no keep-alive; what it counted. */
  ab(
    n: number,
    c: number,
    timeoutMs: number,
  ): { complete: number; failed: number; non2xx: number; status: number | null; text: string } {
    const r = this.run(
      "ab",
      ["-n", String(n), "-c", String(c), "-s", "20", `http://${GUEST}/index.html`],
      undefined,
      timeoutMs,
    );
    const text = `${r.stdout}${r.stderr}`;
    const count = (re: RegExp) => Number(re.exec(text)?.[1] ?? -1);
    return {
      complete: count(/Complete requests:\s+(\d+)/),
      failed: count(/Failed requests:\s+(\d+)/),
      non2xx: /Non-2xx responses:\s+(\d+)/.test(text) ? count(/Non-2xx responses:\s+(\d+)/) : 0,
      status: r.status,
      text,
    };
  }

  /**
   * Sends `count` SYNs from spoofed addresses (half off-link, half on-link
   * and never resolvable) to the guest's port 80 over about `ms` ms, through
   * the injection TAP; resolves with how many were sent.
   */
  synFlood(mac: string, count: number, ms: number): Promise<number> {
    const addon = join(ROOT, "targets/node/native/tessera_tap.node");
    const script = join(ROOT, "test/helpers/syn-flood.cjs");
    const args = [addon, this.inject, mac, GUEST, "80", String(count), String(ms), "10.95"];
    const child = spawn("ip", ["netns", "exec", this.name, process.execPath, script, ...args], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.children.push(child);
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    return new Promise((resolve, reject) =>
      child.on("exit", () => {
        try {
          resolve((JSON.parse(out.trim()) as { sent: number }).sent);
        } catch {
          reject(new Error(`the SYN flood ended without a report: ${out}`));
        }
      }),
    );
  }
}
