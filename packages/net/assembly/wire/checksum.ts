// The Internet checksum (RFC 1071): a ones'-complement sum of 16-bit words,
// with the IPv4 pseudo-header that UDP and TCP include.

/** Adds `len` bytes at `ptr` to a running 32-bit sum (not yet folded); safe for up to 64 KiB at a time. */
export function sumBytes(sum: u32, ptr: usize, len: u32): u32 {
  let i: u32 = 0;
  for (; i + 1 < len; i += 2) sum += <u32>bswap<u16>(load<u16>(ptr + i));
  if (i < len) sum += (<u32>load<u8>(ptr + i)) << 8;
  return sum;
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
