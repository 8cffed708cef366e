/**
 * What a native image (`tessera build --target spt|hvt|virtio-x86_64`) and
 * its tender agree on besides the ABI's calls, written once: the memory
 * layout, the boot page, the trap call and the note that carries the
 * manifest.
 *
 * `npm run generate -w @tessera/abi` writes from this table the C header
 * targets/native/include/tessera_native.h (the guest runtime, the boot stubs,
 * the tenders and the test guests include it) and the TypeScript module
 * packages/image/src/native-format.ts (the note's writer and reader, `tessera
 * inspect`); `npm run check-generated` and packages/abi/test/generated.test.ts
 * fail if either differs from this table.
 *
 * @module
 */

/** A number both sides use: `TESSERA_<name>` in C, `<name>` in TypeScript. */
export interface FormatConstant {
  name: string;
  value: number;
  doc: string;
  /** Written in hexadecimal. */
  hex?: boolean;
}

/** One field of a fixed-layout record. `char` is a byte of text (C `char`). */
export interface FormatField {
  name: string;
  type: "u8" | "char" | "u32" | "u64";
  /** Array length (`name[count]`). */
  count?: number;
  offset: number;
  doc: string;
}

/** A fixed-layout, little-endian record: `struct <name>` in C, `<prefix>_SIZE` and `<prefix>_<FIELD>_AT` offsets in TypeScript. */
export interface FormatStruct {
  name: string;
  prefix: string;
  size: number;
  /** Lines of the comment above the struct. */
  doc: string[];
  fields: FormatField[];
}

/** The memory map of guest memory, the lines of the header's leading comment after its first paragraph. */
export const MEMORY_MAP = [
  "Guest memory is the address range [0, mem) on both (spt maps only",
  "[TESSERA_BOOT_ADDR, mem): the page below is never mapped):",
  "",
  "  0x00000 .. 0x0ffff   hvt only, the tender's: GDT, TSS and IDT (0x1000),",
  "                       page tables, the ring-0 stub (0xe000) and its stack",
  "                       (0xf000)",
  "  0x10000 .. 0x10fff   struct tessera_boot (written by the tender)",
  "  0x11000 .. 0xfffff   unused, never mapped writable-and-executable",
  "  0x100000 ..          the ELF's PT_LOAD segments (text, rodata, data, bss)",
  "  heap_base ..         the wasm linear memory, heap_size bytes at most",
  "  stack guard          one unmapped page",
  "  stack                TESSERA_STACK_SIZE bytes, ending at mem",
  "",
  "Every address the guest hands the tender is checked against this map: the",
  "argument struct must lie inside guest memory, and the pointers inside it are",
  "wasm offsets that must lie inside [heap_base, heap_base + heap_used).",
];

/** Where things are in guest memory, and how big it may be. */
export const LAYOUT: FormatConstant[] = [
  {
    name: "IMAGE_BASE",
    value: 0x100000,
    hex: true,
    doc: "The ELF is linked here (its first PT_LOAD segment starts at this address).",
  },
  { name: "BOOT_ADDR", value: 0x10000, hex: true, doc: "The boot page, struct tessera_boot, at this guest address." },
  {
    name: "STACK_SIZE",
    value: 1 << 20,
    hex: true,
    doc: "The guest's stack, at the top of guest memory, with an unmapped page below.",
  },
  { name: "PAGE_SIZE", value: 4096, doc: "A page: the unit of mapping and of the stack's guard." },
  { name: "MEM_MIN_MIB", value: 4, doc: "Guest memory is whole MiB (--mem), at least this much." },
  { name: "MEM_MAX_MIB", value: 4096, doc: "Guest memory at most: 4 GiB." },
  { name: "MEM_DEFAULT_MIB", value: 64, doc: "Guest memory without --mem." },
  {
    name: "HVT_PORT",
    value: 0x500,
    hex: true,
    doc: "hvt: a call is a 32-bit OUT to port TESSERA_HVT_PORT + nr carrying the guest-physical address of the argument struct.",
  },
];

/**
 * The native runtime's own calls, numbered after the ABI's (numbers
 * TESSERA_CALL_COUNT and up). The pointers in these are guest addresses, not
 * wasm offsets: they point into the image's own data or stack.
 */
export const NATIVE_CALLS = [
  {
    name: "TRAP",
    number: 64,
    doc: "The guest runtime trapped: print `tessera: trap: <msg> in <function>`, the function found from `pc` in the ELF's symbol table, exit 255.",
  },
];

/** The trap call's argument. */
export const TRAP_ARGS: FormatStruct = {
  name: "tessera_args_trap",
  prefix: "TRAP_ARGS",
  size: 24,
  doc: ["The argument of TESSERA_CALL_TRAP."],
  fields: [
    { name: "msg", type: "u64", offset: 0, doc: 'Guest address of the reason, e.g. "memory access out of bounds".' },
    { name: "len", type: "u32", offset: 8, doc: "Its length." },
    { name: "pad", type: "u32", offset: 12, doc: "Zero." },
    { name: "pc", type: "u64", offset: 16, doc: "A return address inside the wasm function that trapped, or 0." },
  ],
};

/**
 * The words a trap is reported in, for each of wasm2c's trap codes
 * (`WASM_RT_TRAP_<code>` of wasm-rt.h): V8's, so that every target (the Node
 * tender, spt, hvt, the boot stubs, the fuzz targets) says the same.
 */
