/**
 * Writes the generated ABI bindings next to the table, or with `--check`
 * fails if any of them differs from what the table says.
 *
 * @module
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { renderAll } from "./generate.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const check = process.argv.includes("--check");
let stale = 0;
for (const [rel, text] of Object.entries(renderAll())) {
  const file = join(root, rel);
  let old = "";
  try {
    old = readFileSync(file, "utf8");
  } catch {
    /* not there yet */
  }
  if (old === text) continue;
  if (check) {
    console.error(`tessera-abi: ${rel} is out of date (run: npm run generate -w @tessera/abi)`);
    stale++;
  } else {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, text);
    console.log(`wrote ${rel}`);
  }
}
process.exit(stale ? 1 : 0);
