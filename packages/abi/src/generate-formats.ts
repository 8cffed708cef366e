/**
 * Renders the formats that a native image, its tenders and the TypeScript
 * tools share, each from its one table: the native image's memory layout,
 * boot page, trap call and notes (native-format.ts) and the disk label
 * (disk-label.ts). `renderFormats` gives every file, relative to
 * packages/abi, as `renderAll` does for the ABI's bindings.
 *
 * @module
 */
import {
  BLOCK_SIZES,
  DEFAULT_BLOCK_SIZE,
  LABEL_FIELDS,
  LABEL_MAGIC,
  LABEL_SIZE,
  LABEL_VERSION,
  MAX_CAPACITY,
} from "./disk-label.js";
import {
  BOOT,
  BOOT_MAGIC,
  DEVICE_KINDS,
  ENTRY,
  IMAGE_INTERP,
  LAYOUT,
  MEMORY_MAP,
  NATIVE_CALLS,
  NOTE_DEVICE,
  NOTE_NAME,
  NOTES,
  TARGETS,
  TRAP_ARGS,
  TRAP_REASONS,
  type FormatField,
  type FormatStruct,
} from "./native-format.js";

const NATIVE_TABLE = "packages/abi/src/native-format.ts";
const LABEL_TABLE = "packages/abi/src/disk-label.ts";
const banner = (table: string) => `Generated from ${table} by \`npm run generate -w @tessera/abi\`. Do not edit.`;

const SIZES = { u8: 1, char: 1, u32: 4, u64: 8 } as const;
const C_TYPES = { u8: "uint8_t", char: "char", u32: "uint32_t", u64: "uint64_t" } as const;

/** Throws unless each field starts where the one before it ends (aligned to its own size) and they fill `size`. */
export function checkLayout(what: string, fields: FormatField[], size?: number): void {
  let at = 0;
  for (const f of fields) {
    const unit = SIZES[f.type];
    at = Math.ceil(at / unit) * unit;
    if (f.offset !== at) throw new Error(`${what}.${f.name}: at ${f.offset} in the table, ${at} by its layout`);
    at += unit * (f.count ?? 1);
  }
  if (size !== undefined && at !== size) throw new Error(`${what}: ${size} bytes in the table, ${at} by its fields`);
}

/** The byte after `fields`' last. */
function end(fields: FormatField[]): number {
  const last = fields[fields.length - 1];
  return last.offset + SIZES[last.type] * (last.count ?? 1);
}

/** The C comment `lines` at `indent`: one line as `/* x *\/`, more as a block. */
function cComment(lines: string[], indent = ""): string[] {
  if (lines.length === 1) return [`${indent}/* ${lines[0]} */`];
  return [`${indent}/*`, ...lines.map((l) => (l ? `${indent} * ${l}` : `${indent} *`)), `${indent} */`];
}

/** Words of `text` in lines of at most `width` characters. */
function wrap(text: string, width = 76): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(" ")) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}

const cHex = (n: number) => `0x${n.toString(16)}u`;
const cNumber = (c: { value: number; hex?: boolean }) => (c.hex ? cHex(c.value) : `${c.value}u`);

function cStruct(s: FormatStruct): string[] {
  checkLayout(s.name, s.fields, s.size);
  const out = [...cComment(s.doc), `struct ${s.name} {`];
  // Each field with its doc beside it, the docs lined up; a doc too long for that goes above its field.
  const decls = s.fields.map((f) => `${C_TYPES[f.type]} ${f.name}${f.count ? `[${f.count}]` : ""};`);
  const width = Math.max(...decls.map((d) => d.length));
  s.fields.forEach((f, i) => {
    if (4 + width + 7 + f.doc.length > 100) out.push(...cComment(wrap(f.doc, 72), "    "), `    ${decls[i]}`);
    else out.push(`    ${decls[i].padEnd(width)} /* ${f.doc} */`);
  });
  out.push("};");
  out.push(`_Static_assert(sizeof(struct ${s.name}) == ${s.size}, "${s.name} layout");`);
  for (const f of s.fields)
    out.push(`_Static_assert(__builtin_offsetof(struct ${s.name}, ${f.name}) == ${f.offset}, "${s.name}.${f.name}");`);
  return out;
}

/** The boot page's magic as the u64 its text is, little-endian. */
export function bootMagic(): bigint {
  return Buffer.from(BOOT_MAGIC, "latin1").readBigUInt64LE(0);
}

const targetMacro = (name: string) => `TESSERA_TARGET_${name.toUpperCase().replace(/-/g, "_")}`;

