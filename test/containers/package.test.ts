// `tessera package`: what goes into the image and its config, that the same
// input gives the same bytes, that the static tender starts in an empty root,
// and that each bad input is one line that says what to do. The engines
// (docker, podman, containerd, skopeo) are test/containers/docker.test.ts.
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { gunzip, sha256, untar } from "../../packages/oci/src/index.js";
import { ROOT, tessera } from "../helpers/cli.js";
import { firstMissing, need, root } from "../helpers/require.js";
import { buildFor, targetMissing, tenderBinary } from "../helpers/targets.js";
import { staticTender, staticTenderMissing } from "../helpers/package.js";

/** An archive's files by name. */
function files(archive: Uint8Array): Map<string, Uint8Array | undefined> {
  return new Map(untar(archive).map((e) => [e.name, e.data]));
}

/** The image config and the layer's files of the archive at `path`. */
function contents(path: string) {
  const all = files(new Uint8Array(readFileSync(path)));
  const json = (name: string) => JSON.parse(new TextDecoder().decode(all.get(name)));
  const docker = json("manifest.json")[0];
  const config = json(docker.Config);
  const layer = new Map(untar(gunzip(all.get(docker.Layers[0]) as Uint8Array)).map((e) => [e.name, e]));
  const index = json("index.json");
  return { config, layer, index, docker, all };
}

/** Expects `r` to have failed with `status` and one line on stderr matching `pattern`. */
function oneLine(r: { status: number | null; stdout: string; stderr: string }, status: number, pattern: RegExp) {
  expect(r.status, r.stderr).toBe(status);
  expect(r.stdout).toBe("");
  expect(r.stderr.endsWith("\n") && r.stderr.split("\n").length === 2, r.stderr).toBe(true);
  expect(r.stderr).toMatch(/^tessera: /);
  expect(r.stderr).toMatch(pattern);
}

