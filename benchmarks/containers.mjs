#!/usr/bin/env node
// examples/http as a container image (`tessera package`) against nginx
// serving the same site from an image built here the way a user without a
// registry would: Debian's nginx binary, the libraries it links and a config
// in a root filesystem, `docker import`ed. In one run, on a dockerd started
// for it (test/helpers/engines.ts: its own directory and bridge, no iptables):
//
//   1. size: each image's layers as a registry stores them (gzip, level 6,
//      of what `docker save` gives), and the layer `tessera package` wrote;
//   2. `docker run -d -p` to the first HTTP answer through the published
//      port, the two images interleaved;
//   3. N containers of each image running at once, each answering on its
//      address: the memory of each container's processes (RSS and PSS, the
//      shim aside: it is the same for both).
//
// Writes benchmarks/results/containers.json and docs/img/containers-*.svg.
//
//   sudo node benchmarks/containers.mjs [--rounds N] [--many N]
import { spawnSync } from "node:child_process";
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { gzipSync } from "node:zlib";
import { median } from "./lib/stats.mjs";
import { barChart } from "./lib/svg.mjs";
import { buildExample, requireRoot, root } from "./lib/testbed.mjs";
import { importTs } from "./lib/typescript.mjs";

const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const rounds = arg("--rounds", 10);
const many = arg("--many", 100);
if (!(rounds >= 1 && many >= 1 && many <= 200)) {
  console.error("containers.mjs: --rounds takes a whole number of at least 1, --many one from 1 to 200");
  process.exit(2);
}
if (process.argv.includes("--help")) {
  console.log("usage: sudo node benchmarks/containers.mjs [--rounds N] [--many N]");
  process.exit(0);
}
requireRoot("containers.mjs");
const { startDocker, dockerMissing } = await importTs("test/helpers/engines.ts");
const missing = dockerMissing();
if (missing) {
  console.error(`containers.mjs: ${missing}`);
  process.exit(2);
}

const TESSERA = "tessera-bench/http:1";
const NGINX = "tessera-bench/nginx:1";
const work = mkdtempSync(join(tmpdir(), "tessera-containers-"));
const docker = await startDocker();
const done = async () => {
  docker.run(["rmi", "-f", TESSERA, NGINX]);
  await docker.stop();
  rmSync(work, { recursive: true, force: true });
};
process.on("SIGINT", () => done().then(() => process.exit(130)));

/** `docker ARGS`; its stdout, or throws with what it printed. */
function dock(args, opts) {
  const r = docker.run(args, opts);
  if (r.status !== 0) throw new Error(`docker ${args.join(" ")}: ${r.stderr.trim()}`);
  return r.stdout.trim();
}

