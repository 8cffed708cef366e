// The Internet checksum: the word-at-a-time sum against a plain 16-bit reference.

import { checksum, finish, pseudoHeaderSum, sumBytes } from "@tessera/net/assembly/wire/checksum";
import { expect, runTests, test } from "@tessera/test/assembly";

// xorshift32, seeded: a failure can be replayed.
let state: u32 = 0x5eed1071;
function rand(): u32 {
  state ^= state << 13;
  state ^= state >> 17;
  state ^= state << 5;
  return state;
}

// RFC 1071 as written: big-endian 16-bit words, an odd last byte padded with zero, folded at the end.
function reference(initial: u32, ptr: usize, len: u32): u32 {
  let sum: u64 = initial;
  let i: u32 = 0;
  for (; i + 1 < len; i += 2) sum += ((<u64>load<u8>(ptr + i)) << 8) | (<u64>load<u8>(ptr + i + 1));
  if (i < len) sum += (<u64>load<u8>(ptr + i)) << 8;
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return <u32>(~sum & 0xffff);
}

const SIZE = 70000;
const buffer = new StaticArray<u8>(SIZE);
const base = changetype<usize>(buffer);

test("matches RFC 1071's example", () => {
  // §3: 00 01 f2 03 f4 f5 f6 f7 sums to ddf2.
  const bytes: u8[] = [0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7];
  expect(finish(sumBytes(0, bytes.dataStart, 8)), ~0xddf2 & 0xffff);
  expect(checksum(bytes.dataStart, 0), 0xffff);
});

test("matches a 16-bit reference over random lengths, alignments and contents", () => {
  for (let round = 0; round < 3000; round++) {
    const start = rand() % 64; // odd start addresses too
    // mostly short (headers, odd tails), some long (full frames, up to 64 KiB)
    const len = round % 10 == 0 ? rand() % 65536 : rand() % 1600;
    // all 0x00, all 0xff and random bytes: the sums at the edges of folding
    const kind = rand() % 5;
    for (let i: u32 = 0; i < len; i++) store<u8>(base + start + i, kind == 0 ? 0 : kind == 1 ? 0xff : <u8>rand());
    const initial = rand() % 4 == 0 ? 0 : pseudoHeaderSum(rand(), rand(), 6, len);
    const got = finish(sumBytes(initial, base + start, len));
    const want = reference(initial, base + start, len);
    if (got != want) expect(got, want, "len " + len.toString() + " at offset " + start.toString());
  }
});

test("a buffer holding its own checksum sums to zero", () => {
  for (let round = 0; round < 500; round++) {
    const start = rand() % 16;
    const len = (rand() % 1500) & ~1; // the checksum field sits on a word boundary
    if (len < 2) continue;
    for (let i: u32 = 0; i < len; i++) store<u8>(base + start + i, <u8>rand());
    store<u8>(base + start, 0);
    store<u8>(base + start + 1, 0);
    const sum = checksum(base + start, len);
    store<u8>(base + start, <u8>(sum >> 8));
    store<u8>(base + start + 1, <u8>sum);
    expect(checksum(base + start, len), 0);
  }
});

export function _start(): void {
  runTests();
}
