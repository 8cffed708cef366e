// A bounds-checked cursor over wasm bytes: bytes, LEB128 integers, names.
import { ImageError } from "./errors.js";

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** Reads wasm primitives from `bytes[pos..end)`, throwing ImageError instead of reading past `end`. */
export class Reader {
  /** Current offset into `bytes`. */
  pos: number;

  /** A reader over `bytes[start..end)`; `what` names the region in error messages. */
  constructor(
    readonly bytes: Uint8Array,
    start = 0,
    readonly end = bytes.length,
    readonly what = "module",
  ) {
    this.pos = start;
  }

  /** True when every byte of the region has been read. */
  get done(): boolean {
    return this.pos >= this.end;
  }

  /** Throw an ImageError about this region at the current offset. */
  fail(message: string): never {
    throw new ImageError(`${message} (${this.what}, at byte ${this.pos})`);
  }

  /** One byte. */
  u8(): number {
    if (this.pos >= this.end) this.fail("unexpected end");
    return this.bytes[this.pos++];
  }

  /** `n` bytes, as a view (no copy). */
  take(n: number): Uint8Array {
    if (n > this.end - this.pos) this.fail(`${n} bytes claimed but only ${this.end - this.pos} left`);
    const out = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  /** An unsigned LEB128 integer of at most 32 bits. */
  u32(): number {
    let result = 0;
    for (let i = 0; i < 5; i++) {
      const b = this.u8();
      if (i === 4 && b > 0x0f) this.fail("bad LEB128 (u32 out of range)");
      result += (b & 0x7f) * 2 ** (7 * i);
      if ((b & 0x80) === 0) return result;
    }
    return this.fail("bad LEB128 (too long)");
  }

  /** Skip a signed LEB128 integer of at most `bits` bits. */
  skipSigned(bits: number): void {
    const max = Math.ceil(bits / 7);
    for (let i = 0; i < max; i++) if ((this.u8() & 0x80) === 0) return;
    this.fail("bad LEB128 (too long)");
  }

  /** A signed LEB128 integer of at most 32 bits (an `i32.const`). */
  s32(): number {
    let result = 0;
    for (let i = 0; i < 5; i++) {
      const b = this.u8();
      result |= (b & 0x7f) << (7 * i);
      if ((b & 0x80) === 0) return i < 4 && b & 0x40 ? result | (-1 << (7 * (i + 1))) : result;
    }
    return this.fail("bad LEB128 (too long)");
  }

  /** A wasm name: a u32 length and UTF-8 bytes. */
  name(): string {
    const bytes = this.take(this.u32());
    try {
      return utf8.decode(bytes);
    } catch {
      return this.fail("name is not valid UTF-8");
    }
  }
}
