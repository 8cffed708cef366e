// Native images (.spt, .hvt, .virtio-x86_64): static x86_64 ELF files whose section
// .note.tessera carries the ABI version, the target and the manifest: the notes' writer, and a
// strict, bounds-checked reader of the whole file. The notes' format is native-format.ts,
// generated from packages/abi/src/native-format.ts as targets/native/include/tessera_native.h is.
import { ABI_VERSION } from "@tessera/abi";
import { ImageError } from "./errors.js";
import { parseManifest, type Manifest } from "./manifest.js";
import {
  NATIVE_TARGETS,
  NOTE_ABI,
  NOTE_DEVICE_KIND_AT,
  NOTE_DEVICE_KINDS,
  NOTE_DEVICE_NAME_AT,
  NOTE_DEVICE_NAME_LEN_AT,
  NOTE_DEVICE_SIZE,
  NOTE_DEVICES,
  NOTE_MANIFEST,
  NOTE_NAME as OWNER,
  NOTE_TARGET,
} from "./native-format.js";
import { concat } from "./write.js";

export { NATIVE_TARGETS, TRAP_REASONS } from "./native-format.js";
/**
 * Targets that are another target's note on another architecture (the ELF's machine): an spt-aarch64 image is an
 * spt image (the same tender contract, target note spt) compiled for aarch64, which tessera-spt built for aarch64 runs.
 */
export const ARCH_TARGETS = { "spt-aarch64": { note: "spt", machine: "aarch64" } } as const;
/** A native target's name: spt, hvt, virtio-x86_64, spt-aarch64. */
export type NativeTarget = keyof typeof NATIVE_TARGETS | keyof typeof ARCH_TARGETS;
/** ELF e_machine of the architectures native images are built for. */
const MACHINES = { x86_64: 62, aarch64: 183 } as const;
/** The architecture of a native image. */
export type NativeMachine = keyof typeof MACHINES;

/** The number `target` has in the target note. */
function noteNumber(target: NativeTarget): number {
  const note = target in ARCH_TARGETS ? ARCH_TARGETS[target as keyof typeof ARCH_TARGETS].note : target;
  return NATIVE_TARGETS[note as keyof typeof NATIVE_TARGETS];
}

/** The target of an ELF image for `machine` whose note names `noted`: spt on aarch64 is spt-aarch64. */
function targetOn(noted: keyof typeof NATIVE_TARGETS, machine: NativeMachine): NativeTarget {
  const names = Object.keys(ARCH_TARGETS) as (keyof typeof ARCH_TARGETS)[];
  const arch = names.find((t) => ARCH_TARGETS[t].note === noted && ARCH_TARGETS[t].machine === machine);
  if (arch) return arch;
  if (noted === "spt" && machine !== "x86_64")
    throw new ImageError(`an spt image for ${machine}, which this tessera does not know`);
  return noted;
}

/** The notes' owner as it is stored: NUL-terminated. */
const NOTE_NAME = `${OWNER}\0`;

const align4 = (n: number) => (n + 3) & ~3;

/** One ELF note: owner "Tessera", `type`, `desc`. */
function note(type: number, desc: Uint8Array): Uint8Array {
  const name = new TextEncoder().encode(NOTE_NAME);
  const out = new Uint8Array(12 + align4(name.length) + align4(desc.length));
  const v = new DataView(out.buffer);
  v.setUint32(0, name.length, true);
  v.setUint32(4, desc.length, true);
  v.setUint32(8, type, true);
  out.set(name, 12);
  out.set(desc, 12 + align4(name.length));
  return out;
}

function u32(n: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n, true);
  return b;
}

/** The bytes of section .note.tessera for `manifest` on `target`. */
export function encodeNativeNotes(manifest: Manifest, target: NativeTarget): Uint8Array {
  const devices = new Uint8Array(4 + NOTE_DEVICE_SIZE * manifest.devices.length);
  new DataView(devices.buffer).setUint32(0, manifest.devices.length, true);
  manifest.devices.forEach((d, i) => {
    const at = 4 + NOTE_DEVICE_SIZE * i;
    const name = new TextEncoder().encode(d.name);
    devices[at + NOTE_DEVICE_KIND_AT] = NOTE_DEVICE_KINDS[d.kind];
    devices[at + NOTE_DEVICE_NAME_LEN_AT] = name.length;
    devices.set(name, at + NOTE_DEVICE_NAME_AT);
  });
  return concat([
    note(NOTE_ABI, u32(ABI_VERSION)),
    note(NOTE_TARGET, u32(noteNumber(target))),
    note(NOTE_DEVICES, devices),
    note(NOTE_MANIFEST, new TextEncoder().encode(JSON.stringify(manifest))),
  ]);
}

/** What a native image's notes say, and what it is made of. */
export interface NativeImage {
  target: NativeTarget;
  abiVersion: number;
  manifest: Manifest;
  entry: bigint;
  /** The PT_LOAD segments. */
  segments: { vaddr: bigint; fileSize: number; memSize: number; flags: string }[];
  /** Function symbols with a size, biggest first: the wasm functions and the runtime's (`wasm` false, name `(runtime) SYMBOL`). */
  functions: { name: string; size: number; address: bigint; wasm: boolean }[];
}

