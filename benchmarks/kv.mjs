#!/usr/bin/env node
// Storage: how long a store takes to mount against the size of its disk, and
// durable 1 KiB PUTs over HTTP with 1 and 16 concurrent clients.
//
// Mount: benchmarks/apps/kv-bench fills a store on sparse disk files of 64 MiB,
// 1 GiB and 4 GiB with the same data (--fill puts of 1 KiB), then times
// `Store.open` inside the guest (--mounts times each, median).
//
// PUTs: examples/kv on the Node tender and as a native image on tessera-spt,
// each through a TAP device, against SQLite (better-sqlite3, WAL,
// synchronous=FULL) behind a Node.js HTTP server in a second namespace over a
// veth pair, committing each PUT in its own transaction
// (benchmarks/lib/kv-sqlite-server.cjs). All three answer a PUT only once it is
// durable; their files are on the same file system (the Tessera disks written
// with zeros first, so no flush waits for ext4 to allocate blocks). The load is
// benchmarks/lib/kv-put-client.cjs: N keep-alive connections, one PUT at a time
// each. Rounds alternate between the servers; figures are medians. Needs root
// (namespaces, TAP devices) and the root package's devDependencies (npm ci).
// Writes benchmarks/results/kv.json and docs/img/kv.svg.
//
//   sudo node benchmarks/kv.mjs [--seconds N] [--rounds N] [--size BYTES] [--fill N] [--mounts N]
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { median } from "./lib/stats.mjs";
import { barChart } from "./lib/svg.mjs";
import { buildExample, requireRoot, root, Testbed } from "./lib/testbed.mjs";

const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const seconds = arg("--seconds", 10);
const rounds = arg("--rounds", 2);
const size = arg("--size", 1024);
const fill = arg("--fill", 2000);
const mounts = arg("--mounts", 5);
if (!(seconds >= 1 && rounds >= 1 && size >= 0 && fill >= 1 && mounts >= 1)) {
  console.error("kv.mjs: --seconds, --rounds, --fill and --mounts take whole numbers of at least 1, --size bytes");
  process.exit(2);
}
requireRoot("kv.mjs");
try {
  await import("better-sqlite3");
} catch {
  console.error("kv.mjs: needs better-sqlite3, a devDependency of the root package (npm ci)");
  process.exit(2);
}

const tessera = (...args) => {
  const r = spawnSync(process.execPath, [`${root}packages/cli/bin/tessera.cjs`, ...args], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`tessera ${args.join(" ")}: ${r.stderr}${r.stdout}`);
  return r.stdout;
};

const work = mkdtempSync(join(tmpdir(), "tessera-kv-bench-"));
const result = { date: new Date().toISOString(), node: process.version, size, seconds, rounds, fill, mounts };
process.on("exit", () => rmSync(work, { recursive: true, force: true }));

// Mount time against disk size, with the same live data.
console.error("building benchmarks/apps/kv-bench ...");
tessera("build", `${root}benchmarks/apps/kv-bench`, "-o", work);
const bench = join(work, "kv-bench.wasm");
result.mount = [];
for (const disk of ["64M", "1G", "4G"]) {
  const file = join(work, `mount-${disk}.img`);
  tessera("disk", "create", file, disk);
  console.error(`mount: ${disk} disk, ${fill} puts of ${size} bytes ...`);
  tessera("run", bench, "--mem", "128", "--block", `storage=${file}`, "--", `count=${fill}`, `size=${size}`);
  const times = [];
  for (let i = 0; i < mounts; i++) {
    const out = tessera("run", bench, "--mem", "128", "--block", `storage=${file}`, "--", "mount=1");
    const m = /mount_ns=(\d+) keys=(\d+)/.exec(out);
    if (!m || Number(m[2]) !== fill) throw new Error(`kv-bench mount=1: ${out}`);
    times.push(Number(m[1]) / 1e6);
  }
  const st = statSync(file);
  result.mount.push({ disk, bytes: st.size, allocated: st.blocks * 512, ms: median(times), runs: times });
  rmSync(file);
}

// Durable PUTs over HTTP.
const kvNode = buildExample("kv");
const kvSpt = buildExample("kv", "spt");
const bed = new Testbed("kv", { tap: "tkv", tapNet: "10.93.0", veth: "vkv", vethNet: "10.92.0" });
// Disks of 256 MiB written with zeros first (a blank store, to the store), so that a flush is the data's
// alone, as on a block device or in SQLite's reused WAL, not also ext4's allocation of new blocks.
const disks = { node: join(work, "node.img"), spt: join(work, "spt.img") };
for (const file of Object.values(disks)) {
  tessera("disk", "create", file, "256M");
  const dd = spawnSync("dd", ["if=/dev/zero", `of=${file}`, "bs=1M", "count=256", "conv=notrunc,fsync"]);
  if (dd.status !== 0) throw new Error(`dd: ${dd.stderr}`);
}
bed.startTessera(kvNode, { tender: ["--mem", "256", "--block", `storage=${disks.node}`] });
const sptAddress = bed.addTap("tkv2", "10.91.0");
bed.startTessera(kvSpt, {
  tender: ["--mem", "256", "--block", `storage=${disks.spt}`],
  tap: "tkv2",
  address: sptAddress,
});
bed.startPeer("kv-sqlite-server.cjs", join(work, "kv.db"), "8080");
const targets = {
  "tessera-spt": sptAddress,
  "tessera-node": bed.tessera,
  sqlite: `${bed.linux}:8080`,
};
for (const host of Object.values(targets)) {
  let up = false;
  for (let i = 0; i < 60 && !up; i++) {
    up =
      spawnSync("ip", ["netns", "exec", bed.ns, "curl", "-sf", "-o", "/dev/null", `http://${host}/healthz`]).status ===
      0;
    if (!up) spawnSync("sleep", ["0.5"]);
  }
  if (!up) throw new Error(`${host} never answered /healthz`);
}

