#!/usr/bin/env node
// The --publish path's throughput: a client on loopback echoes MiB through
// examples/echo's TCP echo service published with `--publish 0:7` (host ->
// gateway -> guest -> back, no root) on the Node tender and on tessera-spt
// (where the gateway is a process of its own), and through a plain Node.js
// echo server on loopback, in the same run, interleaved. Every echo is
// checked by SHA-256. Writes benchmarks/results/publish.json.
//
//   node benchmarks/publish.mjs [--mib N] [--rounds N]
import { spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { connect, createServer } from "node:net";
import { median } from "./lib/stats.mjs";
import { buildExample, root } from "./lib/testbed.mjs";

const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const mib = arg("--mib", 100);
const rounds = arg("--rounds", 3);
if (!(mib >= 1 && rounds >= 1)) {
  console.error("publish.mjs: --mib and --rounds take whole numbers of at least 1");
  process.exit(2);
}

/** Starts `image` with `--publish 127.0.0.1:0:7`; resolves to the host port. */
function publish(image) {
  const tender = spawn(
    process.execPath,
    [`${root}packages/cli/bin/tessera.cjs`, "run", image, "--publish", "127.0.0.1:0:7"],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  process.on("exit", () => tender.kill("SIGKILL"));
  return new Promise((resolve, reject) => {
    let err = "";
    tender.stderr.on("data", (b) => {
      err += b;
      const m = /publishing \S*?127\.0\.0\.1:(\d+)/.exec(err);
      if (m) resolve(Number(m[1]));
    });
    tender.on("exit", () => reject(new Error(`the tender ended: ${err}`)));
  });
}
const ports = { node: await publish(buildExample("echo")), spt: await publish(buildExample("echo", "spt")) };
const plain = createServer((s) => s.pipe(s));
await new Promise((resolve) => plain.listen(0, "127.0.0.1", resolve));

const data = randomBytes(mib * 1024 * 1024);
const want = createHash("sha256").update(data).digest("hex");

/** Sends `data` and a FIN to `port`, reads the echo to its end; seconds, after checking it. */
function echo(port) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const hash = createHash("sha256");
    let n = 0;
    const s = connect(port, "127.0.0.1", () => s.end(data));
    s.on("data", (b) => ((n += b.length), hash.update(b)));
    s.on("error", reject);
    s.on("end", () => {
      const seconds = (performance.now() - t0) / 1000;
      if (n !== data.length || hash.digest("hex") !== want)
        reject(new Error(`port ${port}: ${n} bytes came back, not the same`));
      else resolve(seconds);
    });
  });
}

// The guest asks for its address by DHCP first: wait until an echo goes through.
for (const published of Object.values(ports))
  for (let i = 0; ; i++) {
    const ok = await new Promise((resolve) => {
      const s = connect(published, "127.0.0.1", () => s.end("x"));
      s.on("data", () => resolve(true));
      s.on("error", () => resolve(false));
      s.on("end", () => resolve(false));
    });
    if (ok) break;
    if (i === 50) throw new Error("the published echo never answered");
    await new Promise((r) => setTimeout(r, 200));
  }

const runs = { publish: [], spt: [], plain: [] };
for (let round = 1; round <= rounds; round++) {
  for (const [name, port] of [
    ["publish", ports.node],
    ["spt", ports.spt],
    ["plain", plain.address().port],
  ]) {
    const s = await echo(port);
    runs[name].push(mib / s);
    console.error(`round ${round}: ${name} ${mib} MiB echoed in ${s.toFixed(2)} s`);
  }
}
const result = {
  date: new Date().toISOString(),
  node: process.version,
  mib,
  rounds,
  runs,
  median: { publish: median(runs.publish), spt: median(runs.spt), plain: median(runs.plain) },
};
result.ratio = result.median.publish / result.median.plain;
result.sptRatio = result.median.spt / result.median.plain;
mkdirSync(`${root}benchmarks/results`, { recursive: true });
writeFileSync(`${root}benchmarks/results/publish.json`, JSON.stringify(result, null, 2) + "\n");
console.log(`                          MiB/s each way (median of ${rounds})`);
console.log(`  --publish, Node tender  ${result.median.publish.toFixed(1)}`);
console.log(`  --publish, tessera-spt ${result.median.spt.toFixed(1)}  (${result.sptRatio.toFixed(2)}x)`);
console.log(`  Node echo on loopback   ${result.median.plain.toFixed(1)}`);
console.log(`  ratio                   ${result.ratio.toFixed(2)}x`);
plain.close();
process.exit(0);
