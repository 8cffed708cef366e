#!/usr/bin/env node
// Image size of the hello unikernel, built now, beside the published sizes of
// other unikernels' hello images (labelled as published: not measured here).
// Writes benchmarks/results/size.json and docs/img/size.svg.
//
//   node benchmarks/size.mjs
import { spawnSync } from "node:child_process";
import { mkdirSync, statSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { barChart } from "./lib/svg.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const out = `${root}.bench`;
const built = spawnSync(
  process.execPath,
  [`${root}packages/cli/bin/tessera.cjs`, "build", "examples/hello", "-o", out],
  {
    cwd: root,
    encoding: "utf8",
  },
);
if (built.status !== 0) {
  console.error(built.stderr);
  process.exit(1);
}
const ours = statSync(`${out}/hello.wasm`).size;
const published = [
  { label: "MirageOS hello, hvt (published)", bytes: 3.3e6 },
  { label: "Unikraft hello (published)", bytes: 213e3 },
];
const fmt = (b) => (b >= 1e6 ? `${(b / 1e6).toFixed(1)} MB` : b >= 1e4 ? `${(b / 1e3).toFixed(0)} KB` : `${b} bytes`);
const rows = [{ label: "Tessera hello.wasm (built now)", bytes: ours }, ...published];
mkdirSync(`${root}benchmarks/results`, { recursive: true });
writeFileSync(
  `${root}benchmarks/results/size.json`,
  JSON.stringify({ date: new Date().toISOString(), helloBytes: ours, published }, null, 2) + "\n",
);
writeFileSync(
  `${root}docs/img/size.svg`,
  barChart({
    title: "Size of a hello-world unikernel image",
    subtitle: "bars on a log scale (from 100 bytes); the others are their projects' published figures",
    unit: "",
    bars: rows.map((r) => ({ label: r.label, value: Math.log10(r.bytes / 100), text: fmt(r.bytes) })),
  }),
);
for (const r of rows)
  console.log(`${r.label.padEnd(34)} ${fmt(r.bytes).padStart(10)}  (${(r.bytes / ours).toFixed(0)}x ours)`);
