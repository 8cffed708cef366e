// The on-disk format: the layout, superblocks, region headers, frames and entries, and what each refuses.

import { crc32c } from "@tessera/block/assembly/crc32c";
import {
  emitEntry,
  ENTRY_DELETE,
  ENTRY_HEADER_SIZE,
  ENTRY_PUT,
  EntryReader,
  entrySize,
  frameCrc,
  frameIntact,
  frameLength,
  frameSealed,
  FRAME_HEADER_SIZE,
  sealFrame,
} from "@tessera/block/assembly/format/frame";
import { Layout } from "@tessera/block/assembly/format/layout";
import { RegionHeader } from "@tessera/block/assembly/format/region-header";
import { Superblock, SuperblockState, SUPERBLOCK_SIZE } from "@tessera/block/assembly/format/superblock";
import { MAX_BATCH_BYTES, MAX_KEY_SIZE } from "@tessera/block/assembly/limits";
import { expect, runTests, test } from "@tessera/test/assembly";

test("the layout: two superblocks, two equal regions of two headers and a log", () => {
  const l = Layout.of(512, 512 * 20)!;
  expect(l.regionBlocks, 9);
  expect(l.superblock(1), 512);
  expect(l.header(0, 0), 2 * 512);
  expect(l.header(0, 1), 3 * 512);
  expect(l.logStart(0), 4 * 512);
  expect(l.logEnd(0), 11 * 512);
  expect(l.header(1, 0), 11 * 512);
  expect(l.logStart(1), 13 * 512);
  expect(l.logEnd(1), 20 * 512);
  expect(l.logBytes, 7 * 512);
  expect(l.padded(1), 512);
  expect(l.padded(512), 512);
  expect(l.padded(513), 1024);
  // An odd block left over stays unused.
  expect(Layout.of(512, 512 * 21)!.logEnd(1), 20 * 512);
  expect(Layout.of(512, 512 * 10) !== null, true);
  expect(Layout.of(512, 512 * 9) === null, true);
  expect(Layout.of(4096, 4096) === null, true);
});

test("a superblock round-trips, and a flipped byte or another magic is told apart from zeros", () => {
  const block = new Uint8Array(SUPERBLOCK_SIZE);
  const p = block.dataStart;
  expect(Superblock.check(p), SuperblockState.Blank);
  new Superblock(1, 4096, 1 << 30, 12345, 0xabcdef).emit(p);
  expect(Superblock.check(p), SuperblockState.Valid);
  const s = Superblock.parse(p);
  expect(s.version, 1);
  expect(s.blockSize, 4096);
  expect(s.capacity, 1 << 30);
  expect(s.regionBlocks, 12345);
  expect(s.salt, 0xabcdef);
  for (let i: u32 = 4; i < SUPERBLOCK_SIZE; i++) {
    block[i] = block[i] ^ 0x20;
    expect(Superblock.check(p), SuperblockState.Damaged, "byte " + i.toString());
    block[i] = block[i] ^ 0x20;
  }
  block[0] = block[0] ^ 1;
  expect(Superblock.check(p), SuperblockState.Foreign);
});

test("a region header round-trips; another region's, another store's or a damaged one is not taken", () => {
  const block = new Uint8Array(64);
  const p = block.dataStart;
  const h = new RegionHeader(7, 1000, 1, 0x5a17, 4096);
  const seed = h.emit(p);
  expect(seed, h.seed);
  expect(seed, crc32c(0, p + 8, 56));
  const back = RegionHeader.parse(p, 1, 0x5a17)!;
  expect(back.generation, 7);
  expect(back.firstSequence, 1000);
  expect(back.compactedBytes, 4096);
  expect(RegionHeader.parse(p, 0, 0x5a17) === null, true, "another region's");
  expect(RegionHeader.parse(p, 1, 0x5a18) === null, true, "another store's");
  block[20] = block[20] ^ 1;
  expect(RegionHeader.parse(p, 1, 0x5a17) === null, true, "damaged");
  block[20] = block[20] ^ 1;
  new RegionHeader(0, 1, 1, 0x5a17, 0).emit(p);
  expect(RegionHeader.parse(p, 1, 0x5a17) === null, true, "generation 0");
  expect(RegionHeader.parse(new Uint8Array(64).dataStart, 0, 0) === null, true, "zeros");
});

function key(s: string): Uint8Array {
  return Uint8Array.wrap(String.UTF8.encode(s));
}

