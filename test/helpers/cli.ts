// Runs the real `tessera` command in a child process, as a user would.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

/** The repository root. */
export const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** The `tessera` command's entry point, run with this Node.js. */
export const TESSERA = `${ROOT}packages/cli/bin/tessera.cjs`;

/** What one run of the command did. */
export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `tessera ...args` from `cwd` (default: the repository root). */
export function tessera(args: string[], opts: { cwd?: string; input?: string } = {}): CliResult {
  const r = spawnSync(process.execPath, [TESSERA, ...args], {
    cwd: opts.cwd ?? ROOT,
    input: opts.input ?? "",
    encoding: "utf8",
    timeout: 120_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
