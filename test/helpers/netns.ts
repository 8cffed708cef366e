// Test helper: a network namespace with a TAP device that this test makes and
// removes, and the Linux tools run inside it. Traffic stays inside it.
import { execFileSync, spawn, spawnSync, type ChildProcess } from "node:child_process";
import { TESSERA } from "./cli.js";
import { command, firstMissing, root, tapHelper, tun, type Missing } from "./require.js";

/** Why namespace tests cannot run here (what is missing and how to get it), or null if they can. */
export function netnsMissing(tools: string[] = []): Missing {
  return firstMissing(root, tun, () => command("ip"), tapHelper, ...tools.map((t) => () => command(t)));
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

  /**
   * The namespace's IPv4 counters (/proc/net/snmp's Ip: lines, which are per
   * namespace), e.g. FragOKs (datagrams Linux fragmented), FragCreates (the
   * fragments), ReasmReqds (fragments it received), ReasmOKs (datagrams it
   * reassembled).
   */
  ipCounters(): Record<string, number> {
    const lines = this.exec("cat", ["/proc/net/snmp"])
      .split("\n")
      .filter((l) => l.startsWith("Ip: "));
    const [names, values] = lines.map((l) => l.split(" ").slice(1));
    return Object.fromEntries(names.map((n, i) => [n, Number(values[i])]));
  }

  /** Runs a command in the namespace and returns what it did, without throwing. */
  run(cmd: string, args: string[], input?: string | Uint8Array, timeout = 30_000) {
    return spawnSync("ip", ["netns", "exec", this.name, cmd, ...args], { input, timeout });
  }

  /** Starts `tessera run ARGS...` in the namespace, in the background; `destroy` kills it. */
  startTessera(args: string[]): ChildProcess {
    return this.start(process.execPath, [TESSERA, "run", ...args]);
  }

  /** Runs `tessera run ARGS...` in the namespace to the end (killed after `timeout` ms) and returns what it did. */
  runTessera(args: string[], timeout = 30_000) {
    return spawnSync("ip", ["netns", "exec", this.name, process.execPath, TESSERA, "run", ...args], {
      encoding: "utf8",
      timeout,
      killSignal: "SIGKILL",
    });
  }

  /** Starts a command in the namespace, in the background; `destroy` kills it. */
  start(cmd: string, args: string[]): ChildProcess {
    const child = spawn("ip", ["netns", "exec", this.name, cmd, ...args], { stdio: ["ignore", "pipe", "pipe"] });
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

/** A `tessera` command running in the background, with everything it prints collected. */
export class BackgroundTessera {
  readonly child: ChildProcess;
  private text = "";

  /** Starts `tessera ARGS...`, inside namespace `netns` if given, with `env` added to this process's. */
  constructor(args: string[], opts: { netns?: string; env?: Record<string, string> } = {}) {
    const node = [process.execPath, TESSERA, ...args];
    const [cmd, ...rest] = opts.netns ? ["ip", "netns", "exec", opts.netns, ...node] : node;
    this.child = spawn(cmd, rest, { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...opts.env } });
    this.child.stdout!.on("data", (d) => (this.text += d));
    this.child.stderr!.on("data", (d) => (this.text += d));
  }

  /** What it has printed so far, stdout and stderr together. */
  get output(): string {
    return this.text;
  }

  /** True once it has printed something matching `pattern`; false if it exits first or `ms` pass. */
  async waitFor(pattern: RegExp, ms = 10_000): Promise<boolean> {
    const end = Date.now() + ms;
    while (!pattern.test(this.text)) {
      if (Date.now() > end || this.child.exitCode !== null || this.child.signalCode !== null)
        return pattern.test(this.text);
      await new Promise((r) => setTimeout(r, 20));
    }
    return true;
  }

  /** Stops it (SIGTERM, then SIGKILL after `ms`) and resolves when it has exited. */
  async stop(ms = 2000): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((r) => this.child.once("exit", r));
    this.child.kill("SIGTERM");
    const timer = setTimeout(() => this.child.kill("SIGKILL"), ms);
    await exited;
    clearTimeout(timer);
  }
}