// A frame of a put a=hello and a delete of bb.
function sampleFrame(buffer: Uint8Array, sequence: u64, prev: u32, salt: u32): u32 {
  const p = buffer.dataStart;
  const a = key("a");
  const v = key("hello");
  const bb = key("bb");
  let at = emitEntry(p + FRAME_HEADER_SIZE, ENTRY_PUT, a.dataStart, 1, v.dataStart, 5);
  at = emitEntry(at, ENTRY_DELETE, bb.dataStart, 2, 0, 0);
  const length = <u32>(at - p);
  expect(length, FRAME_HEADER_SIZE + entrySize(1, 5) + entrySize(2, 0));
  sealFrame(p, length, 2, sequence, prev, salt);
  return length;
}

test("a frame seals, reads back entry by entry, and checks its sequence, chain and salt", () => {
  const buffer = new Uint8Array(512);
  const p = buffer.dataStart;
  const length = sampleFrame(buffer, 42, 0x1111, 0x5a17);
  expect(frameLength(p, 512), length);
  expect(frameLength(p, length), length);
  expect(frameLength(p, length - 1), 0, "longer than the room left");
  expect(frameIntact(p, length, 42, 0x1111, 0x5a17), true);
  expect(frameIntact(p, length, 43, 0x1111, 0x5a17), false, "another sequence");
  expect(frameIntact(p, length, 42, 0x1112, 0x5a17), false, "another chain");
  expect(frameIntact(p, length, 42, 0x1111, 0x5a18), false, "another store");
  expect(frameCrc(p), crc32c(0x5a17, p + 8, length - 8));
  const r = new EntryReader(p);
  expect(r.next(), true);
  expect(r.kind, ENTRY_PUT);
  expect(String.UTF8.decodeUnsafe(r.key, r.keyLen), "a");
  expect(String.UTF8.decodeUnsafe(r.value, r.valueLen), "hello");
  expect(r.next(), true);
  expect(r.kind, ENTRY_DELETE);
  expect(r.keyLen, 2);
  expect(r.valueLen, 0);
  expect(r.next(), false);
  expect(r.malformed, false);
  for (let i: u32 = 4; i < length; i++) {
    buffer[i] = buffer[i] ^ 0x80;
    expect(frameSealed(p, length, 0x5a17), false, "byte " + i.toString() + " flipped");
    buffer[i] = buffer[i] ^ 0x80;
  }
  store<u32>(p, MAX_BATCH_BYTES + FRAME_HEADER_SIZE + 1, 20);
  expect(frameLength(p, u64.MAX_VALUE), 0, "longer than any batch");
  buffer[0] = 0;
  expect(frameLength(p, 512), 0, "no magic");
});

test("an entry reader stops at anything that breaks the format, whatever the checksum says", () => {
  const buffer = new Uint8Array(512);
  const p = buffer.dataStart;
  const salt: u32 = 9;
  // each case: (byte offset in the frame, new value) turning a good frame bad
  const offsets: u32[] = [
    FRAME_HEADER_SIZE,
    FRAME_HEADER_SIZE + 2,
    FRAME_HEADER_SIZE + 4,
    FRAME_HEADER_SIZE + 14 + 4,
    24,
    24,
  ];
  const values: u8[] = [7, 200, 9, 1, 3, 1];
  for (let i = 0; i < offsets.length; i++) {
    const length = sampleFrame(buffer, 1, 0, salt);
    buffer[offsets[i]] = values[i];
    // reseal, as a bug or a checksum collision would leave it
    sealFrame(p, length, load<u32>(p, 24), 1, 0, salt);
    const r = new EntryReader(p);
    while (r.next()) {}
    expect(r.malformed, true, "case " + i.toString());
  }
  // A key over the limit is refused too.
  const length = FRAME_HEADER_SIZE + ENTRY_HEADER_SIZE + MAX_KEY_SIZE + 1;
  const big = new Uint8Array(length);
  store<u8>(big.dataStart + FRAME_HEADER_SIZE, ENTRY_PUT);
  store<u16>(big.dataStart + FRAME_HEADER_SIZE + 2, <u16>(MAX_KEY_SIZE + 1));
  sealFrame(big.dataStart, length, 1, 1, 0, salt);
  const r = new EntryReader(big.dataStart);
  expect(r.next(), false);
  expect(r.malformed, true);
});

export function _start(): void {
  runTests();
}
