// Kubernetes' path into a node, without a kubelet: Debian's containerd with
// its CRI plugin, started here in a temporary directory with a config of its
// own, CNI from Debian's containernetworking-plugins (bridge, host-local,
// portmap, loopback in /usr/lib/cni) with a conf dir of its own, and a small
// CRI client (gRPC, runtime.v1: ./cri/runtime-v1.proto) that makes the calls a
// kubelet makes. Nothing can be pulled here, so the sandbox (pause) image is
// built here from test/fixtures/pause/pause.c (static, musl-gcc) and imported
// with ctr, as the test's other images are.
//
// What it leaves as it found it:
// - the network: a bridge of its own (CRI_BRIDGE, CRI_SUBNET), made here with
//   the host's address on it and removed after; the bridge plugin runs with
//   isGateway false, so it never turns on the host's ip_forward (dockerd in
//   the other tests leaves it off too), and ipMasq false (no NAT rules). The
//   host reaches a pod's address on that bridge directly (OUTPUT and INPUT,
//   never FORWARD, so dockerd's FORWARD policy does not matter). portmap's
//   chains in the nat table are removed after if they were not there before;
//   its per-pod chains go with the pod.
// - host-local's allocations are in this directory (dataDir), and so are the
//   pods' network namespaces (netns_mounts_under_state_dir), the runc state
//   (the runc shim's Root) and containerd's opt directory.
// - what containerd 1.6 puts outside its directory whatever its config (shim
//   sockets in /run/containerd/s, libcni's result cache in /var/lib/cni) is
//   removed if it was not there before and is empty once this containerd and
//   its shims are gone; processes started for this containerd (its shims,
//   which outlive it when a container is still running) are ended by pid.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  openSync,
  closeSync,
  rmSync,
  rmdirSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { buildImage, imageArchive, parseReference, type Reference } from "../../packages/oci/src/index.js";
import { ROOT } from "./cli.js";
import { command, firstMissing, root, type Missing } from "./require.js";

/** The bridge the pods are on, and the host's address on it (no other test uses either). */
export const CRI_BRIDGE = "tessera-cri0";
export const CRI_SUBNET = "172.31.252.0/24";
export const CRI_HOST_ADDRESS = "172.31.252.1";
/** The CNI network's name (host-local keys its allocations by it, libcni its cached results). */
export const CRI_NETWORK = "tessera-cri";
/** Debian's containernetworking-plugins. */
export const CNI_BIN = "/usr/lib/cni";
const CNI_PLUGINS = ["bridge", "host-local", "portmap", "loopback"];

/** The sandbox image, as the CRI names it (sandbox_image) once imported. */
export const PAUSE_IMAGE = "docker.io/tessera-test/pause:1";

/** Why the CRI test cannot run here, or null. */
export function criMissing(): Missing {
  return firstMissing(
    root,
    () => command("containerd"),
    () => command("ctr") && "no ctr command (apt-get install containerd)",
    () => command("runc"),
    () => command("ip"),
    () => command("iptables"),
    () => command("curl"),
    () => command("musl-gcc") && "no musl-gcc command (apt-get install musl-tools): it builds the pause image",
    () => {
      const gone = CNI_PLUGINS.filter((p) => !existsSync(join(CNI_BIN, p)));
      return gone.length
        ? `no CNI plugin ${gone.join(", ")} in ${CNI_BIN} (apt-get install containernetworking-plugins)`
        : null;
    },
  );
}

/**
 * Builds the pause image into `dir`: test/fixtures/pause/pause.c compiled
 * static with musl-gcc, alone in an image FROM scratch (packages/oci, as
 * tessera package writes its images). Returns the archive's path.
 */
