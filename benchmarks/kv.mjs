#!/usr/bin/env node
// Durable key-value writes and reads of 1 KiB values: @tessera/block's store
// in a unikernel on the Node tender (a disk file, fdatasync per put), against
// SQLite in WAL mode with synchronous=FULL (Python's sqlite3 module; a commit
// per insert, which fsyncs the WAL), on the same file system, in the same run,
// rounds interleaved. Both time their own loops, so process start-up is left
// out. Needs python3 (Debian package python3). Writes
// benchmarks/results/kv.json and docs/img/kv.svg.
//
//   node benchmarks/kv.mjs [--count N] [--rounds N] [--size BYTES]
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { median } from "./lib/stats.mjs";
import { barChart } from "./lib/svg.mjs";
import { root } from "./lib/testbed.mjs";

const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const count = arg("--count", 2000);
const rounds = arg("--rounds", 3);
const size = arg("--size", 1024);
if (!(count >= 1 && rounds >= 1 && size >= 0)) {
  console.error("kv.mjs: --count and --rounds take whole numbers of at least 1, --size a number of bytes");
  process.exit(2);
}
if (spawnSync("python3", ["-c", "import sqlite3"]).status !== 0) {
  console.error("kv.mjs: needs python3 with its sqlite3 module (apt-get install python3)");
  process.exit(2);
}

const tessera = (...args) => {
  const r = spawnSync(process.execPath, [`${root}packages/cli/bin/tessera.cjs`, ...args], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`tessera ${args.join(" ")}: ${r.stderr}${r.stdout}`);
  return r.stdout;
};

const SQLITE = `
import sqlite3, sys, time
path, n, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
db = sqlite3.connect(path, isolation_level=None)
assert db.execute("pragma journal_mode=wal").fetchone()[0] == "wal"
db.execute("pragma synchronous=full")
db.execute("create table kv (k blob primary key, v blob) without rowid")
value = bytearray((i * 31) & 255 for i in range(size))
key = lambda i: b"key-" + i.to_bytes(8, "little")
t0 = time.monotonic_ns()
for i in range(n):
    value[0:4] = i.to_bytes(4, "little")
    db.execute("insert into kv values (?, ?)", (key(i), bytes(value)))
t1 = time.monotonic_ns()
found = sum(1 for i in range(n) if db.execute("select v from kv where k = ?", (key(i),)).fetchone()[0][0:4] == i.to_bytes(4, "little"))
t2 = time.monotonic_ns()
assert found == n
print(f"puts={n} put_ns={t1 - t0} gets={n} get_ns={t2 - t1}")
`;

function parse(text) {
  const m = /puts=(\d+) put_ns=(\d+) gets=(\d+) get_ns=(\d+)/.exec(text);
  if (!m) throw new Error(`cannot read: ${text}`);
  return { puts: (Number(m[1]) * 1e9) / Number(m[2]), gets: (Number(m[3]) * 1e9) / Number(m[4]) };
}

const work = mkdtempSync(join(tmpdir(), "tessera-kv-bench-"));
try {
  console.log("building benchmarks/apps/kv-bench ...");
  tessera("build", `${root}benchmarks/apps/kv-bench`, "-o", work);
  const diskSize = `${Math.max(16, Math.ceil((count * (size + 256) * 3) / (1 << 20)))}M`;
  const runs = { tessera: [], sqlite: [] };
  for (let r = 1; r <= rounds; r++) {
    const disk = join(work, `r${r}.img`);
    tessera("disk", "create", disk, diskSize);
    console.log(`round ${r}: tessera (${count} puts of ${size} bytes) ...`);
    runs.tessera.push(
      parse(
        tessera(
          "run",
          join(work, "kv-bench.wasm"),
          "--block",
          `storage=${disk}`,
          "--",
          `count=${count}`,
          `size=${size}`,
        ),
      ),
    );
    rmSync(disk);
    console.log(`round ${r}: sqlite ...`);
    const db = join(work, `r${r}.db`);
    const py = spawnSync("python3", ["-c", SQLITE, db, String(count), String(size)], { encoding: "utf8" });
    if (py.status !== 0) throw new Error(`sqlite: ${py.stderr}`);
    runs.sqlite.push(parse(py.stdout));
  }
  const med = (who, what) => median(runs[who].map((x) => x[what]));
  const result = {
    date: new Date().toISOString(),
    count,
    size,
    rounds,
    runs,
    tessera: { puts: med("tessera", "puts"), gets: med("tessera", "gets") },
    sqlite: { puts: med("sqlite", "puts"), gets: med("sqlite", "gets") },
  };
  mkdirSync(`${root}benchmarks/results`, { recursive: true });
  writeFileSync(`${root}benchmarks/results/kv.json`, JSON.stringify(result, null, 2) + "\n");
  const fmt = (x) => (x >= 1e5 ? `${(x / 1e6).toFixed(2)} M/s` : `${Math.round(x).toLocaleString("en")}/s`);
  writeFileSync(
    `${root}docs/img/kv.svg`,
    barChart({
      title: `Durable puts of ${size}-byte values (each flushed before the next)`,
      subtitle: `medians of ${rounds} rounds of ${count}; SQLite in WAL mode, synchronous=FULL`,
      unit: "/s",
      bars: [
        { label: "Tessera store (Node tender)", value: result.tessera.puts, text: fmt(result.tessera.puts) },
        { label: "SQLite (python3)", value: result.sqlite.puts, text: fmt(result.sqlite.puts) },
      ],
    }),
  );
  console.log(`${count} ${size}-byte values, medians of ${rounds} rounds:`);
  console.log(`                 durable puts/s        gets/s`);
  for (const who of ["tessera", "sqlite"])
    console.log(`  ${who.padEnd(12)} ${fmt(result[who].puts).padStart(14)} ${fmt(result[who].gets).padStart(13)}`);
  console.log(
    `  ratio        ${(result.tessera.puts / result.sqlite.puts).toFixed(2).padStart(13)}x ${(result.tessera.gets / result.sqlite.gets).toFixed(2).padStart(12)}x`,
  );
} finally {
  rmSync(work, { recursive: true, force: true });
}
