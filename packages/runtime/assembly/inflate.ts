// DEFLATE decompression (RFC 1951), small rather than fast: for the embedded
// files that the build stores compressed. Canonical Huffman codes are decoded
// a bit at a time by counting codes per length, as in Mark Adler's `puff`:
// no lookup tables to build beyond the counts and the sorted symbols.

// The tables are functions, not globals: a global's data is in every image that imports this file (through
// @tessera/http's main entry, every image that serves HTTP), a function's only in those that call it.

// Bases and extra bits of the length codes 257..285 and the distance codes 0..29.
function lengthBase(): usize {
  return memory.data<u16>([
    3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258,
  ]);
}
function lengthExtra(): usize {
  return memory.data<u8>([0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0]);
}
function distBase(): usize {
  return memory.data<u16>([
    1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145,
    8193, 12289, 16385, 24577,
  ]);
}
function distExtra(): usize {
  return memory.data<u8>([
    0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13,
  ]);
}
// The order in which a dynamic block gives the code lengths of the code-length code.
function clOrder(): usize {
  return memory.data<u8>([16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]);
}

// A Huffman code: counts of codes per length (16 u16) then symbols by code (288 u16).
const CODE_SIZE: usize = (16 + 288) * 2;

/** Decompresses raw DEFLATE data; see `inflate`. */
class Inflater {
  private bit: u32 = 0; // bits not yet used of `held`
  private held: u32 = 0;
  private at: usize;
  private out: usize;
  // Two codes (literal/length, distance) and the code lengths of a dynamic block.
  private readonly lit: usize = heap.alloc(CODE_SIZE);
  private readonly dist: usize = heap.alloc(CODE_SIZE);
  // Code lengths (up to 286 + 30), then 16 u16 offsets used while building a code.
  private readonly lengths: usize = heap.alloc(352);
  failed: bool = false;

  constructor(
    private readonly src: usize,
    private readonly srcEnd: usize,
    private readonly dst: usize,
    private readonly dstEnd: usize,
  ) {
    this.at = src;
    this.out = dst;
  }

  free(): void {
    heap.free(this.lit);
    heap.free(this.dist);
    heap.free(this.lengths);
  }

  // `n` (0..16) bits, least significant first; past the end of the input it fails and reads zeros.
  private bits(n: u32): u32 {
    while (this.bit < n) {
      if (this.at >= this.srcEnd) {
        this.failed = true;
        return 0;
      }
      this.held |= (<u32>load<u8>(this.at++)) << this.bit;
      this.bit += 8;
    }
    const v = this.held & ((1 << n) - 1);
    this.held >>>= n;
    this.bit -= n;
    return v;
  }

  // Builds the canonical code of `n` lengths at `lengths` into `code`; false if it is over-subscribed.
  private build(code: usize, lengths: usize, n: u32): bool {
    memory.fill(code, 0, 32);
    for (let s: u32 = 0; s < n; s++) {
      const at = code + ((<usize>load<u8>(lengths + s)) << 1);
      store<u16>(at, load<u16>(at) + 1);
    }
    let left: i32 = 1;
    for (let len: usize = 1; len < 16; len++) {
      left = (left << 1) - <i32>load<u16>(code + (len << 1));
      if (left < 0) return false;
    }
    // Offsets of each length's first symbol, then the symbols sorted by length and value.
    const offs = this.lengths + 320;
    store<u16>(offs + 2, 0);
    for (let len: usize = 1; len < 15; len++)
      store<u16>(offs + ((len + 1) << 1), load<u16>(offs + (len << 1)) + load<u16>(code + (len << 1)));
    for (let s: u32 = 0; s < n; s++) {
      const len = <usize>load<u8>(lengths + s);
      if (len == 0) continue;
      const o = load<u16>(offs + (len << 1));
      store<u16>(offs + (len << 1), o + 1);
      store<u16>(code + 32 + ((<usize>o) << 1), <u16>s);
    }
    return true;
  }

  // The next symbol of `code`; -1 if the bits make no code.
  private decode(code: usize): i32 {
    let c: i32 = 0; // the bits so far
    let first: i32 = 0; // the first code of this length
    let index: i32 = 0; // its symbol's index
    for (let len: usize = 1; len < 16; len++) {
      c |= <i32>this.bits(1);
      const count = <i32>load<u16>(code + (len << 1));
      if (c - first < count) return <i32>load<u16>(code + 32 + ((<usize>(index + c - first)) << 1));
      index += count;
      first = (first + count) << 1;
      c <<= 1;
    }
    return -1;
  }

