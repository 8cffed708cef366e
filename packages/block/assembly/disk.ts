// What the store needs from a block device: whole aligned blocks in and out, several per call, and flush.

import { fail } from "@tessera/runtime/assembly/abort";

/**
 * A block device: `capacity` bytes in blocks of `blockSize` bytes. Reads and
 * writes move whole blocks: the offset and the length are multiples of
 * `blockSize`, the length at least one block, the range inside the capacity.
 * A request that breaks these rules is a bug in the caller and panics here,
 * with the request in the message, before it reaches the host.
 *
 * A completed write is visible to later reads at once but is durable only
 * after a `flush` that returns true. Subclasses implement the three
 * `*Blocks` methods; `BlockDevice` is the one over the ABI.
 */
export abstract class Disk {
  constructor(
    /** The unit of every read and write, in bytes: a power of two, at least 512. */
    readonly blockSize: u32,
    /** The size of the device in bytes: a whole number of blocks. */
    readonly capacity: u64,
  ) {
    if (blockSize < 512 || (blockSize & (blockSize - 1)) != 0 || capacity % blockSize != 0)
      fail(
        "a disk of " +
          capacity.toString() +
          " bytes in blocks of " +
          blockSize.toString() +
          ": the block size must be a power of two >= 512 that divides the capacity",
      );
  }

  /** The number of blocks on the device. */
  get blocks(): u64 {
    return this.capacity / this.blockSize;
  }

  /** Reads `len` bytes at byte `offset` into `ptr`; false if the device failed. */
  read(offset: u64, ptr: usize, len: u32): bool {
    this.check("read", offset, len);
    return this.readBlocks(offset, ptr, len);
  }

  /** Writes the `len` bytes at `ptr` to byte `offset`; false if the device failed. Durable after `flush`. */
  write(offset: u64, ptr: usize, len: u32): bool {
    this.check("write", offset, len);
    return this.writeBlocks(offset, ptr, len);
  }

  /** Makes every completed write durable; false if the device could not (then nothing since the last flush is known to be). */
  flush(): bool {
    return this.flushBlocks();
  }

  /** True if `offset` and `len` make a request `read` and `write` accept. */
  fits(offset: u64, len: u32): bool {
    const mask = <u64>this.blockSize - 1;
    return (
      len != 0 &&
      (offset & mask) == 0 &&
      ((<u64>len) & mask) == 0 &&
      offset <= this.capacity &&
      <u64>len <= this.capacity - offset
    );
  }

  private check(what: string, offset: u64, len: u32): void {
    if (this.fits(offset, len)) return;
    const request = "block " + what + " of " + len.toString() + " bytes at offset " + offset.toString();
    const mask = <u64>this.blockSize - 1;
    if (len == 0) fail(request + ": the length must be at least one block");
    if ((offset & mask) != 0 || ((<u64>len) & mask) != 0)
      fail(request + ": offset and length must be multiples of the block size, " + this.blockSize.toString());
    fail(request + ": past the end of the device (" + this.capacity.toString() + " bytes)");
  }

  /** Reads whole blocks (the request is already checked). */
  protected abstract readBlocks(offset: u64, ptr: usize, len: u32): bool;
  /** Writes whole blocks (the request is already checked). */
  protected abstract writeBlocks(offset: u64, ptr: usize, len: u32): bool;
  /** Makes every completed write durable. */
  protected abstract flushBlocks(): bool;
}
