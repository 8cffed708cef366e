// Test helper: bytes placed at the very end of linear memory, so that reading
// one byte past them traps. Allocating afterwards may grow memory past them.

let endPage: usize = 0;

/** Copies the first `len` bytes of `bytes` (default: all) to the end of linear memory; returns their address. */
export function atMemoryEnd(bytes: u8[], len: i32 = -1): usize {
  const n = len < 0 ? bytes.length : len;
  if (endPage == 0 || (<usize>memory.size()) << 16 != endPage + 0x10000) {
    const before = memory.grow(1);
    assert(before >= 0, "cannot grow memory");
    endPage = (<usize>before) << 16;
  }
  const ptr = endPage + 0x10000 - <usize>n;
  memory.copy(ptr, bytes.dataStart, <usize>n);
  return ptr;
}
