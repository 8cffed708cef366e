// Runs JSONTestSuite's parsing cases (https://github.com/nst/JSONTestSuite, test_parsing/) through JsonReader:
// every y_*.json must be accepted, every n_*.json refused; the i_*.json (either is allowed) are reported.
//
//   node packages/json/suite/run.mjs PATH/TO/JSONTestSuite/test_parsing [-i]
//
// One image reads all the cases from its console input (each a u32 length, little-endian, and the bytes) and
// prints a line for each: `A`, or `R` and the reader's message. The suite's files are not in this repository.

import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const TESSERA = join(ROOT, "packages", "cli", "bin", "tessera.cjs");
const dir = process.argv[2];
if (!dir) {
  console.error("usage: node packages/json/suite/run.mjs PATH/TO/JSONTestSuite/test_parsing [-i]");
  process.exit(2);
}

const APP = `
import { InputHandler, line, onInput } from "@tessera/console/assembly";
import { run } from "@tessera/runtime/assembly/loop";
import { JsonReader } from "@tessera/json/assembly";

let buf = new Uint8Array(1 << 16);
let used = 0;

class Cases extends InputHandler {
  data(ptr: usize, len: u32): void {
    if (used + <i32>len > buf.length) {
      const bigger = new Uint8Array(max(buf.length * 2, used + <i32>len));
      bigger.set(buf);
      buf = bigger;
    }
    memory.copy(buf.dataStart + used, ptr, len);
    used += len;
  }
  end(): void {
    const r = new JsonReader();
    for (let at = 0; at + 4 <= used; ) {
      const n = load<u32>(buf.dataStart + at);
      r.reset(buf.dataStart + at + 4, n);
      if (r.finish()) line.str("A").nl();
      else line.str("R ").str(r.message).nl();
      at += 4 + n;
    }
  }
}

export function _start(): void {
  onInput(new Cases());
  run();
}
`;

const work = mkdtempSync(join(tmpdir(), "json-suite-"));
try {
  mkdirSync(join(work, "app", "assembly"), { recursive: true });
  writeFileSync(join(work, "app", "package.json"), '{ "name": "json-suite", "version": "0.0.0", "private": true }\n');
  writeFileSync(join(work, "app", "assembly", "index.ts"), APP);
  const built = spawnSync(process.execPath, [TESSERA, "build", join(work, "app"), "-o", work], { encoding: "utf8" });
  if (built.status !== 0) throw new Error(built.stderr);

  const files = readdirSync(dir)
    .filter((f) => /^[yni]_.*\.json$/.test(f))
    .sort();
  const input = Buffer.concat(
    files.flatMap((f) => {
      const bytes = readFileSync(join(dir, f));
      const length = Buffer.alloc(4);
      length.writeUInt32LE(bytes.length);
      return [length, bytes];
    }),
  );
  const ran = spawnSync(process.execPath, [TESSERA, "run", join(work, "json-suite.wasm"), "--mem", "256"], {
    input,
    maxBuffer: 1 << 26,
  });
  const lines = ran.stdout.toString().split("\n").filter(Boolean);
  if (lines.length !== files.length)
    throw new Error(`${lines.length} answers for ${files.length} files\n${ran.stderr}`);

  const count = { y: [0, 0], n: [0, 0], i: [0, 0] };
  const wrong = [];
  const implementationDefined = [];
  files.forEach((f, k) => {
    const accepted = lines[k] === "A";
    count[f[0]][accepted ? 0 : 1]++;
    if ((f[0] === "y" && !accepted) || (f[0] === "n" && accepted)) wrong.push(`${f}: ${lines[k]}`);
    if (f[0] === "i") implementationDefined.push(`${f}: ${accepted ? "accepted" : `refused (${lines[k].slice(2)})`}`);
  });
  console.log(`y_ (must accept): ${count.y[0]} accepted, ${count.y[1]} refused`);
  console.log(`n_ (must refuse): ${count.n[1]} refused, ${count.n[0]} accepted`);
  console.log(`i_ (either):      ${count.i[0]} accepted, ${count.i[1]} refused`);
  console.log(`mismatches: ${wrong.length}`);
  for (const w of wrong) console.log(`  ${w}`);
  if (process.argv.includes("-i")) for (const i of implementationDefined) console.log(`  ${i}`);
  process.exitCode = wrong.length ? 1 : 0;
} finally {
  rmSync(work, { recursive: true, force: true });
}
