/**
 * The `tessera` command: dispatches to a command module, loaded only when
 * used so that `tessera run` starts fast.
 *
 * @module
 */
import { CliError } from "./errors.js";

const COMMANDS: Record<
  string,
  { summary: string; load: () => Promise<{ default: (argv: string[]) => Promise<number> }> }
> = {
  build: { summary: "compile an app into a unikernel image", load: () => import("./commands/build.js") },
  run: { summary: "boot an image", load: () => import("./commands/run.js") },
  inspect: { summary: "show what is in an image and where its bytes go", load: () => import("./commands/inspect.js") },
  new: { summary: "create a new app that builds and runs at once", load: () => import("./commands/new.js") },
  disk: { summary: "create and inspect disk files for block devices", load: () => import("./commands/disk.js") },
  package: {
    summary: "make a container image of a native image (docker, podman, containerd)",
    load: () => import("./commands/package.js"),
  },
  switch: {
    summary: "run a virtual Ethernet switch for unikernels on this host",
    load: () => import("./commands/switch.js"),
  },
};

function usage(): string {
  const w = Math.max(...Object.keys(COMMANDS).map((c) => c.length));
  return [
    "usage: tessera <command> [options]",
    "",
    "Tessera builds AssemblyScript apps into tiny WebAssembly unikernels and runs them.",
    "",
    "commands:",
    ...Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(w)}  ${c.summary}`),
    "",
    "Run `tessera <command> --help` for a command's options.",
    "",
  ].join("\n");
}

/** Runs the CLI with `argv` (without node and the script) and exits the process. */
export async function main(argv: string[]): Promise<void> {
  let status: number;
  try {
    status = await dispatch(argv);
  } catch (e) {
    if (e instanceof CliError) {
      process.stderr.write(`tessera: ${e.message}\n`);
      status = e.status;
    } else {
      throw e;
    }
  }
  process.exitCode = status;
}

async function dispatch(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    process.stdout.write(usage());
    return name === undefined ? 2 : 0;
  }
  if (name === "--version") {
    const { ABI_VERSION } = await import("@tessera/abi");
    process.stdout.write(`tessera 0.1.0 (ABI v${ABI_VERSION})\n`);
    return 0;
  }
  const command = COMMANDS[name];
  if (!command) throw new CliError(`unknown command "${name}" (commands: ${Object.keys(COMMANDS).join(", ")})`, 2);
  const mod = await command.load();
  return mod.default(rest);
}