/** The http image, packaged and loaded; the bytes of its gzip layer as `tessera package` wrote it. */
function tesseraImage() {
  const image = buildExample("http", "spt");
  const tar = join(work, "http.tar");
  const cli = `${root}packages/cli/bin/tessera.cjs`;
  const r = spawnSync(process.execPath, [cli, "package", image, "-t", TESSERA, "-o", tar], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(r.stderr);
  dock(["load", "-i", tar]);
  return statSync(tar).size;
}

/** The libraries `ldd` says `bin` loads, and the dynamic loader. */
function libraries(bin) {
  const out = spawnSync("ldd", [bin], { encoding: "utf8" }).stdout;
  return [...out.matchAll(/(\/\S+) \(0x/g)].map((m) => m[1]);
}

/** nginx in a root filesystem of its own: Debian's binary, its libraries, a config, the site; imported. */
function nginxImage() {
  const fs = join(work, "nginx-root");
  const copy = (from, to = from) => {
    mkdirSync(dirname(join(fs, to)), { recursive: true });
    copyFileSync(from, join(fs, to));
  };
  copy("/usr/sbin/nginx");
  for (const lib of libraries("/usr/sbin/nginx")) copy(lib);
  copy("/etc/nginx/mime.types");
  for (const d of ["tmp", "var/log/nginx", "var/lib/nginx", "run"]) mkdirSync(join(fs, d), { recursive: true });
  writeFileSync(join(fs, "etc/passwd"), "root:x:0:0:root:/:/nonexistent\nnobody:x:65534:65534:nobody:/:/nonexistent\n");
  writeFileSync(join(fs, "etc/group"), "root:x:0:\nnogroup:x:65534:\n");
  // What the official image does, less the logs: a master and one worker, in the foreground.
  writeFileSync(
    join(fs, "etc/nginx/nginx.conf"),
    `user nobody nogroup;
worker_processes 1;
daemon off;
pid /run/nginx.pid;
error_log stderr;
events { worker_connections 1024; }
http {
  include mime.types;
  access_log off;
  client_body_temp_path /tmp/body;
  proxy_temp_path /tmp/proxy;
  fastcgi_temp_path /tmp/fastcgi;
  uwsgi_temp_path /tmp/uwsgi;
  scgi_temp_path /tmp/scgi;
  server { listen 80; root /srv/site; }
}
`,
  );
  const site = join(root, "examples/http/site");
  const walk = (d) => {
    for (const name of readdirSync(join(site, d))) {
      const rel = join(d, name);
      if (statSync(join(site, rel)).isDirectory()) walk(rel);
      else copy(join(site, rel), join("srv/site", rel));
    }
  };
  walk("");
  const tar = spawnSync("tar", ["-C", fs, "--numeric-owner", "--owner=0", "--group=0", "-cf", "-", "."], {
    maxBuffer: 256 << 20,
  });
  if (tar.status !== 0) throw new Error(`tar: ${tar.stderr}`);
  dock(
    [
      "import",
      "-c",
      'ENTRYPOINT ["/usr/sbin/nginx", "-c", "/etc/nginx/nginx.conf"]',
      "-c",
      "EXPOSE 80/tcp",
      "-",
      NGINX,
    ],
    { input: tar.stdout },
  );
}

/** An image's layers as a registry stores them: each layer tar of `docker save`, gzipped at level 6. */
function compressedSize(image) {
  const dir = join(work, "save");
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir);
  dock(["save", "-o", join(dir, "image.tar"), image]);
  const x = spawnSync("tar", ["-C", dir, "-xf", join(dir, "image.tar")]);
  if (x.status !== 0) throw new Error(`tar -x: ${x.stderr}`);
  const [manifest] = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8"));
  let bytes = readFileSync(join(dir, manifest.Config)).length;
  for (const layer of manifest.Layers) bytes += gzipSync(readFileSync(join(dir, layer)), { level: 6 }).length;
  return bytes;
}

/** Resolves true once GET / on host:port answers 200, false after `ms`. */
async function answers(host, port, ms) {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    const ok = await new Promise((resolve) => {
      const req = http.get({ host, port, path: "/", agent: false, timeout: 1000 }, (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode === 200));
        res.on("error", () => resolve(false));
      });
      req.on("timeout", () => req.destroy());
      req.on("error", () => resolve(false));
    });
    if (ok) return true;
    await new Promise((r) => setTimeout(r, 5));
  }
  return false;
}

/** `docker run -d -p` to the first 200 through the published port, in ms; the container is removed after. */
async function firstAnswer(image, port) {
  const t0 = performance.now();
  const id = dock(["run", "-d", "-p", `127.0.0.1:${port}:80`, image]);
  const started = performance.now() - t0;
  const ok = await answers("127.0.0.1", port, 30_000);
  const ms = performance.now() - t0;
  dock(["rm", "-f", id]);
  if (!ok) throw new Error(`${image} did not answer on port ${port} within 30 s`);
  return { ms, started };
}

/** The pids of `pid` and its descendants. */
function tree(pid) {
  const out = [pid];
  for (let i = 0; i < out.length; i++) {
    for (const task of readdirSync(`/proc/${out[i]}/task`)) {
      const kids = readFileSync(`/proc/${out[i]}/task/${task}/children`, "utf8").trim();
      if (kids) out.push(...kids.split(/\s+/).map(Number));
    }
  }
  return out;
}

/** RSS and PSS (KiB) of `pid`'s process tree. */
function memory(pid) {
  let rss = 0;
  let pss = 0;
  for (const p of tree(pid)) {
    const text = readFileSync(`/proc/${p}/smaps_rollup`, "utf8");
    rss += Number(/^Rss:\s+(\d+)/m.exec(text)[1]);
    pss += Number(/^Pss:\s+(\d+)/m.exec(text)[1]);
  }
  return { rss, pss };
}

