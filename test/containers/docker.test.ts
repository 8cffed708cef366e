// Tessera images in real engines: each packaged image loads in Docker 20.10
// (docker load), podman (podman load), containerd (ctr images import) and
// skopeo (oci-archive:); in docker and podman a container behaves like one:
// the words after the image name are the guest's command line, its exit
// status is the guest's (255 for a panic), docker stop ends it at once,
// docker logs has its console, -m sizes its memory, stray signals do no harm,
// a disk on a volume is refused to a second container while the first runs,
// and docker run -p PORT:80 reaches examples/http through tessera-spt's
// user-mode networking. The engines are started here and stopped after (test/helpers/engines.ts).
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { TESSERA, tessera } from "../helpers/cli.js";
import {
  containerdMissing,
  dockerMissing,
  podmanMissing,
  startContainerd,
  startDocker,
  startPodman,
  type Containerd,
  type Docker,
  type Podman,
  type Ran,
} from "../helpers/engines.js";
import { staticTenderMissing } from "../helpers/package.js";
import { command, firstMissing, need } from "../helpers/require.js";
import { buildFor, targetMissing } from "../helpers/targets.js";
import { BackgroundTessera } from "../helpers/netns.js";
import { freePort } from "../helpers/ports.js";

/** The images: app, tag, extra package options. */
const APPS = {
  hello: { app: "examples/hello", tag: "tessera-test/hello:1", options: [] as string[] },
  // Their ports and disks come from the images' manifests (tessera build records package.json's), as a user's would.
  http: { app: "examples/http", tag: "tessera-test/http:1", options: [] as string[] },
  kv: { app: "examples/kv", tag: "tessera-test/kv:1", options: [] as string[] },
  crashy: { app: "test/fixtures/crashy", tag: "tessera-test/crashy:1", options: [] },
  memory: { app: "test/fixtures/memory-limit", tag: "tessera-test/memory-limit:1", options: [] },
  disk: { app: "test/fixtures/disk-hold", tag: "tessera-test/disk-hold:1", options: ["--disk", "storage=1M"] },
};
type App = keyof typeof APPS;

/** Packaged images: the archive and the image digest tessera printed. */
const archives = new Map<App, { file: string; digest: string }>();
let dir = "";

const buildMissing = () => firstMissing(() => targetMissing("spt"), staticTenderMissing);

