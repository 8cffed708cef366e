// Compiles the user-mode network's gateway (targets/node/gateway/assembly,
// Tessera's own network stack run inside the Node tender for --publish) into
// targets/node/gateway/build/gateway.wasm with the pinned assemblyscript.
// The gateway is not a Tessera image: it has its own small interface (see
// its index.ts), so it is built here with asc alone, not by `tessera build`.
import asc from "assemblyscript/asc";
import { mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const dir = `${root}targets/node/gateway`;
mkdirSync(`${dir}/build`, { recursive: true });
const { error, stderr } = await asc.main(
  [
    "assembly/index.ts",
    "--baseDir",
    dir,
    "--outFile",
    "build/gateway.wasm",
    "--path",
    `${root}node_modules`,
    // The minimal runtime: half the code of the incremental one; index.ts says where it collects.
    "--runtime",
    "minimal",
    "-O3",
    "--converge",
    "--disable",
    "simd",
    "--disable",
    "threads",
    "--noColors",
  ],
  { stdout: process.stdout },
);
if (error) {
  process.stderr.write(`build-gateway: ${error.message}\n${stderr.toString()}`);
  process.exit(1);
}
