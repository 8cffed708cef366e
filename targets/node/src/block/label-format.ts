// The disk label's layout: the last LABEL_SIZE bytes of a Tessera disk file, little-endian fields at the offsets
// below, the rest zero (the C side: targets/native/host/disk_label.h, from the same table).
// Generated from packages/abi/src/disk-label.ts by `npm run generate -w @tessera/abi`. Do not edit.

/** Bytes the label takes at the end of the file. */
export const LABEL_SIZE = 4096;
/** The label's first bytes. */
export const LABEL_MAGIC = "TESSDISK";
/** The label version this tessera writes and reads. */
export const LABEL_VERSION = 1;
/** Offset of magic: LABEL_MAGIC, not NUL-terminated. */
export const LABEL_MAGIC_AT = 0;
/** Bytes of magic. */
export const LABEL_MAGIC_LENGTH = 8;
/** Offset of version: LABEL_VERSION. */
export const LABEL_VERSION_AT = 8;
/** Offset of block_size: The unit of every read and write: one of BLOCK_SIZES. */
export const LABEL_BLOCK_SIZE_AT = 12;
/** Offset of capacity: Bytes of blocks the guest sees, a whole number of blocks: the file is capacity + LABEL_SIZE bytes. */
export const LABEL_CAPACITY_AT = 16;
/** Offset of created: When it was made, in ms since 1970. */
export const LABEL_CREATED_AT = 24;
/** Offset of id: A random identifier. */
export const LABEL_ID_AT = 32;
/** Bytes of id. */
export const LABEL_ID_LENGTH = 16;
/** Offset of crc: CRC-32 (zlib's) of the bytes before it. */
export const LABEL_CRC_AT = 48;
/** The block sizes a disk may have. */
export const BLOCK_SIZES = [512, 1024, 2048, 4096, 8192, 16384, 32768, 65536] as const;
/** The block size of a disk `tessera disk create` makes without --block-size. */
export const DEFAULT_BLOCK_SIZE = 4096;
/** The largest capacity `tessera disk create` makes. */
export const MAX_CAPACITY = 1099511627776n;
