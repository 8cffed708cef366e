// What `npm pack` and `npm publish` of a @tessera package run first and last
// (its prepack and postpack scripts), from the package's directory:
//   prepack   copies the repository's LICENSE into the package, and fails,
//             naming the file, when a file its package.json lists in `files`
//             is missing (a build product: dist/, the tenders, the Node
//             tender's helper and gateway), so that no package goes out
//             without what it needs;
//   postpack  removes the copy (.gitignore ignores it meanwhile).
import { copyFileSync, existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const dir = process.cwd();
const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
const step = process.argv[2];

if (step === "prepack") {
  // Entries without glob characters name a file or directory that must be there.
  const missing = (pkg.files ?? []).filter((f) => !/[!*?[\]{}]/.test(f) && !existsSync(join(dir, f)));
  if (missing.length) {
    console.error(
      `pack: ${pkg.name}: missing ${missing.join(", ")}: build first (npm run build at the repository root; the tenders and the Node tender's helper need gcc, tessera-spt-aarch64 gcc-aarch64-linux-gnu)`,
    );
    process.exit(1);
  }
  copyFileSync(join(root, "LICENSE"), join(dir, "LICENSE"));
} else if (step === "postpack") {
  if (dir !== root) rmSync(join(dir, "LICENSE"), { force: true });
} else {
  console.error("usage: node scripts/pack.mjs prepack|postpack (from a package's directory)");
  process.exit(2);
}
