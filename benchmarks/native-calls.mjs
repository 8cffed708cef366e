#!/usr/bin/env node
// What an ABI call and guest code cost on the native tenders, measured with
// the tests' hand-written guests (test/fixtures/spt-guest, test/fixtures/hvt-guests):
//   tessera-spt: a call is a function call; the guest times 100,000 clock calls itself
//   tessera-hvt: a call is a VM exit through the ring-0 stub; the whole process
//     is timed with 0 and with 2,000 calls, and with 10^8 turns of a
//     two-instruction loop (ring 3 should run natively, even under kvm_pvm)
// Medians of interleaved runs. The tests check only that these guests run;
// the numbers are here, where a loaded machine makes them slow, not wrong.
// Writes benchmarks/results/native-calls.json.
//
//   node benchmarks/native-calls.mjs [--runs N]
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { median } from "./lib/stats.mjs";
import { root } from "./lib/testbed.mjs";

const runsArg = process.argv.indexOf("--runs");
const runs = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 9;
if (!Number.isInteger(runs) || runs < 3) {
  console.error("native-calls.mjs: --runs needs a whole number of at least 3");
  process.exit(2);
}
const out = `${root}.bench`;
mkdirSync(out, { recursive: true });
const tender = (t) => `${root}targets/${t}/build/tessera-${t}`;
if (!existsSync(tender("spt"))) {
  console.error(`native-calls.mjs: ${tender("spt")} is not built (npm run build, with gcc)`);
  process.exit(2);
}
const kvm = existsSync("/dev/kvm") && existsSync(tender("hvt"));
const emulated = !/\b(vmx|svm)\b/.test(readFileSync("/proc/cpuinfo", "utf8"));
const env = { ...process.env, TESSERA_HVT_QUIET: "1" };

// The spt guest, as test/spt.test.ts builds it.
const sptGuest = `${out}/calls-guest.spt`;
execFileSync("gcc", [
  ...["-std=c11", "-O2", "-ffreestanding", "-fno-pic", "-fno-stack-protector", "-fcf-protection=none"],
  ...["-nostdlib", "-static", "-no-pie", "-Wl,-Ttext-segment=0x100000", "-Wl,-e,start", "-Wl,-z,noexecstack"],
  ...["-Wl,--no-warn-rwx-segments", "-I", `${root}packages/abi/include`, "-I", `${root}targets/native/include`],
  `${root}test/fixtures/spt-guest/guest.c`,
  "-o",
  sptGuest,
]);
const sptNs = [];
for (let i = 0; i < runs; i++) {
  const r = spawnSync(tender("spt"), [sptGuest, "--", "bench", "100000"], { encoding: "utf8" });
  const m = /^ns\/call=(\d+)\n$/.exec(r.stdout);
  if (r.status !== 0 || !m) throw new Error(`tessera-spt bench: ${r.stdout}${r.stderr}`);
  sptNs.push(Number(m[1]));
}

let hvt = null;
if (kvm) {
  const build = (name, flags) => {
    const file = `${out}/calls-${name}.hvt`;
    execFileSync(`${root}test/fixtures/hvt-guests/build.sh`, ["CALLS", file, "2", ...flags]);
    return file;
  };
  const guests = {
    empty: build("empty", ["-DCALLS=0", "-DSPIN=0"]),
    calls: build("calls", ["-DCALLS=2000", "-DSPIN=0"]),
    spin: build("spin", ["-DCALLS=0", "-DSPIN=100000000"]),
  };
  const wall = (image) => {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(tender("hvt"), [image], { env });
    if (r.status !== 0) throw new Error(`tessera-hvt ${image} exited ${r.status}: ${r.stderr}`);
    return Number(process.hrtime.bigint() - t0) / 1e6;
  };
  const ms = { empty: [], calls: [], spin: [] };
  for (let i = 0; i < runs; i++) for (const k of Object.keys(ms)) ms[k].push(wall(guests[k]));
  const [empty, calls, spin] = [median(ms.empty), median(ms.calls), median(ms.spin)];
  hvt = { bootMs: empty, callUs: ((calls - empty) * 1000) / 2000, insnNs: ((spin - empty) * 1e6) / 2e8 };
}

const result = { date: new Date().toISOString(), runs, kvmEmulated: emulated, spt: { callNs: median(sptNs) }, hvt };
mkdirSync(`${root}benchmarks/results`, { recursive: true });
writeFileSync(`${root}benchmarks/results/native-calls.json`, JSON.stringify(result, null, 2) + "\n");
console.log(`tessera-spt: a call ${result.spt.callNs} ns (median of ${runs} runs of 100,000)`);
if (hvt)
  console.log(
    `tessera-hvt: boot+exit ${hvt.bootMs.toFixed(1)} ms, a call ${hvt.callUs.toFixed(1)} us, ` +
      `guest code ${hvt.insnNs.toFixed(2)} ns/instruction${emulated ? " (KVM emulated here: no vmx/svm)" : ""}`,
  );
else console.log("tessera-hvt: not measured (no /dev/kvm, or tessera-hvt not built)");
