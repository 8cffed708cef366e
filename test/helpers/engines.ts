// Container engines for the container tests, each started here in a temporary
// directory and stopped after (no daemon runs on these machines, and PID 1 is
// not systemd): dockerd (Debian's Docker 20.10, with its own containerd),
// containerd (for ctr), and podman (no daemon: its own storage root). What an
// engine leaves outside its directory (dockerd's /etc/docker/key.json,
// /run/containerd's shim sockets, podman's blob cache) is removed if it was
// not there before.
//
// dockerd runs with --iptables=false --ip-forward=false and a bridge made here
// (DOCKER_BRIDGE, DOCKER_SUBNET), removed when it stops: it leaves the host's
// iptables (FORWARD policy), ip_forward and other links as they are, so the
// other network tests run the same beside it. `docker run -p` still works:
// without iptables, docker-proxy (its userland proxy) listens on the host port
// and connects to the container's address on that bridge, which the host
// reaches directly (no forwarding, no NAT). Containers that need no network
// run with --network none.
import { spawn, spawnSync, type ChildProcess, type SpawnSyncReturns } from "node:child_process";
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { command, firstMissing, root, type Missing } from "./require.js";

/** The bridge dockerd's containers are on (its default network), and the host's address on it. */
export const DOCKER_BRIDGE = "tessera-dk0";
export const DOCKER_SUBNET = "172.31.253.1/24";

/** Debian's Docker 20.10 client: /usr/local/bin/docker (a newer CLI without a daemon) may come first on PATH. */
export const DOCKER_CLI = "/usr/bin/docker";

/** What a command printed and how it ended. */
export interface Ran {
  status: number | null;
  stdout: string;
  stderr: string;
}

function ran(r: SpawnSyncReturns<string>): Ran {
  return { status: r.status, stdout: r.stdout ?? "", stderr: (r.stderr ?? "") + (r.error ? String(r.error) : "") };
}

/** The paths an engine may create outside its directory, and which of them were there before it started. */
function outsidePaths(paths: string[]): () => void {
  const before = new Set(paths.filter((p) => existsSync(p)));
  return () => {
    for (const p of paths) if (!before.has(p)) rmSync(p, { recursive: true, force: true });
  };
}

/** Unmounts whatever is still mounted under `dir` (deepest first). */
function unmountUnder(dir: string): void {
  const mounts = readFileSync("/proc/self/mounts", "utf8")
    .split("\n")
    .map((l) => l.split(" ")[1]?.replace(/\\040/g, " "))
    .filter((m): m is string => !!m && (m === dir || m.startsWith(`${dir}/`)))
    .sort((a, b) => b.length - a.length);
  for (const m of mounts) spawnSync("umount", ["-l", m]);
}

/** The bridges dockerd makes for user-defined networks: br-<12 hex digits of the network's id>. */
function dockerBridges(): Set<string> {
  const r = spawnSync("ip", ["-o", "link", "show", "type", "bridge"], { encoding: "utf8" });
  return new Set([...(r.stdout ?? "").matchAll(/^\d+: (br-[0-9a-f]{12})[:@]/gm)].map((m) => m[1]));
}

/** Waits for `ready` to return true, up to `ms`; false if it never did. */
async function waitFor(ready: () => boolean, ms: number): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end;) {
    if (ready()) return true;
    await new Promise((r) => setTimeout(r, 250));
  }
  return ready();
}

/** Ends `child` (a daemon started here) with SIGTERM, then SIGKILL after `ms`; resolves once it has exited. */
async function stopChild(child: ChildProcess, ms: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once("exit", r));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), ms);
  await exited;
  clearTimeout(timer);
}

/** Why dockerd cannot run here, or null. */
export function dockerMissing(): Missing {
  return firstMissing(
    root,
    () => command("dockerd") && "no dockerd command (apt-get install docker.io)",
    () => (existsSync(DOCKER_CLI) ? null : `no ${DOCKER_CLI} (apt-get install docker.io)`),
    () => command("runc"),
    () => command("ip"),
    () =>
      existsSync("/usr/sbin/docker-proxy") || command("docker-proxy") === null
        ? null
        : "no docker-proxy (apt-get install docker.io)",
  );
}

/** A dockerd of our own. */
export interface Docker {
  /** The socket, for DOCKER_HOST. */
  host: string;
  /** Environment for a docker client (tessera package --load docker): DOCKER_HOST, and Debian's docker first on PATH. */
  env: NodeJS.ProcessEnv;
  /** Runs `docker ARGS...` against it. */
  run(args: string[], opts?: { input?: Uint8Array; timeout?: number }): Ran;
  stop(): Promise<void>;
}

