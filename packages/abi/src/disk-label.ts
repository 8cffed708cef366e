/**
 * The disk label, written once: the last 4096 bytes of a Tessera disk file,
 * which say that the file is a Tessera disk, its block size and its capacity.
 * The guest sees the blocks before it, from offset 0, so the file is also a
 * raw disk image for any other virtual machine monitor.
 *
 * `npm run generate -w @tessera/abi` writes from this table the TypeScript
 * module targets/node/src/block/label-format.ts (the Node tender, `tessera
 * disk`) and the C header targets/native/host/disk_label.h (the native
 * tenders); `npm run check-generated` and packages/abi/test/generated.test.ts
 * fail if either differs from this table.
 *
 * @module
 */
import type { FormatField } from "./native-format.js";

/** Bytes the label takes at the end of the file. */
export const LABEL_SIZE = 4096;

/** The label's first bytes. */
export const LABEL_MAGIC = "TESSDISK";

/** The version of the label this table describes. */
export const LABEL_VERSION = 1;

/** The label's fields, little-endian; the rest of its LABEL_SIZE bytes are zero. */
export const LABEL_FIELDS: FormatField[] = [
  { name: "magic", type: "char", count: 8, offset: 0, doc: "LABEL_MAGIC, not NUL-terminated." },
  { name: "version", type: "u32", offset: 8, doc: "LABEL_VERSION." },
  { name: "block_size", type: "u32", offset: 12, doc: "The unit of every read and write: one of BLOCK_SIZES." },
  {
    name: "capacity",
    type: "u64",
    offset: 16,
    doc: "Bytes of blocks the guest sees, a whole number of blocks: the file is capacity + LABEL_SIZE bytes.",
  },
  { name: "created", type: "u64", offset: 24, doc: "When it was made, in ms since 1970." },
  { name: "id", type: "u8", count: 16, offset: 32, doc: "A random identifier." },
  { name: "crc", type: "u32", offset: 48, doc: "CRC-32 (zlib's) of the bytes before it." },
];

/** The block sizes a disk may have: powers of two, smallest first. */
export const BLOCK_SIZES = [512, 1024, 2048, 4096, 8192, 16384, 32768, 65536];

/** The block size of a disk that `tessera disk create` (without --block-size) and a tender's --block-create make. */
export const DEFAULT_BLOCK_SIZE = 4096;

/** The largest capacity `tessera disk create` makes: 1 TiB. */
export const MAX_CAPACITY = 2 ** 40;