export const TRAP_REASONS: { code: string; reason: string }[] = [
  { code: "NONE", reason: "trap" },
  { code: "OOB", reason: "memory access out of bounds" },
  { code: "INT_OVERFLOW", reason: "divide result unrepresentable" },
  { code: "DIV_BY_ZERO", reason: "divide by zero" },
  { code: "INVALID_CONVERSION", reason: "float unrepresentable in integer range" },
  { code: "UNREACHABLE", reason: "unreachable" },
  { code: "CALL_INDIRECT", reason: "null function or function signature mismatch" },
  { code: "NULL_REF", reason: "dereferencing a null pointer" },
  { code: "UNCAUGHT_EXCEPTION", reason: "uncaught exception" },
  { code: "UNALIGNED", reason: "unaligned access" },
  { code: "EXHAUSTION", reason: "call stack exhausted" },
];

/** The boot page's magic, its first 8 bytes as text: a u64 in C. */
export const BOOT_MAGIC = "TSSBOOT1";

/** The boot page. */
export const BOOT: FormatStruct = {
  name: "tessera_boot",
  prefix: "BOOT",
  size: 128,
  doc: [
    "The boot page: written by the tender before the guest starts, read by the",
    "guest runtime. Only heap_used is written by the guest, whenever the linear",
    "memory grows; the tender reads it on every call and caps it at heap_size,",
    "so a guest that lies about it can only reach its own memory.",
  ],
  fields: [
    { name: "magic", type: "u64", offset: 0, doc: "TESSERA_BOOT_MAGIC" },
    { name: "mem_size", type: "u64", offset: 8, doc: "Guest memory, bytes: [0, mem_size)." },
    { name: "heap_base", type: "u64", offset: 16, doc: "Guest address of the wasm linear memory (64 KiB aligned)." },
    { name: "heap_size", type: "u64", offset: 24, doc: "Bytes the linear memory may grow to." },
    { name: "heap_used", type: "u64", offset: 32, doc: "Written by the guest: the linear memory's current size." },
    { name: "stack_base", type: "u64", offset: 40, doc: "Lowest address of the guest's stack." },
    { name: "stack_size", type: "u64", offset: 48, doc: "Its size; the page below stack_base is unmapped." },
    {
      name: "call",
      type: "u64",
      offset: 56,
      doc: "spt: the tender's entry for calls, `call(nr, args)` on the guest's stack. hvt: 0 (calls are port I/O).",
    },
    {
      name: "tsc_khz",
      type: "u64",
      offset: 64,
      doc: "hvt: the guest's TSC frequency in kHz, for a clock without VM exits. spt: 0 (the clock is a call).",
    },
    { name: "reserved", type: "u64", count: 7, offset: 72, doc: "Zero." },
  ],
};

/** How the guest is entered, the comment after the boot page. */
export const ENTRY = [
  "The guest's entry point (the ELF's e_entry): `void start(struct tessera_boot *)`,",
  "called with rsp at the top of the stack (16-byte aligned, minus 8, as after",
  "a call), rdi = TESSERA_BOOT_ADDR. It never returns: it ends with the exit",
  "call (or the trap call).",
];

/** The owner name of every note in section `.note.tessera`. */
export const NOTE_NAME = "Tessera";

/** The ELF note that carries the manifest: section .note.tessera, owner NOTE_NAME, one note of each type. */
export const NOTES: { name: string; type: number; doc: string }[] = [
  { name: "ABI", type: 1, doc: "desc: u32, the ABI version (TESSERA_ABI_VERSION)." },
  {
    name: "DEVICES",
    type: 2,
    doc: "desc: the manifest's devices: u32 count, then per device a struct tessera_note_device.",
  },
  { name: "TARGET", type: 3, doc: "desc: u32, the target the image was built for (a TESSERA_TARGET_*)." },
  { name: "MANIFEST", type: 4, doc: "desc: the manifest as UTF-8 JSON, exactly the .wasm's tessera.manifest." },
];

/** A device in the devices note. */
export const NOTE_DEVICE: FormatStruct = {
  name: "tessera_note_device",
  prefix: "NOTE_DEVICE",
  size: 40,
  doc: ["A device of the manifest, in the devices note."],
  fields: [
    { name: "kind", type: "u8", offset: 0, doc: "TESSERA_DEVICE_NET or TESSERA_DEVICE_BLOCK" },
    { name: "name_len", type: "u8", offset: 1, doc: "1..31" },
    { name: "name", type: "char", count: 32, offset: 2, doc: "[a-z0-9_], NUL padded" },
    { name: "pad", type: "u8", count: 6, offset: 34, doc: "Zero." },
  ],
};

/** The device kinds' numbers in the devices note. */
export const DEVICE_KINDS = { net: 1, block: 2 } as const;

/** The native targets and their numbers in the target note (`TESSERA_TARGET_<NAME>` in C). */
export const TARGETS: { name: string; number: number; doc: string }[] = [
  { name: "spt", number: 1, doc: "Run by tessera-spt, as a process." },
  { name: "hvt", number: 2, doc: "Run by tessera-hvt, in a KVM virtual machine." },
  {
    name: "virtio-x86_64",
    number: 3,
    doc: "Booted by a VMM (QEMU) itself, with the boot stub in guest/virtio-x86_64 answering the calls.",
  },
  {
    name: "virtio-aarch64",
    number: 5,
    doc: "Booted as a Linux arm64 Image (QEMU -M virt), with the boot stub in guest/virtio-aarch64 answering the calls.",
  },
  {
    name: "rpi",
    number: 6,
    doc: "A Raspberry Pi's kernel8.img (QEMU -M raspi3b): the virtio-aarch64 stub built for the board, linked at 0x80000.",
  },
];

/**
 * The PT_INTERP every native image carries, so that the host kernel refuses
 * to run the file by mistake (`./hello.spt` fails: no such interpreter).
 */
export const IMAGE_INTERP = "/nonexistent/tessera-image: run it with tessera run";