/** `many` containers of `image` at once, each answering on its address; median memory per container. */
async function fleet(image) {
  const ids = [];
  try {
    for (let i = 0; i < many; i++) {
      ids.push(dock(["run", "-d", image]));
      if ((i + 1) % 25 === 0) console.error(`  ${image}: ${i + 1} of ${many} started`);
    }
    const rows = [];
    for (const id of ids) {
      const [pid, ip] = dock(["inspect", "-f", "{{.State.Pid}} {{.NetworkSettings.IPAddress}}", id]).split(" ");
      if (!(await answers(ip, 80, 30_000)))
        throw new Error(`${image}: container ${id.slice(0, 12)} (${ip}) never answered`);
      rows.push({ processes: tree(Number(pid)).length, ...memory(Number(pid)) });
    }
    return {
      containers: rows.length,
      processes: rows[0].processes,
      rssKiB: median(rows.map((r) => r.rss)),
      pssKiB: median(rows.map((r) => r.pss)),
    };
  } catch (e) {
    console.error(`  ${image}: ${e.message}`);
    throw e;
  } finally {
    console.error(`  ${image}: removing ${ids.length} containers ...`);
    for (let i = 0; i < ids.length; i += 50) docker.run(["rm", "-f", ...ids.slice(i, i + 50)], { timeout: 300_000 });
  }
}

try {
  console.error("packaging examples/http and building the nginx image ...");
  const packaged = tesseraImage();
  nginxImage();
  const size = { tessera: compressedSize(TESSERA), nginx: compressedSize(NGINX), packaged };
  console.error(`compressed: tessera ${size.tessera} bytes, nginx ${size.nginx} bytes`);

  console.error(`docker run to first answer, ${rounds} rounds, interleaved ...`);
  const runs = { tessera: [], nginx: [] };
  for (let i = 0; i < rounds; i++) {
    for (const [name, image] of i % 2
      ? [
          ["nginx", NGINX],
          ["tessera", TESSERA],
        ]
      : [
          ["tessera", TESSERA],
          ["nginx", NGINX],
        ]) {
      runs[name].push(await firstAnswer(image, 18080 + i));
    }
  }
  const start = Object.fromEntries(
    Object.entries(runs).map(([k, v]) => [
      k,
      { ms: median(v.map((r) => r.ms)), dockerRunMs: median(v.map((r) => r.started)) },
    ]),
  );
  console.error(`first answer: tessera ${start.tessera.ms.toFixed(0)} ms, nginx ${start.nginx.ms.toFixed(0)} ms`);

  console.error(`${many} containers of each at once ...`);
  const fleets = { tessera: await fleet(TESSERA), nginx: await fleet(NGINX) };
  console.error(`memory: tessera ${fleets.tessera.pssKiB} KiB PSS, nginx ${fleets.nginx.pssKiB} KiB PSS`);

  const result = {
    date: new Date().toISOString(),
    rounds,
    size,
    start,
    fleets,
    ratios: {
      size: size.tessera / size.nginx,
      firstAnswer: start.tessera.ms / start.nginx.ms,
      pss: fleets.tessera.pssKiB / fleets.nginx.pssKiB,
      rss: fleets.tessera.rssKiB / fleets.nginx.rssKiB,
    },
  };
  mkdirSync(join(root, "benchmarks/results"), { recursive: true });
  writeFileSync(join(root, "benchmarks/results/containers.json"), `${JSON.stringify(result, null, 2)}\n`);
  const kb = (b) => `${(b / 1000).toFixed(0)} KB`;
  writeFileSync(
    join(root, "docs/img/containers-size.svg"),
    barChart({
      title: "examples/http's site as a container image, compressed",
      subtitle: "layers gzipped as a registry stores them; nginx: Debian's, in a root filesystem built here",
      unit: "KB",
      bars: [
        { label: "tessera package (spt)", value: size.tessera / 1000, text: kb(size.tessera) },
        { label: "nginx image", value: size.nginx / 1000, text: kb(size.nginx) },
      ],
    }),
  );
  writeFileSync(
    join(root, "docs/img/containers-memory.svg"),
    barChart({
      title: `Memory per container, ${many} running at once`,
      subtitle: "PSS of the container's processes (tender and gateway; nginx master and worker)",
      unit: "KiB",
      bars: [
        { label: "tessera http", value: fleets.tessera.pssKiB },
        { label: "nginx", value: fleets.nginx.pssKiB },
      ],
    }),
  );
  console.log(JSON.stringify(result, null, 2));
} finally {
  await done();
}
