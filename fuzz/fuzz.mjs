#!/usr/bin/env node
// `npm run fuzz`: builds the fuzz targets and runs each under libFuzzer, one at a time, reporting executions,
// coverage and crashes. See docs/fuzzing.md.

import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { basename, join, relative } from "node:path";
import { BUILD, buildTargets, FUZZ, FuzzError, requireTools, ROOT } from "./build.mjs";
import { TARGETS } from "./targets.mjs";

const HELP = `Usage: npm run fuzz -- [TARGET...] [options]

Builds the fuzz targets (clang, libFuzzer, AddressSanitizer and UBSan) and runs
each for a while, one after the other, printing executions, coverage (libFuzzer's
cov: edges and ft: features) and crashes. Without TARGETs, all of them.

Options:
  --seconds N       how long each target runs (default 600)
  --build           build only
  --replay          run each target once over its corpus and regressions, no fuzzing
  --merge           merge what the runs found into fuzz/corpus/<target> (minimized)
  --merge-only      only that, for what earlier runs found (no fuzzing)
  --list            list the targets
  --help            this text

Targets: ${TARGETS.map((t) => t.name).join(", ")}
A crash's input is kept in fuzz/build/<target>/crashes/; replay it with
fuzz/build/<target>/fuzz-<target> FILE. Needs clang and libclang-rt-14-dev (Debian).`;

/** Where a target's files go: the binary, the corpus the runs grow, the crashes. */
export function targetDirs(name) {
  const dir = join(BUILD, name);
  return {
    dir,
    bin: join(dir, `fuzz-${name}`),
    work: join(dir, "corpus"),
    crashes: join(dir, "crashes"),
    corpus: join(FUZZ, "corpus", name),
    regressions: join(FUZZ, "regressions", name),
  };
}

/** The files in `dir` (none if it is missing). */
export function filesIn(dir) {
  return existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => !f.startsWith("."))
        .sort()
        .map((f) => join(dir, f))
    : [];
}

