/**
 * Compiles an app's AssemblyScript into a raw wasm module with asc (which
 * optimises with binaryen), routing `abort`, `trace` and `seed` to the
 * Tessera runtime so that the module imports nothing but `tessera.*`.
 *
 * @module
 */
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { relative, resolve } from "node:path";
import type { App } from "./app.js";
import { ASSETS_MODULE, assetsModule } from "./assets.js";
import { mergeDataSegments } from "./data.js";
import { zeroFills } from "./fills.js";
import { findDeviceUses, type DeviceUse } from "./manifest.js";
import { appModules } from "./packages.js";
import { foldStart } from "./start.js";

/** How hard to optimise. */
export type Opt = "size" | "speed";

/** Options of one compilation. */
export interface CompileOptions {
  opt: Opt;
  /** Unoptimised, for stepping through: keeps every function apart. */
  debug: boolean;
  /** The source that replaces `@tessera/runtime/assembly/assets-table.ts` (the embedded files); none by default. */
  assetsModule?: string;
  /** Told of every file asc reads or looks for, there or not (the build cache). */
  onRead?: (file: string) => void;
}

/** A compiled module, names section included, not yet a Tessera image. */
export interface Compiled {
  wasm: Uint8Array;
  /** The devices the sources open (`NetDevice.open("name")`), for the manifest. */
  devices: DeviceUse[];
  /** asc's diagnostics (warnings), if any. */
  diagnostics: string;
  /** Whether the sources import the embedded files' table (`@tessera/runtime/assembly/assets`). */
  usesAssets: boolean;
}

const RUNTIME_HOOKS = "~lib/@tessera/runtime/assembly/abort/";
const RUNTIME_IMPORT = '\nimport "@tessera/runtime/assembly/abort";\n';

/** The arguments given to asc for `app`. */
export function ascArgs(app: App, opts: CompileOptions): string[] {
  const args = [
    // Relative to the app, so that function names read `assembly/index/_start`.
    relative(app.dir, app.entry),
    "--baseDir",
    app.dir,
    "--outFile",
    "image.wasm",
    "--runtime",
    app.runtime,
    "--use",
    `abort=${RUNTIME_HOOKS}tesseraAbort`,
    "--use",
    `trace=${RUNTIME_HOOKS}tesseraTrace`,
    "--use",
    `seed=${RUNTIME_HOOKS}tesseraSeed`,
    // Where the app's @tessera packages are, after the node_modules above each file (packages.ts).
    ...appModules(app.dir).flatMap((dir) => ["--path", dir]),
    // Keeps the name section; the build moves it to a sidecar file for release images.
    "--debug",
    "--disable",
    "simd",
    "--disable",
    "threads",
    "--noColors",
  ];
  if (!opts.debug) args.push(...(opts.opt === "size" ? ["-Oz", "--converge"] : ["-O3", "--converge"]));
  return args;
}

/** Compiles `app`; throws an Error carrying asc's diagnostics if it does not compile. */
export async function compile(app: App, opts: CompileOptions): Promise<Compiled> {
  const { default: asc } = await import("assemblyscript/asc");
  let wasm: Uint8Array | null = null;
  let diagnostics = "";
  const stderr = { write: (s: string | Uint8Array) => ((diagnostics += String(s)), true) };
  const stdout = { write: (s: string | Uint8Array) => ((diagnostics += String(s)), true) };
  let devices: DeviceUse[] = [];
  let usesAssets = false;
  const result = await asc.main(ascArgs(app, opts), {
    stdout,
    stderr,
    // A transform is any object with the hooks it needs; asc fills in the rest.
    transforms: [
      { afterParse: (parser: { sources: unknown[] }) => void (devices = findDeviceUses(parser.sources)) } as never,
    ],
    readFile: async (name: string, baseDir: string) => {
      const file = resolve(baseDir, name);
      if (file.replaceAll("\\", "/").endsWith(`/${ASSETS_MODULE}`) && existsSync(file)) {
        opts.onRead?.(file);
        usesAssets = true;
        return opts.assetsModule ?? assetsModule(null).source;
      }
      let text: string | null = null;
      try {
        text = await readFile(file, "utf8");
      } catch {
        // (none: asc tries the next place)
      }
      opts.onRead?.(file);
      // Every image links the runtime's abort/trace/seed, even an app that never imports the runtime.
      return text !== null && file === app.entry ? text + RUNTIME_IMPORT : text;
    },
    writeFile: (name: string, contents: Uint8Array | string) => {
      if (name.endsWith(".wasm") && typeof contents !== "string") wasm = contents;
    },
    listFiles: async () => [],
  });
  if (result.error || !wasm) {
    const err = new Error(diagnostics.trim() || String(result.error));
    err.name = "CompileError";
    throw err;
  }
  return { wasm: await postprocess(wasm, opts), devices, diagnostics: diagnostics.trim(), usesAssets };
}