/** targets/native/include/tessera_native.h */
export function renderNativeHeader(): string {
  const out = [
    "/*",
    " * tessera_native.h: what a native image and its tender agree on, besides the",
    " * ABI calls themselves (those are in tessera_abi.h, generated from the table).",
    ` * ${banner(NATIVE_TABLE)}`,
    " *",
    " * A native image is a static x86_64 ELF: the image's .wasm translated by",
    " * wasm2c, the guest runtime (targets/native/guest) and the bindings, linked at",
    " * TESSERA_IMAGE_BASE. Two tenders run it:",
    " *",
    " *   tessera-spt  maps the guest's memory into its own process and calls the",
    " *                entry point; a call is a plain function call into the tender.",
    " *   tessera-hvt  gives the guest the same memory as guest-physical memory in a",
    " *                KVM VM, identity-mapped, in 64-bit long mode; a call is",
    " *                `outl(TESSERA_HVT_PORT + nr, address of the argument struct)`.",
    " *                The image runs in ring 3 (kvm_pvm runs ring 3 natively but",
    " *                emulates ring 0); its OUT faults into a small ring-0 stub of",
    " *                the tender's, which repeats it in ring 0: that is the VM",
    " *                exit. So the guest runtime uses no privileged instruction.",
    " *",
    ...MEMORY_MAP.map((l) => (l ? ` * ${l}` : " *")),
    " */",
    "#ifndef TESSERA_NATIVE_H",
    "#define TESSERA_NATIVE_H",
    "",
    "#include <stdint.h>",
    "",
  ];
  for (const c of LAYOUT) out.push(...cComment(wrap(c.doc)), `#define TESSERA_${c.name} ${cNumber(c)}`);
  out.push("");
  out.push(
    ...cComment([
      "Calls a native guest makes besides the ABI's TESSERA_CALL_* (numbers",
      "TESSERA_CALL_COUNT and up). The pointers in these are guest addresses, not",
      "wasm offsets: they point into the image's own data or stack.",
    ]),
  );
  out.push("enum tessera_native_call {");
  NATIVE_CALLS.forEach((c, i) => {
    out.push(...cComment(wrap(c.doc, 72), "    "));
    out.push(`    TESSERA_CALL_${c.name} = ${c.number}${i < NATIVE_CALLS.length - 1 ? "," : ""}`);
  });
  out.push("};", "");
  out.push(...cStruct(TRAP_ARGS), "");
  out.push(`#define TESSERA_BOOT_MAGIC 0x${bootMagic().toString(16)}ull /* "${BOOT_MAGIC}" */`, "");
  out.push(...cStruct(BOOT), "");
  out.push(...cComment(ENTRY), "");
  out.push(
    ...cComment([
      "The ELF note that carries the manifest: section .note.tessera, owner name",
      `"${NOTE_NAME}", one note of each type below.`,
    ]),
  );
  out.push(`#define TESSERA_NOTE_NAME "${NOTE_NAME}"`);
  for (const n of NOTES) out.push(...cComment(wrap(n.doc)), `#define TESSERA_NOTE_${n.name} ${n.type}`);
  out.push("", ...cStruct(NOTE_DEVICE), "");
  for (const [kind, n] of Object.entries(DEVICE_KINDS)) out.push(`#define TESSERA_DEVICE_${kind.toUpperCase()} ${n}`);
  for (const t of TARGETS) out.push(...cComment(wrap(t.doc)), `#define ${targetMacro(t.name)} ${t.number}`);
  out.push("");
  out.push(
    ...cComment([
      "The PT_INTERP every native image carries, so that the host kernel refuses",
      "to run the file by mistake (`./hello.spt` fails: no such interpreter).",
    ]),
  );
  out.push(`#define TESSERA_IMAGE_INTERP ${JSON.stringify(IMAGE_INTERP)}`, "");
  out.push("#endif /* TESSERA_NATIVE_H */");
  return out.join("\n") + "\n";
}

/** targets/native/guest/trap-reasons.h */
export function renderTrapReasons(): string {
  const out = [
    "/* The words a trap is reported in: V8's, so every target (the Node tender,",
    " * spt, hvt, the boot stubs, the fuzz targets) says the same. Included by the",
    " * guest runtime (rt.c), the gateway's runtime and the fuzz runtime",
    " * (fuzz/runtime/runtime.c), after wasm-rt.h.",
    ` * ${banner(NATIVE_TABLE)} */`,
    "#ifndef TESSERA_TRAP_REASONS_H",
    "#define TESSERA_TRAP_REASONS_H",
    "",
    "static const char* const tessera_trap_reasons[] = {",
  ];
  for (const r of TRAP_REASONS) out.push(`    [WASM_RT_TRAP_${r.code}] = ${JSON.stringify(r.reason)},`);
  out.push(
    "};",
    "",
    '/* The reason for trap `code`, or "trap" for a code this table does not know. */',
    "static inline const char* tessera_trap_reason(wasm_rt_trap_t code) {",
    "  return (unsigned)code < sizeof tessera_trap_reasons / sizeof *tessera_trap_reasons && tessera_trap_reasons[code]",
    "             ? tessera_trap_reasons[code]",
    '             : "trap";',
    "}",
    "",
    "#endif",
  );
  return out.join("\n") + "\n";
}

