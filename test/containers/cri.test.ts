// Kubernetes' path, without a kubelet or a cluster: the calls a kubelet makes
// to containerd's CRI plugin (runtime.v1 over gRPC, test/helpers/cri.ts) run a
// pod of the packaged examples/http image, unchanged, with the stock runc and
// CNI's bridge, host-local and portmap plugins: the pod answers on its
// address byte for byte what the site holds, and on its hostPort; stopping the
// container ends it at once; stopping and removing the pod leaves no
// container, sandbox, network namespace, address, iptables rule or process
// behind. containerd, its CNI config and the pause image are made here.
import { spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { tessera } from "../helpers/cli.js";
import {
  CRI_BRIDGE,
  CRI_HOST_ADDRESS,
  CRI_SUBNET,
  criMissing,
  descendants,
  mountsUnder,
  PAUSE_IMAGE,
  startCri,
  type ContainerStatus,
  type Cri,
  type CriImage,
  type PodSandboxStatus,
} from "../helpers/cri.js";
import { siteFiles } from "../helpers/http-site.js";
import { staticTenderMissing } from "../helpers/package.js";
import { firstMissing, need } from "../helpers/require.js";
import { buildFor, targetMissing } from "../helpers/targets.js";
import { freePort } from "../helpers/ports.js";

const HTTP_IMAGE = "docker.io/tessera-test/http:1";
const MEMORY_IMAGE = "docker.io/tessera-test/memory-limit:1";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * DROP rules in the host's FORWARD chain for the pods' subnet, at its top (as
 * dockerd's FORWARD policy DROP would be for them), touching no one else's
 * traffic: the host reaches the pods without forwarding, so they must still
 * answer and the rules must count no packet. `packets()` reads their counters.
 */
function dropForwarded(): { packets(): number; remove(): void } {
  const tag = ["-m", "comment", "--comment", "tessera-cri-test"];
  const rules = [
    ["-s", CRI_SUBNET, ...tag, "-j", "DROP"],
    ["-d", CRI_SUBNET, ...tag, "-j", "DROP"],
  ];
  const remove = () => {
    for (const r of rules) spawnSync("iptables", ["-D", "FORWARD", ...r], { stdio: "ignore" });
  };
  for (const r of rules) {
    const added = spawnSync("iptables", ["-I", "FORWARD", "1", ...r], { encoding: "utf8" });
    if (added.status !== 0) remove();
    expect(added.status, added.stderr).toBe(0);
  }
  return {
    remove,
    packets: () =>
      spawnSync("iptables-save", ["-c", "-t", "filter"], { encoding: "utf8" })
        .stdout.split("\n")
        .filter((l) => l.includes("tessera-cri-test"))
        .reduce((n, l) => n + Number(/^\[(\d+):/.exec(l)?.[1] ?? 0), 0),
  };
}

/** GET `url` with curl: the body's bytes, or null if nothing answered. */
function get(url: string): Buffer | null {
  const r = spawnSync("curl", ["-s", "-f", "--max-time", "5", url], { maxBuffer: 16 << 20 });
  return r.status === 0 ? r.stdout : null;
}

describe("Kubernetes' path: containerd's CRI (runtime.v1), runc, CNI bridge + host-local + portmap", () => {
  const why = need(
    "the CRI test",
    firstMissing(() => targetMissing("spt"), staticTenderMissing, criMissing),
  );
  let cri: Cri;
  let dir = "";
  const archives: string[] = [];
  beforeAll(async () => {
    if (why) return;
    dir = mkdtempSync(join(tmpdir(), "tessera-cri-test-"));
    for (const [app, tag, options] of [
      ["examples/http", "tessera-test/http:1", ["--app", "examples/http"]],
      ["test/fixtures/memory-limit", "tessera-test/memory-limit:1", []],
    ] as const) {
      const image = buildFor(app, "spt", join(dir, "out"));
      const archive = join(dir, `${tag.replace(/\W/g, "-")}.tar`);
      const r = tessera(["package", image, "-t", tag, "-o", archive, ...options]);
      expect(r.status, r.stderr).toBe(0);
      archives.push(archive);
    }
    cri = await startCri();
    for (const archive of archives) {
      const imported = cri.ctr(["images", "import", archive]);
      expect(imported.status, imported.stderr).toBe(0);
    }
  }, 600_000);
  afterAll(async () => {
    await cri?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 120_000);

  test.skipIf(why !== null)("the CRI answers runtime.v1 and sees the images imported with ctr", async () => {
    const v = await cri.client.call("runtime", "Version", { version: "v1" });
    expect(v.runtimeName).toBe("containerd");
    expect(v.runtimeApiVersion).toBe("v1");
    for (const name of [PAUSE_IMAGE, HTTP_IMAGE, MEMORY_IMAGE]) {
      // The CRI learns of an image ctr imported from containerd's events: a moment after.
      let status: { image: CriImage | null } = { image: null };
      for (let i = 0; i < 40 && !status.image; i++, await sleep(250))
        status = await cri.client.call("image", "ImageStatus", { image: { image: name } });
      expect(status.image?.repoTags, name).toContain(name);
    }
    const list = await cri.client.call<{ images: CriImage[] }>("image", "ListImages", {});
    expect(list.images.flatMap((i) => i.repoTags)).toEqual(expect.arrayContaining([PAUSE_IMAGE, HTTP_IMAGE]));
    console.log(
      `CRI: ${v.runtimeName} ${v.runtimeVersion} (API ${v.runtimeApiVersion}); images: ${list.images
        .map((i) => `${i.repoTags.join(",")} ${i.size} bytes`)
        .join("; ")}`,
    );
  });

  test.skipIf(why !== null)(
    "a pod runs the http image: it answers on its IP and its hostPort; stop and remove leave nothing behind",
    async () => {
      const call = cri.client.call.bind(cri.client);
      const hostPort = await freePort();
      const forward = dropForwarded();
      try {
        const sandboxConfig = {
          metadata: { name: "http", uid: randomUUID(), namespace: "tessera-test", attempt: 0 },
          hostname: "http",
          logDirectory: join(cri.dir, "logs", "http"),
          portMappings: [{ protocol: "TCP", containerPort: 80, hostPort }],
          labels: { app: "http" },
          linux: {},
        };
        let t = performance.now();
        const { podSandboxId } = await call("runtime", "RunPodSandbox", { config: sandboxConfig }, 120_000);
        const runPodMs = performance.now() - t;
        const pod = await call<{ status: PodSandboxStatus; info: Record<string, string> }>(
          "runtime",
          "PodSandboxStatus",
          { podSandboxId, verbose: true },
        );
        expect(pod.status.state).toBe("SANDBOX_READY");
        const ip = pod.status.network?.ip ?? "";
        expect(ip).toMatch(new RegExp(`^${CRI_SUBNET.replace(/\.0\/24$/, "").replace(/\./g, "\\.")}\\.\\d+$`));
        const info = JSON.parse(pod.info.info ?? "{}");
        const netns: string = (info.runtimeSpec?.linux?.namespaces ?? []).find(
          (n: { type: string }) => n.type === "network",
        )?.path;
        expect(netns, pod.info.info).toMatch(new RegExp(`^${cri.netnsDir}/`));
        expect(existsSync(netns)).toBe(true);
        const addresses = () => readdirSync(cri.ipamDir).filter((f) => /^\d+\.\d+\.\d+\.\d+$/.test(f));
        expect(addresses()).toEqual([ip]);

        t = performance.now();
        const { containerId } = await call("runtime", "CreateContainer", {
          podSandboxId,
          config: {
            metadata: { name: "http", attempt: 0 },
            image: { image: HTTP_IMAGE },
            logPath: "http/0.log",
            labels: { app: "http" },
          },
          sandboxConfig,
        });
        await call("runtime", "StartContainer", { containerId });
        const status = await call<{ status: ContainerStatus; info: Record<string, string> }>(
          "runtime",
          "ContainerStatus",
          { containerId, verbose: true },
        );
        expect(status.status.state).toBe("CONTAINER_RUNNING");
        const pid: number = JSON.parse(status.info.info).pid;

        // From the host to the pod's address: out through the bridge (OUTPUT), the answers in (INPUT).
        let index: Buffer | null = null;
        for (let i = 0; i < 100 && !index; i++) if (!(index = get(`http://${ip}/`))) await sleep(100);
        const firstAnswerMs = performance.now() - t;
        // The tender, its gateway's process and the guest's (once it answers: runc init has become the tender).
        const tender = descendants([pid]);
        expect([...tender.values()].join("\n")).toContain("/tessera-spt --publish 0.0.0.0:80:80 /http.spt");
        expect(tender.size).toBe(3);
        const files = siteFiles();
        expect(index?.equals(files.get("/index.html") as Buffer), "GET / is site/index.html").toBe(true);
        for (const [path, bytes] of files) {
          const got = get(`http://${ip}${path === "/index.html" ? "/" : path}`);
          expect(got?.equals(bytes), `GET ${path} from the pod's address, byte for byte`).toBe(true);
        }
        expect(get(`http://${ip}/healthz`)?.toString()).toMatch(/^ok\b/);
        // The hostPort, through portmap's DNAT: at the host's own addresses.
        for (const host of [CRI_HOST_ADDRESS, "127.0.0.1"]) {
          const got = get(`http://${host}:${hostPort}/`);
          expect(got?.equals(files.get("/index.html") as Buffer), `GET / at ${host}:${hostPort} (hostPort)`).toBe(true);
        }
        expect(forward.packets(), "packets to or from the pod went through the host's FORWARD chain").toBe(0);

        t = performance.now();
        await call("runtime", "StopContainer", { containerId, timeout: 10 }, 30_000);
        const stopMs = performance.now() - t;
        const stopped = await call<{ status: ContainerStatus }>("runtime", "ContainerStatus", { containerId });
        expect(stopped.status.state).toBe("CONTAINER_EXITED");
        expect(stopped.status.exitCode).toBe(143); // the tender ends on SIGTERM, as under docker stop
        expect(stopMs).toBeLessThan(5000); // a behaviour bound: the CRI kills after the 10 s timeout given
        // The container's log, in the CRI's format (TIME STREAM TAG LINE): the guest's console.
        const log = readFileSync(stopped.status.logPath, "utf8");
        expect(log).toMatch(/^\S+ stdout F \d+\.\d{6} info  http: serving 6 paths port=80$/m);
        expect(log).toMatch(/^\S+ stderr F tessera-spt: publishing http:\/\/127\.0\.0\.1:80 .*-> guest port 80$/m);
        console.log(
          `CRI pod ${ip} (hostPort ${hostPort}): RunPodSandbox ${runPodMs.toFixed(0)} ms; create+start to the first ` +
            `answer ${firstAnswerMs.toFixed(0)} ms; StopContainer ${stopMs.toFixed(0)} ms (exit ${stopped.status.exitCode}); ` +
            `with FORWARD dropping the pods' subnet`,
        );

        await call("runtime", "RemoveContainer", { containerId });
        expect((await call("runtime", "ListContainers", {})).containers).toEqual([]);
        await call("runtime", "StopPodSandbox", { podSandboxId }, 60_000);
        await call("runtime", "RemovePodSandbox", { podSandboxId }, 60_000);
        expect((await call("runtime", "ListPodSandbox", {})).items).toEqual([]);

        // Nothing left: the network namespace, its mount, the address, the pod's port on the bridge, the NAT
        // rules for its hostPort, libcni's cached result, the shims and the tender's processes.
        expect(existsSync(netns), netns).toBe(false);
        expect(mountsUnder(cri.netnsDir)).toEqual([]);
        expect(addresses()).toEqual([]);
        expect(spawnSync("ip", ["-o", "link", "show", "master", CRI_BRIDGE], { encoding: "utf8" }).stdout).toBe("");
        expect(cri.leftovers()).toEqual([]);
        expect(spawnSync("iptables-save", ["-t", "nat"], { encoding: "utf8" }).stdout).not.toContain(
          `--dport ${hostPort}`,
        );
        expect([...cri.processes()]).toEqual([]);
        for (const [p, cmd] of tender)
          expect(existsSync(`/proc/${p}`) && descendants([p]).get(p) === cmd, cmd).toBe(false);
      } finally {
        forward.remove();
      }
    },
    300_000,
  );
  /** A pod (no ports) for the tests below: its id and config. */
  async function runPod(name: string) {
    const config = {
      metadata: { name, uid: randomUUID(), namespace: "tessera-test", attempt: 0 },
      hostname: name,
      logDirectory: join(cri.dir, "logs", name),
      linux: {},
    };
    const { podSandboxId } = await cri.client.call("runtime", "RunPodSandbox", { config }, 120_000);
    return { podSandboxId: podSandboxId as string, config };
  }

  async function removePod(podSandboxId: string) {
    await cri.client.call("runtime", "StopPodSandbox", { podSandboxId }, 60_000);
    await cri.client.call("runtime", "RemovePodSandbox", { podSandboxId }, 60_000);
  }

  test.skipIf(why !== null)(
    "resources.limits.memory (the CRI's memory_limit_in_bytes) sizes guest memory: 64 MiB gives the guest 48",
    async () => {
      const call = cri.client.call.bind(cri.client);
      const pod = await runPod("memory");
      try {
        const { containerId } = await call("runtime", "CreateContainer", {
          podSandboxId: pod.podSandboxId,
          config: {
            metadata: { name: "memory", attempt: 0 },
            image: { image: MEMORY_IMAGE },
            logPath: "memory/0.log",
            linux: { resources: { memoryLimitInBytes: 64 << 20 } },
          },
          sandboxConfig: pod.config,
        });
        await call("runtime", "StartContainer", { containerId });
        let status: ContainerStatus | undefined;
        for (let i = 0; i < 300; i++, await sleep(100)) {
          status = (await call<{ status: ContainerStatus }>("runtime", "ContainerStatus", { containerId })).status;
          if (status.state === "CONTAINER_EXITED") break;
        }
        expect(status?.state).toBe("CONTAINER_EXITED");
        const log = readFileSync(status?.logPath as string, "utf8");
        expect(status?.exitCode, log).toBe(0);
        const limit = Number(/memory: limit (\d+)/.exec(log)?.[1]);
        // The heap is guest memory (the limit less the tender's 16 MiB) less the image, the boot page and the stack.
        expect(limit, log).toBeGreaterThan(44 << 20);
        expect(limit, log).toBeLessThanOrEqual(48 << 20);
        expect(log).toContain("grown: size");
        await call("runtime", "RemoveContainer", { containerId });
      } finally {
        await removePod(pod.podSandboxId);
      }
    },
    120_000,
  );

  test.skipIf(why !== null)(
    "StopContainer ends the http container at once, five times over",
    async () => {
      const call = cri.client.call.bind(cri.client);
      const pod = await runPod("stops");
      const ip = (await call<{ status: PodSandboxStatus }>("runtime", "PodSandboxStatus", pod)).status.network?.ip;
      const times: number[] = [];
      try {
        for (let attempt = 0; attempt < 5; attempt++) {
          const { containerId } = await call("runtime", "CreateContainer", {
            podSandboxId: pod.podSandboxId,
            config: {
              metadata: { name: "http", attempt },
              image: { image: HTTP_IMAGE },
              logPath: `http/${attempt}.log`,
            },
            sandboxConfig: pod.config,
          });
          await call("runtime", "StartContainer", { containerId });
          let answered = false;
          for (let i = 0; i < 100 && !(answered = get(`http://${ip}/healthz`) !== null); i++) await sleep(100);
          expect(answered, `attempt ${attempt}: the pod answered`).toBe(true);
          const t = performance.now();
          await call("runtime", "StopContainer", { containerId, timeout: 10 }, 30_000);
          times.push(performance.now() - t);
          const { status } = await call<{ status: ContainerStatus }>("runtime", "ContainerStatus", { containerId });
          expect([status.state, status.exitCode]).toEqual(["CONTAINER_EXITED", 143]);
          await call("runtime", "RemoveContainer", { containerId });
          expect(get(`http://${ip}/healthz`), "nothing answers once it is stopped").toBe(null);
        }
      } finally {
        await removePod(pod.podSandboxId);
      }
      const sorted = [...times].sort((a, b) => a - b);
      console.log(
        `StopContainer (timeout 10 s) x5: median ${sorted[2].toFixed(0)} ms, max ${sorted[4].toFixed(0)} ms ` +
          `(${times.map((t) => t.toFixed(0)).join(", ")})`,
      );
      expect(sorted[4]).toBeLessThan(5000); // a behaviour bound: the CRI would kill after 10 s
      expect((await call("runtime", "ListPodSandbox", {})).items).toEqual([]);
    },
    180_000,
  );
});
