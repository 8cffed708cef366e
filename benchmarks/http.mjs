#!/usr/bin/env node
// HTTP requests per second and latency: wrk against examples/http through a
// TAP device, the same image on the Node tender and as a native image on
// tessera-spt, and against two Linux servers over a veth pair: a Node.js http
// server serving the same files from memory with the same headers, and nginx
// (one worker, the same files). Same run, interleaved rounds, the same wrk
// from the same namespace. Needs root, wrk and nginx (Debian packages wrk and
// nginx-light; installed with apt-get when missing). Writes
// benchmarks/results/http.json and docs/img/http.svg.
//
//   sudo node benchmarks/http.mjs [--seconds N] [--connections N] [--rounds N] [--path /index.html]
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { median } from "./lib/stats.mjs";
import { nginxServer } from "./lib/nginx.mjs";
import { barChart } from "./lib/svg.mjs";
import { buildExample, requireRoot, root, Testbed } from "./lib/testbed.mjs";

const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const seconds = Number(arg("--seconds", 10));
const connections = Number(arg("--connections", 16));
const rounds = Number(arg("--rounds", 3));
const path = arg("--path", "/index.html");
requireRoot("http.mjs");
for (const [tool, pkg] of [
  ["wrk", "wrk"],
  ["nginx", "nginx-light"],
]) {
  if (spawnSync("sh", ["-c", `command -v ${tool} || test -x /usr/sbin/${tool}`]).status === 0) continue;
  console.error(`installing ${pkg} (apt-get) ...`);
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  let r = spawnSync("apt-get", ["install", "-y", "-qq", pkg], { stdio: "inherit", env });
  if (r.status !== 0) {
    spawnSync("apt-get", ["update", "-qq"], { stdio: "inherit", env });
    r = spawnSync("apt-get", ["install", "-y", "-qq", pkg], { stdio: "inherit", env });
  }
  if (r.status !== 0) {
    console.error(`http.mjs: needs ${tool} (apt-get install ${pkg})`);
    process.exit(2);
  }
}
if (!(seconds >= 1 && connections >= 1 && rounds >= 1)) {
  console.error("http.mjs: --seconds, --connections and --rounds take whole numbers of at least 1");
  process.exit(2);
}
const image = buildExample("http");
const native = buildExample("http", "spt");
const imageBytes = readFileSync(image).length;
const bed = new Testbed("http", { tap: "thttp", tapNet: "10.95.0", veth: "vhttp", vethNet: "10.96.0" });
bed.startTessera(image, { tender: ["--mem", "128"] });
const spt = bed.addTap("thttp2", "10.94.0");
bed.startTessera(native, { tender: ["--mem", "128"], tap: "thttp2", address: spt });
bed.startPeer("http-static-server.cjs", `${root}examples/http/site`);
// nginx in the peer namespace on port 8080 (lib/nginx.mjs), serving a keep-alive connection for the whole run.
bed.spawnIn(bed.peer, nginxServer("8080", ["keepalive_requests 1000000"]).args);
const targets = {
  tessera: bed.tessera,
  "tessera-spt": spt,
  node: bed.linux,
  nginx: `${bed.linux}:8080`,
};
for (const host of Object.values(targets)) {
  let up = false;
  for (let i = 0; i < 30 && !up; i++)
    up =
      spawnSync("ip", ["netns", "exec", bed.ns, "curl", "-sf", "-o", "/dev/null", `http://${host}${path}`]).status ===
      0;
  if (!up) throw new Error(`${host} never answered ${path}`);
}

/** wrk's latency figure ("1.23ms", "850.00us", "1.10s") in milliseconds. */
function ms(text) {
  const m = /^([\d.]+)(us|ms|s)$/.exec(text);
  if (!m) throw new Error(`wrk printed a latency I cannot read: ${text}`);
  return Number(m[1]) * { us: 0.001, ms: 1, s: 1000 }[m[2]];
}

