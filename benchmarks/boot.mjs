#!/usr/bin/env node
// Boot cost of the hello unikernel on the Node tender, against `node -e`
// measured in the same run: whole-process wall time (median of interleaved
// runs), and inside the tender the time from instantiation to the first
// console byte. Writes benchmarks/results/boot.json and docs/img/boot.svg.
//
//   node benchmarks/boot.mjs [--runs N]
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { median, quantile } from "./lib/stats.mjs";
import { barChart } from "./lib/svg.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const runsArg = process.argv.indexOf("--runs");
const runs = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 40;
if (!Number.isInteger(runs) || runs < 3) {
  console.error("boot.mjs: --runs needs a whole number of at least 3");
  process.exit(2);
}

const out = `${root}.bench`;
const cli = `${root}packages/cli/bin/tessera.cjs`;
console.error("building examples/hello ...");
const built = spawnSync(process.execPath, [cli, "build", "examples/hello", "-o", out], { cwd: root, encoding: "utf8" });
if (built.status !== 0) {
  console.error(built.stderr);
  process.exit(1);
}
const image = `${out}/hello.wasm`;

function wall(cmd, args) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} exited ${r.status}: ${r.stderr}`);
  return ms;
}

const peers = {
  tessera: [process.execPath, [cli, "run", image, "--", "name=bench"]],
  node: [process.execPath, ["-e", "console.log('hi')"]],
};
const samples = { tessera: [], node: [] };
for (const [cmd, args] of Object.values(peers)) wall(cmd, args); // warm the page cache
console.error(`timing ${runs} runs of each, interleaved ...`);
for (let i = 0; i < runs; i++) {
  for (const [name, [cmd, args]] of Object.entries(peers)) samples[name].push(wall(cmd, args));
  if ((i + 1) % 10 === 0) console.error(`  ${i + 1}/${runs}`);
}

// Inside the tender: instantiation to first console byte, in-process.
const { runImage } = await import(`${root}targets/node/dist/index.js`);
const bytes = new Uint8Array(readFileSync(image));
const firstByte = [];
for (let i = 0; i < runs; i++) {
  let first = 0n;
  const result = await runImage(bytes, {
    cmdline: "name=bench",
    stdout: () => {
      if (!first) first = process.hrtime.bigint();
    },
  });
  if (result.timings?.instantiated === undefined) throw new Error("runImage reported no timings");
  firstByte.push(Number(first - result.timings.instantiated) / 1e3);
}

const med = { tessera: median(samples.tessera), node: median(samples.node) };
const result = {
  date: new Date().toISOString(),
  node: process.version,
  runs,
  imageBytes: bytes.length,
  wallMs: {
    tessera: { median: med.tessera, p10: quantile(samples.tessera, 0.1), p90: quantile(samples.tessera, 0.9) },
    node: { median: med.node, p10: quantile(samples.node, 0.1), p90: quantile(samples.node, 0.9) },
  },
  ratio: med.tessera / med.node,
  instantiateToFirstByteUs: { median: median(firstByte), p90: quantile(firstByte, 0.9) },
};
mkdirSync(`${root}benchmarks/results`, { recursive: true });
writeFileSync(`${root}benchmarks/results/boot.json`, JSON.stringify(result, null, 2) + "\n");
writeFileSync(
  `${root}docs/img/boot.svg`,
  barChart({
    title: "Boot to exit, whole process (median wall time)",
    subtitle: `hello.wasm (${bytes.length} bytes) on the Node tender vs node -e, ${runs} runs each, ${process.version}`,
    unit: "ms",
    bars: [
      { label: "tessera run hello.wasm", value: +med.tessera.toFixed(1), text: `${med.tessera.toFixed(1)} ms` },
      { label: "node -e \"console.log('hi')\"", value: +med.node.toFixed(1), text: `${med.node.toFixed(1)} ms` },
    ],
  }),
);

console.log(`hello.wasm: ${bytes.length} bytes`);
console.log(
  `tessera run hello.wasm   median ${med.tessera.toFixed(1)} ms (p10 ${result.wallMs.tessera.p10.toFixed(1)}, p90 ${result.wallMs.tessera.p90.toFixed(1)})`,
);
console.log(
  `node -e console.log      median ${med.node.toFixed(1)} ms (p10 ${result.wallMs.node.p10.toFixed(1)}, p90 ${result.wallMs.node.p90.toFixed(1)})`,
);
console.log(`ratio                    ${result.ratio.toFixed(3)}x (goal: at most 1.15x)`);
console.log(
  `instantiation to first console byte: median ${result.instantiateToFirstByteUs.median.toFixed(1)} us, p90 ${result.instantiateToFirstByteUs.p90.toFixed(1)} us`,
);
