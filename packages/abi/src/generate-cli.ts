/**
 * Writes the generated ABI bindings next to the table, and the native image's
 * and the disk label's formats where their users are, or with `--check` fails
 * if any of them differs from what its table says (naming each such file).
 * `--root DIR` takes DIR as packages/abi (the tests check a copy of the tree).
 *
 * @module
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { renderAll } from "./generate.js";

const rootAt = process.argv.indexOf("--root");
const root = rootAt > 0 ? process.argv[rootAt + 1] : join(dirname(fileURLToPath(import.meta.url)), "..");
const check = process.argv.includes("--check");
let stale = 0;
for (const [rel, text] of Object.entries(renderAll())) {
  const file = join(root, rel);
  const shown = relative(join(root, "..", ".."), file);
  let old = "";
  try {
    old = readFileSync(file, "utf8");
  } catch {
    /* not there yet */
  }
  if (old === text) continue;
  if (check) {
    console.error(
      `tessera-abi: ${shown} differs from its table: it is generated, so edit the table and run: npm run generate -w @tessera/abi`,
    );
    stale++;
  } else {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, text);
    console.log(`wrote ${shown}`);
  }
}
process.exit(stale ? 1 : 0);
