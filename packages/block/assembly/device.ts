// A block device acquired from the host: whole blocks in and out through the ABI, and flush.

import {
  block_acquire,
  block_flush,
  block_read,
  block_write,
  BLOCK_INFO_BLOCK_SIZE,
  BLOCK_INFO_CAPACITY,
  BLOCK_INFO_SIZE,
  OK,
} from "@tessera/abi/assembly";
import { fail } from "@tessera/runtime/assembly/abort";
import { Disk } from "./disk";

/**
 * A block device named in the image's manifest. Open it with a string
 * literal, `BlockDevice.open("storage")`: the build reads the name from the
 * source to list the device in the manifest, and the host must then be given
 * it (`--block storage=disk.img`).
 */
export class BlockDevice extends Disk {
  private constructor(
    /** The device's handle. */
    readonly handle: u32,
    blockSize: u32,
    capacity: u64,
  ) {
    super(blockSize, capacity);
  }

  /** Acquires the block device `name`; panics if the host will not give it or describes it impossibly. */
  static open(name: string): BlockDevice {
    const bytes = String.UTF8.encode(name);
    const out = memory.data(8 + BLOCK_INFO_SIZE, 8);
    const r = block_acquire(changetype<usize>(bytes), <u32>bytes.byteLength, out, out + 8);
    if (r != OK) fail("block device " + name + ": the host refused it (is it in the manifest and given with --block?)");
    const capacity = load<u64>(out + 8 + BLOCK_INFO_CAPACITY);
    const blockSize = load<u32>(out + 8 + BLOCK_INFO_BLOCK_SIZE);
    if (blockSize < 512 || (blockSize & (blockSize - 1)) != 0 || capacity % blockSize != 0)
      fail(
        "block device " +
          name +
          ": the host gave block size " +
          blockSize.toString() +
          " and capacity " +
          capacity.toString() +
          " (need a power of two >= 512 that divides the capacity)",
      );
    return new BlockDevice(load<u32>(out), blockSize, capacity);
  }

  protected readBlocks(offset: u64, ptr: usize, len: u32): bool {
    return block_read(this.handle, <i64>offset, ptr, len) == OK;
  }

  protected writeBlocks(offset: u64, ptr: usize, len: u32): bool {
    return block_write(this.handle, <i64>offset, ptr, len) == OK;
  }

  protected flushBlocks(): bool {
    return block_flush(this.handle) == OK;
  }
}
