/**
 * The native pipeline: a finished `.wasm` image becomes a static x86_64 ELF
 * for the spt or hvt tender, or for a VMM to boot (virtio-x86_64), or a
 * static aarch64 ELF for tessera-spt on aarch64 (spt-aarch64, compiled with
 * aarch64-linux-gnu-gcc on other hosts). wasm2c
 * (from the npm `wabt` package) translates the module to C; gcc compiles it
 * freestanding with the guest runtime (targets/native/guest), the ABI
 * bindings (packages/abi/native) and a note that carries the manifest, and
 * links it with guest/image.ld. A virtio-x86_64 image also has the boot stub
 * (guest/virtio-x86_64) and the virtio drivers every stub shares
 * (guest/virtio), is linked with its virtio.ld, and is linked twice: the
 * second time with a table of its functions' addresses and names, which the
 * stub reads for trap reports (a VMM loads no symbol table).
 *
 * @module
 */
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encodeNativeNotes, parseNativeImage, type Manifest, type NativeTarget } from "@tessera/image";
import { CliError } from "../errors.js";
import { requireDependency } from "./packages.js";

/** Where a virtio-aarch64 image is linked: QEMU -M virt's RAM base plus the Image header's text_offset. */
const TEXT_OFFSET = "0x80000";
const VIRT_LOAD = "0x40080000";
/** And an rpi image: a Pi's RAM starts at 0, and its firmware loads kernel8.img at 0x80000 or 0x200000 (it relocates itself). */
const PI_LOAD = "0x80000";

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

/**
 * The function table a virtio-x86_64 image carries in section
 * .tessera.symbols (the layout symbols.c reads): a header, entries sorted by
 * address, then the names (wasm names decoded, control bytes escaped).
 */
