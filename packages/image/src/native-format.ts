// What a native image and its tender agree on besides the ABI's calls: the memory layout, the trap call, the boot
// page and the notes (the C side: targets/native/include/tessera_native.h, from the same table).
// Generated from packages/abi/src/native-format.ts by `npm run generate -w @tessera/abi`. Do not edit.

/** The ELF is linked here (its first PT_LOAD segment starts at this address). */
export const IMAGE_BASE = 0x100000;
/** The boot page, struct tessera_boot, at this guest address. */
export const BOOT_ADDR = 0x10000;
/** The guest's stack, at the top of guest memory, with an unmapped page below. */
export const STACK_SIZE = 0x100000;
/** A page: the unit of mapping and of the stack's guard. */
export const PAGE_SIZE = 4096;
/** Guest memory is whole MiB (--mem), at least this much. */
export const MEM_MIN_MIB = 4;
/** Guest memory at most: 4 GiB. */
export const MEM_MAX_MIB = 4096;
/** Guest memory without --mem. */
export const MEM_DEFAULT_MIB = 64;
/** hvt: a call is a 32-bit OUT to port TESSERA_HVT_PORT + nr carrying the guest-physical address of the argument struct. */
export const HVT_PORT = 0x500;

/** Call number: The guest runtime trapped: print `tessera: trap: <msg> in <function>`, the function found from `pc` in the ELF's symbol table, exit 255. */
export const CALL_TRAP = 64;
/** Bytes of struct tessera_args_trap: The argument of TESSERA_CALL_TRAP. */
export const TRAP_ARGS_SIZE = 24;
/** Offset of tessera_args_trap.msg: Guest address of the reason, e.g. "memory access out of bounds". */
export const TRAP_ARGS_MSG_AT = 0;
/** Offset of tessera_args_trap.len: Its length. */
export const TRAP_ARGS_LEN_AT = 8;
/** Offset of tessera_args_trap.pad: Zero. */
export const TRAP_ARGS_PAD_AT = 12;
/** Offset of tessera_args_trap.pc: A return address inside the wasm function that trapped, or 0. */
export const TRAP_ARGS_PC_AT = 16;

/** The words a trap is reported in, by wasm2c's trap code (`WASM_RT_TRAP_<code>`): V8's. */
export const TRAP_REASONS = {
  NONE: "trap",
  OOB: "memory access out of bounds",
  INT_OVERFLOW: "divide result unrepresentable",
  DIV_BY_ZERO: "divide by zero",
  INVALID_CONVERSION: "float unrepresentable in integer range",
  UNREACHABLE: "unreachable",
  CALL_INDIRECT: "null function or function signature mismatch",
  NULL_REF: "dereferencing a null pointer",
  UNCAUGHT_EXCEPTION: "uncaught exception",
  UNALIGNED: "unaligned access",
  EXHAUSTION: "call stack exhausted",
} as const;

/** The boot page's magic, "TSSBOOT1" read as a little-endian u64. */
export const BOOT_MAGIC = 0x31544f4f42535354n;
/** Bytes of struct tessera_boot: The boot page: written by the tender before the guest starts, read by the guest runtime. Only heap_used is written by the guest, whenever the linear memory grows; the tender reads it on every call and caps it at heap_size, so a guest that lies about it can only reach its own memory. */
export const BOOT_SIZE = 128;
/** Offset of tessera_boot.magic: TESSERA_BOOT_MAGIC */
export const BOOT_MAGIC_AT = 0;
/** Offset of tessera_boot.mem_size: Guest memory, bytes: [0, mem_size). */
export const BOOT_MEM_SIZE_AT = 8;
/** Offset of tessera_boot.heap_base: Guest address of the wasm linear memory (64 KiB aligned). */
export const BOOT_HEAP_BASE_AT = 16;
/** Offset of tessera_boot.heap_size: Bytes the linear memory may grow to. */
export const BOOT_HEAP_SIZE_AT = 24;
/** Offset of tessera_boot.heap_used: Written by the guest: the linear memory's current size. */
export const BOOT_HEAP_USED_AT = 32;
/** Offset of tessera_boot.stack_base: Lowest address of the guest's stack. */
export const BOOT_STACK_BASE_AT = 40;
/** Offset of tessera_boot.stack_size: Its size; the page below stack_base is unmapped. */
export const BOOT_STACK_SIZE_AT = 48;
/** Offset of tessera_boot.call: spt: the tender's entry for calls, `call(nr, args)` on the guest's stack. hvt: 0 (calls are port I/O). */
export const BOOT_CALL_AT = 56;
/** Offset of tessera_boot.tsc_khz: hvt: the guest's TSC frequency in kHz, for a clock without VM exits. spt: 0 (the clock is a call). */
export const BOOT_TSC_KHZ_AT = 64;
/** Offset of tessera_boot.reserved: Zero. */
export const BOOT_RESERVED_AT = 72;

/** The owner name of every note in section .note.tessera. */
export const NOTE_NAME = "Tessera";
/** Note type. desc: u32, the ABI version (TESSERA_ABI_VERSION). */
export const NOTE_ABI = 1;
/** Note type. desc: the manifest's devices: u32 count, then per device a struct tessera_note_device. */
export const NOTE_DEVICES = 2;
/** Note type. desc: u32, the target the image was built for (a TESSERA_TARGET_*). */
export const NOTE_TARGET = 3;
/** Note type. desc: the manifest as UTF-8 JSON, exactly the .wasm's tessera.manifest. */
export const NOTE_MANIFEST = 4;
/** Bytes of struct tessera_note_device: A device of the manifest, in the devices note. */
export const NOTE_DEVICE_SIZE = 40;
/** Offset of tessera_note_device.kind: TESSERA_DEVICE_NET or TESSERA_DEVICE_BLOCK */
export const NOTE_DEVICE_KIND_AT = 0;
/** Offset of tessera_note_device.name_len: 1..31 */
export const NOTE_DEVICE_NAME_LEN_AT = 1;
/** Offset of tessera_note_device.name: [a-z0-9_], NUL padded */
export const NOTE_DEVICE_NAME_AT = 2;
/** Offset of tessera_note_device.pad: Zero. */
export const NOTE_DEVICE_PAD_AT = 34;
/** The device kinds' numbers in the devices note. */
export const NOTE_DEVICE_KINDS = { net: 1, block: 2 } as const;

/** The native targets and their numbers in the target note. */
export const NATIVE_TARGETS = {
  /** Run by tessera-spt, as a process. */
  spt: 1,
  /** Run by tessera-hvt, in a KVM virtual machine. */
  hvt: 2,
  /** Booted by a VMM (QEMU) itself, with the boot stub in guest/virtio-x86_64 answering the calls. */
  "virtio-x86_64": 3,
  /** Booted as a Linux arm64 Image (QEMU -M virt), with the boot stub in guest/virtio-aarch64 answering the calls. */
  "virtio-aarch64": 5,
  /** A Raspberry Pi's kernel8.img (QEMU -M raspi3b): the virtio-aarch64 stub built for the board, linked at 0x80000. */
  rpi: 6,
} as const;

/** The PT_INTERP every native image carries: a path that does not exist. */
export const IMAGE_INTERP = "/nonexistent/tessera-image: run it with tessera run";
