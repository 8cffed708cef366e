// Network byte order: big-endian loads and stores at byte offsets, for the
// wire formats. Unaligned access is fine in wasm.

/** Reads a big-endian u16 at `ptr`. */
export function load16(ptr: usize): u32 {
  return <u32>bswap<u16>(load<u16>(ptr));
}

/** Writes `v` as a big-endian u16 at `ptr`. */
export function store16(ptr: usize, v: u32): void {
  store<u16>(ptr, bswap<u16>(<u16>v));
}

/** Reads a big-endian u32 at `ptr`. */
export function load32(ptr: usize): u32 {
  return bswap<u32>(load<u32>(ptr));
}

/** Writes `v` as a big-endian u32 at `ptr`. */
export function store32(ptr: usize, v: u32): void {
  store<u32>(ptr, bswap<u32>(v));
}

/** Reads a 48-bit MAC address at `ptr` into the low bits of a u64 (first byte highest). */
export function loadMac(ptr: usize): u64 {
  return ((<u64>load32(ptr)) << 16) | (<u64>load16(ptr + 4));
}

/** Writes the 48-bit MAC address in the low bits of `mac` at `ptr`. */
export function storeMac(ptr: usize, mac: u64): void {
  store32(ptr, <u32>(mac >> 16));
  store16(ptr + 4, (<u32>mac) & 0xffff);
}
