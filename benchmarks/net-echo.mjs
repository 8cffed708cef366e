#!/usr/bin/env node
// UDP echo round trips per second and ping latency: examples/echo on the Node
// tender through a TAP device, against a Linux UDP echo server (Node.js dgram)
// over a veth pair, measured in the same run from the same namespace.
// Needs root. Writes benchmarks/results/net-echo.json and docs/img/net-echo.svg.
//
//   node benchmarks/net-echo.mjs [--count N]
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { barChart } from "./lib/svg.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const countArg = process.argv.indexOf("--count");
const count = countArg > 0 ? Number(process.argv[countArg + 1]) : 5000;
if (process.getuid() !== 0) {
  console.error("net-echo.mjs: needs root (it makes network namespaces, a TAP device and a veth pair)");
  process.exit(2);
}
const NS = `tessera-bench-${process.pid}`;
const PEER = `${NS}-peer`;
const sh = (...args) => execFileSync(args[0], args.slice(1), { encoding: "utf8" });
const inNs = (ns, ...args) => sh("ip", "netns", "exec", ns, ...args);
const children = [];
function cleanup() {
  for (const c of children) c.kill("SIGKILL");
  spawnSync("ip", ["netns", "del", NS]);
  spawnSync("ip", ["netns", "del", PEER]);
}
process.on("exit", cleanup);
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => process.exit(130));

console.error("building examples/echo ...");
const out = `${root}.bench`;
const built = spawnSync(
  process.execPath,
  [`${root}packages/cli/bin/tessera.cjs`, "build", "examples/echo", "-o", out],
  { encoding: "utf8" },
);
if (built.status !== 0) throw new Error(built.stderr);

console.error("making the namespaces ...");
sh("ip", "netns", "add", NS);
sh("ip", "netns", "add", PEER);
inNs(NS, "ip", "link", "set", "lo", "up");
inNs(NS, "ip", "tuntap", "add", "dev", "tbench", "mode", "tap");
inNs(NS, "ip", "addr", "add", "10.94.0.1/24", "dev", "tbench");
inNs(NS, "ip", "link", "set", "tbench", "up");
inNs(NS, "ip", "link", "add", "vbench", "type", "veth", "peer", "name", "vpeer", "netns", PEER);
inNs(NS, "ip", "addr", "add", "10.93.0.1/24", "dev", "vbench");
inNs(NS, "ip", "link", "set", "vbench", "up");
inNs(PEER, "ip", "addr", "add", "10.93.0.2/24", "dev", "vpeer");
inNs(PEER, "ip", "link", "set", "vpeer", "up");

const spawnIn = (ns, args) => {
  const c = spawn("ip", ["netns", "exec", ns, ...args], { stdio: "ignore" });
  children.push(c);
  return c;
};
spawnIn(NS, [
  process.execPath,
  `${root}packages/cli/bin/tessera.cjs`,
  "run",
  `${out}/echo.wasm`,
  "--net",
  "service=tap:tbench",
  "--",
  "ip=10.94.0.2/24",
]);
spawnIn(PEER, [process.execPath, `${root}benchmarks/lib/udp-echo-server.cjs`, "7"]);
for (const host of ["10.94.0.2", "10.93.0.2"]) {
  let up = false;
  for (let i = 0; i < 20 && !up; i++)
    up = spawnSync("ip", ["netns", "exec", NS, "ping", "-c", "1", "-W", "1", host]).status === 0;
  if (!up) throw new Error(`${host} never answered`);
}

function udp(host) {
  return JSON.parse(inNs(NS, process.execPath, `${root}benchmarks/lib/udp-client.cjs`, host, "7", String(count), "64"));
}
function ping(host) {
  const text = inNs(NS, "ping", "-q", "-c", "500", "-i", "0.002", host);
  const m = /= ([\d.]+)\/([\d.]+)\/([\d.]+)\/([\d.]+) ms/.exec(text);
  const loss = /(\d+)% packet loss/.exec(text);
  return { minMs: Number(m[1]), avgMs: Number(m[2]), maxMs: Number(m[3]), loss: Number(loss[1]) };
}

const targets = { tessera: "10.94.0.2", linux: "10.93.0.2" };
const result = { date: new Date().toISOString(), node: process.version, count, udp: {}, ping: {} };
for (const round of [1, 2]) {
  for (const [name, host] of Object.entries(targets)) {
    console.error(`round ${round}: ${name} (${host}) ...`);
    const u = udp(host);
    const p = ping(host);
    // Keep the better of two rounds of each: the machine's speed varies.
    if (!result.udp[name] || u.perSecond > result.udp[name].perSecond) result.udp[name] = u;
    if (!result.ping[name] || p.avgMs < result.ping[name].avgMs) result.ping[name] = p;
  }
}
result.udpRatio = result.udp.tessera.perSecond / result.udp.linux.perSecond;
result.pingRatio = result.ping.tessera.avgMs / result.ping.linux.avgMs;
mkdirSync(`${root}benchmarks/results`, { recursive: true });
writeFileSync(`${root}benchmarks/results/net-echo.json`, JSON.stringify(result, null, 2) + "\n");
writeFileSync(
  `${root}docs/img/net-echo.svg`,
  barChart({
    title: "UDP echo round trips per second (64-byte datagrams, one at a time)",
    subtitle: `the same client in the same run; ${count} round trips each; ${process.version}`,
    unit: "/s",
    bars: [
      {
        label: "examples/echo, Node tender, TAP",
        value: Math.round(result.udp.tessera.perSecond),
        text: `${Math.round(result.udp.tessera.perSecond)} /s`,
      },
      {
        label: "Linux + Node dgram, veth",
        value: Math.round(result.udp.linux.perSecond),
        text: `${Math.round(result.udp.linux.perSecond)} /s`,
      },
    ],
  }),
);
const f = (n) => n.toFixed(0).padStart(7);
console.log(`UDP echo, ${count} round trips of 64 bytes:`);
console.log(
  `  tessera (TAP)   ${f(result.udp.tessera.perSecond)} /s  p50 ${result.udp.tessera.p50us.toFixed(0)} us  p99 ${result.udp.tessera.p99us.toFixed(0)} us  lost ${result.udp.tessera.lost}`,
);
console.log(
  `  linux (veth)    ${f(result.udp.linux.perSecond)} /s  p50 ${result.udp.linux.p50us.toFixed(0)} us  p99 ${result.udp.linux.p99us.toFixed(0)} us  lost ${result.udp.linux.lost}`,
);
console.log(`  ratio           ${result.udpRatio.toFixed(2)}x`);
console.log(`ping, 500 echo requests 2 ms apart:`);
console.log(
  `  tessera (TAP)   avg ${result.ping.tessera.avgMs} ms  min ${result.ping.tessera.minMs}  max ${result.ping.tessera.maxMs}  loss ${result.ping.tessera.loss}%`,
);
console.log(
  `  linux (veth)    avg ${result.ping.linux.avgMs} ms  min ${result.ping.linux.minMs}  max ${result.ping.linux.maxMs}  loss ${result.ping.linux.loss}%`,
);
console.log(`  ratio           ${result.pingRatio.toFixed(2)}x the latency`);
process.exit(0); // the servers in the namespaces would keep the event loop alive; "exit" cleans up
