#!/usr/bin/env node
// The overload suite's three loads (test/targets/overload.test.ts) against
// examples/http on the Node tender and on tessera-spt, and against nginx (one
// worker, the same files, Linux's TCP with its SYN cookies), same run, all on
// one bridge in a namespace made for the run:
//   ab        100,000 requests, 100 at once, no keep-alive
//   slow      1,200 clients dripping request heads (a byte every 2 s) for
//             40 s, and an ordinary request every second
//   flood     20,000 SYNs from spoofed addresses in 6 s (half off-link, half
//             on-link and never resolvable), and an ordinary request every
//             250 ms
// For each: requests answered, and memory before and after (the unikernel's
// heap from /healthz and the tender's RSS; nginx's worker's RSS). Each load
// starts from a freshly started server. Needs root, ab, curl and nginx
// (Debian's apache2-utils, curl and nginx-light). Writes
// benchmarks/results/overload.json.
//
//   sudo node benchmarks/overload.mjs [--requests N] [--slow-seconds N]
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { nginxServer } from "./lib/nginx.mjs";
import { buildExample, requireRoot, root, sh } from "./lib/testbed.mjs";

const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const requests = arg("--requests", 100_000);
const slowSeconds = arg("--slow-seconds", 40);
requireRoot("overload.mjs");
for (const [tool, pkg] of [
  ["ab", "apache2-utils"],
  ["curl", "curl"],
  ["nginx", "nginx-light"],
]) {
  if (spawnSync("sh", ["-c", `command -v ${tool} || test -x /usr/sbin/${tool}`]).status !== 0) {
    console.error(`overload.mjs: needs ${tool} (apt-get install ${pkg})`);
    process.exit(2);
  }
}
if (!(requests >= 100 && slowSeconds >= 10)) {
  console.error("overload.mjs: --requests takes 100 or more, --slow-seconds 10 or more");
  process.exit(2);
}

const wasm = buildExample("http");
const spt = buildExample("http", "spt");
const ns = `tessera-overload-${process.pid}`;
const peer = `${ns}-nginx`;
const children = new Set();
const cleanup = () => {
  for (const c of children) c.kill("SIGKILL");
  spawnSync("pkill", ["-KILL", "-f", `${root}.bench/http.`]);
  spawnSync("ip", ["netns", "del", ns]);
  spawnSync("ip", ["netns", "del", peer]);
};
process.on("exit", cleanup);
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => process.exit(130));

