/**
 * The Tessera guest ABI, version 2: the one source of truth.
 *
 * Everything else that speaks the ABI is generated from this table
 * (`npm run generate -w @tessera/abi`) or tested against it: the
 * AssemblyScript imports, the C header of the native targets and the
 * TypeScript host interface. docs/abi.md is the prose of the same contract.
 *
 * @module
 */

/** The version carried by every image in its `tessera.abi` custom section. */
export const ABI_VERSION = 2;

/** The wasm import module that every ABI call lives in. */
export const IMPORT_MODULE = "tessera";

/** Custom section that holds the ABI version (u32, little-endian). */
export const SECTION_ABI = "tessera.abi";

/** Custom section that holds the device manifest (UTF-8 JSON). */
export const SECTION_MANIFEST = "tessera.manifest";

/** Result codes returned (as i32) by the calls that can fail. */
export const RESULTS = {
  /** The call did what was asked. */
  OK: 0,
  /** Nothing to do now (no input); try again after `yield`. */
  AGAIN: 1,
  /** A bad argument: a pointer or length outside memory, an unknown handle, a misaligned offset. */
  EINVAL: 2,
  /** The host failed for a reason of its own (an I/O error). */
  EUNSPEC: 3,
} as const;

/** Handles are `0..MAX_HANDLE`; net and block devices share the space. */
export const MAX_HANDLE = 62;

/** Bit of the `yield` ready set that signals console input. */
export const CONSOLE_READY_BIT = 63;

/** At most this many devices in a manifest. */
export const MAX_DEVICES = 63;

/** A device name: lower-case letters, digits and `_`, 1 to 31 bytes. */
export const DEVICE_NAME_PATTERN = /^[a-z0-9_]{1,31}$/;

/**
 * Longest boot command line, in bytes. Hosts refuse a longer one before the
 * image starts, so a guest can keep it in a static buffer of this size.
 */
export const CMDLINE_MAX = 4096;

/** Device kinds a manifest may name. */
export const DEVICE_KINDS = ["net", "block"] as const;

/** Wasm value type of a parameter or result. */
export type WasmType = "i32" | "i64";

/**
 * What a parameter means, which decides how a host checks it:
 * - `ptr`: an offset into guest memory; `size` names the length parameter
 *   or gives a fixed byte count. The whole range must lie inside memory.
 * - `u32` / `i32` / `i64`: a plain number.
 * - `handle`: a device handle from an `*_acquire` call.
 */
export type Param =
  | { name: string; kind: "ptr"; size: string | number; out?: boolean; doc: string }
  | { name: string; kind: "u32" | "i32" | "i64" | "handle"; doc: string };

/** One field of a struct that crosses the ABI. */
export interface Field {
  name: string;
  type: "u8" | "u16" | "u32" | "u64";
  /** Array length for byte arrays (e.g. a MAC address). */
  count?: number;
  offset: number;
  doc: string;
}

/** A struct written by the host into guest memory. */
export interface Struct {
  name: string;
  size: number;
  doc: string;
  fields: Field[];
}

/** How a call returns. */
export type Returns = "void" | "noreturn" | "result" | "i32" | "i64";

/** One ABI call, imported by the guest as `tessera.<name>`. */
export interface Call {
  name: string;
  params: Param[];
  returns: Returns;
  /** The issue/feature group: which devices a call belongs to. */
  group: "core" | "console" | "clock" | "net" | "block";
  doc: string;
}

/** Layout of `net_acquire`'s info out-parameter. */
export const NET_INFO: Struct = {
  name: "net_info",
  size: 12,
  doc: "What the host tells the guest about an acquired network device.",
  fields: [
    { name: "mac", type: "u8", count: 6, offset: 0, doc: "The device's MAC address." },
    { name: "pad", type: "u16", offset: 6, doc: "Zero." },
    { name: "mtu", type: "u32", offset: 8, doc: "Largest IP packet, without the 14-byte Ethernet header." },
  ],
};

/** Layout of `block_acquire`'s info out-parameter. */
export const BLOCK_INFO: Struct = {
  name: "block_info",
  size: 16,
  doc: "What the host tells the guest about an acquired block device.",
  fields: [
    { name: "capacity", type: "u64", offset: 0, doc: "Size of the device in bytes." },
    { name: "block_size", type: "u32", offset: 8, doc: "Unit of every read and write, in bytes." },
    { name: "pad", type: "u32", offset: 12, doc: "Zero." },
  ],
};

/** Every struct that crosses the ABI. */
export const STRUCTS: Struct[] = [NET_INFO, BLOCK_INFO];