/** Flushes and writes so far, from a Tessera service's /healthz. */
function health(host) {
  const text = bed.inNs(bed.ns, "curl", "-sf", `http://${host}/healthz`);
  const m = /writes=(\d+) flushes=(\d+)/.exec(text);
  return m ? { writes: Number(m[1]), flushes: Number(m[2]) } : null;
}

/** One run of the load client against `host` with `clients` connections. */
function load(host, clients) {
  const out = bed.inNs(
    bed.ns,
    process.execPath,
    `${root}benchmarks/lib/kv-put-client.cjs`,
    host,
    String(clients),
    String(seconds),
    String(size),
  );
  return JSON.parse(out);
}

result.uptimeBefore = spawnSync("uptime", { encoding: "utf8" }).stdout.trim();
result.runs = [];
for (let round = 1; round <= rounds; round++) {
  for (const clients of [1, 16]) {
    for (const [name, host] of Object.entries(targets)) {
      const before = name === "sqlite" ? null : health(host);
      console.error(`round ${round}: ${name}, ${clients} client${clients > 1 ? "s" : ""} ...`);
      const r = load(host, clients);
      const after = name === "sqlite" ? null : health(host);
      const perFlush = before && after ? (after.writes - before.writes) / (after.flushes - before.flushes) : null;
      result.runs.push({ round, name, clients, ...r, perFlush });
    }
  }
}
result.uptimeAfter = spawnSync("uptime", { encoding: "utf8" }).stdout.trim();
result.median = {};
for (const name of Object.keys(targets)) {
  for (const clients of [1, 16]) {
    const runs = result.runs.filter((r) => r.name === name && r.clients === clients);
    result.median[`${name}/${clients}`] = {
      rate: median(runs.map((r) => r.rate)),
      p50: median(runs.map((r) => r.p50)),
      p99: median(runs.map((r) => r.p99)),
      perFlush: runs[0].perFlush === null ? null : median(runs.map((r) => r.perFlush)),
      bad: runs.reduce((a, r) => a + r.bad, 0),
    };
  }
}
const rate = (key) => result.median[key].rate;
result.ratio = {};
for (const name of ["tessera-node", "tessera-spt"])
  for (const clients of [1, 16])
    result.ratio[`${name}/${clients}`] = rate(`${name}/${clients}`) / rate(`sqlite/${clients}`);

mkdirSync(`${root}benchmarks/results`, { recursive: true });
writeFileSync(`${root}benchmarks/results/kv.json`, JSON.stringify(result, null, 2) + "\n");
const fmt = (x) => `${Math.round(x).toLocaleString("en")}/s`;
const bar = (label, key) => ({ label, value: rate(key), text: fmt(rate(key)) });
writeFileSync(
  `${root}docs/img/kv.svg`,
  barChart({
    title: `Durable PUTs of ${size} bytes over HTTP (answered once flushed)`,
    subtitle: `${seconds} s runs, medians of ${rounds} interleaved rounds; SQLite: WAL, synchronous=FULL, a commit per PUT`,
    unit: "/s",
    bars: [
      bar("examples/kv, spt, 16 clients", "tessera-spt/16"),
      bar("examples/kv, Node, 16 clients", "tessera-node/16"),
      bar("SQLite + Node http, 16 clients", "sqlite/16"),
      bar("examples/kv, spt, 1 client", "tessera-spt/1"),
      bar("examples/kv, Node, 1 client", "tessera-node/1"),
      bar("SQLite + Node http, 1 client", "sqlite/1"),
    ],
  }),
);

console.log(`mount of ${fill} values of ${size} bytes (median of ${mounts}):`);
for (const m of result.mount) console.log(`  ${m.disk.padStart(4)} disk  ${m.ms.toFixed(2).padStart(8)} ms`);
console.log(`durable PUTs of ${size} bytes, ${seconds} s, medians of ${rounds} rounds (${result.uptimeBefore}):`);
console.log(`                        PUTs/s   p50 ms   p99 ms  PUTs/flush  vs SQLite`);
for (const clients of [1, 16])
  for (const name of Object.keys(targets)) {
    const m = result.median[`${name}/${clients}`];
    const ratio = result.ratio[`${name}/${clients}`];
    console.log(
      `  ${`${name}, ${clients}`.padEnd(18)} ${Math.round(m.rate).toString().padStart(8)} ${m.p50.toFixed(2).padStart(8)} ${m.p99.toFixed(2).padStart(8)} ${(m.perFlush === null ? "" : m.perFlush.toFixed(1)).padStart(11)} ${ratio ? `${ratio.toFixed(2)}x` : ""}${m.bad ? `  ${m.bad} not 2xx` : ""}`,
    );
  }
process.exit(0); // the servers in the namespaces would keep the event loop alive; "exit" cleans up