/** One wrk run against `host`: requests per second, p50 and p99 latency (ms), errors. */
function wrk(host) {
  const text = bed.inNs(
    bed.ns,
    "wrk",
    "-t1",
    `-c${connections}`,
    `-d${seconds}s`,
    "--latency",
    "--timeout",
    "5s",
    `http://${host}${path}`,
  );
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(text)?.[1]);
  const p50 = ms(/^\s+50%\s+(\S+)/m.exec(text)?.[1] ?? "?");
  const p99 = ms(/^\s+99%\s+(\S+)/m.exec(text)?.[1] ?? "?");
  const errors = /Socket errors: (.*)/.exec(text)?.[1] ?? "none";
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(text)?.[1] ?? 0);
  if (!(rps > 0)) throw new Error(`wrk against ${host}:\n${text}`);
  return { rps, p50, p99, errors, non2xx };
}

const result = {
  date: new Date().toISOString(),
  node: process.version,
  path,
  seconds,
  connections,
  rounds,
  imageBytes,
  runs: [],
  median: {},
};
// Interleaved rounds, so that both sides see the same changes in the machine's speed; medians of the rounds.
for (let round = 1; round <= rounds; round++) {
  for (const [name, host] of Object.entries(targets)) {
    console.error(`round ${round}: ${name} (${host}) ...`);
    result.runs.push({ round, name, ...wrk(host) });
  }
}
for (const name of Object.keys(targets)) {
  const runs = result.runs.filter((r) => r.name === name);
  result.median[name] = {
    rps: median(runs.map((r) => r.rps)),
    p50: median(runs.map((r) => r.p50)),
    p99: median(runs.map((r) => r.p99)),
    errors: runs.map((r) => r.errors).find((e) => e !== "none") ?? "none",
    non2xx: runs.reduce((a, r) => a + r.non2xx, 0),
  };
}
const t = result.median.tessera;
const n = result.median.node;
const sp = result.median["tessera-spt"];
const ng = result.median.nginx;
result.ratio = {
  rps: t.rps / n.rps,
  p99: t.p99 / n.p99,
  sptOverNode: sp.rps / n.rps,
  sptOverNginx: sp.rps / ng.rps,
  sptOverNodeTender: sp.rps / t.rps,
};
mkdirSync(`${root}benchmarks/results`, { recursive: true });
writeFileSync(`${root}benchmarks/results/http.json`, JSON.stringify(result, null, 2) + "\n");
writeFileSync(
  `${root}docs/img/http.svg`,
  barChart({
    title: `HTTP GET ${path}, keep-alive (requests/s, higher is better)`,
    subtitle: `wrk, ${connections} connections, ${seconds} s, medians of ${rounds} interleaved rounds; ${process.version}`,
    unit: "req/s",
    bars: [
      { label: "examples/http, tessera-spt (TAP)", value: Math.round(sp.rps), text: `${Math.round(sp.rps)}/s` },
      { label: "examples/http, Node tender (TAP)", value: Math.round(t.rps), text: `${Math.round(t.rps)}/s` },
      { label: "nginx, 1 worker (veth)", value: Math.round(ng.rps), text: `${Math.round(ng.rps)}/s` },
      { label: "Node.js http (veth)", value: Math.round(n.rps), text: `${Math.round(n.rps)}/s` },
    ],
  }),
);
const row = (name, r) =>
  `  ${name.padEnd(16)} ${r.rps.toFixed(0).padStart(8)}  ${r.p50.toFixed(2).padStart(8)}  ${r.p99.toFixed(2).padStart(8)}  ${r.errors}${r.non2xx ? `, ${r.non2xx} non-2xx` : ""}`;
console.log(`HTTP GET ${path}, wrk -c${connections} -d${seconds}s, medians of ${rounds} rounds:`);
console.log(`                      req/s   p50 ms    p99 ms  socket errors`);
console.log(row("tessera-spt", sp));
console.log(row("tessera (Node)", t));
console.log(row("nginx", ng));
console.log(row("node http", n));
console.log(
  `  Node tender / node http: ${result.ratio.rps.toFixed(2)}x req/s, ${result.ratio.p99.toFixed(2)}x p99; ` +
    `spt / node http: ${result.ratio.sptOverNode.toFixed(2)}x; spt / nginx: ${result.ratio.sptOverNginx.toFixed(2)}x; ` +
    `spt / Node tender: ${result.ratio.sptOverNodeTender.toFixed(2)}x`,
);
process.exit(0); // the servers in the namespaces would keep the event loop alive; "exit" cleans up
