// Iteration over the keys that start with a prefix, in byte order.

import { compareBytes, Table } from "./table";

/**
 * Walks the keys that start with a prefix, in byte order:
 * `const c = store.scan(prefix); while (c.next()) use(c.key, c.value);`.
 * Each step looks up the key after the last one, so writes to the store
 * between steps are seen or not but never make it skip or repeat a key.
 * `key` and `value` are the store's own arrays: read them, do not change them.
 */
export class Cursor {
  /** The current key (after `next` returned true). */
  key: Uint8Array = new Uint8Array(0);
  /** The current value. */
  value: Uint8Array = new Uint8Array(0);
  private started: bool = false;

  constructor(
    private readonly table: Table,
    private readonly prefix: Uint8Array,
  ) {}

  /** Moves to the next key with the prefix; false when there is none. */
  next(): bool {
    const table = this.table;
    let i: i32;
    if (!this.started) {
      i = table.lowerBound(this.prefix.dataStart, <u32>this.prefix.length);
    } else {
      const last = this.key;
      i = table.lowerBound(last.dataStart, <u32>last.length);
      if (i < table.size) {
        const k = table.at(i).key;
        if (compareBytes(k.dataStart, <u32>k.length, last.dataStart, <u32>last.length) == 0) i++;
      }
    }
    if (i >= table.size) return false;
    const e = table.at(i);
    const p = this.prefix;
    if (e.key.length < p.length || compareBytes(e.key.dataStart, <u32>p.length, p.dataStart, <u32>p.length) != 0)
      return false;
    this.started = true;
    this.key = e.key;
    this.value = e.value;
    return true;
  }

  /** The current key as UTF-8 text. */
  get keyString(): string {
    return String.UTF8.decodeUnsafe(this.key.dataStart, this.key.length);
  }

  /** The current value as UTF-8 text. */
  get valueString(): string {
    return String.UTF8.decodeUnsafe(this.value.dataStart, this.value.length);
  }
}