/** Starts dockerd in a temporary directory; throws saying why if it does not come up in 60 s. */
export async function startDocker(): Promise<Docker> {
  const dir = mkdtempSync(join(tmpdir(), "tessera-dockerd-"));
  // Its containerd 1.6 puts shim sockets in /run/containerd/s whatever its state directory.
  const cleanOutside = outsidePaths(["/etc/docker", "/var/run/docker", "/run/docker", "/run/containerd"]);
  const sock = join(dir, "docker.sock");
  const host = `unix://${sock}`;
  const log = join(dir, "dockerd.log");
  writeFileSync(log, "");
  // A bridge of our own (a leftover from a killed run is replaced): dockerd leaves a bridge it did not make alone.
  spawnSync("ip", ["link", "del", DOCKER_BRIDGE], { stdio: "ignore" });
  for (const args of [
    ["link", "add", DOCKER_BRIDGE, "type", "bridge"],
    ["addr", "add", DOCKER_SUBNET, "dev", DOCKER_BRIDGE],
    ["link", "set", DOCKER_BRIDGE, "up"],
  ]) {
    const r = spawnSync("ip", args, { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`ip ${args.join(" ")}: ${r.stderr.trim()}`);
  }
  const removeBridge = () => spawnSync("ip", ["link", "del", DOCKER_BRIDGE], { stdio: "ignore" });
  const logFd = openSync(log, "a");
  const child = spawn(
    "dockerd",
    [
      "--data-root",
      join(dir, "root"),
      "--exec-root",
      join(dir, "exec"),
      "--pidfile",
      join(dir, "dockerd.pid"),
      "-H",
      host,
      "--iptables=false",
      "--ip-forward=false",
      `--bridge=${DOCKER_BRIDGE}`,
      "--storage-driver=overlay2",
    ],
    // Its log straight into the file: through a pipe, a caller blocked in spawnSync (docker run ...) would not
    // read it, and dockerd, blocked writing its log, would never answer (it hung at the 46th container so).
    { stdio: ["ignore", "ignore", logFd] },
  );
  closeSync(logFd);
  const env = {
    ...process.env,
    DOCKER_HOST: host,
    DOCKER_CONFIG: join(dir, "client"),
    PATH: `/usr/bin:${process.env.PATH}`,
  };
  const run = (args: string[], opts: { input?: Uint8Array; timeout?: number } = {}) =>
    ran(
      spawnSync(DOCKER_CLI, args, {
        env,
        input: opts.input,
        encoding: "utf8",
        timeout: opts.timeout ?? 120_000,
        maxBuffer: 64 << 20,
      }),
    );
  const bridgesBefore = dockerBridges();
  const stop = async () => {
    const ids = run(["ps", "-aq"]).stdout.split("\n").filter(Boolean);
    if (ids.length) run(["rm", "-f", ...ids]);
    // User-defined networks are bridges (br-<id>) that outlive a dockerd whose data root is gone.
    run(["network", "prune", "-f"]);
    await stopChild(child, 20_000);
    unmountUnder(dir);
    rmSync(dir, { recursive: true, force: true });
    cleanOutside();
    removeBridge();
    for (const b of dockerBridges())
      if (!bridgesBefore.has(b)) spawnSync("ip", ["link", "del", b], { stdio: "ignore" });
  };
  const up = await waitFor(() => child.exitCode === null && run(["version"], { timeout: 10_000 }).status === 0, 60_000);
  if (!up) {
    const why = readFileSync(log, "utf8").trim().split("\n").slice(-5).join(" | ");
    await stop();
    throw new Error(`dockerd did not start: ${why}`);
  }
  return { host, env, run, stop };
}

/** Why containerd and ctr cannot run here, or null. */
export function containerdMissing(): Missing {
  return firstMissing(
    root,
    () => command("containerd"),
    () => command("ctr") && "no ctr command (apt-get install containerd)",
  );
}

/** A containerd of our own, and ctr to talk to it. */
export interface Containerd {
  ctr(args: string[], opts?: { timeout?: number }): Ran;
  stop(): Promise<void>;
}

/** Starts containerd (without its CRI plugin) in a temporary directory. */
export async function startContainerd(): Promise<Containerd> {
  const dir = mkdtempSync(join(tmpdir(), "tessera-containerd-"));
  const cleanOutside = outsidePaths(["/run/containerd"]); // shim sockets, whatever its state directory
  const sock = join(dir, "containerd.sock");
  const config = join(dir, "config.toml");
  writeFileSync(
    config,
    [
      "version = 2",
      `root = "${join(dir, "root")}"`,
      `state = "${join(dir, "state")}"`,
      'disabled_plugins = ["io.containerd.grpc.v1.cri"]',
      "[grpc]",
      `  address = "${sock}"`,
      "",
    ].join("\n"),
  );
  const child = spawn("containerd", ["-c", config], { stdio: "ignore" });
  const ctr = (args: string[], opts: { timeout?: number } = {}) =>
    ran(spawnSync("ctr", ["-a", sock, ...args], { encoding: "utf8", timeout: opts.timeout ?? 120_000 }));
  const stop = async () => {
    await stopChild(child, 20_000);
    unmountUnder(dir);
    rmSync(dir, { recursive: true, force: true });
    cleanOutside();
  };
  if (!(await waitFor(() => child.exitCode === null && ctr(["version"], { timeout: 10_000 }).status === 0, 60_000))) {
    await stop();
    throw new Error("containerd did not start");
  }
  return { ctr, stop };
}

/** Why podman cannot run here, or null. */
export function podmanMissing(): Missing {
  return firstMissing(
    root,
    () => command("podman"),
    () => command("runc"),
  );
}

/** Podman with its own storage in a temporary directory. */
export interface Podman {
  run(args: string[], opts?: { input?: Uint8Array; timeout?: number }): Ran;
  /** Environment for a podman client (tessera package --load podman). */
  env: NodeJS.ProcessEnv;
  stop(): Promise<void>;
}

/** The netavark chains in iptables' `table` (filter, nat). */
function netavarkChains(table: string): Set<string> {
  const rules = spawnSync("iptables", ["-t", table, "-S"], { encoding: "utf8" }).stdout ?? "";
  return new Set([...rules.matchAll(/^-N (NETAVARK\S*)$/gm)].map((m) => m[1]));
}

/**
 * What netavark (podman's network backend, for containers on a network of their own: podman-compose's) leaves in
 * the host: its iptables chains, and ip_forward turned on. Returns the undoing of it: the chains that were not
 * there before are emptied and removed (with the rules in the built-in chains that jump to them), and ip_forward
 * is set back.
 */
function netavarkLeftovers(): () => void {
  const forward = "/proc/sys/net/ipv4/ip_forward";
  const wasForwarding = existsSync(forward) ? readFileSync(forward, "utf8").trim() : null;
  const tables = ["filter", "nat"];
  const before = new Map(tables.map((t) => [t, command("iptables") === null ? netavarkChains(t) : new Set<string>()]));
  return () => {
    if (command("iptables") === null)
      for (const table of tables) {
        const added = [...netavarkChains(table)].filter((c) => !before.get(table)?.has(c));
        if (!added.length) continue;
        const rules = spawnSync("iptables", ["-t", table, "-S"], { encoding: "utf8" }).stdout ?? "";
        for (const rule of rules.split("\n"))
          if (
            /^-A (PREROUTING|INPUT|FORWARD|OUTPUT|POSTROUTING) /.test(rule) &&
            added.some((c) => rule.endsWith(`-j ${c}`))
          )
            spawnSync("sh", ["-c", `iptables -t ${table} ${rule.replace(/^-A/, "-D")}`]);
        for (const chain of added) spawnSync("iptables", ["-t", table, "-F", chain]);
        for (const chain of added) spawnSync("iptables", ["-t", table, "-X", chain]);
      }
    if (wasForwarding !== null) writeFileSync(forward, `${wasForwarding}\n`);
  };
}

/**
 * Podman here: runc (crun refuses these hybrid cgroups), cgroupfs (no
 * systemd), and nofile/nproc limits of 1024 (podman cannot raise its own
 * without CAP_SYS_RESOURCE), in a containers.conf that CONTAINERS_CONF names.
 * Networks (podman-compose makes one) are netavark's, their files in the
 * temporary directory; netavark publishes ports (`-p`) with iptables DNAT
 * rules and turns ip_forward on, which stop() undoes.
 */
export function startPodman(): Podman {
  const dir = mkdtempSync(join(tmpdir(), "tessera-podman-"));
  const cleanOutside = outsidePaths(["/var/lib/containers", "/run/containers/networks"]);
  const cleanNetavark = netavarkLeftovers();
  const conf = join(dir, "containers.conf");
  mkdirSync(join(dir, "tmp"));
  mkdirSync(join(dir, "networks"));
  writeFileSync(
    conf,
    [
      "[containers]",
      'default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]',
      "[engine]",
      'runtime = "runc"',
      'cgroup_manager = "cgroupfs"',
      'events_logger = "file"',
      "[network]",
      `network_config_dir = "${join(dir, "networks")}"`,
      "",
    ].join("\n"),
  );
  const globals = ["--root", join(dir, "root"), "--runroot", join(dir, "run"), "--tmpdir", join(dir, "tmp")];
  const env = { ...process.env, CONTAINERS_CONF: conf };
  const run = (args: string[], opts: { input?: Uint8Array; timeout?: number } = {}) =>
    ran(
      spawnSync("podman", [...globals, ...args], {
        env,
        input: opts.input,
        encoding: "utf8",
        timeout: opts.timeout ?? 120_000,
        maxBuffer: 64 << 20,
      }),
    );
  const stop = async () => {
    run(["rm", "-a", "-f"]);
    run(["rmi", "-a", "-f"]);
    run(["network", "prune", "-f"]);
    unmountUnder(dir);
    rmSync(dir, { recursive: true, force: true });
    cleanOutside();
    cleanNetavark();
  };
  // `tessera package --load podman` runs plain `podman load`: a wrapper first on PATH gives it this storage.
  const real = spawnSync("sh", ["-c", "command -v podman"], { encoding: "utf8" }).stdout.trim();
  const bin = join(dir, "bin");
  mkdirSync(bin);
  writeFileSync(join(bin, "podman"), `#!/bin/sh\nexec ${real} ${globals.join(" ")} "$@"\n`, { mode: 0o755 });
  env.PATH = `${bin}:${process.env.PATH}`;
  return { run, env, stop };
}