const ELF_MAGIC = [0x7f, 0x45, 0x4c, 0x46];

/** True if `bytes` starts like an ELF file. */
export function isElf(bytes: Uint8Array): boolean {
  return ELF_MAGIC.every((b, i) => bytes[i] === b);
}

/**
 * The name of a wasm function from its wasm2c symbol (`w2c_app_<name>`, with
 * bytes other than letters, digits and single underscores written `0xHH`).
 */
export function wasmNameOf(symbol: string): string | null {
  if (!symbol.startsWith("w2c_app_")) return null;
  // gcc's clones keep the name with a suffix: f.constprop.0, f.isra.0, f.part.0, f.cold.
  const mangled = symbol.slice("w2c_app_".length).replace(/(\.(constprop|isra|part|cold)(\.\d+)?)+$/, "");
  const bytes: number[] = [];
  for (let i = 0; i < mangled.length;) {
    if (mangled.startsWith("0x", i) && /^[0-9A-F]{2}$/.test(mangled.slice(i + 2, i + 4))) {
      bytes.push(parseInt(mangled.slice(i + 2, i + 4), 16));
      i += 4;
    } else {
      bytes.push(mangled.charCodeAt(i));
      i += 1;
    }
  }
  return new TextDecoder().decode(new Uint8Array(bytes));
}

/** The target, ABI version and manifest from the notes at [offset, offset + size) of `bytes`. */
function readNotes(bytes: Uint8Array, offset: number, size: number) {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const need = (at: number, n: number, what: string) => {
    if (at < 0 || n < 0 || at + n > bytes.length) throw new ImageError(`native image truncated: ${what} is cut off`);
  };
  need(offset, size, ".note.tessera");
  const found = new Map<number, Uint8Array>();
  for (let at = offset; at + 12 <= offset + size;) {
    const namesz = v.getUint32(at, true);
    const descsz = v.getUint32(at + 4, true);
    const type = v.getUint32(at + 8, true);
    const desc = at + 12 + align4(namesz);
    need(desc, descsz, "a note");
    if (new TextDecoder().decode(bytes.subarray(at + 12, at + 12 + namesz)) === NOTE_NAME)
      found.set(type, bytes.subarray(desc, desc + descsz));
    at = desc + align4(descsz);
  }
  const word = (type: number, what: string) => {
    const d = found.get(type);
    if (!d || d.length < 4) throw new ImageError(`not a Tessera native image: its ${what} note is missing`);
    return new DataView(d.buffer, d.byteOffset, 4).getUint32(0, true);
  };
  const abiVersion = word(NOTE_ABI, "ABI version");
  const targetNumber = word(NOTE_TARGET, "target");
  const target = (Object.keys(NATIVE_TARGETS) as (keyof typeof NATIVE_TARGETS)[]).find(
    (t) => NATIVE_TARGETS[t] === targetNumber,
  );
  if (!target) throw new ImageError(`its target note names target ${targetNumber}, which this tessera does not know`);
  const json = found.get(NOTE_MANIFEST);
  if (!json) throw new ImageError("not a Tessera native image: its manifest note is missing");
  const manifest = parseManifest(new TextDecoder().decode(json));

  return { target, abiVersion, manifest };
}