/** The calls, in the order of ABI.md. */
export const CALLS: Call[] = [
  {
    name: "exit",
    group: "core",
    params: [{ name: "status", kind: "i32", doc: "0..254 are the app's; 255 is reserved for panic." }],
    returns: "noreturn",
    doc: "Stop the unikernel with an exit status. Never returns.",
  },
  {
    name: "panic",
    group: "core",
    params: [
      { name: "msg", kind: "ptr", size: "len", doc: "UTF-8 message." },
      { name: "len", kind: "u32", doc: "Length of the message in bytes." },
    ],
    returns: "noreturn",
    doc: "Print `panic: <msg>` on the host's error stream and stop with status 255. Never returns.",
  },
  {
    name: "console_write",
    group: "console",
    params: [
      { name: "ptr", kind: "ptr", size: "len", doc: "Bytes to write." },
      { name: "len", kind: "u32", doc: "Number of bytes." },
    ],
    returns: "result",
    doc: "Write to the console. Best effort: may drop on a full console. `EINVAL` for a range outside memory.",
  },
  {
    name: "console_read",
    group: "console",
    params: [
      { name: "ptr", kind: "ptr", size: "cap", out: true, doc: "Buffer for the input." },
      { name: "cap", kind: "u32", doc: "Capacity of the buffer." },
      { name: "len_out", kind: "ptr", size: 4, out: true, doc: "u32: bytes stored." },
    ],
    returns: "result",
    doc: "Read one chunk of console input; `AGAIN` if there is none.",
  },
  {
    name: "clock_monotonic",
    group: "clock",
    params: [],
    returns: "i64",
    doc: "Nanoseconds on a monotonic clock with an arbitrary epoch. Cheap: no VM exit on the hot path.",
  },
  {
    name: "clock_wall",
    group: "clock",
    params: [],
    returns: "i64",
    doc: "Nanoseconds since 1970-01-01T00:00:00Z.",
  },
  {
    name: "entropy",
    group: "core",
    params: [
      { name: "ptr", kind: "ptr", size: "len", out: true, doc: "Buffer to fill." },
      { name: "len", kind: "u32", doc: "Number of bytes." },
    ],
    returns: "result",
    doc: "Fill a buffer with bytes from a cryptographically secure source.",
  },
  {
    name: "cmdline",
    group: "core",
    params: [
      { name: "ptr", kind: "ptr", size: "cap", out: true, doc: "Buffer for the command line." },
      { name: "cap", kind: "u32", doc: "Capacity of the buffer." },
    ],
    returns: "i32",
    doc: "Copy the boot command line (UTF-8, no NUL, at most CMDLINE_MAX bytes) truncated to `cap`; return its full length, or -EINVAL (-2) for a range outside memory.",
  },
  {
    name: "yield",
    group: "core",
    params: [{ name: "deadline", kind: "i64", doc: "Monotonic time (ns) to wake up at." }],
    returns: "i64",
    doc: "Block until monotonic time >= `deadline` or an acquired device has input; return the ready set (bit h = handle h, bit 63 = console input; 0 on timeout). A deadline in the past polls. Never busy-waits.",
  },
  {
    name: "net_acquire",
    group: "net",
    params: [
      { name: "name", kind: "ptr", size: "name_len", doc: "Device name from the manifest." },
      { name: "name_len", kind: "u32", doc: "Length of the name." },
      { name: "handle_out", kind: "ptr", size: 4, out: true, doc: "u32: the handle." },
      { name: "info_out", kind: "ptr", size: 12, out: true, doc: "A `net_info`." },
    ],
    returns: "result",
    doc: "Acquire a network device by name. `EINVAL` if the name is not in the manifest or is already acquired.",
  },
  {
    name: "net_write",
    group: "net",
    params: [
      { name: "h", kind: "handle", doc: "A net handle." },
      { name: "ptr", kind: "ptr", size: "len", doc: "One Ethernet frame, no FCS." },
      { name: "len", kind: "u32", doc: "14 <= len <= mtu + 14." },
    ],
    returns: "result",
    doc: "Send one Ethernet frame. May drop under pressure, like a NIC.",
  },
  {
    name: "net_read",
    group: "net",
    params: [
      { name: "h", kind: "handle", doc: "A net handle." },
      { name: "ptr", kind: "ptr", size: "cap", out: true, doc: "Buffer for one frame." },
      { name: "cap", kind: "u32", doc: "Capacity of the buffer." },
      { name: "len_out", kind: "ptr", size: 4, out: true, doc: "u32: length of the frame." },
    ],
    returns: "result",
    doc: "Receive one Ethernet frame, or `AGAIN`.",
  },
  {
    name: "block_acquire",
    group: "block",
    params: [
      { name: "name", kind: "ptr", size: "name_len", doc: "Device name from the manifest." },
      { name: "name_len", kind: "u32", doc: "Length of the name." },
      { name: "handle_out", kind: "ptr", size: 4, out: true, doc: "u32: the handle." },
      { name: "info_out", kind: "ptr", size: 16, out: true, doc: "A `block_info`." },
    ],
    returns: "result",
    doc: "Acquire a block device by name.",
  },
  {
    name: "block_read",
    group: "block",
    params: [
      { name: "h", kind: "handle", doc: "A block handle." },
      { name: "offset", kind: "i64", doc: "Byte offset, a multiple of block_size." },
      { name: "ptr", kind: "ptr", size: "len", out: true, doc: "Buffer to read into." },
      { name: "len", kind: "u32", doc: "A multiple of block_size, at least one block." },
    ],
    returns: "result",
    doc: "Read whole blocks inside the capacity.",
  },
  {
    name: "block_write",
    group: "block",
    params: [
      { name: "h", kind: "handle", doc: "A block handle." },
      { name: "offset", kind: "i64", doc: "Byte offset, a multiple of block_size." },
      { name: "ptr", kind: "ptr", size: "len", doc: "Bytes to write." },
      { name: "len", kind: "u32", doc: "A multiple of block_size, at least one block." },
    ],
    returns: "result",
    doc: "Write whole blocks inside the capacity.",
  },
  {
    name: "block_flush",
    group: "block",
    params: [{ name: "h", kind: "handle", doc: "A block handle." }],
    returns: "result",
    doc: "When this returns `OK`, every completed write is durable.",
  },
  {
    name: "memory_limit",
    group: "core",
    params: [],
    returns: "i64",
    doc: "The most bytes the linear memory may grow to, as the host enforces it (past it `memory.grow` fails); never below its current size. Cheap: no VM exit.",
  },
];

/** The wasm type of a parameter. */
export function wasmTypeOf(p: Param): WasmType {
  return p.kind === "i64" ? "i64" : "i32";
}

/** The wasm result type of a call, or null for none. */
export function wasmResultOf(c: Call): WasmType | null {
  switch (c.returns) {
    case "void":
    case "noreturn":
      return null;
    case "i64":
      return "i64";
    default:
      return "i32";
  }
}
