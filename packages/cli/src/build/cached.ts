/**
 * The two stages of `tessera build` through the build cache (cache.ts): the
 * wasm stage (compile.ts) and the native stage (native.ts). Each gives
 * exactly what the stage itself would: a hit is the bytes an earlier build
 * of the same inputs wrote.
 *
 * @module
 */
import { spawnSync } from "node:child_process";
import { chmodSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import type { App } from "./app.js";
import { digest, fileDigest, readEntry, toolDigest, treeDigest, writeEntry, type BuildCache } from "./cache.js";
import { ascArgs, compile, type CompileOptions, type Compiled } from "./compile.js";
import { buildNative, compilerFor, type NativeBuild, type NativeResult } from "./native.js";
import { dependencyDir } from "./packages.js";

/** What a wasm entry records beside the module: every file asc read or looked for, and the compile's results. */
interface WasmRecord {
  files: [string, string | null][];
  devices: Compiled["devices"];
  diagnostics: string;
  usesAssets: boolean;
}

/** `compile(app, opts)`, or what it gave before for the same inputs. `hit` says which. */
export async function compileCached(
  app: App,
  opts: CompileOptions,
  cache: BuildCache | null,
): Promise<Compiled & { hit: boolean }> {
  if (!cache) return { ...(await compile(app, opts)), hit: false };
  const key = digest(
    "wasm",
    toolDigest(),
    JSON.stringify(ascArgs(app, opts)),
    app.entry,
    opts.opt,
    String(opts.debug),
    opts.assetsModule ?? "",
  );
  const found = readEntry(cache, "wasm", key, [".wasm", ".json"]);
  if (found) {
    const record = JSON.parse(found[1].toString("utf8")) as WasmRecord;
    if (record.files.every(([file, hash]) => fileDigest(file) === hash))
      return {
        wasm: new Uint8Array(found[0]),
        devices: record.devices,
        diagnostics: record.diagnostics,
        usesAssets: record.usesAssets,
        hit: true,
      };
  }
  const reads = new Map<string, string | null>();
  const compiled = await compile(app, { ...opts, onRead: (file) => reads.set(file, fileDigest(file)) });
  const record: WasmRecord = {
    files: [...reads],
    devices: compiled.devices,
    diagnostics: compiled.diagnostics,
    usesAssets: compiled.usesAssets,
  };
  writeEntry(cache, "wasm", key, [
    [".wasm", compiled.wasm],
    [".json", Buffer.from(JSON.stringify(record))],
  ]);
  return { ...compiled, hit: false };
}

/** Everything of the C side that goes into a native image: the compiler's version and the runtime's and stubs' files. */
function nativeInputs(b: NativeBuild): string {
  const { cc } = compilerFor(b.target);
  const version = spawnSync(cc, ["--version"], { encoding: "utf8" }).stdout ?? "";
  const native = dependencyDir("@tessera/native");
  const abi = dependencyDir("@tessera/abi");
  return digest(
    version,
    treeDigest(native && `${native}/guest`),
    treeDigest(native && `${native}/include`),
    treeDigest(abi && `${abi}/include`),
    treeDigest(abi && `${abi}/native`),
  );
}

/** Whether a native build of `target` writes the ELF beside a flat image (`OUT.elf`). */
function hasElf(target: NativeBuild["target"]): boolean {
  return target === "virtio-aarch64" || target === "rpi";
}

/** `buildNative(b)`, or the image it wrote before for the same inputs. `hit` says which. */
export function buildNativeCached(b: NativeBuild, cache: BuildCache | null): NativeResult & { hit: boolean } {
  if (!cache) return { ...buildNative(b), hit: false };
  const key = digest(
    "native",
    toolDigest(),
    nativeInputs(b),
    b.target,
    b.opt,
    b.image,
    b.names ?? "",
    JSON.stringify(b.manifest),
  );
  const suffixes = hasElf(b.target) ? [".image", ".elf", ".json"] : [".image", ".json"];
  const found = readEntry(cache, "native", key, suffixes);
  if (found) {
    const outs = hasElf(b.target) ? [b.out, `${b.out}.elf`] : [b.out];
    outs.forEach((file, i) => {
      rmSync(file, { force: true });
      writeFileSync(file, found[i]);
      chmodSync(file, 0o644);
    });
    return { ...(JSON.parse(found[found.length - 1].toString("utf8")) as NativeResult), hit: true };
  }
  const result = buildNative(b);
  const files: [string, Uint8Array][] = [[".image", readFileSync(b.out)]];
  if (hasElf(b.target)) files.push([".elf", readFileSync(`${b.out}.elf`)]);
  files.push([".json", Buffer.from(JSON.stringify(result))]);
  writeEntry(cache, "native", key, files);
  return { ...result, hit: false };
}
