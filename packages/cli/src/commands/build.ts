/**
 * `tessera build APP`: compiles an app into `DIR/<name>.wasm`.
 *
 * @module
 */
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { addCustomSection, ImageError, parseImage } from "@tessera/image";
import { helpText, parseArgs, type CommandSpec } from "../argv.js";
import { loadApp } from "../build/app.js";
import {
  AssetError,
  assetsModule,
  MAX_ASSET_BYTES,
  MAX_ASSET_FILES,
  readAssets,
  SECTION_ASSETS,
  type AssetSet,
} from "../build/assets.js";
import { openCache } from "../build/cache.js";
import { buildNativeCached, compileCached } from "../build/cached.js";
import { type Opt } from "../build/compile.js";
import { finish } from "../build/finish.js";
import { manifestOf, type DeviceUse } from "../build/manifest.js";
import { CliError } from "../errors.js";

/** The targets `--target` accepts. */
export const TARGETS = ["node", "spt", "hvt", "virtio-x86_64", "spt-aarch64", "virtio-aarch64", "rpi"] as const;

/** The command's usage. */
export const spec: CommandSpec = {
  name: "build",
  usage:
    "tessera build APP [--target node|spt|hvt|virtio-x86_64|spt-aarch64|virtio-aarch64|rpi] [-o DIR] [--opt size|speed] [--assets DIR] [--debug] [--no-cache]",
  summary:
    "Compile the app in directory APP (package.json + assembly/index.ts) into DIR/<name>.wasm, or into a native image DIR/<name>.spt, DIR/<name>.hvt, DIR/<name>.virtio-x86_64 or DIR/<name>.spt-aarch64.",
  positionals: ["APP"],
  required: 1,
  options: {
    target: {
      value: "TARGET",
      help: "where the image will run: node (a .wasm for the Node.js tender, default), spt (a native image for the seccomp process tender tessera-spt), hvt (a native image for the KVM tender tessera-hvt) or virtio-x86_64 (a native image with its own boot stub and virtio-mmio net and block drivers, that QEMU boots with -kernel: -M microvm, or -M q35 for an app without devices) or spt-aarch64 (a native image for tessera-spt on aarch64 Linux, such as a Raspberry Pi; compiled with aarch64-linux-gnu-gcc on other hosts) or virtio-aarch64 (a Linux arm64 Image with its own boot stub, that QEMU -M virt boots with -kernel, and that relocates itself wherever a loader puts it; <name>.virtio-aarch64.elf beside it for gdb) or rpi (the same stub as a Raspberry Pi's kernel8.img, linked at 0x80000, its console on the board's PL011 and its block device the SD card; see docs/boards.md)",
    },
    out: { value: "DIR", short: "o", help: "output directory (default: build)" },
    opt: { value: "size|speed", help: "optimise for size (default) or speed" },
    assets: {
      value: "DIR",
      help: "embed the files under DIR in the image (default: tessera.assets in the app's package.json)",
    },
    debug: { help: "no optimisation; function names kept inside the image" },
    "no-cache": { help: "compile everything again, without the build cache (~/.cache/tessera)" },
  },
  notes: [
    "Embedded files are found with Assets.find(path) from @tessera/runtime/assembly/assets;",
    `at most ${MAX_ASSET_FILES} files of at most ${MAX_ASSET_BYTES} bytes each.`,
    "A release image keeps its function names in DIR/<name>.wasm.names beside it;",
    "`tessera run` and `tessera inspect` read them from there.",
    "A native image (--target spt, hvt, virtio-x86_64 or spt-aarch64) is the same .wasm translated to C by wasm2c and compiled with gcc",
    "into a static x86_64 ELF (spt-aarch64: aarch64); its function names are in its symbol table (and, for virtio-x86_64, in a table it loads).",
    "What a build compiles is kept in the build cache: $TESSERA_CACHE_DIR, else $XDG_CACHE_HOME/tessera, else ~/.cache/tessera.",
    "An entry is used only while every file the compiler read is unchanged; --no-cache or TESSERA_CACHE=off turns it off.",
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
  const cache = openCache(args.flags.has("no-cache"));
  const outDir = args.values.get("out")?.[0] ?? "build";
  const app = loadApp(args.positionals[0]);
  const shown = relative(process.cwd(), app.dir) || ".";
  const assetsFlag = args.values.get("assets")?.[0];
  const assetsDir = assetsFlag === undefined ? (app.assets ?? null) : resolve(assetsFlag);
  let assets: AssetSet | null = null;
  if (assetsDir !== null) {
    try {
      assets = readAssets(assetsDir, {
        lastModified: app.assetsLastModified,
        shown: relative(process.cwd(), assetsDir) || ".",
      });
    } catch (e) {
      if (e instanceof AssetError) throw new CliError(e.message);
      throw e;
    }
  }
  process.stderr.write(
    `tessera: building ${shown} (runtime ${app.runtime}, ${debug ? "debug" : `opt ${opt}`}${assets ? `, ${assets.assets.length} assets of ${assets.bytes} bytes` : ""})\n`,
  );

  let wasm: Uint8Array;
  let devices: DeviceUse[];
  let usesAssets: boolean;
  let layout: { bytes: number } | null = null;
  try {
    const module = assetsModule(assets);
    let hit: boolean;
    ({ wasm, devices, usesAssets, hit } = await compileCached(
      app,
      { opt: opt as Opt, debug, assetsModule: module.source },
      cache,
    ));
    if (hit) process.stderr.write(`tessera: the wasm is unchanged since the last build (build cache: ${cache!.dir})\n`);
    layout = module.layout;
  } catch (e) {
    if ((e as Error).name === "CompileError") {
      process.stderr.write(`${(e as Error).message}\n`);
      throw new CliError(`${shown}: the app does not compile (see the errors above)`);
    }
    throw e;
  }
  if (assets && assets.assets.length && !usesAssets)
    process.stderr.write(
      `tessera: warning: the app embeds no assets: it never imports @tessera/runtime/assembly/assets\n`,
    );
  let manifest;
  try {
    manifest = manifestOf(devices, app, `${shown}/package.json`);
  } catch (e) {
    throw new CliError((e as Error).message);
  }
  let done;
  try {
    done = finish(wasm, manifest, debug);
    if (usesAssets && assets && layout) {
      // What inspect shows as the assets' line: files and bytes of data, 8 bytes.
      const payload = new Uint8Array(8);
      new DataView(payload.buffer).setUint32(0, assets.assets.length, true);
      new DataView(payload.buffer).setUint32(4, layout.bytes, true);
      done.image = addCustomSection(done.image, SECTION_ASSETS, payload);
    }
  } catch (e) {
    if (e instanceof ImageError) throw new CliError(`${shown}: ${e.message}`);
    throw e;
  }
  mkdirSync(outDir, { recursive: true });
  if (
    target === "spt" ||
    target === "hvt" ||
    target === "virtio-x86_64" ||
    target === "spt-aarch64" ||
    target === "virtio-aarch64" ||
    target === "rpi"
  ) {
    const file = join(outDir, `${app.name}.${target}`);
    const r = buildNativeCached(
      {
        target,
        image: done.image,
        names: done.names,
        manifest: done.manifest,
        opt: opt as Opt,
        out: file,
        progress: (line) => process.stderr.write(`tessera: ${line}\n`),
      },
      cache,
    );
    if (r.hit) process.stderr.write(`tessera: the native image is unchanged since the last build (build cache)\n`);
    process.stderr.write(
      `tessera: wrote ${file} (${r.bytes} bytes; code ${r.text}, read-only data ${r.rodata}, data ${r.data})\n`,
    );
    return 0;
  }
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