const tsNumber = (c: { value: number; hex?: boolean }) => (c.hex ? `0x${c.value.toString(16)}` : `${c.value}`);
const tsDoc = (text: string) => `/** ${text.replace(/\*\//g, "* /")} */`;
const tsKey = (k: string) => (/^[A-Za-z_$][\w$]*$/.test(k) ? k : JSON.stringify(k));

function tsStruct(s: FormatStruct): string[] {
  checkLayout(s.name, s.fields, s.size);
  const out = [tsDoc(`Bytes of struct ${s.name}: ${s.doc.join(" ")}`), `export const ${s.prefix}_SIZE = ${s.size};`];
  for (const f of s.fields) {
    out.push(
      tsDoc(`Offset of ${s.name}.${f.name}: ${f.doc}`),
      `export const ${s.prefix}_${f.name.toUpperCase()}_AT = ${f.offset};`,
    );
  }
  return out;
}

/** packages/image/src/native-format.ts */
export function renderNativeModule(): string {
  const out = [
    "// What a native image and its tender agree on besides the ABI's calls: the memory layout, the trap call, the boot",
    "// page and the notes (the C side: targets/native/include/tessera_native.h, from the same table).",
    `// ${banner(NATIVE_TABLE)}`,
    "",
  ];
  for (const c of LAYOUT) out.push(tsDoc(c.doc), `export const ${c.name} = ${tsNumber(c)};`);
  out.push("");
  for (const c of NATIVE_CALLS) out.push(tsDoc(`Call number: ${c.doc}`), `export const CALL_${c.name} = ${c.number};`);
  out.push(...tsStruct(TRAP_ARGS), "");
  out.push(tsDoc("The words a trap is reported in, by wasm2c's trap code (`WASM_RT_TRAP_<code>`): V8's."));
  out.push("export const TRAP_REASONS = {");
  for (const r of TRAP_REASONS) out.push(`  ${r.code}: ${JSON.stringify(r.reason)},`);
  out.push("} as const;", "");
  out.push(tsDoc(`The boot page's magic, "${BOOT_MAGIC}" read as a little-endian u64.`));
  out.push(`export const BOOT_MAGIC = 0x${bootMagic().toString(16)}n;`);
  out.push(...tsStruct(BOOT), "");
  out.push(tsDoc("The owner name of every note in section .note.tessera."), `export const NOTE_NAME = "${NOTE_NAME}";`);
  for (const n of NOTES) out.push(tsDoc(`Note type. ${n.doc}`), `export const NOTE_${n.name} = ${n.type};`);
  out.push(...tsStruct(NOTE_DEVICE));
  out.push(tsDoc("The device kinds' numbers in the devices note."));
  out.push(
    `export const NOTE_DEVICE_KINDS = { ${Object.entries(DEVICE_KINDS)
      .map(([k, v]) => `${tsKey(k)}: ${v}`)
      .join(", ")} } as const;`,
    "",
  );
  out.push(tsDoc("The native targets and their numbers in the target note."));
  out.push("export const NATIVE_TARGETS = {");
  for (const t of TARGETS) out.push(`  ${tsDoc(t.doc)}`, `  ${tsKey(t.name)}: ${t.number},`);
  out.push("} as const;", "");
  out.push(tsDoc("The PT_INTERP every native image carries: a path that does not exist."));
  out.push(`export const IMAGE_INTERP = ${JSON.stringify(IMAGE_INTERP)};`);
  return out.join("\n") + "\n";
}

function checkLabel(): void {
  checkLayout("disk label", LABEL_FIELDS);
  const crc = LABEL_FIELDS.find((f) => f.name === "crc");
  if (!crc || crc !== LABEL_FIELDS[LABEL_FIELDS.length - 1]) throw new Error("disk label: crc must be its last field");
  if (end(LABEL_FIELDS) > LABEL_SIZE) throw new Error("disk label: its fields do not fit in LABEL_SIZE");
  const magic = LABEL_FIELDS.find((f) => f.name === "magic");
  if (magic?.count !== LABEL_MAGIC.length) throw new Error("disk label: magic's length is not LABEL_MAGIC's");
  // The C tender checks a block size as a power of two between the first and the last: the list must be exactly that.
  BLOCK_SIZES.forEach((b, i) => {
    if (b !== BLOCK_SIZES[0] * 2 ** i) throw new Error("disk label: BLOCK_SIZES are not consecutive powers of two");
  });
  if (!BLOCK_SIZES.includes(DEFAULT_BLOCK_SIZE))
    throw new Error("disk label: DEFAULT_BLOCK_SIZE is not in BLOCK_SIZES");
}