const inNs = (n, ...args) => sh("ip", "netns", "exec", n, ...args);
const run = (args, timeout = 60_000) => spawnSync("ip", ["netns", "exec", ns, ...args], { timeout, encoding: "utf8" });
const start = (n, args) => {
  const c = spawn("ip", ["netns", "exec", n, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  c.stdout.on("data", (d) => (out += d));
  c.stderr.on("data", (d) => (out += d));
  c.output = () => out;
  children.add(c);
  c.on("exit", () => children.delete(c));
  return c;
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// The bridge: the client's Linux side (10.95.0.1/16, everyone's gateway), a
// TAP device per unikernel, a veth pair to nginx's namespace, and a TAP device
// the SYN flood is written into.
console.error("making the namespaces ...");
sh("ip", "netns", "add", ns);
sh("ip", "netns", "add", peer);
inNs(ns, "ip", "link", "set", "lo", "up");
inNs(ns, "ip", "link", "add", "br0", "type", "bridge");
for (const tap of ["tov1", "tov2", "tovi"]) {
  inNs(ns, "ip", "tuntap", "add", "dev", tap, "mode", "tap");
  inNs(ns, "ip", "link", "set", tap, "master", "br0");
}
inNs(ns, "ip", "link", "add", "vov", "type", "veth", "peer", "name", "vpeer", "netns", peer);
inNs(ns, "ip", "link", "set", "vov", "master", "br0");
inNs(ns, "ip", "addr", "add", "10.95.0.1/16", "dev", "br0");
for (const d of ["br0", "tov1", "tov2", "tovi", "vov"]) inNs(ns, "ip", "link", "set", d, "up");
inNs(peer, "ip", "link", "set", "lo", "up");
inNs(peer, "ip", "addr", "add", "10.95.0.4/16", "dev", "vpeer");
inNs(peer, "ip", "link", "set", "vpeer", "up");
inNs(peer, "ip", "route", "add", "default", "via", "10.95.0.1");

const nginx = nginxServer("80 backlog=511");

/** The servers: how to start each fresh, its address, and how to read its memory. */
const servers = {
  "tessera-spt": { host: "10.95.0.3", start: () => start(ns, tessera(spt, "tov2", "10.95.0.3")) },
  "tessera (Node)": { host: "10.95.0.2", start: () => start(ns, tessera(wasm, "tov1", "10.95.0.2")) },
  nginx: { host: "10.95.0.4", start: () => start(peer, nginx.args) },
};

function tessera(image, tap, address) {
  const cli = `${root}packages/cli/bin/tessera.cjs`;
  return [process.execPath, cli, "run", image, "--net", `service=tap:${tap}`, "--", `ip=${address}/16`, "gw=10.95.0.1"];
}

/** The resident memory (KiB) of the process serving: the tender (its guest child under spt), or nginx. */
function rss(name) {
  const pattern = name === "nginx" ? nginx.conf : name === "tessera-spt" ? `${spt}` : `${wasm}`;
  const pids = spawnSync("pgrep", ["-f", pattern], { encoding: "utf8" }).stdout.trim().split("\n").filter(Boolean);
  let kib = 0;
  for (const pid of pids) {
    try {
      kib = Math.max(kib, Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0));
    } catch {
      /* gone */
    }
  }
  return kib;
}

/** The unikernel's heap from /healthz (null for nginx, or if it did not answer). */
function heap(host) {
  const r = run(["curl", "-s", "--max-time", "5", `http://${host}/healthz`]);
  return Number(/heap=(\d+)/.exec(r.stdout)?.[1] ?? NaN) || null;
}

const get = (host, seconds = 5) =>
  Number(
    run([
      "curl",
      "-s",
      "-o",
      "/dev/null",
      "-w",
      "%{http_code}",
      "--max-time",
      `${seconds}`,
      `http://${host}/index.html`,
    ]).stdout,
  ) || 0;

async function fresh(name) {
  const s = servers[name];
  const c = s.start();
  for (let i = 0; i < 50 && get(s.host, 1) !== 200; i++) await sleep(200);
  if (get(s.host) !== 200) throw new Error(`${name} never answered: ${c.output()}`);
  await sleep(500);
  return c;
}

async function stop(c) {
  const exited = new Promise((r) => c.once("exit", r));
  c.kill("SIGKILL");
  spawnSync("pkill", ["-KILL", "-f", `${root}.bench/http.`]);
  spawnSync("pkill", ["-KILL", "-f", nginx.conf]);
  await exited;
  await sleep(300);
}

async function measure(name, load) {
  const s = servers[name];
  const c = await fresh(name);
  const before = { heap: heap(s.host), rssKiB: rss(name) };
  console.error(`${name}: ${load.name} ...`);
  const result = await load(s.host);
  await sleep(1500);
  const alive = get(s.host) === 200;
  const after = { heap: heap(s.host), rssKiB: rss(name) };
  await stop(c);
  return { ...result, alive, before, after };
}

async function ab(host) {
  const r = run(["ab", "-n", `${requests}`, "-c", "100", "-s", "20", `http://${host}/index.html`], 600_000);
  const text = `${r.stdout}${r.stderr}`;
  const n = (re) => Number(re.exec(text)?.[1] ?? 0);
  return {
    answered: n(/Complete requests:\s+(\d+)/) - n(/Failed requests:\s+(\d+)/) - n(/Non-2xx responses:\s+(\d+)/),
    of: requests,
    rps: Number(/Requests per second:\s+([\d.]+)/.exec(text)?.[1] ?? 0),
  };
}

async function slow(host) {
  const c = start(ns, [
    process.execPath,
    `${root}test/helpers/slow-clients.cjs`,
    host,
    "80",
    "1200",
    "2000",
    `${slowSeconds}`,
  ]);
  await sleep(5000);
  const statuses = [];
  for (let i = 0; i < slowSeconds - 8; i++) {
    statuses.push(get(host));
    await sleep(1000);
  }
  await new Promise((r) => (c.exitCode !== null ? r() : c.once("exit", r)));
  return {
    answered: statuses.filter((s) => s === 200).length,
    of: statuses.length,
    attackers: JSON.parse(c.output().trim() || "{}"),
  };
}

async function flood(host) {
  const mac = /lladdr ([0-9a-f:]{17})/.exec(inNs(ns, "ip", "neigh", "show", host))?.[1];
  if (!mac) throw new Error(`no MAC for ${host}`);
  const addon = `${root}targets/node/native/tessera_tap.node`;
  const args = [addon, "tovi", mac, host, "80", "20000", "6000", "10.95"];
  const c = start(ns, [process.execPath, `${root}test/helpers/syn-flood.cjs`, ...args]);
  const statuses = [];
  while (c.exitCode === null && statuses.length < 60) {
    statuses.push(get(host));
    await sleep(250);
  }
  const right = get(host);
  return { answered: statuses.filter((s) => s === 200).length + (right === 200 ? 1 : 0), of: statuses.length + 1 };
}

const result = { date: new Date().toISOString(), node: process.version, requests, slowSeconds, loads: {} };
for (const load of [ab, slow, flood]) {
  result.loads[load.name] = {};
  for (const name of Object.keys(servers)) result.loads[load.name][name] = await measure(name, load);
}
mkdirSync(`${root}benchmarks/results`, { recursive: true });
writeFileSync(`${root}benchmarks/results/overload.json`, JSON.stringify(result, null, 2) + "\n");
const mem = (m) =>
  `${m.heap === null ? "" : `heap ${(m.heap / 1024).toFixed(0)} KiB, `}RSS ${(m.rssKiB / 1024).toFixed(1)} MiB`;
for (const [load, byServer] of Object.entries(result.loads)) {
  console.log(`${load}:`);
  for (const [name, r] of Object.entries(byServer))
    console.log(
      `  ${name.padEnd(15)} ${`${r.answered}/${r.of}`.padStart(13)} answered${r.rps ? ` (${r.rps.toFixed(0)}/s)` : ""}; ` +
        `before: ${mem(r.before)}; after: ${mem(r.after)}${r.alive ? "" : "; NOT ANSWERING AFTERWARDS"}`,
    );
}
process.exit(0);
