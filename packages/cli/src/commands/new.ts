/**
 * `tessera new DIR`: writes a new app that builds and runs at once.
 *
 * @module
 */
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { basename, join, relative, resolve } from "node:path";
import { helpText, parseArgs, type CommandSpec } from "../argv.js";
import { CliError } from "../errors.js";

/** The command's usage. */
export const spec: CommandSpec = {
  name: "new",
  usage: "tessera new DIR",
  summary: "Create a new app in DIR (which must not exist or be empty), ready to build and run.",
  positionals: ["DIR"],
  required: 1,
  options: {},
};

function files(name: string): Record<string, string> {
  return {
    "package.json":
      JSON.stringify(
        {
          name,
          version: "0.1.0",
          private: true,
          description: "A Tessera unikernel",
          tessera: { runtime: "minimal" },
        },
        null,
        2,
      ) + "\n",
    "assembly/index.ts": `// ${name}: a Tessera unikernel. Build it with \`tessera build .\`, run it with \`tessera run build/${name}.wasm\`.

import { Args } from "@tessera/runtime/assembly";
import { println } from "@tessera/console/assembly";

export function _start(): void {
  const who = Args.get("name", "world")!;
  println("Hello, " + who + ", from " + "${name}!");
}
`,
    "assembly/tsconfig.json":
      JSON.stringify({ extends: "assemblyscript/std/assembly.json", include: ["./**/*.ts"] }, null, 2) + "\n",
    ".gitignore": "build/\n",
    "README.md": `# ${name}

A Tessera unikernel: an AssemblyScript app compiled into a WebAssembly image.

\`\`\`
tessera build . -o build
tessera run build/${name}.wasm -- name=you
\`\`\`
`,
  };
}

export default async function create(argv: string[]): Promise<number> {
  const args = parseArgs(spec, argv);
  if (args.help) {
    process.stdout.write(helpText(spec));
    return 0;
  }
  const dir = resolve(args.positionals[0]);
  if (existsSync(dir) && readdirSync(dir).length)
    throw new CliError(`${args.positionals[0]}: already exists and is not empty; choose a new directory`);
  const name = basename(dir)
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, "-");
  if (!name) throw new CliError(`${args.positionals[0]}: cannot make an app name from this directory`);
  for (const [rel, text] of Object.entries(files(name))) {
    const file = join(dir, rel);
    mkdirSync(join(file, ".."), { recursive: true });
    writeFileSync(file, text);
  }
  const shown = relative(process.cwd(), dir) || ".";
  process.stdout.write(
    `created ${shown}\nbuild and run it:\n  tessera build ${shown} -o ${shown}/build\n  tessera run ${shown}/build/${name}.wasm -- name=you\n`,
  );
  return 0;
}