/** The numbers of a libFuzzer run, read from its output. */
export function statsOf(output) {
  const num = (re) => {
    const all = [...output.matchAll(re)];
    return all.length ? Number(all[all.length - 1][1]) : 0;
  };
  return {
    execs: num(/stat::number_of_executed_units: (\d+)/g) || num(/^#(\d+)\s/gm),
    cov: num(/\bcov: (\d+)/g),
    ft: num(/\bft: (\d+)/g),
    corpus: num(/\bcorp: (\d+)/g),
    rss: num(/stat::peak_rss_mb: (\d+)/g),
    crash: /Test unit written to (\S+)/.exec(output)?.[1] ?? null,
  };
}

/**
 * Runs `target` for `seconds` over its corpus (not the regressions: those crash until fixed): libFuzzer with one job, crashes
 * kept in its crashes directory. Resolves with the numbers and the output; `onLine` sees the output as it comes.
 */
export function runTarget(target, seconds, onLine = () => {}, { seed = 0, runs = 0 } = {}) {
  const d = targetDirs(target.name);
  mkdirSync(d.work, { recursive: true });
  mkdirSync(d.crashes, { recursive: true });
  const args = [
    `-max_total_time=${seconds}`,
    ...(seed ? [`-seed=${seed}`] : []), // a fixed seed (and `runs`): the same mutations on every machine
    ...(runs ? [`-runs=${runs}`] : []),
    `-max_len=${target.maxLen}`,
    "-timeout=20",
    "-rss_limit_mb=2048",
    "-print_final_stats=1",
    "-print_pcs=0",
    `-artifact_prefix=${d.crashes}/`,
    d.work,
    d.corpus,
  ];
  return new Promise((resolve) => {
    const child = spawn(d.bin, args, { cwd: d.dir, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    let partial = "";
    const take = (chunk) => {
      output += chunk;
      partial += chunk;
      const lines = partial.split("\n");
      partial = lines.pop();
      for (const l of lines) onLine(l);
    };
    child.stdout.on("data", take);
    child.stderr.on("data", take);
    child.on("close", (status) => resolve({ ...statsOf(output), status, output }));
  });
}

/** Runs `target`'s binary once over `files` (no fuzzing); the status and output. */
export function replay(target, files) {
  const d = targetDirs(target.name);
  const r = spawnSync(d.bin, ["-runs=1", `-max_len=${target.maxLen}`, ...files], {
    cwd: d.dir,
    encoding: "utf8",
    maxBuffer: 64 << 20,
  });
  return { status: r.status, output: `${r.stdout ?? ""}${r.stderr ?? ""}` };
}

/** Merges what the runs of `t` found into fuzz/corpus/<target>, minimized by libFuzzer (-merge=1). */
function merge(t, say) {
  const d = targetDirs(t.name);
  const tmp = join(d.dir, "merged");
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp);
  spawnSync(d.bin, ["-merge=1", `-max_len=${t.maxLen}`, tmp, d.corpus, d.work], { cwd: d.dir, stdio: "ignore" });
  // libFuzzer names what it writes by content (SHA-1); the seeds have names of their own.
  const sha1 = (file) => createHash("sha1").update(readFileSync(file)).digest("hex");
  const have = new Set(filesIn(d.corpus).map(sha1));
  let added = 0;
  for (const f of filesIn(tmp))
    if (!have.has(sha1(f))) {
      copyFileSync(f, join(d.corpus, basename(f)));
      added++;
    }
  rmSync(tmp, { recursive: true, force: true });
  say(`${t.name}: ${added} inputs merged into ${relative(ROOT, d.corpus)}`);
}

function parseArgs(argv) {
  const o = { names: [], seconds: 600, build: false, replay: false, merge: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--help" || a === "-h") o.help = true;
    else if (a === "--list") o.list = true;
    else if (a === "--build") o.build = true;
    else if (a === "--replay") o.replay = true;
    else if (a === "--merge") o.merge = true;
    else if (a === "--merge-only") o.merge = o.mergeOnly = true;
    else if (a === "--seconds") {
      o.seconds = Number(argv[++i]);
      if (!Number.isInteger(o.seconds) || o.seconds < 1) throw new FuzzError("--seconds takes a whole number >= 1");
    } else if (a.startsWith("-")) throw new FuzzError(`unknown option ${a} (see --help)`);
    else if (!TARGETS.some((t) => t.name === a))
      throw new FuzzError(`no target ${a}; the targets are ${TARGETS.map((t) => t.name).join(", ")}`);
    else o.names.push(a);
  }
  return o;
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  if (o.help) return console.log(HELP);
  if (o.list) {
    for (const t of TARGETS) console.log(`${t.name.padEnd(14)} ${t.what}`);
    return;
  }
  requireTools();
  const targets = o.names.length ? TARGETS.filter((t) => o.names.includes(t.name)) : TARGETS;
  const say = (s) => console.log(`fuzz: ${s}`);
  await buildTargets(targets, say);
  if (o.build) return;
  const rows = [];
  let failed = false;
  for (const t of targets) {
    const d = targetDirs(t.name);
    if (o.replay) {
      const files = [...filesIn(d.corpus), ...filesIn(d.regressions)];
      const r = replay(t, files);
      say(`${t.name}: ${files.length} inputs replayed: ${r.status === 0 ? "ok" : "CRASH"}`);
      if (r.status !== 0) {
        failed = true;
        console.log(r.output.split("\n").slice(-40).join("\n"));
      }
      continue;
    }
    if (o.mergeOnly) {
      merge(t, say);
      continue;
    }
    say(`${t.name}: running ${o.seconds} s (${t.what})`);
    const r = await runTarget(t, o.seconds, (l) => {
      if (/^#\d+\s+(pulse|REDUCE|DONE)|^==\d+==|^SUMMARY|panic:|wasm trap/.test(l)) console.log(`  ${l}`);
    });
    rows.push([t.name, r]);
    if (r.crash) {
      failed = true;
      say(`${t.name}: CRASH, input kept in ${relative(ROOT, r.crash)}`);
    } else if (r.status !== 0) {
      failed = true;
      say(`${t.name}: libFuzzer exited with status ${r.status}`);
    }
    if (o.merge) merge(t, say);
  }
  if (rows.length) {
    console.log("\ntarget          seconds      execs   exec/s    cov      ft  corpus  result");
    for (const [name, r] of rows)
      console.log(
        `${name.padEnd(14)} ${String(o.seconds).padStart(8)} ${String(r.execs).padStart(10)} ${String(Math.round(r.execs / o.seconds)).padStart(8)} ${String(r.cov).padStart(6)} ${String(r.ft).padStart(7)} ${String(r.corpus).padStart(7)}  ${r.crash ? `crash: ${relative(ROOT, r.crash)}` : r.status === 0 ? "ok" : `status ${r.status}`}`,
      );
  }
  if (failed) process.exitCode = 1;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((e) => {
    if (e instanceof FuzzError || e?.name === "CompileError") {
      console.error(`fuzz: ${e.message}`);
      process.exitCode = e instanceof FuzzError ? 2 : 1;
    } else throw e;
  });
}
