#!/usr/bin/env node
// TCP bulk throughput: examples/echo through a TAP device, on the Node tender
// and as a native image on tessera-spt (its discard service for Linux ->
// unikernel, its source for unikernel -> Linux), against the same two services
// on Linux (Node.js net) over a veth pair, measured in the same run by the
// same client from the same namespace.
// Needs root. Writes benchmarks/results/tcp-bulk.json and docs/img/tcp-bulk.svg.
//
//   sudo node benchmarks/tcp-bulk.mjs [--mib N] [--rounds N]
import { mkdirSync, writeFileSync } from "node:fs";
import { barChart } from "./lib/svg.mjs";
import { buildExample, requireRoot, root, Testbed } from "./lib/testbed.mjs";

const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const mib = arg("--mib", 256);
const rounds = arg("--rounds", 3);
requireRoot("tcp-bulk.mjs");
if (!(mib >= 1 && rounds >= 1)) {
  console.error("tcp-bulk.mjs: --mib and --rounds take whole numbers of at least 1");
  process.exit(2);
}
const bytes = mib * 1024 * 1024;
const image = buildExample("echo");
const native = buildExample("echo", "spt");
const bed = new Testbed("tcpb", { tap: "tbulk", tapNet: "10.92.0", veth: "vbulk", vethNet: "10.91.0" });
bed.startTessera(image, { cmdline: ["msl=100"] });
const spt = bed.addTap("tbulk2", "10.90.0");
bed.startTessera(native, { cmdline: ["msl=100"], tap: "tbulk2", address: spt });
bed.startPeer("tcp-bulk-server.cjs");
bed.waitForPing(spt);

/** One transfer of `bytes`: "up" to host's discard, "down" from its source; MB/s (10^6 bytes). */
function transfer(mode, host) {
  const r = JSON.parse(
    bed.inNs(bed.ns, process.execPath, `${root}benchmarks/lib/tcp-bulk-client.cjs`, mode, host, String(bytes)),
  );
  if (r.error || r.bytes !== bytes) throw new Error(`${mode} ${host}: ${r.bytes} of ${bytes} bytes, ${r.error}`);
  return bytes / 1e6 / (r.ms / 1000);
}

const targets = { tessera: bed.tessera, spt, linux: bed.linux };
const result = { date: new Date().toISOString(), node: process.version, bytes, rounds, runs: [], best: {} };
// Interleaved rounds; each side's best of them (the machine's speed varies).
for (let round = 1; round <= rounds; round++) {
  for (const [name, host] of Object.entries(targets)) {
    for (const mode of ["up", "down"]) {
      console.error(`round ${round}: ${name} ${mode} (${host}) ...`);
      const mbs = transfer(mode, host);
      result.runs.push({ round, name, mode, mbs });
      const key = `${name}-${mode}`;
      result.best[key] = Math.max(result.best[key] ?? 0, mbs);
    }
  }
}
const b = result.best;
result.ratio = {
  up: b["tessera-up"] / b["linux-up"],
  down: b["tessera-down"] / b["linux-down"],
  sptUp: b["spt-up"] / b["linux-up"],
  sptDown: b["spt-down"] / b["linux-down"],
};
mkdirSync(`${root}benchmarks/results`, { recursive: true });
writeFileSync(`${root}benchmarks/results/tcp-bulk.json`, JSON.stringify(result, null, 2) + "\n");
const bar = (label, key) => ({ label, value: Math.round(b[key]), text: `${b[key].toFixed(0)} MB/s` });
writeFileSync(
  `${root}docs/img/tcp-bulk.svg`,
  barChart({
    title: "TCP bulk throughput, one connection (MB/s, higher is better)",
    subtitle: `${mib} MiB per transfer, best of ${rounds} interleaved rounds; ${process.version}`,
    unit: "MB/s",
    bars: [
      bar("Linux -> echo on spt (TAP)", "spt-up"),
      bar("Linux -> echo on Node (TAP)", "tessera-up"),
      bar("Linux -> Linux (veth), discard", "linux-up"),
      bar("echo on spt (TAP) -> Linux", "spt-down"),
      bar("echo on Node (TAP) -> Linux", "tessera-down"),
      bar("Linux (veth) -> Linux, source", "linux-down"),
    ],
  }),
);
const f = (n) => n.toFixed(1).padStart(8);
console.log(`TCP bulk, ${mib} MiB per transfer, best of ${rounds} rounds (MB/s):`);
console.log(`                      Linux -> X   X -> Linux`);
console.log(`  tessera-spt (TAP) ${f(b["spt-up"])}     ${f(b["spt-down"])}`);
console.log(`  tessera (Node)    ${f(b["tessera-up"])}     ${f(b["tessera-down"])}`);
console.log(`  linux (veth)      ${f(b["linux-up"])}     ${f(b["linux-down"])}`);
console.log(
  `  spt / linux       ${result.ratio.sptUp.toFixed(2).padStart(8)}x    ${result.ratio.sptDown.toFixed(2).padStart(8)}x`,
);
console.log(
  `  Node / linux      ${result.ratio.up.toFixed(2).padStart(8)}x    ${result.ratio.down.toFixed(2).padStart(8)}x`,
);
process.exit(0); // the servers in the namespaces would keep the event loop alive; "exit" cleans up
