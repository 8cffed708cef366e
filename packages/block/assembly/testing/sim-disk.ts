// A simulated block device for crash tests: memory-backed, it tracks which writes are flushed, and
// a crash drops every unflushed write and tears the one in flight, reproducibly from a seed.

import { Disk } from "@tessera/block/assembly/disk";
import { Random } from "./random";

/** How a simulated disk can be told to tear the write in flight at a crash. */
export enum Tear {
  /** Nothing of it reaches the disk. */
  Lost,
  /** Its first k sectors (0 <= k < all) reach the disk, whole. */
  Sectors,
  /** Its first k sectors reach the disk, then sector k is random garbage. */
  Garbage,
  /** Its first k sectors, then the start of sector k (the rest of that sector keeps its old bytes). */
  MidSector,
  /** All of it reaches the disk, though it was not flushed. */
  Whole,
}

/** The number of ways to tear a write (the members of `Tear`). */
export const TEARS: u32 = 5;

/** Something a test runs before every write and flush of a `SimDisk`: to take crash images at each point. */
export abstract class CrashProbe {
  /** Runs before operation number `op`: a write of `len` bytes from `ptr` to `offset`, or a flush if `len` is 0. */
  abstract at(disk: SimDisk, op: u32, offset: u64, ptr: usize, len: u32): void;
}

/**
 * A memory-backed disk with two images: `current`, what reads see, and
 * `durable`, what survives a crash (the flushed writes). Writes and flushes
 * are numbered from 0 as they come (`ops`); at operation `crashAt` the disk
 * crashes: the durable image keeps only what was flushed, plus the torn
 * remains of the write in flight (chosen by the seeded generator, or by
 * `tear` if set), and every later operation fails. `reboot` gives a fresh
 * disk on what survived. `crashImage` computes a crash's result without
 * crashing, so a test can try every point of one run.
 */
export class SimDisk extends Disk {
  /** What reads see: every completed write. */
  readonly current: Uint8Array;
  /** What survives a crash: every flushed write. */
  readonly durable: Uint8Array;
  /** Writes and flushes so far. */
  ops: u32 = 0;
  /** The operation at which the disk crashes, or -1 for never. */
  crashAt: i64 = -1;
  /** True after the crash: every operation fails. */
  crashed: bool = false;
  /** The tear to use at a crash, or -1 to draw one. */
  tear: i32 = -1;
  /** If true, a crash also keeps some unflushed writes, whole or torn (a disk may persist them in any order). */
  keepSomeUnflushed: bool = false;
  /** The atomic unit of the simulated media: tears happen at these boundaries (a divisor of the block size). */
  sectorSize: u32 = 512;
  /** Runs before every write and flush, if set. */
  probe: CrashProbe | null = null;
  /** The generator tears are drawn from. */
  readonly random: Random;
  // The writes since the last flush, as (offset, length) pairs.
  private pendingOffsets: u64[] = [];
  private pendingLengths: u32[] = [];

  constructor(blockSize: u32, capacity: u64, seed: u32) {
    super(blockSize, capacity);
    this.current = new Uint8Array(<i32>capacity);
    this.durable = new Uint8Array(<i32>capacity);
    this.random = new Random(seed);
  }

  /** A disk whose contents (current and durable) are a copy of `image`. */
  static of(image: Uint8Array, blockSize: u32, seed: u32): SimDisk {
    const disk = new SimDisk(blockSize, <u64>image.length, seed);
    memory.copy(disk.current.dataStart, image.dataStart, image.length);
    memory.copy(disk.durable.dataStart, image.dataStart, image.length);
    return disk;
  }

  /** A fresh disk on what survived the crash (or on the durable image, if it did not crash). */
  reboot(seed: u32): SimDisk {
    return SimDisk.of(this.durable, this.blockSize, seed);
  }

  /** The number of writes since the last flush. */
  get unflushed(): i32 {
    return this.pendingOffsets.length;
  }

  /**
   * The image a crash would leave now, in the middle of a write of `len`
   * bytes from `ptr` to `offset` (or of a flush, if `len` is 0): the durable
   * image, what it keeps of the unflushed writes (with `keepSomeUnflushed`),
   * and the torn write.
   */
  crashImage(offset: u64, ptr: usize, len: u32): Uint8Array {
    const image = new Uint8Array(this.durable.length);
    memory.copy(image.dataStart, this.durable.dataStart, image.length);
    if (this.keepSomeUnflushed) {
      // Each unflushed write is lost, kept whole, or torn, a third of the time each.
      for (let i = 0; i < this.pendingOffsets.length; i++) {
        const fate = this.random.below(3);
        if (fate == 0) continue;
        const at = this.pendingOffsets[i];
        const from = this.current.dataStart + <usize>at;
        if (fate == 1) memory.copy(image.dataStart + <usize>at, from, this.pendingLengths[i]);
        else this.tearInto(image, at, from, this.pendingLengths[i]);
      }
    }
    if (len > 0) this.tearInto(image, offset, ptr, len);
    return image;
  }

  protected readBlocks(offset: u64, ptr: usize, len: u32): bool {
    if (this.crashed) return false;
    memory.copy(ptr, this.current.dataStart + <usize>offset, len);
    return true;
  }

  protected writeBlocks(offset: u64, ptr: usize, len: u32): bool {
    if (this.crashed) return false;
    const op = this.ops++;
    const probe = this.probe;
    if (probe !== null) probe.at(this, op, offset, ptr, len);
    if (<i64>op == this.crashAt) return this.crash(offset, ptr, len);
    memory.copy(this.current.dataStart + <usize>offset, ptr, len);
    this.pendingOffsets.push(offset);
    this.pendingLengths.push(len);
    return true;
  }

  protected flushBlocks(): bool {
    if (this.crashed) return false;
    const op = this.ops++;
    const probe = this.probe;
    if (probe !== null) probe.at(this, op, 0, 0, 0);
    if (<i64>op == this.crashAt) return this.crash(0, 0, 0);
    for (let i = 0; i < this.pendingOffsets.length; i++) {
      const at = <usize>this.pendingOffsets[i];
      memory.copy(this.durable.dataStart + at, this.current.dataStart + at, this.pendingLengths[i]);
    }
    this.pendingOffsets.length = 0;
    this.pendingLengths.length = 0;
    return true;
  }

  private crash(offset: u64, ptr: usize, len: u32): bool {
    const image = this.crashImage(offset, ptr, len);
    memory.copy(this.durable.dataStart, image.dataStart, image.length);
    memory.copy(this.current.dataStart, image.dataStart, image.length);
    this.crashed = true;
    return false;
  }

  // Lays the remains of a write cut off by a crash over `image`.
  private tearInto(image: Uint8Array, offset: u64, ptr: usize, len: u32): void {
    const random = this.random;
    const tear = this.tear >= 0 ? <Tear>this.tear : <Tear>random.below(TEARS);
    const sector = this.sectorSize;
    const sectors = len / sector;
    const whole = tear == Tear.Whole ? sectors : tear == Tear.Lost ? 0 : random.below(sectors);
    const at = image.dataStart + <usize>offset;
    memory.copy(at, ptr, whole * sector);
    if (whole == sectors) return;
    const partial = at + whole * sector;
    if (tear == Tear.Garbage) random.fill(partial, sector);
    else if (tear == Tear.MidSector) memory.copy(partial, ptr + whole * sector, random.below(sector));
  }
}
