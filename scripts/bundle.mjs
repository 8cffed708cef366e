// Bundles the tessera command into a few files (packages/cli/dist/bundle/),
// so that `tessera run` loads three modules instead of thirty: module loading
// is most of a short run's start-up. The compiler (asc, binaryen) stays
// outside and is loaded only by `tessera build`.
import { build } from "esbuild";
import { rmSync } from "node:fs";
import { fileURLToPath } from "node:url";

const cli = fileURLToPath(new URL("../packages/cli/", import.meta.url));
rmSync(`${cli}dist/bundle`, { recursive: true, force: true });
await build({
  entryPoints: [`${cli}dist/main.js`],
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  outdir: `${cli}dist/bundle`,
  external: ["assemblyscript", "assemblyscript/*", "binaryen"],
  logLevel: "warning",
});
