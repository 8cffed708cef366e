// The disk label: the last 4096 bytes of a disk file, which say that the file is a Tessera disk,
// its block size and its capacity. The guest sees the blocks before it, from offset 0, so the
// file is also a raw disk image for any other virtual machine monitor. Its layout is
// label-format.ts, generated from packages/abi/src/disk-label.ts as the native tenders'
// targets/native/host/disk_label.h is.
import { readSync } from "node:fs";
import { crc32 } from "node:zlib";
import {
  BLOCK_SIZES,
  LABEL_BLOCK_SIZE_AT,
  LABEL_CAPACITY_AT,
  LABEL_CRC_AT as CRC_AT,
  LABEL_CREATED_AT,
  LABEL_ID_AT,
  LABEL_ID_LENGTH,
  LABEL_MAGIC as MAGIC,
  LABEL_MAGIC_AT,
  LABEL_MAGIC_LENGTH,
  LABEL_SIZE,
  LABEL_VERSION as VERSION,
  LABEL_VERSION_AT,
} from "./label-format.js";

export { BLOCK_SIZES, DEFAULT_BLOCK_SIZE, LABEL_SIZE, MAX_CAPACITY } from "./label-format.js";

/** What a label says. */
export interface DiskLabel {
  blockSize: number;
  /** Bytes of blocks the guest sees: a multiple of blockSize. */
  capacity: bigint;
  /** When `tessera disk create` made it. */
  created: Date;
  /** A random identifier, as 32 hex digits. */
  id: string;
}

/** The 4096 bytes of `label`. */
export function encodeLabel(label: DiskLabel): Uint8Array {
  const out = new Uint8Array(LABEL_SIZE);
  const v = new DataView(out.buffer);
  out.set(new TextEncoder().encode(MAGIC), LABEL_MAGIC_AT);
  v.setUint32(LABEL_VERSION_AT, VERSION, true);
  v.setUint32(LABEL_BLOCK_SIZE_AT, label.blockSize, true);
  v.setBigUint64(LABEL_CAPACITY_AT, label.capacity, true);
  v.setBigUint64(LABEL_CREATED_AT, BigInt(label.created.getTime()), true);
  out.set(Buffer.from(label.id, "hex").subarray(0, LABEL_ID_LENGTH), LABEL_ID_AT);
  v.setUint32(CRC_AT, crc32(out.subarray(0, CRC_AT)), true);
  return out;
}

/**
 * Reads the label from the last LABEL_SIZE bytes of a file of `fileSize`
 * bytes; returns the label, or why the file is not a usable Tessera disk (a
 * sentence that fits after "FILE: ").
 */
export function decodeLabel(bytes: Uint8Array, fileSize: bigint): DiskLabel | string {
  const create = "create one with: tessera disk create FILE SIZE";
  if (
    fileSize < BigInt(LABEL_SIZE) ||
    new TextDecoder().decode(bytes.subarray(LABEL_MAGIC_AT, LABEL_MAGIC_AT + LABEL_MAGIC_LENGTH)) !== MAGIC
  )
    return `not a Tessera disk: its last ${LABEL_SIZE} bytes are not a disk label (a disk file that was truncated or extended loses it; ${create})`;
  const v = new DataView(bytes.buffer, bytes.byteOffset, LABEL_SIZE);
  if (v.getUint32(CRC_AT, true) !== crc32(bytes.subarray(0, CRC_AT)))
    return "its disk label is damaged (its checksum does not match); the blocks before it are intact";
  const version = v.getUint32(LABEL_VERSION_AT, true);
  if (version !== VERSION) return `its disk label is version ${version}; this tessera reads version ${VERSION}`;
  const blockSize = v.getUint32(LABEL_BLOCK_SIZE_AT, true);
  if (!(BLOCK_SIZES as readonly number[]).includes(blockSize))
    return `its disk label gives a block size of ${blockSize} bytes; a block size is one of ${BLOCK_SIZES.join(", ")}`;
  const capacity = v.getBigUint64(LABEL_CAPACITY_AT, true);
  if (capacity === 0n || capacity % BigInt(blockSize) !== 0n)
    return `its disk label gives a capacity of ${capacity} bytes, not a whole number of ${blockSize}-byte blocks`;
  if (capacity + BigInt(LABEL_SIZE) !== fileSize)
    return (
      `the file is ${fileSize} bytes but its label says ${capacity} bytes of blocks and ${LABEL_SIZE} of label ` +
      `(${capacity + BigInt(LABEL_SIZE)} in all): was it truncated or extended?`
    );
  const id = Buffer.from(bytes.subarray(LABEL_ID_AT, LABEL_ID_AT + LABEL_ID_LENGTH)).toString("hex");
  return { blockSize, capacity, created: new Date(Number(v.getBigUint64(LABEL_CREATED_AT, true))), id };
}

/** Reads and decodes the label of the open file `fd` of `fileSize` bytes (see `decodeLabel`). */
export function readLabel(fd: number, fileSize: bigint): DiskLabel | string {
  const tail = new Uint8Array(LABEL_SIZE);
  if (fileSize >= BigInt(LABEL_SIZE)) readSync(fd, tail, 0, LABEL_SIZE, fileSize - BigInt(LABEL_SIZE));
  return decodeLabel(tail, fileSize);
}

/**
 * Parses a size such as `64M`, `1G`, `512K` or `1048576` (bytes); K, M, G, T
 * are powers of 1024. Returns null if `text` is not one.
 */
export function parseSize(text: string): bigint | null {
  const m = /^(\d+)([KMGT]?)$/i.exec(text);
  if (!m) return null;
  return BigInt(m[1]) << BigInt(10 * " KMGT".indexOf(m[2].toUpperCase() || " "));
}
