// The superblock: what a store was made for (format version, block size, capacity, region size) and its salt.
//
// Two identical copies, at blocks 0 and 1, written once when the store is
// formatted. Each is 64 bytes at the start of its block, the rest zero:
//
//    0      4      8        12           16          24              32     36        64
//   +------+------+--------+------------+-----------+---------------+------+---------+
//   |magic | crc  |version | block size | capacity  | region blocks | salt | zero... |
//   |"TSKV"|      |  u32   |    u32     |    u64    |      u64      | u32  |         |
//   +------+------+--------+------------+-----------+---------------+------+---------+
//
// crc is the CRC-32C of bytes 8..64. The salt is random: region headers carry
// it too, so a header left by an earlier store on the same device is not
// mistaken for one of this store's.

import { crc32c } from "../crc32c";

/** "TSKV" read as a little-endian u32. */
export const SUPERBLOCK_MAGIC: u32 = 0x564b5354;
/** The format version this code writes and reads. */
export const FORMAT_VERSION: u32 = 1;
/** The bytes of a superblock at the start of its block. */
export const SUPERBLOCK_SIZE: u32 = 64;

/** What the bytes where a superblock should be turned out to hold. */
export enum SuperblockState {
  /** A superblock whose checksum matches. */
  Valid,
  /** Nothing: zeros. */
  Blank,
  /** Something that is not a superblock. */
  Foreign,
  /** A superblock's magic with a checksum that does not match. */
  Damaged,
}

/** A superblock's fields. */
export class Superblock {
  constructor(
    /** The format version. */
    public version: u32,
    /** The block size the store was made with. */
    public blockSize: u32,
    /** The capacity the store was made for, in bytes. */
    public capacity: u64,
    /** The size of each region, in blocks. */
    public regionBlocks: u64,
    /** The store's random salt. */
    public salt: u32,
  ) {}

  /** Writes the superblock into the `SUPERBLOCK_SIZE` bytes at `ptr`. */
  emit(ptr: usize): void {
    memory.fill(ptr, 0, SUPERBLOCK_SIZE);
    store<u32>(ptr, SUPERBLOCK_MAGIC);
    store<u32>(ptr, this.version, 8);
    store<u32>(ptr, this.blockSize, 12);
    store<u64>(ptr, this.capacity, 16);
    store<u64>(ptr, this.regionBlocks, 24);
    store<u32>(ptr, this.salt, 32);
    store<u32>(ptr, crc32c(0, ptr + 8, SUPERBLOCK_SIZE - 8), 4);
  }

  /** What the `SUPERBLOCK_SIZE` bytes at `ptr` hold. */
  static check(ptr: usize): SuperblockState {
    if (load<u32>(ptr) != SUPERBLOCK_MAGIC) {
      for (let i: u32 = 0; i < SUPERBLOCK_SIZE; i += 8) if (load<u64>(ptr + i) != 0) return SuperblockState.Foreign;
      return SuperblockState.Blank;
    }
    if (load<u32>(ptr, 4) != crc32c(0, ptr + 8, SUPERBLOCK_SIZE - 8)) return SuperblockState.Damaged;
    return SuperblockState.Valid;
  }

  /** The superblock at `ptr`, which `check` found valid. */
  static parse(ptr: usize): Superblock {
    return new Superblock(
      load<u32>(ptr, 8),
      load<u32>(ptr, 12),
      load<u64>(ptr, 16),
      load<u64>(ptr, 24),
      load<u32>(ptr, 32),
    );
  }
}