describe("tessera package", () => {
  const why = need(
    "tessera package",
    firstMissing(() => targetMissing("spt"), staticTenderMissing),
  );
  let dir = "";
  let hello = "";
  let disk = "";
  let wasm = "";
  beforeAll(() => {
    if (why) return;
    dir = mkdtempSync(join(tmpdir(), "tessera-package-"));
    hello = buildFor("examples/hello", "spt", join(dir, "out"));
    disk = buildFor("test/fixtures/disk-hold", "spt", join(dir, "out"));
    wasm = buildFor("examples/hello", "node", join(dir, "out"));
  }, 300_000);
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test.skipIf(why !== null)("--help says how to use it", () => {
    const r = tessera(["package", "--help"]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^usage: tessera package IMAGE -t NAME:TAG/);
    expect(r.stdout).toMatch(/--load ENGINE/);
    expect(r.stdout).toMatch(/--disk NAME=SIZE/);
  });

  test.skipIf(why !== null)("hello: FROM scratch, the static tender and the image, run with the words after it", () => {
    const out = join(dir, "hello.tar");
    const r = tessera(["package", hello, "-t", "tessera/hello:1", "-o", out]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^tessera: packaging .*hello\.spt \(spt, ABI v\d+, devices: none\) as tessera\/hello:1$/m);
    expect(r.stderr).toMatch(/^tessera: layer: tessera-spt [\d.]+ KiB, hello\.spt [\d.]+ KiB/m);
    const { config, layer, index, docker } = contents(out);
    expect([...layer.keys()].sort()).toEqual(["hello.spt", "tessera-spt"]);
    expect(layer.get("tessera-spt")?.data).toEqual(staticTender());
    expect(layer.get("tessera-spt")?.mode).toBe(0o755);
    expect(layer.get("hello.spt")?.data).toEqual(new Uint8Array(readFileSync(hello)));
    for (const e of layer.values()) expect([e.uid, e.gid, e.mtime]).toEqual([0, 0, 0]);
    expect(config.config.Entrypoint).toEqual(["/tessera-spt", "/hello.spt", "--"]);
    expect(config.config.Cmd).toBeUndefined();
    expect(config.config.ExposedPorts).toBeUndefined();
    expect(config.config.Volumes).toBeUndefined();
    expect(config.config.Labels).toMatchObject({
      "org.opencontainers.image.title": "hello",
      "org.tessera.target": "spt",
      "org.tessera.abi-version": expect.stringMatching(/^\d+$/),
      "org.tessera.version": expect.stringMatching(/^\d+\.\d+\.\d+/),
    });
    expect(config.architecture).toBe("amd64");
    expect(docker.RepoTags).toEqual(["tessera/hello:1"]);
    expect(index.manifests[0].annotations["io.containerd.image.name"]).toBe("docker.io/tessera/hello:1");
    // The digest it prints is the manifest's, which index.json names.
    expect(r.stderr).toContain(`image ${index.manifests[0].digest}`);
  });

  test.skipIf(why !== null)("reproducible: the same input gives the same bytes; another tag the same image", () => {
    const a = join(dir, "a.tar");
    const b = join(dir, "b.tar");
    const c = join(dir, "c.tar");
    for (const [out, tag] of [
      [a, "tessera/hello:1"],
      [b, "tessera/hello:1"],
      [c, "other/name:2"],
    ])
      expect(tessera(["package", hello, "-t", tag, "-o", out]).status).toBe(0);
    const bytesA = readFileSync(a);
    expect(sha256(readFileSync(b))).toBe(sha256(bytesA));
    expect(readFileSync(b).equals(bytesA)).toBe(true);
    expect(readFileSync(c).equals(bytesA)).toBe(false);
    expect(contents(c).index.manifests[0].digest).toBe(contents(a).index.manifests[0].digest);
    console.log(`tessera package: hello twice: ${bytesA.length} bytes each, sha256 ${sha256(bytesA)} both times`);
  });

  test.skipIf(why !== null)("a block device: its disk on the /data volume, created at the given size", () => {
    const out = join(dir, "disk.tar");
    const r = tessera(["package", disk, "-t", "t/disk:1", "--disk", "storage=2M", "-o", out]);
    expect(r.status, r.stderr).toBe(0);
    const { config, layer } = contents(out);
    expect(config.config.Entrypoint).toEqual([
      "/tessera-spt",
      "--block",
      "storage=/data/storage.img",
      "--block-create",
      "storage=2097152",
      "/disk-hold.spt",
      "--",
    ]);
    expect(config.config.Volumes).toEqual({ "/data": {} });
    expect(layer.get("data/")?.mode).toBe(0o755);
    expect(config.config.Labels["org.tessera.devices"]).toBe("block:storage");
    expect(config.config.Labels["org.tessera.disks"]).toBe("storage=2097152");
  });

  test.skipIf(why !== null)(
    "ports and disks from the app's package.json beside the image; the command line wins",
    () => {
      const app = join(dir, "disk-hold");
      mkdirSync(join(app, "build"), { recursive: true });
      writeFileSync(
        join(app, "package.json"),
        JSON.stringify({ name: "@x/disk-hold", tessera: { disks: { storage: "3M" } } }),
      );
      const image = join(app, "build", "disk-hold.spt");
      copyFileSync(disk, image);
      const r = tessera(["package", image, "-t", "t/disk:2"]);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stderr).toContain(`ports and disks from ${join(app, "package.json")}`);
      // Without -o, the archive goes beside the image.
      expect(contents(join(app, "build", "disk-hold.tar")).config.config.Entrypoint).toContain("storage=3145728");
      expect(tessera(["package", image, "-t", "t/disk:2", "--disk", "storage=4M"]).status).toBe(0);
      expect(contents(join(app, "build", "disk-hold.tar")).config.config.Entrypoint).toContain("storage=4194304");
      writeFileSync(join(app, "package.json"), JSON.stringify({ name: "disk-hold", tessera: { ports: "80" } }));
      oneLine(tessera(["package", image, "-t", "t/disk:2"]), 1, /tessera\.ports must be a list of TCP ports/);
    },
  );

  test.skipIf(why !== null)(
    "tessera build records the app's ports and disks in the image, so the image alone is enough",
    () => {
      const app = join(dir, "kv-app");
      mkdirSync(join(app, "assembly"), { recursive: true });
      copyFileSync(join(ROOT, "test/fixtures/disk-hold/assembly/index.ts"), join(app, "assembly/index.ts"));
      writeFileSync(
        join(app, "package.json"),
        JSON.stringify({ name: "kv-app", tessera: { disks: { storage: "8M" } } }),
      );
      const built = tessera(["build", app, "--target", "spt", "-o", join(dir, "elsewhere")]);
      expect(built.status, built.stderr).toBe(0);
      const image = join(dir, "elsewhere", "kv-app.spt");
      const inspect = tessera(["inspect", image]);
      expect(inspect.stdout).toContain("disks: storage 8 MiB");
      const out = join(dir, "kv-app.tar");
      const r = tessera(["package", image, "-t", "t/kv-app:1", "-o", out]);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stderr).toContain(`ports and disks from ${image}'s manifest`);
      const { config } = contents(out);
      expect(config.config.Entrypoint).toContain("storage=8388608");
      // A port for an app with no net device, or a disk size for a device it does not open, is refused at build time.
      const refused = (settings: Record<string, unknown>, pattern: RegExp) => {
        writeFileSync(join(app, "package.json"), JSON.stringify({ name: "kv-app", tessera: settings }));
        const r = tessera(["build", app, "--target", "spt", "-o", join(dir, "elsewhere")]);
        expect(r.status, r.stderr).toBe(1);
        expect(r.stderr.trim().split("\n").at(-1)).toMatch(pattern);
      };
      refused(
        { ports: [80] },
        /kv-app\/package\.json: tessera\.ports: the app opens no net device, so it serves no port$/,
      );
      refused({ disks: { logs: "8M" } }, /tessera\.disks: logs: the app opens no block device "logs"/);
    },
    300_000,
  );

  test.skipIf(why !== null)("each bad input is one line that says what to do", () => {
    const corrupt = join(dir, "corrupt.spt");
    writeFileSync(corrupt, readFileSync(hello).subarray(0, 200));
    const pkg = ["package"];
    oneLine(
      tessera([...pkg, wasm, "-t", "t/x:1"]),
      1,
      new RegExp(
        `^tessera: package: ${wasm.replace(/[.]/g, "\\.")} is a WebAssembly image; containers run native images \\(build one with: tessera build APP --target spt\\)\\n$`,
      ),
    );
    oneLine(tessera([...pkg, join(dir, "nothing.spt"), "-t", "t/x:1"]), 1, /file not found \(build one with/);
    oneLine(tessera([...pkg, corrupt, "-t", "t/x:1"]), 1, /not a Tessera native image \(.*truncated.*build one with/);
    const text = join(dir, "notes.txt");
    writeFileSync(text, "not an image\n");
    oneLine(tessera([...pkg, text, "-t", "t/x:1"]), 1, /not a Tessera native image \(not an ELF file/);
    oneLine(tessera([...pkg, hello, "-t", "Tessera/Hello:1"]), 2, /-t Tessera\/Hello:1: "Tessera" is not a name/);
    oneLine(tessera([...pkg, hello, "-t", "t/x:"]), 2, /the tag "" is not one/);
    oneLine(tessera([...pkg, hello]), 2, /give the image's name with -t NAME:TAG/);
    oneLine(tessera([...pkg, disk, "-t", "t/x:1", "--port", "http"]), 2, /--port http: give a TCP port number/);
    oneLine(tessera([...pkg, disk, "-t", "t/x:1", "--port", "70000"]), 2, /--port 70000: give a TCP port number/);
    oneLine(tessera([...pkg, hello, "-t", "t/x:1", "--port", "80"]), 2, /opens no net device, so it serves no port/);
    oneLine(
      tessera([...pkg, disk, "-t", "t/x:1"]),
      2,
      /opens block device "storage": give the size .* --disk storage=64M/,
    );
    oneLine(tessera([...pkg, disk, "-t", "t/x:1", "--disk", "storage=1000"]), 2, /whole number of 4096-byte blocks/);
    oneLine(tessera([...pkg, disk, "-t", "t/x:1", "--disk", "other=1M"]), 2, /has no block device "other"/);
    oneLine(tessera([...pkg, hello, "-t", "t/x:1", "--load", "lxc"]), 2, /--load lxc: give docker or podman/);
    oneLine(tessera([...pkg, hello, "-t", "t/x:1", "--load", "docker", "-o", "x.tar"]), 2, /not both/);
  });

  test.skipIf(why !== null)("the static tender starts in an empty root: only itself and the image", (ctx) => {
    const noRoot = root();
    if (noRoot) return ctx.skip(noRoot); // chroot needs root; the engines' tests run it in containers too
    const out = join(dir, "hello.tar");
    expect(tessera(["package", hello, "-t", "tessera/hello:1", "-o", out]).status).toBe(0);
    const rootfs = join(dir, "rootfs");
    mkdirSync(rootfs);
    for (const [name, e] of contents(out).layer) writeFileSync(join(rootfs, name), e.data ?? "", { mode: e.mode });
    const r = spawnSync("chroot", [rootfs, "/tessera-spt", "/hello.spt", "--", "in", "a", "chroot"], {
      encoding: "utf8",
    });
    expect(r.stderr).toBe("");
    expect(r.stdout).toMatch(/^Hello from Tessera!\nargs: in a chroot\n/);
    expect(r.status).toBe(0);
    // The dynamically linked tender does not: no loader, no libc in that root.
    copyFileSync(tenderBinary("spt"), join(rootfs, "dynamic"));
    expect(spawnSync("chroot", [rootfs, "/dynamic", "/hello.spt"]).status).not.toBe(0);
  });
});
