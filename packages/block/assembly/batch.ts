// A batch: puts and deletes that the store commits all together or not at all.

import { ENTRY_DELETE, ENTRY_PUT, entrySize } from "./format/frame";

/** One operation of a batch. */
export class Op {
  constructor(
    /** `ENTRY_PUT` or `ENTRY_DELETE`. */
    readonly kind: u8,
    /** The key. */
    readonly key: Uint8Array,
    /** The value (empty for a delete). */
    readonly value: Uint8Array,
  ) {}
}

const NO_VALUE = new Uint8Array(0);

/**
 * Puts and deletes applied in order and committed atomically by
 * `Store.commit`: after a crash the store holds all of them or none. The
 * batch keeps the arrays it is given until then (it does not copy them), so
 * do not change them before the commit. `clear` makes it reusable.
 */
export class Batch {
  /** The operations, in order. */
  readonly ops: Op[] = [];
  private bytes: u64 = 0;

  /** Adds a put of `key` to `value`. */
  put(key: Uint8Array, value: Uint8Array): Batch {
    this.ops.push(new Op(ENTRY_PUT, key, value));
    this.bytes += entrySize(<u32>key.length, <u32>value.length);
    return this;
  }

  /** Adds a delete of `key` (deleting an absent key is not an error). */
  delete(key: Uint8Array): Batch {
    this.ops.push(new Op(ENTRY_DELETE, key, NO_VALUE));
    this.bytes += entrySize(<u32>key.length, 0);
    return this;
  }

  /** Adds a put of the UTF-8 of `key` to the UTF-8 of `value`. */
  putString(key: string, value: string): Batch {
    return this.put(Uint8Array.wrap(String.UTF8.encode(key)), Uint8Array.wrap(String.UTF8.encode(value)));
  }

  /** Adds a delete of the UTF-8 of `key`. */
  deleteString(key: string): Batch {
    return this.delete(Uint8Array.wrap(String.UTF8.encode(key)));
  }

  /** The number of operations. */
  get length(): i32 {
    return this.ops.length;
  }

  /** The bytes the operations take as log entries. */
  get entryBytes(): u64 {
    return this.bytes;
  }

  /** Empties the batch. */
  clear(): void {
    this.ops.length = 0;
    this.bytes = 0;
  }
}