/** Reads a native image; throws an ImageError saying what is wrong. */
export function parseNativeImage(bytes: Uint8Array): NativeImage {
  if (isArm64Image(bytes)) return parseArm64Image(bytes);
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const need = (at: number, n: number, what: string) => {
    if (at < 0 || n < 0 || at + n > bytes.length) throw new ImageError(`native image truncated: ${what} is cut off`);
  };
  need(0, 64, "the ELF header");
  if (!isElf(bytes)) throw new ImageError("not an ELF file");
  const machine = (Object.keys(MACHINES) as NativeMachine[]).find((m) => MACHINES[m] === v.getUint16(18, true));
  if (bytes[4] !== 2 || bytes[5] !== 1 || !machine)
    throw new ImageError("not a 64-bit little-endian x86_64 or aarch64 ELF file");
  const entry = v.getBigUint64(24, true);
  const phoff = Number(v.getBigUint64(32, true));
  const shoff = Number(v.getBigUint64(40, true));
  const phentsize = v.getUint16(54, true);
  const phnum = v.getUint16(56, true);
  const shentsize = v.getUint16(58, true);
  const shnum = v.getUint16(60, true);
  const shstrndx = v.getUint16(62, true);
  need(phoff, phnum * phentsize, "the program headers");
  need(shoff, shnum * shentsize, "the section headers");
  if (phentsize < 56 || shentsize < 64) throw new ImageError("ELF header sizes are wrong");

  const segments: NativeImage["segments"] = [];
  for (let i = 0; i < phnum; i++) {
    const at = phoff + i * phentsize;
    if (v.getUint32(at, true) !== 1) continue;
    const f = v.getUint32(at + 4, true);
    segments.push({
      vaddr: v.getBigUint64(at + 16, true),
      fileSize: Number(v.getBigUint64(at + 32, true)),
      memSize: Number(v.getBigUint64(at + 40, true)),
      flags: `${f & 4 ? "r" : "-"}${f & 2 ? "w" : "-"}${f & 1 ? "x" : "-"}`,
    });
  }

  const sections = Array.from({ length: shnum }, (_, i) => {
    const at = shoff + i * shentsize;
    return {
      name: v.getUint32(at, true),
      type: v.getUint32(at + 4, true),
      offset: Number(v.getBigUint64(at + 24, true)),
      size: Number(v.getBigUint64(at + 32, true)),
      link: v.getUint32(at + 40, true),
      entsize: Number(v.getBigUint64(at + 56, true)),
    };
  });
  const str = (table: number, at: number) => {
    const s = sections[table];
    if (!s) throw new ImageError("a string table is missing");
    need(s.offset, s.size, "a string table");
    let end = s.offset + at;
    while (end < s.offset + s.size && bytes[end] !== 0) end++;
    return new TextDecoder().decode(bytes.subarray(s.offset + at, end));
  };
  const named = (name: string) => sections.find((s) => shstrndx < shnum && str(shstrndx, s.name) === name);

  const notes = named(".note.tessera");
  if (!notes) throw new ImageError("not a Tessera native image: it has no .note.tessera section");
  const { target: noted, abiVersion, manifest } = readNotes(bytes, notes.offset, notes.size);
  const target = targetOn(noted, machine);

  const functions: NativeImage["functions"] = [];
  const symtab = sections.find((s) => s.type === 2);
  if (symtab && symtab.entsize >= 24) {
    need(symtab.offset, symtab.size, ".symtab");
    for (let at = symtab.offset; at + 24 <= symtab.offset + symtab.size; at += symtab.entsize) {
      const info = bytes[at + 4];
      const size = Number(v.getBigUint64(at + 16, true));
      if ((info & 0xf) !== 2 || size === 0) continue; // STT_FUNC
      const sym = str(symtab.link, v.getUint32(at, true));
      const wasm = sym.startsWith("w2c_app_") ? wasmNameOf(sym) : null;
      functions.push({ name: wasm ?? `(runtime) ${sym}`, size, address: v.getBigUint64(at + 8, true), wasm: !!wasm });
    }
    functions.sort((a, b) => b.size - a.size);
  }
  return { target, abiVersion, manifest, entry, segments, functions };
}

/** True if `bytes` starts with a Linux arm64 Image header (magic "ARM\x64" at 0x38): a virtio-aarch64 image. */
export function isArm64Image(bytes: Uint8Array): boolean {
  return (
    bytes.length >= 64 && bytes[0x38] === 0x41 && bytes[0x39] === 0x52 && bytes[0x3a] === 0x4d && bytes[0x3b] === 0x64
  );
}

/**
 * A virtio-aarch64 image as booted: a flat binary behind the arm64 Image
 * header. The stub's header says where Tessera's notes are (res3: offset,
 * res4: size) and its function table (res2: offset | size << 32, the
 * .tessera.symbols table the stub reads for trap reports).
 */
function parseArm64Image(bytes: Uint8Array): NativeImage {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const textOffset = v.getBigUint64(0x08, true);
  const imageSize = Number(v.getBigUint64(0x10, true));
  const notesAt = Number(v.getBigUint64(0x28, true));
  const notesSize = Number(v.getBigUint64(0x30, true));
  if (notesSize === 0) throw new ImageError("an arm64 Image, but not a Tessera image: its header names no notes");
  const { target, abiVersion, manifest } = readNotes(bytes, notesAt, notesSize);
  const functions: NativeImage["functions"] = [];
  const symsAt = v.getUint32(0x20, true);
  const symsSize = v.getUint32(0x24, true);
  if (symsAt && symsSize >= 16 && symsAt + symsSize <= bytes.length && v.getUint32(symsAt, true) === 0x4d595354) {
    const count = v.getUint32(symsAt + 4, true);
    const names = symsAt + v.getUint32(symsAt + 8, true);
    for (let i = 0; i < count && symsAt + 16 + 16 * (i + 1) <= symsAt + symsSize; i++) {
      const at = symsAt + 16 + 16 * i;
      const name = v.getUint32(at + 12, true);
      let end = names + (name & 0x7fffffff);
      const start = end;
      while (end < bytes.length && bytes[end] !== 0) end++;
      const text = new TextDecoder().decode(bytes.subarray(start, end));
      const wasm = (name & 0x80000000) !== 0;
      functions.push({
        name: wasm ? text : `(runtime) ${text}`,
        size: v.getUint32(at + 8, true),
        address: v.getBigUint64(at, true),
        wasm,
      });
    }
    functions.sort((a, b) => b.size - a.size);
  }
  return {
    target,
    abiVersion,
    manifest,
    entry: textOffset,
    segments: [{ vaddr: textOffset, fileSize: bytes.length, memSize: imageSize, flags: "rwx" }],
    functions,
  };
}
