#!/usr/bin/env node
// Image sizes on every target, built now: each example (hello, echo, ping,
// resolve, http, kv) as a .wasm for the Node tender, and as a native image for
// spt, hvt, virtio-x86_64, spt-aarch64, virtio-aarch64 and rpi (a Raspberry
// Pi's kernel8.img; hello only, as boards have no network driver yet). A
// target whose compiler is not installed is left out and said so. Writes
// benchmarks/results/size-targets.json and docs/img/size-targets.svg.
//
//   node benchmarks/size-targets.mjs
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { barChart } from "./lib/svg.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const work = mkdtempSync(join(tmpdir(), "tessera-size-targets-"));

const EXAMPLES = ["hello", "echo", "ping", "resolve", "http", "kv"];
/** Each target: its file's extension, the compiler it needs, and the examples built for it. */
const TARGETS = [
  { target: "node", ext: "wasm", cc: null },
  { target: "spt", ext: "spt", cc: "gcc" },
  { target: "hvt", ext: "hvt", cc: "gcc" },
  { target: "virtio-x86_64", ext: "virtio-x86_64", cc: "gcc" },
  { target: "spt-aarch64", ext: "spt-aarch64", cc: "aarch64-linux-gnu-gcc" },
  { target: "virtio-aarch64", ext: "virtio-aarch64", cc: "aarch64-linux-gnu-gcc" },
  { target: "rpi", ext: "rpi", cc: "aarch64-linux-gnu-gcc", only: ["hello"] },
];

const has = (cmd) => spawnSync("sh", ["-c", 'command -v "$0"', cmd]).status === 0;

// Builds examples/`name` for `target`; returns the image's size in bytes.
function build(name, { target, ext }) {
  const out = join(work, target);
  const r = spawnSync(
    process.execPath,
    [`${root}packages/cli/bin/tessera.cjs`, "build", `examples/${name}`, "-o", out, "--target", target],
    { cwd: root, encoding: "utf8" },
  );
  if (r.status !== 0) {
    console.error(`tessera build examples/${name} --target ${target} failed:\n${r.stderr}`);
    process.exit(1);
  }
  return statSync(join(out, `${name}.${ext}`)).size;
}

const fmt = (b) => (b >= 1e6 ? `${(b / 1e6).toFixed(2)} MB` : b >= 1e4 ? `${(b / 1e3).toFixed(1)} KB` : `${b} B`);
try {
  const sizes = {}; // example -> target -> bytes
  const missing = [];
  for (const t of TARGETS) {
    if (t.cc && !has(t.cc)) {
      missing.push(`${t.target} (no ${t.cc})`);
      continue;
    }
    for (const name of t.only ?? EXAMPLES) {
      process.stderr.write(`size-targets: ${name} for ${t.target}\n`);
      (sizes[name] ??= {})[t.target] = build(name, t);
    }
  }
  const built = TARGETS.filter((t) => !missing.some((m) => m.startsWith(`${t.target} `)));
  mkdirSync(`${root}benchmarks/results`, { recursive: true });
  writeFileSync(
    `${root}benchmarks/results/size-targets.json`,
    JSON.stringify({ date: new Date().toISOString(), sizes, missing }, null, 2) + "\n",
  );
  const colors = ["#3b6fb6", "#9aa5b1", "#5a9e6f", "#d08c2f", "#8e6bb8", "#c0504d", "#4bacc6"];
  writeFileSync(
    `${root}docs/img/size-targets.svg`,
    barChart({
      title: "Every example on every target",
      subtitle: "image bytes on a log scale (from 100 bytes); the colours are the targets, in the table's order",
      unit: "",
      width: 720,
      bars: EXAMPLES.flatMap((name) =>
        built
          .filter((t) => sizes[name]?.[t.target] !== undefined)
          .map((t) => ({
            label: `${name}.${t.ext}`,
            value: Math.log10(sizes[name][t.target] / 100),
            text: fmt(sizes[name][t.target]),
            color: colors[TARGETS.indexOf(t)],
          })),
      ),
    }),
  );
  // The table for docs/benchmarks.md, in bytes.
  const head = `| example | ${built.map((t) => t.target).join(" | ")} |`;
  const rule = `| ------- | ${built.map(() => "--:").join(" | ")} |`;
  const rows = EXAMPLES.map(
    (name) =>
      `| ${name} | ${built.map((t) => (sizes[name]?.[t.target] ?? "").toLocaleString("en-US") || "-").join(" | ")} |`,
  );
  console.log([head, rule, ...rows].join("\n"));
  if (missing.length) console.log(`not built: ${missing.join(", ")}`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
