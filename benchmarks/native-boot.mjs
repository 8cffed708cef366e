#!/usr/bin/env node
// Boot cost of the hello unikernel on the native tenders, whole process from
// start to exit (median wall time of interleaved runs), each against its
// floor measured in the same run:
//   tessera-spt hello.spt   vs  a static C program that does nothing
//   tessera-hvt hello.hvt   vs  kvm-halt: a KVM VM with one vCPU that runs one HLT
// Solo5's published figure for solo5-hvt stands beside them, labelled as
// published (not measured here). On a host whose KVM has no hardware
// virtualization under it (kvm_pvm here), hvt's numbers carry that caveat.
// Writes benchmarks/results/native-boot.json and docs/img/native-boot.svg.
//
//   node benchmarks/native-boot.mjs [--runs N]
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { median, quantile } from "./lib/stats.mjs";
import { barChart } from "./lib/svg.mjs";
import { buildExample, root } from "./lib/testbed.mjs";

const runsArg = process.argv.indexOf("--runs");
const runs = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 40;
if (!Number.isInteger(runs) || runs < 3) {
  console.error("native-boot.mjs: --runs needs a whole number of at least 3");
  process.exit(2);
}
const out = `${root}.bench`;
mkdirSync(out, { recursive: true });
const tender = (t) => `${root}targets/${t}/build/tessera-${t}`;
for (const t of ["spt", "hvt"])
  if (!existsSync(tender(t))) {
    console.error(`native-boot.mjs: ${tender(t)} is not built (npm run build, with gcc)`);
    process.exit(2);
  }
const kvm = existsSync("/dev/kvm");
const emulated = !/\b(vmx|svm)\b/.test(readFileSync("/proc/cpuinfo", "utf8"));

const cc = (src, dst, flags) =>
  execFileSync("gcc", ["-std=c11", "-O2", "-Wall", "-Wextra", "-Werror", ...flags, "-o", dst, src]);
cc(`${root}benchmarks/nothing.c`, `${out}/nothing`, ["-static"]);
if (kvm) cc(`${root}benchmarks/kvm-halt.c`, `${out}/kvm-halt`, []);
const spt = buildExample("hello", "spt");
const hvt = kvm ? buildExample("hello", "hvt") : null;

function wall(cmd, args) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, TESSERA_HVT_QUIET: "1" },
  });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} exited ${r.status}: ${r.stderr}`);
  return ms;
}

const peers = {
  spt: [tender("spt"), [spt, "--", "name=bench"]],
  nothing: [`${out}/nothing`, []],
  ...(kvm && {
    hvt: [tender("hvt"), [hvt, "--", "name=bench"]],
    "kvm-halt": [`${out}/kvm-halt`, []],
  }),
};
const samples = Object.fromEntries(Object.keys(peers).map((k) => [k, []]));
for (const [cmd, args] of Object.values(peers)) wall(cmd, args); // warm the page cache
console.error(`timing ${runs} runs of each, interleaved ...`);
for (let i = 0; i < runs; i++) {
  for (const [name, [cmd, args]] of Object.entries(peers)) samples[name].push(wall(cmd, args));
  if ((i + 1) % 10 === 0) console.error(`  ${i + 1}/${runs}`);
}

const stat = (s) => ({ median: median(s), p10: quantile(s, 0.1), p90: quantile(s, 0.9) });
const SOLO5_HVT_PUBLISHED_MS = 2.9;
const result = {
  date: new Date().toISOString(),
  runs,
  kvm,
  kvmEmulated: emulated,
  imageBytes: { spt: statSync(spt).size, hvt: hvt ? statSync(hvt).size : null },
  wallMs: Object.fromEntries(Object.entries(samples).map(([k, s]) => [k, stat(s)])),
  ratios: {
    sptOverNothing: median(samples.spt) / median(samples.nothing),
    ...(kvm && { hvtOverKvmHalt: median(samples.hvt) / median(samples["kvm-halt"]) }),
  },
  published: { solo5HvtMs: SOLO5_HVT_PUBLISHED_MS },
};
mkdirSync(`${root}benchmarks/results`, { recursive: true });
writeFileSync(`${root}benchmarks/results/native-boot.json`, JSON.stringify(result, null, 2) + "\n");

const ms = (k) => +median(samples[k]).toFixed(2);
const bars = [
  { label: "tessera-spt hello.spt", value: ms("spt"), text: `${ms("spt")} ms` },
  { label: "static C program, nothing", value: ms("nothing"), text: `${ms("nothing")} ms` },
];
if (kvm)
  bars.push(
    { label: `tessera-hvt hello.hvt${emulated ? " *" : ""}`, value: ms("hvt"), text: `${ms("hvt")} ms` },
    { label: `kvm-halt (VM + HLT)${emulated ? " *" : ""}`, value: ms("kvm-halt"), text: `${ms("kvm-halt")} ms` },
  );
bars.push({
  label: "solo5-hvt (published)",
  value: SOLO5_HVT_PUBLISHED_MS,
  text: `${SOLO5_HVT_PUBLISHED_MS} ms, published`,
  color: "#c9c9c9",
});
writeFileSync(
  `${root}docs/img/native-boot.svg`,
  barChart({
    title: "Native boot to exit, whole process (median wall time)",
    subtitle: `hello on each tender vs its floor, ${runs} interleaved runs${emulated ? "; * KVM emulated here (no VT-x/SVM)" : ""}`,
    unit: "ms",
    bars,
  }),
);

const line = (name, k) => {
  const s = result.wallMs[k];
  console.log(`${name.padEnd(26)} median ${s.median.toFixed(2)} ms (p10 ${s.p10.toFixed(2)}, p90 ${s.p90.toFixed(2)})`);
};
console.log(`hello.spt: ${result.imageBytes.spt} bytes${hvt ? `, hello.hvt: ${result.imageBytes.hvt} bytes` : ""}`);
line("tessera-spt hello.spt", "spt");
line("static C, nothing", "nothing");
console.log(`ratio                      ${result.ratios.sptOverNothing.toFixed(2)}x (goal: at most 2x)`);
if (kvm) {
  line("tessera-hvt hello.hvt", "hvt");
  line("kvm-halt", "kvm-halt");
  console.log(`ratio                      ${result.ratios.hvtOverKvmHalt.toFixed(2)}x`);
  if (emulated)
    console.log(
      "note: this host's KVM has no VT-x/SVM under it (kvm_pvm): each VM exit is emulated; real hardware is faster",
    );
} else console.log("no /dev/kvm: hvt not measured");
console.log(`solo5-hvt, published (not measured here): ${SOLO5_HVT_PUBLISHED_MS} ms`);
