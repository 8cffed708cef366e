// parseImage: a small, strict reader of the wasm binary format.
import { SECTION_ABI, SECTION_MANIFEST } from "@tessera/abi";
import { ImageError } from "./errors.js";
import { Reader } from "./reader.js";
import type { ExternKind, FuncType, Image, Import, MemoryInfo, Section, ValType } from "./types.js";

const MAGIC = [0x00, 0x61, 0x73, 0x6d];
const VALTYPES: Record<number, ValType> = {
  0x7f: "i32",
  0x7e: "i64",
  0x7d: "f32",
  0x7c: "f64",
  0x7b: "v128",
  0x70: "funcref",
  0x6f: "externref",
};
const KINDS: ExternKind[] = ["func", "table", "memory", "global", "tag"];
/** Names of the known section ids, by id (0 is a custom section). */
export const SECTION_NAMES = [
  "custom",
  "type",
  "import",
  "function",
  "table",
  "memory",
  "global",
  "export",
  "start",
  "element",
  "code",
  "data",
  "datacount",
  "tag",
];
const utf8 = new TextDecoder("utf-8", { fatal: true });

function valtype(r: Reader): ValType {
  const b = r.u8();
  return VALTYPES[b] ?? r.fail(`unknown value type 0x${b.toString(16)}`);
}

function vec<T>(r: Reader, item: (r: Reader) => T): T[] {
  const n = r.u32();
  if (n > r.end - r.pos) r.fail(`vector of ${n} items cannot fit in ${r.end - r.pos} bytes`);
  const out: T[] = [];
  for (let i = 0; i < n; i++) out.push(item(r));
  return out;
}

function limits(r: Reader): { initial: number; maximum: number | null } {
  const flags = r.u8();
  if (flags > 3) r.fail(`unsupported limits flags 0x${flags.toString(16)}`);
  const initial = r.u32();
  const maximum = flags & 1 ? r.u32() : null;
  if (maximum !== null && maximum < initial) r.fail("limits: maximum below initial");
  return { initial, maximum };
}

function kind(r: Reader): ExternKind {
  const b = r.u8();
  return KINDS[b] ?? r.fail(`unknown external kind ${b}`);
}

/** Skip a constant expression (data/element/global initialisers) up to and including `end`. */
function constExpr(r: Reader): void {
  for (;;) {
    const op = r.u8();
    if (op === 0x0b) return;
    if (op === 0x41) r.skipSigned(32);
    else if (op === 0x42) r.skipSigned(64);
    else if (op === 0x43) r.take(4);
    else if (op === 0x44) r.take(8);
    else if (op === 0x23 || op === 0xd2) r.u32();
    else if (op === 0xd0) r.u8();
    else r.fail(`unsupported opcode 0x${op.toString(16)} in a constant expression`);
  }
}

function funcType(r: Reader): FuncType {
  if (r.u8() !== 0x60) r.fail("bad function type (expected 0x60)");
  return { params: vec(r, valtype), results: vec(r, valtype) };
}

function typeAt(r: Reader, types: FuncType[], index: number): FuncType {
  return types[index] ?? r.fail(`type index ${index} out of range`);
}

/** Parse the name section's function names (subsection 1). */
function functionNames(r: Reader): Map<number, string> {
  const names = new Map<number, string>();
  while (!r.done) {
    const id = r.u8();
    const size = r.u32();
    const sub = new Reader(r.bytes, r.pos, r.pos + size, `name subsection ${id}`);
    r.take(size);
    if (id === 1) for (const [i, n] of vec(sub, (s) => [s.u32(), s.name()] as const)) names.set(i, n);
  }
  return names;
}

/**
 * Parse a wasm module strictly: every length is bounds-checked and anything
 * malformed throws an ImageError with a one-line message.
 */
