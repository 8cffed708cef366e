/**
 * `tessera new DIR`: writes a new app whose package.json depends on the
 * packages it imports, at this command's version: npm install, then it
 * builds and runs.
 *
 * @module
 */
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { basename, join, relative, resolve } from "node:path";
import { helpText, parseArgs, type CommandSpec } from "../argv.js";
import { commandPackage, fromCheckout } from "../build/packages.js";
import { CliError } from "../errors.js";

/** The command's usage. */
export const spec: CommandSpec = {
  name: "new",
  usage: "tessera new DIR",
  summary:
    "Create a new app in DIR (which must not exist or be empty) whose package.json depends on the @tessera packages it imports: npm install in DIR, then build and run it.",
  positionals: ["DIR"],
  required: 1,
  options: {},
};

/** The packages a new app imports: each is a dependency of the app, at the tessera command's own version. */
const IMPORTS = ["@tessera/console", "@tessera/runtime"];

function files(name: string): Record<string, string> {
  const cli = commandPackage();
  const devDependencies: Record<string, string> = { "@tessera/cli": cli.version };
  // The compiler the command builds with, for the editor's types (assembly/tsconfig.json).
  if (cli.dependencies.assemblyscript) devDependencies.assemblyscript = cli.dependencies.assemblyscript;
  return {
    "package.json":
      JSON.stringify(
        {
          name,
          version: "0.1.0",
          private: true,
          description: "A Tessera unikernel",
          scripts: {
            build: "tessera build . -o build",
            start: `tessera run build/${name}.wasm --`,
          },
          dependencies: Object.fromEntries(IMPORTS.map((p) => [p, cli.version])),
          devDependencies,
          tessera: { runtime: "minimal" },
        },
        null,
        2,
      ) + "\n",
    "assembly/index.ts": `// ${name}: a Tessera unikernel. Build it with \`npm run build\`, run it with \`npm start -- name=you\`.

import { Args } from "@tessera/runtime/assembly";
import { println } from "@tessera/console/assembly";

export function _start(): void {
  const who = Args.get("name", "world")!;
  println("Hello, " + who + ", from " + "${name}!");
}
`,
    "assembly/tsconfig.json":
      JSON.stringify({ extends: "assemblyscript/std/assembly.json", include: ["./**/*.ts"] }, null, 2) + "\n",
    ".gitignore": "build/\nnode_modules/\n",
    "README.md": `# ${name}

A Tessera unikernel: an AssemblyScript app compiled into a WebAssembly image.

\`\`\`sh
npm install                  # the @tessera packages it imports, and the tessera command
npm run build                # tessera build . -o build: writes build/${name}.wasm
npm start -- name=you        # tessera run build/${name}.wasm -- name=you, on the Node.js tender
\`\`\`

As a native image on tessera-spt (Linux on x86_64, with gcc installed):

\`\`\`sh
npx tessera build . --target spt -o build
npx tessera run build/${name}.spt -- name=you
\`\`\`

It depends on each @tessera package it imports; to use another, install it at
the same version: \`npm install @tessera/net@${cli.version}\`.
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
    fromCheckout()
      ? // In the repository the command finds the packages in its workspace: no npm install (they are not on a registry).
        `created ${shown}\nbuild and run it:\n  tessera build ${shown} -o ${shown}/build\n  tessera run ${shown}/build/${name}.wasm -- name=you\n`
      : `created ${shown}\ninstall its packages, then build and run it:\n  cd ${shown}\n  npm install\n  npx tessera build . -o build\n  npx tessera run build/${name}.wasm -- name=you\n`,
  );
  return 0;
}