/** Builds and packages every app once for the file (about a minute: wasm2c and gcc). */
function packageAll(): void {
  if (archives.size) return;
  dir = mkdtempSync(join(tmpdir(), "tessera-engines-"));
  for (const [name, a] of Object.entries(APPS) as [App, (typeof APPS)[App]][]) {
    const image = buildFor(a.app, "spt", join(dir, "out"));
    const file = join(dir, `${name}.tar`);
    const r = tessera(["package", image, "-t", a.tag, "-o", file, ...a.options]);
    expect(r.status, r.stderr).toBe(0);
    const digest = /image (sha256:[0-9a-f]{64})/.exec(r.stderr)?.[1];
    expect(digest, r.stderr).toBeDefined();
    archives.set(name, { file, digest: digest as string });
    const size = /(\d+) bytes; image/.exec(r.stderr)?.[1];
    const layer = /([\d.]+ KiB) gzip-compressed/.exec(r.stderr)?.[1];
    console.log(`packaged ${name}: archive ${size} bytes, layer ${layer} gzip-compressed, image ${digest}`);
  }
}

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Expects `r` to have succeeded. */
function ok(r: Ran): Ran {
  expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
  return r;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("docker (Debian's Docker 20.10)", () => {
  const why = need("the docker tests", firstMissing(buildMissing, dockerMissing));
  let docker: Docker;
  beforeAll(async () => {
    if (why) return;
    packageAll();
    docker = await startDocker();
  }, 600_000);
  afterAll(async () => {
    await docker?.stop();
  }, 60_000);
  const run = (...args: string[]) => docker.run(args);

  test.skipIf(why !== null)("docker load takes every image; its config as packaged", () => {
    for (const [name, a] of Object.entries(APPS) as [App, (typeof APPS)[App]][]) {
      const r = ok(docker.run(["load", "-i", archives.get(name)?.file as string]));
      expect(r.stdout).toContain(`Loaded image: ${a.tag}`);
    }
    const http = JSON.parse(ok(run("image", "inspect", APPS.http.tag)).stdout)[0].Config;
    expect(http.Entrypoint).toEqual(["/tessera-spt", "--publish", "0.0.0.0:80:80", "/http.spt", "--"]);
    expect(http.ExposedPorts).toEqual({ "80/tcp": {} });
    expect(http.Labels["org.tessera.devices"]).toBe("net:service");
    const kv = JSON.parse(ok(run("image", "inspect", APPS.kv.tag)).stdout)[0].Config;
    expect(kv.Entrypoint).toEqual([
      "/tessera-spt",
      "--block",
      "storage=/data/storage.img",
      "--block-create",
      "storage=67108864",
      "--publish",
      "0.0.0.0:80:80",
      "/kv.spt",
      "--",
    ]);
    expect(kv.Volumes).toEqual({ "/data": {} });
  });

  test.skipIf(why !== null)("hello: the words after the image are its command line; the status is 0", () => {
    const r = ok(run("run", "--rm", "--network", "none", APPS.hello.tag, "one", "two=2"));
    expect(r.stdout).toMatch(/^Hello from Tessera!\nargs: one two=2\nwall clock: \d{4}-/);
    expect(r.stderr).toBe("");
  });

  test.skipIf(why !== null)("the container's exit status is the guest's: exit=7 is 7, a panic 255", () => {
    expect(run("run", "--rm", "--network", "none", APPS.crashy.tag, "exit=7").status).toBe(7);
    const panic = run("run", "--rm", "--network", "none", APPS.crashy.tag, "assert");
    expect(panic.status).toBe(255);
    expect(panic.stderr).toContain("panic: the assert argument was given");
  });

  test.skipIf(why !== null)(
    "http in docker run -d -p PORT:80: curl through the published port gets what the Node tender serves, byte for byte",
    async () => {
      const wasm = buildFor(APPS.http.app, "node", join(dir, "out"));
      const node = new BackgroundTessera(["run", wasm, "--publish", "0:80"]);
      const port = await freePort();
      const id = ok(run("run", "-d", "-p", `127.0.0.1:${port}:80`, APPS.http.tag)).stdout.trim();
      try {
        for (const line of [/dhcp: 10\.0\.2\.15/, /publishing http:\/\/127\.0\.0\.1:\d+/])
          // stdout, stderr
          expect(await node.waitFor(line, 30_000), node.output).toBe(true);
        const nodePort = Number(/publishing http:\/\/127\.0\.0\.1:(\d+)/.exec(node.output)![1]);
        for (let t = 0; t < 100 && !run("logs", id).stdout.includes("dhcp: 10.0.2.15"); t++) await sleep(100);
        const curl = (p: number, path: string, ...args: string[]) =>
          spawnSync("curl", ["-s", "-i", "--max-time", "10", ...args, `http://127.0.0.1:${p}${path}`], {
            encoding: "latin1",
          });
        for (const path of ["/", "/how.html", "/style.css", "/logo.svg", "/favicon.svg", "/nope"])
          for (const args of [[], ["--compressed"], ["-I"]]) {
            const want = curl(nodePort, path, ...args);
            expect(want.status, want.stderr).toBe(0);
            const got = curl(port, path, ...args);
            expect(got.status, `curl ${path}: ${got.stderr}`).toBe(0);
            expect(got.stdout, `${path} ${args.join(" ")}`).toBe(want.stdout);
          }
        const logs = run("logs", id);
        expect(logs.stdout).toMatch(
          /^\d+\.\d{6} info  http: serving 6 paths port=80\n\d+\.\d{6} info  dhcp: 10\.0\.2\.15\/24 gw 10\.0\.2\.2/,
        );
        expect(logs.stderr).toBe("tessera-spt: publishing http://127.0.0.1:80 (on every address) -> guest port 80\n");
        const start = performance.now();
        ok(run("stop", id));
        const stopMs = performance.now() - start;
        console.log(`docker run -p ${port}:80: curl answered byte for byte; docker stop took ${stopMs.toFixed(0)} ms`);
        expect(stopMs).toBeLessThan(8000); // a behaviour bound: Docker kills after its 10 s grace period
        expect(run("inspect", "-f", "{{.State.ExitCode}}", id).stdout.trim()).toBe("143");
      } finally {
        run("rm", "-f", id);
        await node.stop();
      }
    },
    120_000,
  );

  test.skipIf(why !== null)("-m: guest memory is the container's limit less 16 MiB; too small a limit says so", () => {
    const limitOf = (r: Ran) => Number(/memory: limit (\d+)/.exec(r.stdout)?.[1]);
    const free = ok(run("run", "--rm", "--network", "none", APPS.memory.tag));
    const capped = ok(run("run", "--rm", "--network", "none", "-m", "64m", APPS.memory.tag));
    // The heap is guest memory less the image, the boot page, the stack (1 MiB) and its guard page.
    expect(limitOf(free)).toBeGreaterThan(60 << 20);
    expect(limitOf(free)).toBeLessThanOrEqual(64 << 20);
    expect(limitOf(capped)).toBeGreaterThan(44 << 20);
    expect(limitOf(capped)).toBeLessThanOrEqual(48 << 20);
    expect(capped.stdout).toContain("grown: size");
    const tiny = run("run", "--rm", "--network", "none", "-m", "8m", APPS.memory.tag);
    expect(tiny.status).toBe(2);
    expect(tiny.stderr).toMatch(/memory limit is 8 MiB: .*docker run -m 20m/);
  });

  test.skipIf(why !== null)("docker stop ends the guest at once (143); docker logs has its console", async () => {
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      const id = ok(run("run", "-d", "--network", "none", APPS.disk.tag)).stdout.trim();
      for (let t = 0; t < 100 && !run("logs", id).stdout.includes("tick 1"); t++) await sleep(100);
      const logs = run("logs", id);
      expect(logs.stdout).toMatch(/^disk-hold: holding storage, 1048576 bytes\ndisk-hold: tick 1\n/);
      expect(logs.stderr).toMatch(/--block storage=\/data\/storage\.img: created it: 1048576 bytes/);
      const start = performance.now();
      ok(run("stop", id));
      times.push(performance.now() - start);
      expect(run("inspect", "-f", "{{.State.ExitCode}}", id).stdout.trim()).toBe("143");
      ok(run("rm", "-v", id));
    }
    console.log(
      `docker stop: ${times.map((t) => `${t.toFixed(0)} ms`).join(", ")}; median ${median(times).toFixed(0)} ms`,
    );
    // A behaviour bound, not a benchmark: Docker's grace period is 10 s, after which it kills; a tender that
    // ignored SIGTERM would take all of it. 8 s leaves room for a loaded CI machine.
    for (const t of times) expect(t).toBeLessThan(8000);
  });

  test.skipIf(why !== null)(
    "stray signals do no harm; docker kill ends it; a disk on a volume is one container's at a time",
    async () => {
      ok(run("volume", "create", "tessera-test-disk"));
      const volume = ["-v", "tessera-test-disk:/data"];
      try {
        const first = ok(run("run", "-d", "--network", "none", ...volume, APPS.disk.tag)).stdout.trim();
        const ticks = () => (run("logs", first).stdout.match(/tick/g) ?? []).length;
        for (let t = 0; t < 100 && ticks() < 1; t++) await sleep(100);
        for (const sig of ["WINCH", "HUP", "USR1", "USR2", "PIPE", "ALRM", "CONT"]) ok(run("kill", "-s", sig, first));
        const before = ticks();
        await sleep(2500);
        expect(run("inspect", "-f", "{{.State.Running}}", first).stdout.trim()).toBe("true");
        expect(ticks()).toBeGreaterThan(before);
        // A second container on the same volume while the first runs: refused by the lock, in one line.
        const second = run("run", "--rm", "--network", "none", ...volume, APPS.disk.tag);
        expect(second.status).toBe(1);
        expect(second.stderr).toMatch(
          /^tessera-spt: --block storage=\/data\/storage\.img: in use by another tender \(pid 1 in its own PID namespace, which may be another container's; its lock is \/data\/storage\.img\.lock\): stop that one first\n$/,
        );
        // docker kill (SIGKILL): no time to remove the lock file, but its kernel lock goes with the process.
        ok(run("kill", first));
        expect(run("inspect", "-f", "{{.State.ExitCode}}", first).stdout.trim()).toBe("137");
        ok(run("rm", first));
        const third = ok(run("run", "-d", "--network", "none", ...volume, APPS.disk.tag)).stdout.trim();
        for (let t = 0; t < 100 && !run("logs", third).stdout.includes("tick 1"); t++) await sleep(100);
        const logs = run("logs", third);
        expect(logs.stdout).toContain("disk-hold: holding storage, 1048576 bytes");
        expect(logs.stderr).not.toContain("created it"); // the first one's disk, kept on the volume
        // SIGINT is forwarded as SIGTERM is: the container ends at once with 130.
        ok(run("kill", "-s", "INT", third));
        expect(ok(run("wait", third)).stdout.trim()).toBe("130");
        ok(run("rm", third));
      } finally {
        run("volume", "rm", "-f", "tessera-test-disk");
      }
    },
    60_000,
  );

  test.skipIf(why !== null)("tessera package --load docker pipes the image into docker load", () => {
    const image = join(dir, "out", "hello.spt");
    const r = spawnSync(
      process.execPath,
      [TESSERA, "package", image, "-t", "tessera-test/loaded:2", "--load", "docker"],
      {
        env: docker.env,
        encoding: "utf8",
      },
    );
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain("Loaded image: tessera-test/loaded:2");
    expect(r.stderr).toContain(`loaded tessera-test/loaded:2 (image ${archives.get("hello")?.digest})`);
    expect(ok(run("run", "--rm", "--network", "none", "tessera-test/loaded:2", "x")).stdout).toContain("args: x\n");
  });
});

describe("podman", () => {
  const why = need("the podman tests", firstMissing(buildMissing, podmanMissing));
  let podman: Podman;
  beforeAll(() => {
    if (why) return;
    packageAll();
    podman = startPodman();
  }, 600_000);
  afterAll(async () => {
    await podman?.stop();
  }, 60_000);

  test.skipIf(why !== null)("podman load takes hello, http and kv; hello runs with its command line", () => {
    for (const name of ["hello", "http", "kv", "crashy"] as App[]) {
      const r = ok(podman.run(["load", "-i", archives.get(name)?.file as string]));
      expect(r.stdout).toContain(`Loaded image: docker.io/${APPS[name].tag}`);
    }
    const r = ok(podman.run(["run", "--rm", "--network", "none", APPS.hello.tag, "from", "podman"]));
    expect(r.stdout).toMatch(/^Hello from Tessera!\nargs: from podman\n/);
    const panic = podman.run(["run", "--rm", "--network", "none", APPS.crashy.tag, "assert"]);
    expect(panic.status).toBe(255);
    expect(panic.stderr).toContain("panic: the assert argument was given");
  });

  test.skipIf(why !== null)("tessera package --load podman", () => {
    const image = join(dir, "out", "hello.spt");
    const r = spawnSync(
      process.execPath,
      [TESSERA, "package", image, "-t", "tessera-test/loaded:3", "--load", "podman"],
      {
        env: podman.env,
        encoding: "utf8",
      },
    );
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain("Loaded image: docker.io/tessera-test/loaded:3");
  });
});

describe("containerd (ctr images import)", () => {
  const why = need("the containerd tests", firstMissing(buildMissing, containerdMissing));
  let containerd: Containerd;
  beforeAll(async () => {
    if (why) return;
    packageAll();
    containerd = await startContainerd();
  }, 600_000);
  afterAll(async () => {
    await containerd?.stop();
  }, 60_000);

  test.skipIf(why !== null)("ctr imports hello, http and kv under their names and digests; hello runs", () => {
    for (const name of ["hello", "http", "kv"] as App[]) {
      const { file, digest } = archives.get(name) as { file: string; digest: string };
      ok(containerd.ctr(["images", "import", file]));
      const ls = ok(containerd.ctr(["images", "ls"])).stdout;
      expect(ls).toMatch(
        new RegExp(
          `^docker\\.io/${APPS[name].tag}\\s+application/vnd\\.oci\\.image\\.manifest\\.v1\\+json\\s+${digest}`,
          "m",
        ),
      );
    }
    const r = ok(containerd.ctr(["run", "--rm", `docker.io/${APPS.hello.tag}`, "tessera-hello"]));
    expect(r.stdout).toMatch(/^Hello from Tessera!\n/);
    ok(containerd.ctr(["images", "rm", ...(["hello", "http", "kv"] as App[]).map((n) => `docker.io/${APPS[n].tag}`)]));
  });
});

describe("skopeo", () => {
  const why = need(
    "the skopeo tests",
    firstMissing(buildMissing, () => command("skopeo")),
  );
  beforeAll(() => {
    if (!why) packageAll();
  }, 600_000);

  test.skipIf(why !== null)("inspects the archive as oci-archive: and docker-archive:", () => {
    for (const name of ["hello", "http", "kv"] as App[]) {
      const { file, digest } = archives.get(name) as { file: string; digest: string };
      const oci = spawnSync("skopeo", ["inspect", `oci-archive:${file}`], { encoding: "utf8" });
      expect(oci.status, oci.stderr).toBe(0);
      const info = JSON.parse(oci.stdout);
      expect(info.Digest).toBe(digest);
      expect(info.Architecture).toBe("amd64");
      expect(info.Labels["org.tessera.target"]).toBe("spt");
      const dockerArchive = spawnSync("skopeo", ["inspect", `docker-archive:${file}`], { encoding: "utf8" });
      expect(dockerArchive.status, dockerArchive.stderr).toBe(0);
      expect(JSON.parse(dockerArchive.stdout).Labels).toEqual(info.Labels);
    }
  });
});