const labelName = (f: FormatField) => `LABEL_${f.name.toUpperCase()}`;

/** targets/native/host/disk_label.h */
export function renderLabelHeader(): string {
  checkLabel();
  const out = [
    "/*",
    " * disk_label.h: the disk label, the last LABEL_SIZE bytes of a Tessera disk",
    " * file (the Node tender's side: targets/node/src/block/label-format.ts, from",
    " * the same table). Its fields are little-endian, at the offsets below; the",
    " * rest of it is zero.",
    ` * ${banner(LABEL_TABLE)}`,
    " */",
    "#ifndef TESSERA_DISK_LABEL_H",
    "#define TESSERA_DISK_LABEL_H",
    "",
    `#define LABEL_SIZE ${LABEL_SIZE}u`,
    `#define LABEL_MAGIC ${JSON.stringify(LABEL_MAGIC)}`,
    `#define LABEL_VERSION ${LABEL_VERSION}u`,
  ];
  for (const f of LABEL_FIELDS) {
    out.push(`/* ${f.doc} */`, `#define ${labelName(f)}_AT ${f.offset}u`);
    if (f.count) out.push(`#define ${labelName(f)}_LENGTH ${f.count}u`);
  }
  out.push(
    "/* A block size is a power of two from LABEL_BLOCK_SIZE_MIN to LABEL_BLOCK_SIZE_MAX, LABEL_BLOCK_SIZES in words. */",
    `#define LABEL_BLOCK_SIZE_MIN ${BLOCK_SIZES[0]}u`,
    `#define LABEL_BLOCK_SIZE_MAX ${BLOCK_SIZES[BLOCK_SIZES.length - 1]}u`,
    `#define LABEL_BLOCK_SIZES "${BLOCK_SIZES.join(", ")}"`,
    "/* The block size of a disk a tender's --block-create makes, as tessera disk create does. */",
    `#define LABEL_DEFAULT_BLOCK_SIZE ${DEFAULT_BLOCK_SIZE}u`,
    "",
    "#endif /* TESSERA_DISK_LABEL_H */",
  );
  return out.join("\n") + "\n";
}

/** targets/node/src/block/label-format.ts */
export function renderLabelModule(): string {
  checkLabel();
  const out = [
    "// The disk label's layout: the last LABEL_SIZE bytes of a Tessera disk file, little-endian fields at the offsets",
    "// below, the rest zero (the C side: targets/native/host/disk_label.h, from the same table).",
    `// ${banner(LABEL_TABLE)}`,
    "",
    tsDoc("Bytes the label takes at the end of the file."),
    `export const LABEL_SIZE = ${LABEL_SIZE};`,
    tsDoc("The label's first bytes."),
    `export const LABEL_MAGIC = ${JSON.stringify(LABEL_MAGIC)};`,
    tsDoc("The label version this tessera writes and reads."),
    `export const LABEL_VERSION = ${LABEL_VERSION};`,
  ];
  for (const f of LABEL_FIELDS) {
    out.push(tsDoc(`Offset of ${f.name}: ${f.doc}`), `export const ${labelName(f)}_AT = ${f.offset};`);
    if (f.count) out.push(tsDoc(`Bytes of ${f.name}.`), `export const ${labelName(f)}_LENGTH = ${f.count};`);
  }
  out.push(
    tsDoc("The block sizes a disk may have."),
    `export const BLOCK_SIZES = [${BLOCK_SIZES.join(", ")}] as const;`,
    tsDoc("The block size of a disk `tessera disk create` makes without --block-size."),
    `export const DEFAULT_BLOCK_SIZE = ${DEFAULT_BLOCK_SIZE};`,
    tsDoc("The largest capacity `tessera disk create` makes."),
    `export const MAX_CAPACITY = ${BigInt(MAX_CAPACITY)}n;`,
  );
  return out.join("\n") + "\n";
}

/** Every generated file of the formats, relative to packages/abi. */
export function renderFormats(): Record<string, string> {
  return {
    "../../targets/native/include/tessera_native.h": renderNativeHeader(),
    "../../targets/native/guest/trap-reasons.h": renderTrapReasons(),
    "../image/src/native-format.ts": renderNativeModule(),
    "../../targets/native/host/disk_label.h": renderLabelHeader(),
    "../../targets/node/src/block/label-format.ts": renderLabelModule(),
  };
}
