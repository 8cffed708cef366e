// Lets a benchmark use a TypeScript helper of the tests (test/helpers/*.ts),
// such as the engines that start dockerd, instead of keeping a copy: esbuild
// (a dev dependency already) bundles it into a temporary module, which is
// imported and removed. It is written under node_modules/.cache so that the
// packages it imports (left outside the bundle) resolve as from the tests.
import { build } from "esbuild";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { root } from "./testbed.mjs";

/** Imports `path` (relative to the repository's root), a TypeScript module. */
export async function importTs(path) {
  const cache = join(root, "node_modules/.cache");
  mkdirSync(cache, { recursive: true });
  const dir = mkdtempSync(join(cache, "tessera-ts-"));
  const out = join(dir, "module.mjs");
  try {
    await build({
      entryPoints: [join(root, path)],
      bundle: true,
      platform: "node",
      format: "esm",
      target: "node20",
      packages: "external",
      outfile: out,
      logLevel: "error",
    });
    return await import(pathToFileURL(out).href);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
