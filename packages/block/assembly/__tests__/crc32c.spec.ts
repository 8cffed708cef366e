// CRC-32C: the check value, RFC 3720's test vectors, and chaining.

import { crc32c } from "@tessera/block/assembly/crc32c";
import { Random } from "@tessera/block/assembly/testing/random";
import { expect, runTests, test } from "@tessera/test/assembly";

function bytesOf(s: string): Uint8Array {
  return Uint8Array.wrap(String.UTF8.encode(s));
}

// Bit at a time, straight from the definition: the table-driven one must agree.
function reference(ptr: usize, len: usize): u32 {
  let c: u32 = 0xffffffff;
  for (let i: usize = 0; i < len; i++) {
    c ^= load<u8>(ptr + i);
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >> 1) ^ 0x82f63b78 : c >> 1;
  }
  return ~c;
}

test("the check value: CRC-32C of 123456789 is e3069283", () => {
  const b = bytesOf("123456789");
  expect(crc32c(0, b.dataStart, b.length), 0xe3069283);
});

test("RFC 3720 B.4: 32 zeros, 32 0xff, 0..31 and 31..0", () => {
  const b = new Uint8Array(32);
  expect(crc32c(0, b.dataStart, 32), 0x8a9136aa);
  b.fill(0xff);
  expect(crc32c(0, b.dataStart, 32), 0x62a8ab43);
  for (let i = 0; i < 32; i++) b[i] = <u8>i;
  expect(crc32c(0, b.dataStart, 32), 0x46dd794e);
  for (let i = 0; i < 32; i++) b[i] = <u8>(31 - i);
  expect(crc32c(0, b.dataStart, 32), 0x113fdb5c);
});

test("the empty string's CRC is 0, and continuing from it changes nothing", () => {
  const b = bytesOf("x");
  expect(crc32c(0, b.dataStart, 0), 0);
  expect(crc32c(crc32c(0, b.dataStart, 0), b.dataStart, 1), crc32c(0, b.dataStart, 1));
});

test("matches a bit-at-a-time reference, and chains: crc(a ++ b) = crc(crc(a), b)", () => {
  const random = new Random(0xc4c32);
  const buffer = new Uint8Array(4096);
  for (let round = 0; round < 200; round++) {
    const len = random.below(4096);
    random.fill(buffer.dataStart, len);
    const whole = crc32c(0, buffer.dataStart, len);
    expect(whole, reference(buffer.dataStart, len), "length " + len.toString());
    const cut = len ? random.below(len) : 0;
    expect(crc32c(crc32c(0, buffer.dataStart, cut), buffer.dataStart + cut, len - cut), whole);
  }
});

test("any one flipped bit changes the CRC", () => {
  const random = new Random(7);
  const buffer = new Uint8Array(512);
  random.fill(buffer.dataStart, 512);
  const good = crc32c(0, buffer.dataStart, 512);
  for (let bit = 0; bit < 512 * 8; bit++) {
    buffer[bit >> 3] = buffer[bit >> 3] ^ (<u8>((<i32>1) << (bit & 7)));
    if (crc32c(0, buffer.dataStart, 512) == good) expect(bit, -1, "a flip the CRC missed");
    buffer[bit >> 3] = buffer[bit >> 3] ^ (<u8>((<i32>1) << (bit & 7)));
  }
});

export function _start(): void {
  runTests();
}
