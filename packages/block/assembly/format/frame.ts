// A frame: one commit in the log (a batch, or a piece of a compaction), checksummed as a whole and chained to the one before.
//
// A frame starts on a block boundary and is padded with zeros to the next one,
// so appending never rewrites a block that holds data already flushed.
//
//    0      4      8          16     20       24      28     32
//   +------+------+----------+------+--------+-------+------+---------------------+
//   |magic | crc  | sequence | prev | length | count | zero | entries ... | pad   |
//   |"TSFR"|      |   u64    | u32  |  u32   |  u32  | u32  |             | zeros |
//   +------+------+----------+------+--------+-------+------+---------------------+
//
//   entry: kind u8 (1 put, 2 delete), zero u8, key length u16, value length u32, key, value
//
// crc is the CRC-32C of bytes 8..length, continued from the store's salt (so
// a frame of another store that was on the device before does not pass).
// sequence counts frames over the store's life; prev is the crc of the frame
// before in the region (the region header's crc for the first). A frame applies whole or not at all: a torn or
// damaged one fails its crc, and the log ends before it.

import { crc32c } from "../crc32c";
import { MAX_BATCH_BYTES, MAX_KEY_SIZE, MAX_VALUE_SIZE } from "../limits";

/** "TSFR" read as a little-endian u32. */
export const FRAME_MAGIC: u32 = 0x52465354;
/** The bytes of a frame's header. */
export const FRAME_HEADER_SIZE: u32 = 32;
/** The bytes of an entry's header, before its key and value. */
export const ENTRY_HEADER_SIZE: u32 = 8;
/** An entry that sets a key to a value. */
export const ENTRY_PUT: u8 = 1;
/** An entry that removes a key. */
export const ENTRY_DELETE: u8 = 2;

/** The bytes an entry takes in a frame. */
export function entrySize(keyLen: u32, valueLen: u32): u32 {
  return ENTRY_HEADER_SIZE + keyLen + valueLen;
}

/** Writes an entry at `ptr`; returns the address just past it. */
export function emitEntry(ptr: usize, kind: u8, key: usize, keyLen: u32, value: usize, valueLen: u32): usize {
  store<u8>(ptr, kind);
  store<u8>(ptr, 0, 1);
  store<u16>(ptr, <u16>keyLen, 2);
  store<u32>(ptr, valueLen, 4);
  memory.copy(ptr + ENTRY_HEADER_SIZE, key, keyLen);
  memory.copy(ptr + ENTRY_HEADER_SIZE + keyLen, value, valueLen);
  return ptr + ENTRY_HEADER_SIZE + keyLen + valueLen;
}

/**
 * Fills in the header of the frame at `ptr` whose `count` entries follow it,
 * `length` bytes in all with the header, for the store with `salt`; returns
 * its crc (the next frame's `prev`).
 */
export function sealFrame(ptr: usize, length: u32, count: u32, sequence: u64, prev: u32, salt: u32): u32 {
  store<u32>(ptr, FRAME_MAGIC);
  store<u64>(ptr, sequence, 8);
  store<u32>(ptr, prev, 16);
  store<u32>(ptr, length, 20);
  store<u32>(ptr, count, 24);
  store<u32>(ptr, 0, 28);
  const crc = crc32c(salt, ptr + 8, length - 8);
  store<u32>(ptr, crc, 4);
  return crc;
}

/**
 * The length of the frame whose first block is at `ptr`, if its header can be
 * one: the magic, and a length from a header to `room` bytes and to a
 * header and `MAX_BATCH_BYTES` (no frame is longer); else 0. Read
 * the whole frame then and check it with `frameIntact`.
 */
export function frameLength(ptr: usize, room: u64): u32 {
  if (load<u32>(ptr) != FRAME_MAGIC) return 0;
  const length = load<u32>(ptr, 20);
  if (length < FRAME_HEADER_SIZE || <u64>length > room || length - FRAME_HEADER_SIZE > MAX_BATCH_BYTES) return 0;
  return length;
}

/** True if the whole frame at `ptr`, `length` bytes, has its crc for the store with `salt`. */
export function frameSealed(ptr: usize, length: u32, salt: u32): bool {
  return load<u32>(ptr, 4) == crc32c(salt, ptr + 8, length - 8);
}

/** True if the frame at `ptr` is sealed and is the frame `sequence` chained to `prev`. */
export function frameIntact(ptr: usize, length: u32, sequence: u64, prev: u32, salt: u32): bool {
  if (load<u64>(ptr, 8) != sequence || load<u32>(ptr, 16) != prev) return false;
  return frameSealed(ptr, length, salt);
}

/** The sequence number in the header of the frame at `ptr`. */
export function frameSequence(ptr: usize): u64 {
  return load<u64>(ptr, 8);
}

/** The crc of the frame at `ptr` (valid once `frameIntact`). */
export function frameCrc(ptr: usize): u32 {
  return load<u32>(ptr, 4);
}

/**
 * Walks the entries of an intact frame, checking each lies inside the frame
 * and within the size limits: `next()` until false, then `malformed` says
 * whether it stopped early on a bad entry rather than at the end.
 */
export class EntryReader {
  /** The current entry's kind: `ENTRY_PUT` or `ENTRY_DELETE`. */
  kind: u8 = 0;
  /** The current entry's key. */
  key: usize = 0;
  /** Its length in bytes. */
  keyLen: u32 = 0;
  /** The current entry's value (a put's). */
  value: usize = 0;
  /** Its length in bytes. */
  valueLen: u32 = 0;
  /** True if an entry broke the format: a checksummed frame should never have one. */
  malformed: bool = false;

  private at: usize;
  private end: usize;
  private left: u32;

  constructor(frame: usize) {
    this.at = frame + FRAME_HEADER_SIZE;
    this.end = frame + load<u32>(frame, 20);
    this.left = load<u32>(frame, 24);
  }

  /** Moves to the next entry; false at the end or at a malformed one. */
  next(): bool {
    if (this.left == 0) {
      this.malformed = this.at != this.end;
      return false;
    }
    const room = this.end - this.at;
    if (room < ENTRY_HEADER_SIZE) return this.bad();
    const kind = load<u8>(this.at);
    const keyLen = <u32>load<u16>(this.at, 2);
    const valueLen = load<u32>(this.at, 4);
    if (kind != ENTRY_PUT && kind != ENTRY_DELETE) return this.bad();
    if (keyLen > MAX_KEY_SIZE || valueLen > MAX_VALUE_SIZE || (kind == ENTRY_DELETE && valueLen != 0))
      return this.bad();
    if (<usize>entrySize(keyLen, valueLen) > room) return this.bad();
    this.kind = kind;
    this.key = this.at + ENTRY_HEADER_SIZE;
    this.keyLen = keyLen;
    this.value = this.key + keyLen;
    this.valueLen = valueLen;
    this.at = this.value + valueLen;
    this.left--;
    return true;
  }

  private bad(): bool {
    this.malformed = true;
    return false;
  }
}
