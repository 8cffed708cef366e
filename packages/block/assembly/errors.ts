// What can go wrong with a store, as values: every failure is one of these, never a trap.

/** Why a store operation or a mount did not succeed. */
export enum StoreError {
  /** Success. */
  None = 0,
  /** The data would not fit even after compaction; nothing was written and the store is intact (HTTP 507). */
  Full,
  /** A key is longer than `MAX_KEY_SIZE` (HTTP 414). */
  KeyTooLarge,
  /** A value is longer than `MAX_VALUE_SIZE` (HTTP 413). */
  ValueTooLarge,
  /** A batch has more than `MAX_BATCH_OPS` operations or `MAX_BATCH_BYTES` bytes. */
  BatchTooLarge,
  /**
   * The device failed a read, write or flush; the write may or may not be on
   * the device, and the store refuses writes until it is mounted again.
   */
  Io,
  /** An earlier device failure stopped the store; mount it again to go on. */
  Stopped,
  /** The device holds no store (and is not blank, so it was not formatted). */
  NotAStore,
  /** The store was made with another block size than the device has. */
  WrongBlockSize,
  /** The store was made for a device of another size. */
  WrongCapacity,
  /** The store was made by a newer format version. */
  UnsupportedVersion,
  /** The store's metadata is damaged beyond what the redundant copies can repair. */
  Corrupt,
  /** The device is too small to hold a store. */
  DeviceTooSmall,
}

/** A one-line description of `e` that says what to do about it. */
export function storeErrorMessage(e: StoreError): string {
  switch (e) {
    case StoreError.None:
      return "ok";
    case StoreError.Full:
      return "the store is full: delete something first (nothing was written)";
    case StoreError.KeyTooLarge:
      return "key too large (the limit is MAX_KEY_SIZE bytes)";
    case StoreError.ValueTooLarge:
      return "value too large (the limit is MAX_VALUE_SIZE bytes)";
    case StoreError.BatchTooLarge:
      return "batch too large (the limits are MAX_BATCH_OPS operations and MAX_BATCH_BYTES bytes)";
    case StoreError.Io:
      return "the block device failed; the write may or may not have happened: mount the store again";
    case StoreError.Stopped:
      return "the store stopped after a device failure: mount it again";
    case StoreError.NotAStore:
      return "the device holds no store and is not blank: give a blank (zeroed) device to format one";
    case StoreError.WrongBlockSize:
      return "the store was made with a different block size than the device has";
    case StoreError.WrongCapacity:
      return "the store was made for a device of a different size";
    case StoreError.UnsupportedVersion:
      return "the store was made by a newer version of its format";
    case StoreError.Corrupt:
      return "the store's metadata is damaged beyond repair";
    case StoreError.DeviceTooSmall:
      return "the device is too small for a store (at least 10 blocks)";
    default:
      return "unknown store error";
  }
}
