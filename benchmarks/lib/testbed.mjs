// The network benchmarks' test bed: two namespaces made for one run and
// removed when it ends. One holds the client, a TAP device for the unikernel
// and one end of a veth pair; the other holds the Linux peer at the far end
// of the veth pair. So both servers are one hop from the same client.
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

/** The repository's root, with a trailing slash. */
export const root = fileURLToPath(new URL("../..", import.meta.url));
const TESSERA = `${root}packages/cli/bin/tessera.cjs`;

/** Runs a command; its stdout. */
export const sh = (...args) => execFileSync(args[0], args.slice(1), { encoding: "utf8" });

/** Exits with a message unless running as root. */
export function requireRoot(script) {
  if (process.getuid() !== 0) {
    console.error(`${script}: needs root (it makes network namespaces, a TAP device and a veth pair)`);
    process.exit(2);
  }
}

/** Builds `examples/NAME` for `target` (node, spt or hvt) into .bench/; the image's path. */
export function buildExample(name, target = "node") {
  console.error(`building examples/${name}${target === "node" ? "" : ` for ${target}`} ...`);
  const out = `${root}.bench`;
  const args = [TESSERA, "build", `examples/${name}`, "-o", out, ...(target === "node" ? [] : ["--target", target])];
  const built = spawnSync(process.execPath, args, { encoding: "utf8" });
  if (built.status !== 0) throw new Error(built.stderr);
  return `${out}/${name}.${target === "node" ? "wasm" : target}`;
}

/**
 * Namespace `ns` with TAP device `tap` at TAPNET.1/24 (the unikernel takes
 * TAPNET.2) and veth `veth` at VETHNET.1/24; namespace `peer` with the other
 * end at VETHNET.2/24. Both are deleted, and what was spawned killed, at exit.
 */
export class Testbed {
  constructor(tag, { tap, tapNet, veth, vethNet }) {
    this.ns = `tessera-${tag}-${process.pid}`;
    this.peer = `${this.ns}-peer`;
    this.tap = tap;
    /** The unikernel's address and the Linux peer's. */
    this.tessera = `${tapNet}.2`;
    this.linux = `${vethNet}.2`;
    this.children = [];
    process.on("exit", () => this.cleanup());
    for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => process.exit(130));
    console.error("making the namespaces ...");
    const { ns, peer } = this;
    sh("ip", "netns", "add", ns);
    sh("ip", "netns", "add", peer);
    this.inNs(ns, "ip", "link", "set", "lo", "up");
    this.inNs(ns, "ip", "tuntap", "add", "dev", tap, "mode", "tap");
    this.inNs(ns, "ip", "addr", "add", `${tapNet}.1/24`, "dev", tap);
    this.inNs(ns, "ip", "link", "set", tap, "up");
    this.inNs(ns, "ip", "link", "add", veth, "type", "veth", "peer", "name", "vpeer", "netns", peer);
    this.inNs(ns, "ip", "addr", "add", `${vethNet}.1/24`, "dev", veth);
    this.inNs(ns, "ip", "link", "set", veth, "up");
    this.inNs(peer, "ip", "link", "set", "lo", "up");
    this.inNs(peer, "ip", "addr", "add", `${vethNet}.2/24`, "dev", "vpeer");
    this.inNs(peer, "ip", "link", "set", "vpeer", "up");
  }

  /**
   * A second (third, ...) TAP device in the client's namespace at TAPNET.1/24,
   * for another unikernel at TAPNET.2; returns that address.
   */
  addTap(tap, tapNet) {
    this.inNs(this.ns, "ip", "tuntap", "add", "dev", tap, "mode", "tap");
    this.inNs(this.ns, "ip", "addr", "add", `${tapNet}.1/24`, "dev", tap);
    this.inNs(this.ns, "ip", "link", "set", tap, "up");
    return `${tapNet}.2`;
  }

  /** Runs a command in namespace `ns`; its stdout. */
  inNs(ns, ...args) {
    return sh("ip", "netns", "exec", ns, ...args);
  }

  /** Starts a command in namespace `ns`, killed at exit. */
  spawnIn(ns, args) {
    const c = spawn("ip", ["netns", "exec", ns, ...args], { stdio: "ignore" });
    this.children.push(c);
    return c;
  }

  /**
   * Starts `image` with `tessera run` (the Node tender for a .wasm, tessera-spt
   * or tessera-hvt for a native image) on a TAP device at the unikernel's
   * address (default: the first TAP; `tender`: more options).
   */
  startTessera(image, { tender = [], cmdline = [], tap = this.tap, address = this.tessera } = {}) {
    const net = ["--net", `service=tap:${tap}`];
    return this.spawnIn(this.ns, [
      process.execPath,
      TESSERA,
      "run",
      image,
      ...tender,
      ...net,
      "--",
      `ip=${address}/24`,
      ...cmdline,
    ]);
  }

  /** Starts a Node.js script of benchmarks/lib in the peer namespace. */
  startPeer(script, ...args) {
    return this.spawnIn(this.peer, [process.execPath, `${root}benchmarks/lib/${script}`, ...args]);
  }

  /** Waits (up to 20 tries) until the client's namespace can ping both servers (and `more`). */
  waitForPing(...more) {
    for (const host of [this.tessera, this.linux, ...more]) {
      let up = false;
      for (let i = 0; i < 20 && !up; i++)
        up = spawnSync("ip", ["netns", "exec", this.ns, "ping", "-c", "1", "-W", "1", host]).status === 0;
      if (!up) throw new Error(`${host} never answered`);
    }
  }

  cleanup() {
    for (const c of this.children) c.kill("SIGKILL");
    spawnSync("ip", ["netns", "del", this.ns]);
    spawnSync("ip", ["netns", "del", this.peer]);
  }
}
