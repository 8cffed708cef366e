/**
 * Where the tessera command finds packages. An app's `@tessera/*`
 * AssemblyScript packages come from the app's own node_modules (what its
 * package.json depends on), and only then from the node_modules the command
 * itself is installed in (in this repository, the workspace's, which links
 * every package). What goes with the command's own code comes from the
 * command's own dependencies: the native images' C (`@tessera/native`,
 * `@tessera/abi`), wasm2c (`wabt`) and the tenders (`@tessera/spt`,
 * `@tessera/hvt`).
 *
 * @module
 */
import { existsSync, readFileSync, realpathSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { CliError } from "../errors.js";

/** The package every image links (its abort, trace and seed hooks). */
const RUNTIME = join("@tessera", "runtime", "package.json");

/** The nearest node_modules at or above `dir` that holds @tessera/runtime, or null. */
function modulesAbove(dir: string): string | null {
  for (;;) {
    const candidate = join(dir, "node_modules");
    if (existsSync(join(candidate, RUNTIME))) return candidate;
    const up = dirname(dir);
    if (up === dir) return null;
    dir = up;
  }
}

/**
 * The node_modules that the tessera command is installed in, if it holds
 * @tessera/runtime: the nearest one above this file (which may be bundled,
 * so its depth in the tree is not fixed); null if there is none.
 */
export function commandModules(): string | null {
  return modulesAbove(dirname(fileURLToPath(import.meta.url)));
}

/**
 * The directories asc looks in for an app's packages, after the
 * node_modules above each importing file (which asc searches itself): the
 * app's nearest node_modules with @tessera/runtime, then the command's.
 * Throws a CliError saying what to install if neither has @tessera/runtime.
 */
export function appModules(appDir: string): string[] {
  const paths = [modulesAbove(appDir), commandModules()].filter((p): p is string => p !== null);
  if (!paths.length) {
    const shown = relative(process.cwd(), appDir) || ".";
    const { version } = commandPackage();
    throw new CliError(
      `${shown}: @tessera/runtime is not installed; an app depends on the @tessera packages it imports (run npm install in ${shown}, or: npm install @tessera/runtime@${version})`,
    );
  }
  return [...new Set(paths)];
}

/**
 * Whether this command runs from a checkout of the repository (its workspace
 * links every package) rather than from an npm installation.
 */
export function fromCheckout(): boolean {
  return !realpathSync(fileURLToPath(import.meta.url))
    .split(sep)
    .includes("node_modules");
}

/** The tessera command's package.json. */
export interface CommandPackage {
  version: string;
  dependencies: Record<string, string>;
}

/** The tessera command's package.json: the nearest one named @tessera/cli above this module, or above the bundle. */
export function commandPackage(): CommandPackage {
  for (let dir = dirname(fileURLToPath(import.meta.url)); dir !== dirname(dir); dir = dirname(dir)) {
    const file = join(dir, "package.json");
    if (!existsSync(file)) continue;
    const pkg = JSON.parse(readFileSync(file, "utf8")) as Partial<CommandPackage> & { name?: string };
    if (pkg.name === "@tessera/cli" && pkg.version)
      return { version: pkg.version, dependencies: pkg.dependencies ?? {} };
  }
  throw new Error("cannot find the tessera command's package.json (reinstall)");
}

/** The directory of `name`, one of the command's own dependencies; null if it is not installed. */
export function dependencyDir(name: string): string | null {
  try {
    return dirname(createRequire(import.meta.url).resolve(`${name}/package.json`));
  } catch {
    return null;
  }
}

/** Like dependencyDir, but throws a CliError that says to reinstall the command. */
export function requireDependency(name: string): string {
  const dir = dependencyDir(name);
  if (dir === null)
    throw new CliError(
      `${name} is not installed beside the tessera command (reinstall it: npm install @tessera/cli@${commandPackage().version})`,
    );
  return dir;
}