export function symbolsAsm(functions: { name: string; address: bigint; size: number; wasm: boolean }[]): string {
  const sorted = [...functions].sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0));
  const names: number[] = [];
  const entries: [bigint, number, number][] = [];
  for (const f of sorted) {
    const name = f.wasm ? f.name : f.name.replace(/^\(runtime\) /, "");
    const safe = name.replace(/[\x00-\x1f\x7f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`);
    entries.push([f.address, f.size, names.length | (f.wasm ? 0x80000000 : 0)]);
    names.push(...new TextEncoder().encode(safe), 0);
  }
  const header = 16 + 16 * entries.length;
  const lines = ['\t.section .tessera.symbols,"a",@progbits', "\t.balign 8"];
  lines.push(`\t.long 0x4d595354, ${entries.length}, ${header}, ${names.length}`);
  for (const [address, size, name] of entries) lines.push(`\t.quad ${address}`, `\t.long ${size}, ${name >>> 0}`);
  for (let i = 0; i < names.length; i += 32) lines.push(`\t.byte ${names.slice(i, i + 32).join(",")}`);
  lines.push('\t.section .note.GNU-stack,"",@progbits', "");
  return lines.join("\n");
}

/**
 * The C compiler for `target`'s images: gcc, or for spt-aarch64 on a host that is not aarch64 Debian's cross
 * compiler aarch64-linux-gnu-gcc.
 */
export function compilerFor(target: NativeTarget): { cc: string; debian: string } {
  if ((target === "spt-aarch64" || target === "virtio-aarch64" || target === "rpi") && process.arch !== "arm64")
    return { cc: "aarch64-linux-gnu-gcc", debian: "gcc-aarch64-linux-gnu" };
  return { cc: "gcc", debian: "gcc" };
}

/** Fails with an actionable message unless the target's compiler (gcc) runs. */
export function requireGcc(target: NativeTarget): void {
  const { cc, debian } = compilerFor(target);
  const r = spawnSync(cc, ["--version"], { encoding: "utf8" });
  if (r.error || r.status !== 0)
    throw new CliError(
      `--target ${target}: ${cc} is needed to compile a native image and was not found (install it with: apt-get install ${debian})`,
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
  // The C that goes with this command's code, from its own dependencies (not the app's).
  const native = requireDependency("@tessera/native");
  const guest = join(native, "guest");
  const abi = requireDependency("@tessera/abi");
  const wasm2c = join(requireDependency("wabt"), "bin", "wasm2c");
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

    const { cc } = compilerFor(b.target);
    const x86 = !b.target.endsWith("aarch64") && b.target !== "rpi";
    // rpi: the virtio-aarch64 stub built for a Raspberry Pi (its UART and RAM from 0 when no device tree comes).
    const arm = b.target === "virtio-aarch64" || b.target === "rpi";
    const gccInclude = execFileSync(cc, ["-print-file-name=include"], { encoding: "utf8" }).trim();
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
      // A virtio-aarch64 or rpi image runs wherever it is loaded: position-independent, and boot.S applies
      // its R_AARCH64_RELATIVE relocations (Firecracker, U-Boot and a Pi's firmware load it at different addresses).
      ...(arm ? ["-fpie", "-include", join(guest, "virtio-aarch64", "hidden.h")] : ["-fno-pic", "-fno-pie"]),
      "-fno-stack-protector",
      "-fno-asynchronous-unwind-tables",
      "-fno-unwind-tables",
      // x86_64: no red zone; aarch64: atomics inline, not through libgcc's helpers that read the CPU's features.
      x86 ? "-mno-red-zone" : "-mno-outline-atomics",
      "-ffunction-sections",
      "-fdata-sections",
      // Keep every wasm function its own C function, so that a trap's
      // return address names the function that trapped.
      "-fno-inline-functions-called-once",
      "-fno-ipa-icf",
    ];
    b.progress(
      `compiling ${(readFileSync(join(tmp, "app.c")).length / 1024).toFixed(0)} KiB of C with ${cc} ${b.opt === "speed" ? "-O2" : "-Os"}`,
    );
    // The generated C is valid but not warning-free (unused helpers, and
    // recursion gcc can prove endless); our own C is held to -Werror.
    run(cc, [...common, "-w", "-c", join(tmp, "app.c"), "-o", join(tmp, "app.o")], "compiling the translated image");
    const virtio = b.target === "virtio-x86_64" || arm;
    const stub = join(guest, arm ? "virtio-aarch64" : b.target);
    // virtio-aarch64 is linked where QEMU -M virt loads an arm64 Image (RAM at 0x40000000, text_offset 0x80000),
    // so that gdb on the ELF matches a QEMU run; boot.S relocates it wherever else it runs.
    const linkAddr = b.target === "rpi" ? PI_LOAD : VIRT_LOAD;
    const aarch64Stub = arm
      ? [
          `-DTEXT_OFFSET=${TEXT_OFFSET}`,
          `-DTESSERA_LINK_ADDR=${linkAddr}`,
          `-Wl,--defsym=TESSERA_LOAD=${linkAddr}`,
          ...(b.target === "rpi" ? ["-DTESSERA_BOARD_RPI3"] : []),
        ]
      : [];
    // The virtio drivers every stub shares (guest/virtio), and this one's own code.
    const drivers = join(guest, "virtio");
    const sources = (dir: string) =>
      readdirSync(dir)
        .filter((f) => f.endsWith(".c") || f.endsWith(".S"))
        .sort()
        .map((f) => join(dir, f));
    const runtime = [
      ...["rt.c", "start.c", "instance.c", "interp.c"].map((f) => join(guest, f)),
      ...(virtio
        ? [...sources(drivers), ...sources(stub)]
        : [join(guest, `call_${b.target.replace(/-aarch64$/, "")}.c`)]),
    ];
    const link = (symbols: string[], out: string) =>
      run(
        cc,
        [
          ...common,
          ...(virtio ? ["-I", stub, "-I", drivers] : []),
          ...aarch64Stub,
          "-Wall",
          "-Wextra",
          "-Werror",
          "-nostdlib",
          ...(arm ? ["-static-pie", "-Wl,--no-dynamic-linker"] : ["-static", "-no-pie"]),
          "-Wl,--gc-sections",
          "-Wl,-z,noexecstack",
          "-Wl,-z,max-page-size=4096",
          "-Wl,--build-id=none",
          "-Wl,-T," + (virtio ? join(stub, "virtio.ld") : join(guest, "image.ld")),
          ...runtime,
          join(abi, "native", "bindings.c"),
          join(tmp, "notes.S"),
          ...symbols,
          join(tmp, "app.o"),
          "-lgcc",
          "-o",
          out,
        ],
        "linking the native image",
      );
    link([], join(tmp, "image.elf"));
    let elf = readFileSync(join(tmp, "image.elf"));
    if (virtio) {
      // The function table goes into the last segment: the second link must
      // leave every other byte where the first put it, or the table would lie.
      const first = parseNativeImage(elf);
      writeFileSync(join(tmp, "symbols.S"), symbolsAsm(first.functions));
      link([join(tmp, "symbols.S")], join(tmp, "image2.elf"));
      elf = readFileSync(join(tmp, "image2.elf"));
      const second = parseNativeImage(elf);
      const moved = first.functions.find(
        (f, i) => second.functions[i]?.address !== f.address || second.functions[i]?.name !== f.name,
      );
      if (moved || second.functions.length !== first.functions.length)
        throw new CliError(`linking the native image: adding the symbol table moved ${moved?.name ?? "a function"}`);
    }
    rmSync(b.out, { force: true });
    if (arm) {
      // The flat Image QEMU -kernel, U-Boot's booti and a Pi's firmware load; the ELF beside it for gdb.
      writeFileSync(join(tmp, "image.elf"), elf);
      run(
        cc.replace(/gcc$/, "objcopy"),
        ["-O", "binary", join(tmp, "image.elf"), join(tmp, "image.bin")],
        "writing the flat Image",
      );
      rmSync(`${b.out}.elf`, { force: true });
      writeFileSync(`${b.out}.elf`, elf);
      chmodSync(`${b.out}.elf`, 0o644);
      elf = readFileSync(join(tmp, "image.bin"));
    }
    writeFileSync(b.out, elf);
    // Not executable: the tender runs it, not the host kernel.
    chmodSync(b.out, 0o644);
    // Read back as a tender will read it: the notes must parse (the flat Image's too).
    parseNativeImage(elf);
    const sizes = { text: 0, rodata: 0, data: 0 };
    for (const s of parseNativeImage(readFileSync(arm ? `${b.out}.elf` : b.out)).segments)
      sizes[s.flags.includes("x") ? "text" : s.flags.includes("w") ? "data" : "rodata"] += s.memSize;
    return { bytes: elf.length, ...sizes };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
