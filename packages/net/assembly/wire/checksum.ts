// The Internet checksum (RFC 1071): a ones'-complement sum of 16-bit words,
// with the IPv4 pseudo-header that UDP and TCP include.

/**
 * Adds `len` bytes at `ptr` to a running 32-bit sum (not yet folded); safe
 * for up to 64 KiB at a time.
 *
 * The bytes are summed 64 bits at a time in the machine's (little-endian)
 * byte order and byte-swapped once at the end: the ones'-complement sum is
 * independent of byte order (RFC 1071 §2(B)), and summing 32-bit halves into
 * a 64-bit accumulator needs no carry handling (it cannot overflow for any
 * length below 2^32). What is added to `sum` is the folded 16-bit sum, which
 * `finish` turns into the same checksum as the sum of the words would.
 */
export function sumBytes(sum: u32, ptr: usize, len: u32): u32 {
  let acc: u64 = 0;
  let p = ptr;
  let left = len;
  while (left >= 32) {
    const a = load<u64>(p);
    const b = load<u64>(p, 8);
    const c = load<u64>(p, 16);
    const d = load<u64>(p, 24);
    acc +=
      (a & 0xffffffff) +
      (a >> 32) +
      (b & 0xffffffff) +
      (b >> 32) +
      (c & 0xffffffff) +
      (c >> 32) +
      (d & 0xffffffff) +
      (d >> 32);
    p += 32;
    left -= 32;
  }
  while (left >= 8) {
    const a = load<u64>(p);
    acc += (a & 0xffffffff) + (a >> 32);
    p += 8;
    left -= 8;
  }
  if (left >= 4) {
    acc += <u64>load<u32>(p);
    p += 4;
    left -= 4;
  }
  if (left >= 2) {
    acc += <u64>load<u16>(p);
    p += 2;
    left -= 2;
  }
  // A last odd byte is the high byte of a word in network order: the low one in ours.
  if (left != 0) acc += <u64>load<u8>(p);
  acc = (acc & 0xffffffff) + (acc >> 32);
  let s = <u32>((acc & 0xffffffff) + (acc >> 32));
  s = (s & 0xffff) + (s >> 16);
  s = (s & 0xffff) + (s >> 16);
  return sum + (((s & 0xff) << 8) | (s >> 8));
}

/** Folds a running sum into 16 bits and complements it: the checksum to store. */
export function finish(sum: u32): u32 {
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return ~sum & 0xffff;
}

/** The checksum of `len` bytes at `ptr`; 0 when the bytes hold a correct checksum. */
export function checksum(ptr: usize, len: u32): u32 {
  return finish(sumBytes(0, ptr, len));
}

/** The running sum of the IPv4 pseudo-header: source, destination, protocol, length. */
export function pseudoHeaderSum(src: u32, dst: u32, protocol: u32, length: u32): u32 {
  return (src >> 16) + (src & 0xffff) + (dst >> 16) + (dst & 0xffff) + protocol + length;
}
