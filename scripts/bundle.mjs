// Bundles the tessera command into one CommonJS file
// (packages/cli/dist/tessera.cjs). Loading one file instead of thirty ES
// modules is most of what a short `tessera run` costs at start-up. The
// compiler (asc, binaryen) stays outside and is loaded only by `tessera build`.
import { build } from "esbuild";
import { rmSync } from "node:fs";
import { fileURLToPath } from "node:url";

const cli = fileURLToPath(new URL("../packages/cli/", import.meta.url));
rmSync(`${cli}dist/bundle`, { recursive: true, force: true });
await build({
  entryPoints: [`${cli}dist/main.js`],
  bundle: true,
  format: "cjs",
  platform: "node",
  target: "node20",
  outfile: `${cli}dist/tessera.cjs`,
  external: ["assemblyscript", "assemblyscript/*", "binaryen"],
  // The sources are ES modules; in the bundle, import.meta.url is the bundle's own URL.
  define: { "import.meta.url": "__bundleUrl" },
  banner: { js: "const __bundleUrl = require('node:url').pathToFileURL(__filename).href;" },
  logLevel: "warning",
});