export function parseImage(bytes: Uint8Array): Image {
  if (bytes.length < 8 || MAGIC.some((b, i) => bytes[i] !== b)) {
    throw new ImageError("not a WebAssembly module (bad magic)");
  }
  const version = bytes[4] | (bytes[5] << 8) | (bytes[6] << 16) | (bytes[7] << 24);
  if (version !== 1) throw new ImageError(`unsupported WebAssembly binary version ${version} (expected 1)`);

  const image: Image = {
    sections: [],
    types: [],
    imports: [],
    exports: [],
    importedFunctionCount: 0,
    functionCount: 0,
    functionTypes: [],
    functionBodySizes: new Map(),
    memory: null,
    dataSegments: 0,
    dataSize: 0,
    functionNames: new Map(),
    abiVersion: null,
    manifestText: null,
  };
  const seen = new Set<number>();
  let declared: number[] | null = null;
  const top = new Reader(bytes, 8);
  while (!top.done) {
    const headerStart = top.pos;
    const id = top.u8();
    const size = top.u32();
    const start = top.pos;
    if (id >= SECTION_NAMES.length) top.fail(`unknown section id ${id}`);
    if (size > top.end - start)
      top.fail(`${SECTION_NAMES[id]} section claims ${size} bytes but only ${top.end - start} are left`);
    top.take(size);
    const r = new Reader(bytes, start, start + size, `${SECTION_NAMES[id]} section`);
    if (id !== 0) {
      if (seen.has(id)) r.fail(`duplicate ${SECTION_NAMES[id]} section`);
      seen.add(id);
    }
    const section: Section = { id, start: headerStart, offset: start, size };
    switch (id) {
      case 0: {
        section.name = r.name();
        section.offset = r.pos;
        section.size = r.end - r.pos;
        const payload = r.take(section.size);
        readCustom(image, section.name, payload, r);
        break;
      }
      case 1:
        image.types = vec(r, funcType);
        break;
      case 2:
        image.imports = vec(r, (r) => readImport(r, image));
        break;
      case 3:
        declared = vec(r, (r) => r.u32());
        for (const t of declared) image.functionTypes.push(typeAt(r, image.types, t));
        image.functionCount = declared.length;
        break;
      case 5: {
        const mems = vec(r, limits);
        if (mems.length > 1) r.fail("more than one memory");
        if (mems.length === 1) image.memory = { ...mems[0], exported: false, imported: false };
        break;
      }
      case 7:
        image.exports = vec(r, (r) => ({ name: r.name(), kind: kind(r), index: r.u32() }));
        break;
      case 10: {
        const bodies = vec(r, (r) => r.take(r.u32()).length);
        if (bodies.length !== (declared?.length ?? 0)) {
          r.fail(`${bodies.length} function bodies for ${declared?.length ?? 0} declared functions`);
        }
        bodies.forEach((n, i) => image.functionBodySizes.set(image.importedFunctionCount + i, n));
        break;
      }
      case 11:
        for (const n of vec(r, dataSegment)) {
          image.dataSegments++;
          image.dataSize += n;
        }
        break;
      default:
        r.take(size);
    }
    if (!r.done) r.fail(`${r.end - r.pos} unread bytes at the end of the section`);
    image.sections.push(section);
  }
  if (declared && declared.length > 0 && !seen.has(10)) throw new ImageError("functions declared but no code section");
  for (const e of image.exports) {
    if (e.kind === "memory" && image.memory) image.memory.exported = true;
  }
  return image;
}

function readImport(r: Reader, image: Image): Import {
  const imp: Import = { module: r.name(), name: r.name(), kind: kind(r) };
  switch (imp.kind) {
    case "func":
      imp.type = typeAt(r, image.types, r.u32());
      image.functionTypes.push(imp.type);
      image.importedFunctionCount++;
      break;
    case "table":
      r.u8();
      limits(r);
      break;
    case "memory": {
      const mem: MemoryInfo = { ...limits(r), exported: false, imported: true };
      if (image.memory) r.fail("more than one memory");
      image.memory = mem;
      break;
    }
    case "global":
      valtype(r);
      r.u8();
      break;
    case "tag":
      r.u8();
      typeAt(r, image.types, r.u32());
      break;
  }
  return imp;
}

function dataSegment(r: Reader): number {
  const flags = r.u32();
  if (flags === 0) constExpr(r);
  else if (flags === 2) {
    r.u32();
    constExpr(r);
  } else if (flags !== 1) r.fail(`unknown data segment flags ${flags}`);
  return r.take(r.u32()).length;
}

function readCustom(image: Image, name: string, payload: Uint8Array, r: Reader): void {
  if (name === SECTION_ABI) {
    if (payload.length !== 4) r.fail(`${SECTION_ABI} must be 4 bytes (a u32), not ${payload.length}`);
    image.abiVersion = new DataView(payload.buffer, payload.byteOffset, 4).getUint32(0, true);
  } else if (name === SECTION_MANIFEST) {
    try {
      image.manifestText = utf8.decode(payload);
    } catch {
      r.fail(`${SECTION_MANIFEST} is not valid UTF-8`);
    }
  } else if (name === "name") {
    image.functionNames = functionNames(new Reader(payload, 0, payload.length, "name section"));
  }
}

/** The signature of function `index` (imports first), or null if there is none. */
export function functionType(image: Image, index: number): FuncType | null {
  return image.functionTypes[index] ?? null;
}
