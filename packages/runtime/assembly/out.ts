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

/** Appends a string, encoded as UTF-8 (a lone surrogate is encoded as itself, WTF-8 style). */
export function putString(s: string): void {
  putUtf16(changetype<usize>(s), (<usize>s.length) << 1);
}

/**
 * Appends `size` bytes of UTF-16 text at `ptr`, encoded as UTF-8. Takes no
 * managed reference, so the runtime's abort handler can use it.
 */
export function putUtf16(ptr: usize, size: usize): void {
  const end = ptr + size;
  for (let p = ptr; p < end; p += 2) {
    let c = <u32>load<u16>(p);
    if (c < 0x80) {
      putByte(c);
      continue;
    }
    let more: u32 = 1; // continuation bytes after the lead byte
    if (c >= 0x800) {
      more = 2;
      const lo = <u32>load<u16>(p, 2); // past the end only where it cannot be used
      if ((c & 0xfc00) == 0xd800 && (lo & 0xfc00) == 0xdc00 && p + 2 < end) {
        c = 0x10000 + ((c & 0x3ff) << 10) + (lo & 0x3ff);
        more = 3;
        p += 2;
      }
    }
    putByte(((0xff00 >> (more + 1)) & 0xff) | (c >> (6 * more))); // lead: 110xxxxx, 1110xxxx or 11110xxx
    while (more) putByte(0x80 | ((c >> (6 * --more)) & 0x3f));
  }
}

/**
 * Appends an ASCII string: each UTF-16 unit's low byte, so only text in
 * U+0000..U+007F comes out right. Smaller than `putString`; for literals.
 */
export function putAscii(s: string): void {
  const end = changetype<usize>(s) + ((<usize>s.length) << 1);
  for (let p = changetype<usize>(s); p < end; p += 2) putByte(load<u8>(p));
}

/** Appends an unsigned integer in decimal, left-padded with zeros to `width` digits. */
export function putUint(v: u64, width: i32 = 1): void {
  const digits = memory.data(20);
  let n = 0;
  do {
    store<u8>(digits + n++, <u32>(v % 10) + 0x30);
    v /= 10;
  } while (v || n < width);
  while (n) putByte(load<u8>(digits + --n));
}

/** Appends a small unsigned integer in decimal, left-padded with zeros to `width` digits. */
export function putU32(v: u32, width: i32 = 1): void {
  const digits = memory.data(10);
  let n = 0;
  do {
    store<u8>(digits + n++, (v % 10) + 0x30);
    v /= 10;
  } while (v || n < width);
  while (n) putByte(load<u8>(digits + --n));
}

/** Appends a signed integer in decimal. */
export function putInt(v: i64): void {
  if (v < 0) {
    putByte(0x2d);
    v = -v;
  }
  putUint(<u64>v);
}
