/**
 * The native pipeline: a finished `.wasm` image becomes a static x86_64 ELF
 * for the spt or hvt tender. wasm2c (from the npm `wabt` package) translates
 * the module to C; gcc compiles it freestanding with the guest runtime
 * (targets/native/guest), the ABI bindings (packages/abi/native) and a note
 * that carries the manifest, and links it with guest/image.ld.
 *
 * @module
 */
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encodeNativeNotes, parseNativeImage, type Manifest, type NativeTarget } from "@tessera/image";
import { CliError } from "../errors.js";
import { tesseraModules } from "./compile.js";

/** What the pipeline needs to know about one build. */
export interface NativeBuild {
  target: NativeTarget;
  /** The finished image, and its names sidecar (null if the names are inside). */
  image: Uint8Array;
  names: Uint8Array | null;
  manifest: Manifest;
  /** `size` compiles with -Os, `speed` with -O2. */
  opt: "size" | "speed";
  /** Where to write the ELF. */
  out: string;
  /** Progress lines go here. */
  progress: (line: string) => void;
}

/** What was written. */
export interface NativeResult {
  bytes: number;
  /** Sizes of the loaded segments: code, read-only data, data + bss. */
  text: number;
  rodata: number;
  data: number;
}

/** The notes as an assembler file. */
function notesAsm(bytes: Uint8Array): string {
  const lines = ['\t.section .note.tessera,"a",@note', "\t.balign 4"];
  for (let i = 0; i < bytes.length; i += 16) lines.push(`\t.byte ${[...bytes.subarray(i, i + 16)].join(",")}`);
  lines.push('\t.section .note.GNU-stack,"",@progbits', "");
  return lines.join("\n");
}

/** Fails with an actionable message unless gcc runs. */
export function requireGcc(target: NativeTarget): void {
  const r = spawnSync("gcc", ["--version"], { encoding: "utf8" });
  if (r.error || r.status !== 0)
    throw new CliError(
      `--target ${target}: gcc is needed to compile a native image and was not found (install it with: apt-get install gcc)`,
    );
}

function run(cmd: string, args: string[], what: string): void {
  const r = spawnSync(cmd, args, { encoding: "utf8", maxBuffer: 64 << 20 });
  if (r.error) throw new CliError(`${what}: cannot run ${cmd}: ${r.error.message}`);
  if (r.status !== 0) {
    const output = `${r.stdout ?? ""}${r.stderr ?? ""}`.trim().split("\n").slice(-30).join("\n");
    throw new CliError(`${what} failed (${cmd} exited with ${r.status}):\n${output}`);
  }
}

/** Translates, compiles and links one native image. */
export function buildNative(b: NativeBuild): NativeResult {
  requireGcc(b.target);
  const modules = tesseraModules();
  const native = join(modules, "@tessera", "native");
  const guest = join(native, "guest");
  const abi = join(modules, "@tessera", "abi");
  const wasm2c = join(modules, "wabt", "bin", "wasm2c");
  if (!existsSync(wasm2c)) throw new CliError(`wasm2c not found at ${wasm2c} (reinstall: npm install)`);
  const tmp = mkdtempSync(join(tmpdir(), "tessera-native-"));
  try {
    // wasm2c names the C functions after the wasm names, which the tender's
    // trap report reads back from the ELF's symbols: put them back in.
    const named = b.names ? Buffer.concat([b.image, b.names.subarray(8)]) : b.image;
    writeFileSync(join(tmp, "app.wasm"), named);
    b.progress(`translating to C with wasm2c`);
    run(process.execPath, [wasm2c, join(tmp, "app.wasm"), "-n", "app", "-o", join(tmp, "app.c")], "wasm2c");
    if (!existsSync(join(tmp, "app.c")) || !existsSync(join(tmp, "app.h")))
      throw new CliError(`wasm2c wrote no C (expected ${join(tmp, "app.c")})`);
    writeFileSync(join(tmp, "notes.S"), notesAsm(encodeNativeNotes(b.manifest, b.target)));

    const gccInclude = execFileSync("gcc", ["-print-file-name=include"], { encoding: "utf8" }).trim();
    const common = [
      "-std=c11",
      b.opt === "speed" ? "-O2" : "-Os",
      "-ffreestanding",
      "-nostdinc",
      "-isystem",
      gccInclude,
      "-I",
      join(guest, "include"),
      "-I",
      guest,
      "-I",
      join(native, "include"),
      "-I",
      join(abi, "include"),
      "-I",
      tmp,
      "-fno-pic",
      "-fno-pie",
      "-fno-stack-protector",
      "-fno-asynchronous-unwind-tables",
      "-fno-unwind-tables",
      "-mno-red-zone",
      "-ffunction-sections",
      "-fdata-sections",
      // Keep every wasm function its own C function, so that a trap's
      // return address names the function that trapped.
      "-fno-inline-functions-called-once",
      "-fno-ipa-icf",
    ];
    b.progress(
      `compiling ${(readFileSync(join(tmp, "app.c")).length / 1024).toFixed(0)} KiB of C with gcc ${b.opt === "speed" ? "-O2" : "-Os"}`,
    );
    // The generated C is valid but not warning-free (unused helpers, and
    // recursion gcc can prove endless); our own C is held to -Werror.
    run("gcc", [...common, "-w", "-c", join(tmp, "app.c"), "-o", join(tmp, "app.o")], "compiling the translated image");
    const runtime = ["rt.c", "start.c", "instance.c", "interp.c", `call_${b.target}.c`].map((f) => join(guest, f));
    run(
      "gcc",
      [
        ...common,
        "-Wall",
        "-Wextra",
        "-Werror",
        "-nostdlib",
        "-static",
        "-no-pie",
        "-Wl,--gc-sections",
        "-Wl,-z,noexecstack",
        "-Wl,-z,max-page-size=4096",
        "-Wl,--build-id=none",
        "-Wl,-T," + join(guest, "image.ld"),
        ...runtime,
        join(abi, "native", "bindings.c"),
        join(tmp, "notes.S"),
        join(tmp, "app.o"),
        "-lgcc",
        "-o",
        join(tmp, "image.elf"),
      ],
      "linking the native image",
    );
    const elf = readFileSync(join(tmp, "image.elf"));
    rmSync(b.out, { force: true });
    writeFileSync(b.out, elf);
    // Not executable: the tender runs it, not the host kernel.
    chmodSync(b.out, 0o644);
    // Read back as a tender will read it: the notes must parse.
    const sizes = { text: 0, rodata: 0, data: 0 };
    for (const s of parseNativeImage(elf).segments)
      sizes[s.flags.includes("x") ? "text" : s.flags.includes("w") ? "data" : "rodata"] += s.memSize;
    return { bytes: elf.length, ...sizes };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
