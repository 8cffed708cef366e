// Where things are on the device: two superblocks, then two regions of equal size, each two header blocks and a log.
//
//   block 0        block 1        region 0                          region 1
//  +------------+------------+---------+---------+-----------+---------+---------+-----------+
//  | superblock | superblock | header  | header  | log ...   | header  | header  | log ...   |
//  |   copy A   |   copy B   | copy A  | copy B  |           | copy A  | copy B  |           |
//  +------------+------------+---------+---------+-----------+---------+---------+-----------+
//
// One region is active; compaction writes the live data into the other and
// then switches to it by writing that region's headers (see docs/storage.md).

/** The number of blocks before the regions: the two superblock copies. */
export const SUPERBLOCKS: u64 = 2;
/** The number of header blocks at the start of each region. */
export const REGION_HEADERS: u64 = 2;
/** The fewest log blocks a region may have. */
export const MIN_LOG_BLOCKS: u64 = 2;

/** The geometry of a store on a device; every offset is in bytes. */
export class Layout {
  private constructor(
    /** The device's block size. */
    readonly blockSize: u32,
    /** The size of each region, in blocks (headers and log). */
    readonly regionBlocks: u64,
  ) {}

  /** The layout for a device, or null if it is too small to hold one. */
  static of(blockSize: u32, capacity: u64): Layout | null {
    const blocks = capacity / blockSize;
    if (blocks < SUPERBLOCKS) return null;
    const regionBlocks = (blocks - SUPERBLOCKS) / 2;
    if (regionBlocks < REGION_HEADERS + MIN_LOG_BLOCKS) return null;
    return new Layout(blockSize, regionBlocks);
  }

  /** The offset of superblock copy `copy` (0 or 1). */
  superblock(copy: u32): u64 {
    return <u64>copy * this.blockSize;
  }

  /** The offset of region `region`'s header copy `copy`. */
  header(region: u32, copy: u32): u64 {
    return (SUPERBLOCKS + <u64>region * this.regionBlocks + copy) * this.blockSize;
  }

  /** The offset of the first byte of region `region`'s log. */
  logStart(region: u32): u64 {
    return (SUPERBLOCKS + <u64>region * this.regionBlocks + REGION_HEADERS) * this.blockSize;
  }

  /** The offset just past region `region`'s log. */
  logEnd(region: u32): u64 {
    return (SUPERBLOCKS + (<u64>region + 1) * this.regionBlocks) * this.blockSize;
  }

  /** The size of a region's log in bytes. */
  get logBytes(): u64 {
    return (this.regionBlocks - REGION_HEADERS) * this.blockSize;
  }

  /** `n` rounded up to whole blocks. */
  padded(n: u64): u64 {
    const mask = <u64>this.blockSize - 1;
    return (n + mask) & ~mask;
  }
}