/**
 * binaryen over asc's output: top-level code moves into `_start` (see
 * start.ts); then, unless debugging, one more optimisation to a fixed point
 * (asc optimises as it goes, and a last whole-module pass still finds a few
 * percent); for size, runs of zero stores become fills (fills.ts); data segments
 * a few bytes apart are merged (data.ts).
 * Function names are kept for the sidecar.
 */
async function postprocess(wasm: Uint8Array, opts: CompileOptions): Promise<Uint8Array> {
  const { default: binaryen } = await import("binaryen");
  const module = binaryen.readBinary(wasm);
  try {
    binaryen.setDebugInfo(true);
    module.setFeatures(
      binaryen.Features.MVP |
        binaryen.Features.MutableGlobals |
        binaryen.Features.SignExt |
        binaryen.Features.NontrappingFPToInt |
        binaryen.Features.BulkMemory |
        binaryen.Features.BulkMemoryOpt,
    );
    const folded = foldStart(binaryen, module);
    if (opts.debug) {
      if (!module.validate()) throw new Error("moving the start function made an invalid module (a bug)");
      return folded ? module.emitBinary() : wasm;
    }
    binaryen.setOptimizeLevel(opts.opt === "size" ? 2 : 3);
    binaryen.setShrinkLevel(opts.opt === "size" ? 2 : 0);
    // asc, optimising, lays static data out from 1024 (no --memoryBase or --lowMemoryLimit here) and tells its own
    // binaryen passes that the first 1 KiB is unused; say the same here, so constant offsets fold into loads and
    // stores (-153 bytes of examples/http).
    binaryen.setLowMemoryUnused(true);
    // Write the binary from binaryen's Stack IR, optimised (as wasm-opt does when it optimises): locals
    // set and read once in a row stay on the stack (-52 bytes of examples/http).
    binaryen.setGenerateStackIR(true);
    binaryen.setOptimizeStackIR(true);
    const best = optimizedSmallest(module);
    if (!module.validate()) throw new Error("binaryen produced an invalid module (a bug: build with --debug to go on)");
    const features = module.getFeatures();
    // (Fills only for size: a fill of a few bytes on a hot path is a call to memset in a native image.)
    if (opts.opt !== "size") return validMerge(binaryen, best, features);
    return reoptimized(binaryen, validMerge(binaryen, withFills(binaryen, best, features), features), features);
  } finally {
    module.dispose();
  }
}

// `wasm` with its runs of zero stores as fills (fills.ts), if binaryen finds the result valid and it is smaller.
function withFills(binaryen: typeof import("binaryen").default, wasm: Uint8Array, features: number): Uint8Array {
  const module = binaryen.readBinary(wasm);
  try {
    module.setFeatures(features);
    if (zeroFills(binaryen, module) == 0 || !module.validate()) return wasm;
    const out = module.emitBinary();
    return out.length < wasm.length ? out : wasm;
  } finally {
    module.dispose();
  }
}

// `wasm` optimised once more, if that makes it smaller: after the fills the same passes find more
// (-117 bytes of examples/http).
function reoptimized(binaryen: typeof import("binaryen").default, wasm: Uint8Array, features: number): Uint8Array {
  const module = binaryen.readBinary(wasm);
  try {
    module.setFeatures(features);
    const best = optimizedSmallest(module, wasm);
    return module.validate() ? best : wasm;
  } finally {
    module.dispose();
  }
}

// Optimises `module` up to four times, until a round no longer makes it smaller than the last (or
// than `start`); returns the smallest binary (`start` if no round beat it).
function optimizedSmallest(module: import("binaryen").default.Module, start?: Uint8Array): Uint8Array {
  let best = start;
  for (let round = 0; round < 4; round++) {
    module.optimize();
    const out = module.emitBinary();
    if (best && out.length >= best.length) break;
    best = out;
  }
  return best!;
}

// `wasm` with its data segments merged (data.ts), if binaryen finds the result valid; else `wasm` as it was.
function validMerge(binaryen: typeof import("binaryen").default, wasm: Uint8Array, features: number): Uint8Array {
  const merged = mergeDataSegments(wasm);
  if (merged === wasm) return wasm;
  const check = binaryen.readBinary(merged);
  try {
    check.setFeatures(features);
    return check.validate() ? merged : wasm;
  } finally {
    check.dispose();
  }
}