export function buildPauseArchive(dir: string): string {
  const bin = join(dir, "pause");
  const cc = spawnSync(
    "musl-gcc",
    [
      "-std=c11",
      "-Wall",
      "-Wextra",
      "-Werror",
      "-static",
      "-Os",
      "-s",
      "-o",
      bin,
      join(ROOT, "test/fixtures/pause/pause.c"),
    ],
    { encoding: "utf8" },
  );
  if (cc.status !== 0) throw new Error(`musl-gcc pause.c: ${cc.stderr}`);
  const ref = parseReference(PAUSE_IMAGE.replace(/^docker\.io\//, "")) as Reference;
  const image = buildImage({
    files: [{ name: "pause", mode: 0o755, data: new Uint8Array(readFileSync(bin)) }],
    entrypoint: ["/pause"],
    exposedPorts: [],
    volumes: [],
    labels: {},
    createdBy: "test/helpers/cri.ts: musl-gcc -static test/fixtures/pause/pause.c",
  });
  const file = join(dir, "pause.tar");
  writeFileSync(file, imageArchive(image, ref));
  return file;
}

// The runtime.v1 messages the test reads (proto-loader: camelCase fields, enums as names, int64 as numbers).
export interface PodSandboxStatus {
  id: string;
  state: "SANDBOX_READY" | "SANDBOX_NOTREADY";
  network: { ip: string } | null;
}
export interface ContainerStatus {
  id: string;
  state: "CONTAINER_CREATED" | "CONTAINER_RUNNING" | "CONTAINER_EXITED" | "CONTAINER_UNKNOWN";
  exitCode: number;
  reason: string;
  logPath: string;
  startedAt: number;
  finishedAt: number;
}
export interface CriImage {
  id: string;
  repoTags: string[];
  size: number;
}

/** A CRI client: `call(service, method, request)` resolves to the reply or rejects with gRPC's message. */
export interface CriClient {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  call<T = any>(service: "runtime" | "image", method: string, request: object, timeoutMs?: number): Promise<T>;
  close(): void;
}

/** Connects to the CRI socket `sock` with runtime.v1 (./cri/runtime-v1.proto). */
export function criClient(sock: string): CriClient {
  const definition = protoLoader.loadSync(join(ROOT, "test/helpers/cri/runtime-v1.proto"), {
    keepCase: false,
    longs: Number,
    enums: String,
    defaults: true,
  });
  const pkg = grpc.loadPackageDefinition(definition) as unknown as {
    runtime: { v1: Record<"RuntimeService" | "ImageService", grpc.ServiceClientConstructor> };
  };
  const address = `unix://${sock}`;
  const credentials = grpc.credentials.createInsecure();
  const clients = {
    runtime: new pkg.runtime.v1.RuntimeService(address, credentials),
    image: new pkg.runtime.v1.ImageService(address, credentials),
  };
  return {
    call(service, method, request, timeoutMs = 60_000) {
      const client = clients[service] as unknown as Record<
        string,
        (req: object, opts: grpc.CallOptions, cb: (err: grpc.ServiceError | null, res: unknown) => void) => void
      >;
      return new Promise((resolve, reject) =>
        client[method].call(client, request, { deadline: Date.now() + timeoutMs }, (err, res) =>
          err ? reject(new Error(`CRI ${method}: ${err.details || err.message}`)) : resolve(res as never),
        ),
      );
    },
    close() {
      clients.runtime.close();
      clients.image.close();
    },
  };
}

/** What a command printed and how it ended. */
export interface Ran {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** A containerd of our own with its CRI plugin. */
export interface Cri {
  /** Its directory (root, state, CNI conf dir, IPAM data, pod logs). */
  dir: string;
  /** The CRI (and containerd API) socket. */
  sock: string;
  client: CriClient;
  /** host-local's allocations for CRI_NETWORK: one file per address in use (plus its lock and last_reserved_ip). */
  ipamDir: string;
  /** Where the pods' network namespaces are mounted. */
  netnsDir: string;
  /** Runs `ctr -n k8s.io ARGS...` against it. */
  ctr(args: string[]): Ran;
  /** Processes started for this containerd still running (its shims and their children), as pid: command line. */
  processes(): Map<number, string>;
  /** The nat table's rules that portmap made for one pod (chains CNI-DN-*), and libcni's cached results for our network. */
  leftovers(): string[];
  /** Removes every pod sandbox left, stops containerd and cleans up. */
  stop(): Promise<void>;
}

/** Every process: pid -> [ppid, command line]. */
function processTable(): Map<number, [number, string]> {
  const table = new Map<number, [number, string]>();
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      const cmdline = readFileSync(`/proc/${name}/cmdline`, "utf8").replace(/\0/g, " ").trim();
      table.set(Number(name), [ppid, cmdline]);
    } catch {
      // gone meanwhile
    }
  }
  return table;
}

/** `pids` and every process below them. */
export function descendants(pids: number[]): Map<number, string> {
  const table = processTable();
  const out = new Map<number, string>();
  const add = (pid: number) => {
    const p = table.get(pid);
    if (!p || out.has(pid)) return;
    out.set(pid, p[1]);
    for (const [child, [ppid]] of table) if (ppid === pid) add(child);
  };
  pids.forEach(add);
  return out;
}

/** Removes `path` and the directories under it if they hold nothing but empty directories. */
function removeIfEmpty(path: string): void {
  if (!existsSync(path)) return;
  try {
    for (const e of readdirSync(path, { withFileTypes: true })) if (e.isDirectory()) removeIfEmpty(join(path, e.name));
    rmdirSync(path);
  } catch {
    // not empty: something else uses it
  }
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

/** Mount points under `dir`. */
export function mountsUnder(dir: string): string[] {
  return readFileSync("/proc/self/mounts", "utf8")
    .split("\n")
    .map((l) => l.split(" ")[1] ?? "")
    .filter((m) => m.startsWith(`${dir}/`));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The portmap plugin's chains in the nat table, which it makes once and leaves behind. */
const PORTMAP_CHAINS = ["CNI-HOSTPORT-DNAT", "CNI-HOSTPORT-SETMARK", "CNI-HOSTPORT-MASQ"];

function natRules(): string[] {
  return spawnSync("iptables-save", ["-t", "nat"], { encoding: "utf8" }).stdout.split("\n");
}

/** Removes portmap's chains from the nat table (each jump to them first). */
function removePortmapChains(): void {
  for (const line of natRules()) {
    const m = /^-A (\S+) (.*-j (CNI-HOSTPORT-\S+|CNI-DN-\S+).*)$/.exec(line);
    if (m && !m[1].startsWith("CNI-")) spawnSync("iptables", ["-t", "nat", "-D", m[1], ...splitRule(m[2])]);
  }
  const chains = natRules()
    .map((l) => /^:(CNI-(?:HOSTPORT|DN)-\S+) /.exec(l)?.[1])
    .filter((c): c is string => !!c);
  for (const c of chains) spawnSync("iptables", ["-t", "nat", "-F", c]);
  for (const c of chains) spawnSync("iptables", ["-t", "nat", "-X", c]);
}

/** An iptables-save rule's words (its comments are in double quotes). */
function splitRule(rule: string): string[] {
  return (rule.match(/"[^"]*"|\S+/g) ?? []).map((w) => w.replace(/^"(.*)"$/, "$1"));
}

/** Starts containerd with its CRI plugin and the pause image imported; throws saying why if it does not come up. */
export async function startCri(): Promise<Cri> {
  const dir = mkdtempSync(join(tmpdir(), "tessera-cri-"));
  const outside = ["/run/containerd", "/var/lib/cni"].filter((p) => !existsSync(p));
  const portmapBefore = natRules().some((l) => PORTMAP_CHAINS.some((c) => l.startsWith(`:${c} `)));
  const sock = join(dir, "containerd.sock");
  const confDir = join(dir, "net.d");
  const ipamData = join(dir, "ipam");
  const netnsDir = join(dir, "state", "io.containerd.grpc.v1.cri", "netns"); // 1.6: <state>/<plugin>/netns
  mkdirSync(confDir);
  mkdirSync(join(dir, "logs"));
  writeFileSync(
    join(confDir, "10-tessera-cri.conflist"),
    JSON.stringify(
      {
        cniVersion: "1.0.0",
        name: CRI_NETWORK,
        plugins: [
          {
            type: "bridge",
            bridge: CRI_BRIDGE,
            isGateway: false, // the bridge is made here with the host's address: no ip_forward
            ipMasq: false,
            hairpinMode: true,
            ipam: {
              type: "host-local",
              ranges: [[{ subnet: CRI_SUBNET, gateway: CRI_HOST_ADDRESS }]],
              dataDir: ipamData,
            },
          },
          { type: "portmap", capabilities: { portMappings: true }, snat: true },
        ],
      },
      null,
      2,
    ),
  );
  const q = (s: string) => JSON.stringify(s);
  const config = join(dir, "config.toml");
  writeFileSync(
    config,
    [
      "version = 2",
      `root = ${q(join(dir, "root"))}`,
      `state = ${q(join(dir, "state"))}`,
      "[grpc]",
      `  address = ${q(sock)}`,
      "[ttrpc]",
      `  address = ${q(`${sock}.ttrpc`)}`,
      '[plugins."io.containerd.internal.v1.opt"]',
      `  path = ${q(join(dir, "opt"))}`,
      '[plugins."io.containerd.grpc.v1.cri"]',
      `  sandbox_image = ${q(PAUSE_IMAGE)}`,
      "  netns_mounts_under_state_dir = true",
      // The sandbox's oom_score_adj is -998 otherwise: lowering it needs CAP_SYS_RESOURCE, which this machine's
      // root lacks (runc: "can't get final child's PID from pipe"); this keeps it at containerd's own or above.
      "  restrict_oom_score_adj = true",
      '  stream_server_address = "127.0.0.1"',
      '  stream_server_port = "0"',
      '  [plugins."io.containerd.grpc.v1.cri".cni]',
      `    bin_dir = ${q(CNI_BIN)}`,
      `    conf_dir = ${q(confDir)}`,
      "    max_conf_num = 1",
      '  [plugins."io.containerd.grpc.v1.cri".containerd]',
      '    snapshotter = "overlayfs"',
      '    default_runtime_name = "runc"',
      '    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]',
      '      runtime_type = "io.containerd.runc.v2"',
      '      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]',
      `        Root = ${q(join(dir, "runc"))}`,
      "        SystemdCgroup = false",
      "",
    ].join("\n"),
  );
  // The bridge, with the host's address, before any pod: the plugin finds it and adds the pods' ports.
  spawnSync("ip", ["link", "del", CRI_BRIDGE], { stdio: "ignore" }); // a leftover from a killed run
  for (const args of [
    ["link", "add", CRI_BRIDGE, "type", "bridge"],
    ["addr", "add", `${CRI_HOST_ADDRESS}/24`, "dev", CRI_BRIDGE],
    ["link", "set", CRI_BRIDGE, "up"],
  ]) {
    const r = spawnSync("ip", args, { encoding: "utf8" });
    if (r.status !== 0) {
      spawnSync("ip", ["link", "del", CRI_BRIDGE], { stdio: "ignore" });
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`ip ${args.join(" ")}: ${r.stderr.trim()}`);
    }
  }
  const log = join(dir, "containerd.log");
  writeFileSync(log, "");
  // Its log straight into the file: a pipe that no one reads while the caller waits in spawnSync would block it.
  const logFd = openSync(log, "a");
  const child: ChildProcess = spawn("containerd", ["-c", config], { stdio: ["ignore", "ignore", logFd] });
  closeSync(logFd);
  const ctr = (args: string[]): Ran => {
    const r = spawnSync("ctr", ["-a", sock, "-n", "k8s.io", ...args], { encoding: "utf8", timeout: 120_000 });
    return { status: r.status, stdout: r.stdout ?? "", stderr: (r.stderr ?? "") + (r.error ? String(r.error) : "") };
  };
  const client = criClient(sock);
  // Processes started for this containerd: itself and everything below it, and its shims (which containerd
  // starts detached: their parent is not containerd, but their command line names its socket).
  const processes = () => {
    const mine = [...processTable()]
      .filter(([pid, [, cmd]]) => pid !== child.pid && cmd.includes(`-address ${sock}`))
      .map(([pid]) => pid);
    return descendants(mine);
  };
  const leftovers = () => [
    ...natRules().filter((l) => /CNI-DN-/.test(l)),
    ...(existsSync("/var/lib/cni/results")
      ? readdirSync("/var/lib/cni/results").filter((f) => f.startsWith(`${CRI_NETWORK}-`))
      : []),
  ];
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    // What a test left: its pods (the CRI stops their containers and tears their network down).
    if (child.exitCode === null) {
      try {
        const pods = await client.call<{ items: { id: string }[] }>("runtime", "ListPodSandbox", {}, 10_000);
        for (const { id } of pods.items) {
          await client.call("runtime", "StopPodSandbox", { podSandboxId: id }, 30_000).catch(() => {});
          await client.call("runtime", "RemovePodSandbox", { podSandboxId: id }, 30_000).catch(() => {});
        }
      } catch {
        // containerd is not answering: its processes are ended below
      }
    }
    client.close();
    const shims = processes();
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
      await exited;
      clearTimeout(timer);
    }
    for (const pid of shims.keys()) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
    for (let i = 0; i < 50 && [...shims.keys()].some((p) => existsSync(`/proc/${p}`)); i++) await sleep(100);
    unmountUnder(dir);
    rmSync(dir, { recursive: true, force: true });
    spawnSync("ip", ["link", "del", CRI_BRIDGE], { stdio: "ignore" });
    if (!portmapBefore) removePortmapChains();
    if (existsSync("/var/lib/cni/results"))
      for (const f of readdirSync("/var/lib/cni/results"))
        if (f.startsWith(`${CRI_NETWORK}-`)) rmSync(join("/var/lib/cni/results", f), { force: true });
    for (const p of outside) removeIfEmpty(p);
  };
  const up = async () => {
    for (const end = Date.now() + 60_000; Date.now() < end; await sleep(250)) {
      if (child.exitCode !== null) return false;
      try {
        await client.call("runtime", "Version", { version: "v1" }, 2_000);
        return true;
      } catch {
        // not yet
      }
    }
    return false;
  };
  if (!(await up())) {
    const why = readFileSync(log, "utf8").trim().split("\n").slice(-5).join(" | ");
    await stop();
    throw new Error(`containerd with its CRI plugin did not start: ${why}`);
  }
  const imported = ctr(["images", "import", buildPauseArchive(dir)]);
  if (imported.status !== 0) {
    await stop();
    throw new Error(`ctr images import (the pause image): ${imported.stderr.trim()}`);
  }
  return { dir, sock, client, ipamDir: join(ipamData, CRI_NETWORK), netnsDir, ctr, processes, leftovers, stop };
}
