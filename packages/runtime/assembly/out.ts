// The output buffer: text is encoded as UTF-8 into one static buffer, without
// allocating, and written to the console when it fills or when a caller
// flushes; a panic message is collected in the same buffer.

import { console_write } from "@tessera/abi/assembly";

/** Size of the output buffer, and so the longest panic message. */
export const OUT_SIZE: u32 = 512;

const buffer = memory.data(OUT_SIZE);
let used: u32 = 0;
let collecting = false;

/** Writes the buffered bytes to the console and empties the buffer. */
export function flush(): void {
  if (used) console_write(buffer, used);
  used = 0;
}

/**
 * Flushes pending console output, then collects what follows for a panic
 * message (truncated to OUT_SIZE bytes) instead of writing it to the console.
 */
export function collect(): void {
  flush();
  collecting = true;
}

/** Start and length of what was collected since `collect()`. */
export function collected(): usize {
  return buffer;
}

/** Number of bytes collected since `collect()`. */
export function collectedLength(): u32 {
  return used;
}

/** Appends one byte. */
export function putByte(b: u32): void {
  if (used == OUT_SIZE) {
    if (collecting) return;
    flush();
  }
  store<u8>(buffer + used++, b);
}

/** Appends raw bytes (already UTF-8) to the console buffer. */
export function putBytes(ptr: usize, len: usize): void {
  for (let i: usize = 0; i < len; i++) putByte(load<u8>(ptr + i));
}

/** Appends a string, encoded as UTF-8 (lone surrogates become U+FFFD). */
export function putString(s: string): void {
  const p = changetype<usize>(s);
  const n = <usize>s.length;
  for (let i: usize = 0; i < n; i++) {
    let c = <u32>load<u16>(p + (i << 1));
    if (c < 0x80) {
      putByte(c);
      continue;
    }
    if (c >= 0xd800 && c < 0xe000) {
      let lo: u32 = i + 1 < n ? <u32>load<u16>(p + ((i + 1) << 1)) : 0;
      if (c < 0xdc00 && lo >= 0xdc00 && lo < 0xe000) {
        c = 0x10000 + ((c - 0xd800) << 10) + (lo - 0xdc00);
        i++;
      } else {
        c = 0xfffd;
      }
    }
    if (c < 0x800) {
      putByte(0xc0 | (c >> 6));
    } else {
      if (c < 0x10000) {
        putByte(0xe0 | (c >> 12));
      } else {
        putByte(0xf0 | (c >> 18));
        putByte(0x80 | ((c >> 12) & 0x3f));
      }
      putByte(0x80 | ((c >> 6) & 0x3f));
    }
    putByte(0x80 | (c & 0x3f));
  }
}

/** Appends an unsigned integer in decimal, left-padded with zeros to `width` digits. */
export function putUint(v: u64, width: i32 = 1): void {
  const digits = memory.data(20);
  let n = 0;
  do {
    store<u8>(digits + n++, <u32>(v % 10) + 0x30);
    v /= 10;
  } while (v);
  while (n < width) store<u8>(digits + n++, 0x30);
  while (n) putByte(load<u8>(digits + --n));
}

/** Appends a signed integer in decimal. */
export function putInt(v: i64): void {
  if (v < 0) {
    putByte(0x2d);
    putUint(<u64>-v);
  } else {
    putUint(<u64>v);
  }
}
