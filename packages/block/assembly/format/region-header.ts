// A region header: which generation of the store a region holds, where its log's sequence numbers start.
//
// Two copies, in the first two blocks of each region, written together when
// compaction (or formatting) makes the region the active one. Each is 64
// bytes at the start of its block, the rest zero:
//
//    0      4      8            16               24       28     32                40        64
//   +------+------+------------+----------------+--------+------+-----------------+---------+
//   |magic | crc  | generation | first sequence | region | salt | compacted bytes | zero... |
//   |"TSRH"|      |    u64     |      u64       |  u32   | u32  |      u64        |         |
//   +------+------+------------+----------------+--------+------+-----------------+---------+
//
// crc is the CRC-32C of bytes 8..64; it is also the seed of the region's
// chain of frames (the first frame's `prev`), so frames left from an earlier
// generation of the region do not chain onto this one. compacted bytes is
// how much of the log the compaction wrote (and flushed) before the header:
// a frame there that is not intact is damage, never a crash.

import { crc32c } from "../crc32c";

/** "TSRH" read as a little-endian u32. */
export const REGION_MAGIC: u32 = 0x48525354;
/** The bytes of a region header at the start of its block. */
export const REGION_HEADER_SIZE: u32 = 64;
/**
 * The highest generation a header may claim: 2^48 compactions, 8,900 years at
 * one a millisecond. A header above it is damage (or made to look valid), not
 * a store's; a store at it makes no more compactions (see `Log.canCompact`),
 * so no compaction ever writes a header that a mount would ignore.
 */
export const LAST_GENERATION: u64 = 1 << 48;

/** A region header's fields. */
export class RegionHeader {
  constructor(
    /** Counts the switches between regions: the active region has the higher one. Starts at 1. */
    public generation: u64,
    /** The sequence number of the first frame in the region's log. */
    public firstSequence: u64,
    /** The region this header belongs to (0 or 1). */
    public region: u32,
    /** The salt of the store (from its superblock). */
    public salt: u32,
    /** The bytes at the start of the log that the compaction wrote before this header. */
    public compactedBytes: u64,
  ) {}

  /** Writes the header into the `REGION_HEADER_SIZE` bytes at `ptr`; returns its CRC, the chain's seed. */
  emit(ptr: usize): u32 {
    memory.fill(ptr, 0, REGION_HEADER_SIZE);
    store<u32>(ptr, REGION_MAGIC);
    store<u64>(ptr, this.generation, 8);
    store<u64>(ptr, this.firstSequence, 16);
    store<u32>(ptr, this.region, 24);
    store<u32>(ptr, this.salt, 28);
    store<u64>(ptr, this.compactedBytes, 32);
    const crc = crc32c(0, ptr + 8, REGION_HEADER_SIZE - 8);
    store<u32>(ptr, crc, 4);
    return crc;
  }

  /** The CRC of the header as `emit` writes it: the seed of its region's chain. */
  get seed(): u32 {
    const scratch = memory.data(REGION_HEADER_SIZE);
    return this.emit(scratch);
  }

  /** True if the bytes at `ptr` are a region header of some store: the magic and the checksum. */
  static sealed(ptr: usize): bool {
    return load<u32>(ptr) == REGION_MAGIC && load<u32>(ptr, 4) == crc32c(0, ptr + 8, REGION_HEADER_SIZE - 8);
  }

  /**
   * The header at `ptr` if it is one: magic, checksum, the region and salt it
   * must have (a copy of another store's or another region's is not), and a
   * generation a store can reach (1 to `LAST_GENERATION`); else null.
   */
  static parse(ptr: usize, region: u32, salt: u32): RegionHeader | null {
    if (!RegionHeader.sealed(ptr)) return null;
    const h = new RegionHeader(
      load<u64>(ptr, 8),
      load<u64>(ptr, 16),
      load<u32>(ptr, 24),
      load<u32>(ptr, 28),
      load<u64>(ptr, 32),
    );
    // Generations count compactions from 1, up to LAST_GENERATION.
    if (h.region != region || h.salt != salt || h.generation == 0 || h.generation > LAST_GENERATION) return null;
    return h;
  }
}
