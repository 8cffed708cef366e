// The store's contents in memory: its live keys in byte order, each with its value.
//
// Rebuilt on mount by replaying the log; a write changes it only once the
// write is on the device (or, for a compaction, with an undo list to put it back).

import { entrySize } from "./format/frame";

/** Compares two byte strings as memcmp and then length do: negative, zero or positive. */
export function compareBytes(a: usize, aLen: u32, b: usize, bLen: u32): i32 {
  const n = min(aLen, bLen);
  for (let i: u32 = 0; i < n; i++) {
    const x = <i32>load<u8>(a + i);
    const y = <i32>load<u8>(b + i);
    if (x != y) return x - y;
  }
  return <i32>aLen - <i32>bLen;
}

/** A copy of the `len` bytes at `ptr`. */
export function copyBytes(ptr: usize, len: u32): Uint8Array {
  const bytes = new Uint8Array(len);
  memory.copy(bytes.dataStart, ptr, len);
  return bytes;
}

/** One live key and its value. */
export class Entry {
  constructor(
    /** The key. */
    public key: Uint8Array,
    /** The value. */
    public value: Uint8Array,
  ) {}
}

/** How to take back one change to a table: the key, and its value before (null: it was absent). */
export class Undo {
  constructor(
    /** The key the change was to. */
    readonly key: Uint8Array,
    /** Its value before the change, or null if it had none. */
    readonly before: Uint8Array | null,
  ) {}
}

/** The live keys in byte order with their values, and what they take in the log. */
export class Table {
  private entries: Entry[] = [];
  private bytes: u64 = 0;

  /** The number of live keys. */
  get size(): i32 {
    return this.entries.length;
  }

  /** The bytes the live entries take as log entries (`entrySize` summed): what a compaction writes, before frame headers. */
  get liveBytes(): u64 {
    return this.bytes;
  }

  /** The `i`th entry in key order (0 <= i < size). */
  at(i: i32): Entry {
    return this.entries[i];
  }

  /** The index of the first key >= the given one. */
  lowerBound(key: usize, keyLen: u32): i32 {
    let lo = 0;
    let hi = this.entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const k = this.entries[mid].key;
      if (compareBytes(k.dataStart, <u32>k.length, key, keyLen) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** The index of the key, or -1. */
  find(key: usize, keyLen: u32): i32 {
    const i = this.lowerBound(key, keyLen);
    if (i < this.entries.length) {
      const k = this.entries[i].key;
      if (compareBytes(k.dataStart, <u32>k.length, key, keyLen) == 0) return i;
    }
    return -1;
  }

  /** The value of the key, or null. */
  get(key: usize, keyLen: u32): Uint8Array | null {
    const i = this.find(key, keyLen);
    return i < 0 ? null : this.entries[i].value;
  }

  /** Sets the key to `value` (both kept, not copied); returns the value it had, or null. */
  set(key: Uint8Array, value: Uint8Array): Uint8Array | null {
    const i = this.lowerBound(key.dataStart, <u32>key.length);
    if (i < this.entries.length) {
      const e = this.entries[i];
      if (compareBytes(e.key.dataStart, <u32>e.key.length, key.dataStart, <u32>key.length) == 0) {
        const before = e.value;
        this.bytes += <u64>value.length - <u64>before.length;
        e.value = value;
        return before;
      }
    }
    const entries = this.entries;
    const entry = new Entry(key, value);
    entries.push(entry);
    // Move the entries after i up by one in one copy (as Array#unshift does), then put it at i.
    const base = entries.dataStart;
    const size = <usize>sizeof<usize>();
    memory.copy(base + (<usize>i + 1) * size, base + <usize>i * size, <usize>(entries.length - 1 - i) * size);
    entries[i] = entry;
    this.bytes += entrySize(<u32>key.length, <u32>value.length);
    return null;
  }

  /** Removes the key; returns the value it had, or null if it was absent. */
  remove(key: usize, keyLen: u32): Uint8Array | null {
    const i = this.find(key, keyLen);
    if (i < 0) return null;
    const entries = this.entries;
    const e = entries[i];
    const base = entries.dataStart;
    const size = <usize>sizeof<usize>();
    memory.copy(base + <usize>i * size, base + (<usize>i + 1) * size, <usize>(entries.length - 1 - i) * size);
    entries.pop();
    this.bytes -= entrySize(<u32>e.key.length, <u32>e.value.length);
    return e.value;
  }

  /** Puts back the changes `undo` recorded, newest first. */
  rollback(undo: Undo[]): void {
    for (let i = undo.length - 1; i >= 0; i--) {
      const u = undo[i];
      const before = u.before;
      if (before === null) this.remove(u.key.dataStart, <u32>u.key.length);
      else this.set(u.key, before);
    }
  }
}