/** Waits until `child`'s output (stdout and stderr) matches `pattern` (true), it exits, or `ms` pass (false). */
export function waitForOutput(child: ChildProcess, pattern: RegExp, ms = 10_000): Promise<boolean> {
  return new Promise((done) => {
    let seen = "";
    const finish = (ok: boolean) => {
      clearTimeout(timer);
      child.stdout?.off("data", look);
      child.stderr?.off("data", look);
      child.off("exit", exited);
      done(ok);
    };
    const look = (d: Buffer) => {
      seen += d.toString();
      if (pattern.test(seen)) finish(true);
    };
    const exited = () => finish(false);
    const timer = setTimeout(() => finish(false), ms);
    child.stdout?.on("data", look);
    child.stderr?.on("data", look);
    child.on("exit", exited);
  });
}

/** What `tcpPeer` reports: bytes sent and received, their SHA-256, how long it took, and any socket error. */
export interface TcpPeerResult {
  sent: number;
  received: number;
  sentHash: string;
  recvHash: string;
  /** CRC-32 of what was sent, as 8 hex digits (examples/echo's discard service prints the same of what it read). */
  sentCrc: string;
  /** From connected to closed, in ms. */
  ms: number;
  /** The socket error's code (e.g. ECONNRESET), or null if it ended with EOF. */
  error: string | null;
  /** Whether the peer's FIN (EOF) was seen. */
  eof: boolean;
}

// A Node TCP client for the namespace: `echo` and `discard` send BYTES of a
// pseudo-random stream (then half-close) while hashing what comes back;
// `source` sends "BYTES\n" and hashes what comes back. It prints one JSON line.
const TCP_PEER = `
const net = require("node:net"), crypto = require("node:crypto"), zlib = require("node:zlib");
const [mode, host, port, total] = process.argv.slice(1).map((a, i) => (i < 2 ? a : Number(a)));
const block = crypto.randomBytes(1 << 20);
const sentHash = crypto.createHash("sha256"), recvHash = crypto.createHash("sha256");
let sent = 0, received = 0, t0 = 0, error = null, eof = false, crc = 0;
const s = net.connect({ host, port }, () => {
  t0 = performance.now();
  if (mode === "source") s.write(total + "\\n");
  else pump();
});
function pump() {
  while (sent < total) {
    const off = (sent * 7919) % (block.length - 65536);
    const chunk = block.subarray(off, off + Math.min(65536, total - sent));
    sent += chunk.length;
    sentHash.update(chunk);
    crc = zlib.crc32(chunk, crc);
    if (!s.write(chunk)) return void s.once("drain", pump);
  }
  s.end();
}
s.on("data", (d) => { received += d.length; recvHash.update(d); });
s.on("end", () => { eof = true; });
s.on("error", (e) => { error = e.code || e.message; });
s.on("close", () => {
  const ms = Math.round(performance.now() - t0);
  console.log(JSON.stringify({ sent, received, sentHash: sentHash.digest("hex"), recvHash: recvHash.digest("hex"),
    sentCrc: crc.toString(16).padStart(8, "0"), ms, error, eof }));
});
`;

/**
 * Runs a TCP client in namespace `ns` against `host:port` (see TCP_PEER for
 * `mode`), killed after `timeout` ms; resolves with its report, or rejects
 * with what it printed if it gave none.
 */
export function tcpPeer(
  ns: string,
  mode: "echo" | "discard" | "source",
  host: string,
  port: number,
  bytes: number,
  timeout: number,
): Promise<TcpPeerResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      "ip",
      ["netns", "exec", ns, process.execPath, "-e", TCP_PEER, mode, host, `${port}`, `${bytes}`],
      {
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeout);
    child.on("exit", (status, signal) => {
      clearTimeout(timer);
      try {
        resolve(JSON.parse(out.trim().split("\n").at(-1)!) as TcpPeerResult);
      } catch {
        reject(new Error(`the TCP peer ended (${signal ?? status}) without a report: ${out}`));
      }
    });
  });
}