  // A stored block: LEN, NLEN, then LEN bytes.
  private stored(): bool {
    this.held = 0;
    this.bit = 0; // to the byte boundary
    if (this.at + 4 > this.srcEnd) return false;
    const len = <u32>load<u16>(this.at);
    if ((len ^ 0xffff) != <u32>load<u16>(this.at + 2)) return false;
    this.at += 4;
    if (this.at + len > this.srcEnd || this.out + len > this.dstEnd) return false;
    memory.copy(this.out, this.at, len);
    this.at += len;
    this.out += len;
    return true;
  }

  // Literals and matches until the end-of-block symbol.
  private codes(): bool {
    for (;;) {
      const sym = this.decode(this.lit);
      if (sym < 0 || this.failed) return false;
      if (sym < 256) {
        if (this.out >= this.dstEnd) return false;
        store<u8>(this.out++, <u8>sym);
        continue;
      }
      if (sym == 256) return true;
      const l = sym - 257;
      if (l >= 29) return false;
      const len = <u32>load<u16>(lengthBase() + ((<usize>l) << 1)) + this.bits(load<u8>(lengthExtra() + l));
      const d = this.decode(this.dist);
      if (d < 0 || d >= 30) return false;
      const distance = <usize>(load<u16>(distBase() + ((<usize>d) << 1)) + this.bits(load<u8>(distExtra() + d)));
      if (this.failed || distance > this.out - this.dst || this.out + len > this.dstEnd) return false;
      for (let k: u32 = 0; k < len; k++) store<u8>(this.out + k, load<u8>(this.out + k - distance)); // may overlap
      this.out += len;
    }
    return false; // (not reached)
  }

  // The fixed codes of block type 1.
  private fixed(): bool {
    const l = this.lengths;
    memory.fill(l, 8, 144);
    memory.fill(l + 144, 9, 112);
    memory.fill(l + 256, 7, 24);
    memory.fill(l + 280, 8, 8);
    this.build(this.lit, l, 288);
    memory.fill(l, 5, 30);
    this.build(this.dist, l, 30);
    return this.codes();
  }

  // The codes a dynamic block (type 2) describes, then its data.
  private dynamic(): bool {
    const nlen = this.bits(5) + 257;
    const ndist = this.bits(5) + 1;
    const ncode = this.bits(4) + 4;
    if (nlen > 286 || ndist > 30) return false;
    const l = this.lengths;
    memory.fill(l, 0, 19);
    for (let i: u32 = 0; i < ncode; i++) store<u8>(l + load<u8>(clOrder() + i), <u8>this.bits(3));
    if (!this.build(this.lit, l, 19)) return false;
    // The literal/length and distance code lengths, run-length coded with the code-length code.
    for (let i: u32 = 0; i < nlen + ndist;) {
      const sym = this.decode(this.lit);
      if (sym < 0 || this.failed) return false;
      if (sym < 16) {
        store<u8>(l + i++, <u8>sym);
        continue;
      }
      let value: u8 = 0;
      let repeat: u32;
      if (sym == 16) {
        if (i == 0) return false;
        value = load<u8>(l + i - 1);
        repeat = 3 + this.bits(2);
      } else repeat = sym == 17 ? 3 + this.bits(3) : 11 + this.bits(7);
      if (i + repeat > nlen + ndist) return false;
      memory.fill(l + i, value, repeat);
      i += repeat;
    }
    if (load<u8>(l + 256) == 0) return false; // no end-of-block code
    if (!this.build(this.lit, l, nlen)) return false;
    memory.copy(l, l + nlen, ndist);
    if (!this.build(this.dist, l, ndist)) return false;
    return this.codes();
  }

  /** Decompresses every block; the number of bytes written, or -1. */
  run(): i32 {
    let last: u32 = 0;
    while (!last) {
      last = this.bits(1);
      const type = this.bits(2);
      const ok = type == 0 ? this.stored() : type == 1 ? this.fixed() : type == 2 ? this.dynamic() : false;
      if (!ok || this.failed) return -1;
    }
    return <i32>(this.out - this.dst);
  }
}

/**
 * Decompresses the raw DEFLATE stream of `srcLen` bytes at `src` into at
 * most `dstLen` bytes at `dst`. Returns the number of bytes written, or -1
 * if the stream is damaged or does not fit; it never reads or writes outside
 * the two ranges.
 */
export function inflate(src: usize, srcLen: u32, dst: usize, dstLen: u32): i32 {
  const inflater = new Inflater(src, src + srcLen, dst, dst + dstLen);
  const n = inflater.run();
  inflater.free();
  return n;
}
