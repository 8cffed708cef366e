/**
 * `tessera build APP`: compiles an app into `DIR/<name>.wasm`.
 *
 * @module
 */
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { ImageError, parseImage } from "@tessera/image";
import { helpText, parseArgs, type CommandSpec } from "../argv.js";
import { loadApp } from "../build/app.js";
import { compile, type Opt } from "../build/compile.js";
import { finish } from "../build/finish.js";
import { manifestOf, type DeviceUse } from "../build/manifest.js";
import { CliError } from "../errors.js";

/** The targets `--target` accepts. */
export const TARGETS = ["node"] as const;

/** The command's usage. */
export const spec: CommandSpec = {
  name: "build",
  usage: "tessera build APP [--target node] [-o DIR] [--opt size|speed] [--debug]",
  summary: "Compile the app in directory APP (package.json + assembly/index.ts) into DIR/<name>.wasm.",
  positionals: ["APP"],
  required: 1,
  options: {
    target: { value: "TARGET", help: `where the image will run: ${TARGETS.join(", ")} (default node)` },
    out: { value: "DIR", short: "o", help: "output directory (default: build)" },
    opt: { value: "size|speed", help: "optimise for size (default) or speed" },
    debug: { help: "no optimisation; function names kept inside the image" },
  },
  notes: [
    "A release image keeps its function names in DIR/<name>.wasm.names beside it;",
    "`tessera run` and `tessera inspect` read them from there.",
  ],
};

export default async function build(argv: string[]): Promise<number> {
  const args = parseArgs(spec, argv);
  if (args.help) {
    process.stdout.write(helpText(spec));
    return 0;
  }
  const target = args.values.get("target")?.[0] ?? "node";
  if (!(TARGETS as readonly string[]).includes(target))
    throw new CliError(`--target ${target}: unknown target (targets: ${TARGETS.join(", ")})`, 2);
  const opt = args.values.get("opt")?.[0] ?? "size";
  if (opt !== "size" && opt !== "speed") throw new CliError(`--opt ${opt}: give size or speed`, 2);
  const debug = args.flags.has("debug");
  const outDir = args.values.get("out")?.[0] ?? "build";
  const app = loadApp(args.positionals[0]);
  const shown = relative(process.cwd(), app.dir) || ".";
  process.stderr.write(`tessera: building ${shown} (runtime ${app.runtime}, ${debug ? "debug" : `opt ${opt}`})\n`);

  let wasm: Uint8Array;
  let devices: DeviceUse[];
  try {
    ({ wasm, devices } = await compile(app, { opt: opt as Opt, debug }));
  } catch (e) {
    if ((e as Error).name === "CompileError") {
      process.stderr.write(`${(e as Error).message}\n`);
      throw new CliError(`${shown}: the app does not compile (see the errors above)`);
    }
    throw e;
  }
  let manifest;
  try {
    manifest = manifestOf(devices);
  } catch (e) {
    throw new CliError((e as Error).message);
  }
  let done;
  try {
    done = finish(wasm, manifest, debug);
  } catch (e) {
    if (e instanceof ImageError) throw new CliError(`${shown}: ${e.message}`);
    throw e;
  }
  mkdirSync(outDir, { recursive: true });
  const file = join(outDir, `${app.name}.wasm`);
  writeFileSync(file, done.image);
  if (done.names) writeFileSync(`${file}.names`, done.names);
  else rmSync(`${file}.names`, { force: true });
  const imports = parseImage(done.image)
    .imports.map((i) => i.name)
    .join(", ");
  process.stderr.write(
    `tessera: wrote ${file} (${done.image.length} bytes; imports tessera: ${imports || "nothing"})\n`,
  );
  return 0;
}
