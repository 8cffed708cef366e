// The KV log's frame decoder (packages/block/assembly/format/frame.ts) and the table a replay fills
// (table.ts), as recover.ts's replayLog uses them.
//
// The input is a frame, header included. Its magic, length (the input's length) and crc are written over the
// input's first bytes, so the decoder is reached with the rest as the fuzzer made it: sequence, prev, entry count
// and entries. The frame must then be found and intact; each entry must lie inside the frame and within the
// limits; and a frame whose entries all read applies to a table that stays in key order with its byte count right.

import {
  ENTRY_DELETE,
  ENTRY_HEADER_SIZE,
  ENTRY_PUT,
  EntryReader,
  FRAME_HEADER_SIZE,
  FRAME_MAGIC,
  frameIntact,
  frameLength,
  frameSequence,
} from "@tessera/block/assembly/format/frame";
import { crc32c } from "@tessera/block/assembly/crc32c";
import { MAX_KEY_SIZE, MAX_VALUE_SIZE } from "@tessera/block/assembly/limits";
import { compareBytes, copyBytes, Table } from "@tessera/block/assembly/table";
import { check } from "./common";

export { area, areaLength, input } from "./common";

const SALT: u32 = 0x5a17;

export function fuzz(ptr: usize, len: u32): void {
  if (len < FRAME_HEADER_SIZE) return;
  store<u32>(ptr, FRAME_MAGIC);
  store<u32>(ptr, len, 20);
  store<u32>(ptr, crc32c(SALT, ptr + 8, len - 8), 4);
  const sequence = frameSequence(ptr);
  const prev = load<u32>(ptr, 16);
  const count = load<u32>(ptr, 24);
  check(frameLength(ptr, len) == len || len - FRAME_HEADER_SIZE > 4 << 20, "the frame is found");
  check(frameLength(ptr, len - 1) == 0, "a frame longer than the room is not");
  check(frameIntact(ptr, len, sequence, prev, SALT), "the sealed frame is intact");
  check(!frameIntact(ptr, len, sequence + 1, prev, SALT), "another sequence number is not");

  const end = ptr + len;
  const reader = new EntryReader(ptr);
  let entries: u32 = 0;
  while (reader.next()) {
    entries++;
    check(reader.kind == ENTRY_PUT || reader.kind == ENTRY_DELETE, "a known kind");
    check(reader.keyLen <= MAX_KEY_SIZE && reader.valueLen <= MAX_VALUE_SIZE, "sizes within the limits");
    check(reader.kind == ENTRY_PUT || reader.valueLen == 0, "a delete has no value");
    check(reader.key >= ptr + FRAME_HEADER_SIZE + ENTRY_HEADER_SIZE && reader.key + reader.keyLen <= end, "key inside");
    check(reader.value == reader.key + reader.keyLen && reader.value + reader.valueLen <= end, "value inside");
  }
  check(entries <= count, "no more entries than the count");
  if (reader.malformed) return;
  check(entries == count, "a frame that reads whole has count entries");

  const table = new Table();
  const apply = new EntryReader(ptr);
  while (apply.next()) {
    if (apply.kind == ENTRY_PUT) table.set(copyBytes(apply.key, apply.keyLen), copyBytes(apply.value, apply.valueLen));
    else table.remove(apply.key, apply.keyLen);
  }
  let bytes: u64 = 0;
  for (let i = 0; i < table.size; i++) {
    const e = table.at(i);
    bytes += ENTRY_HEADER_SIZE + <u64>e.key.length + <u64>e.value.length;
    if (i > 0) {
      const p = table.at(i - 1);
      check(compareBytes(p.key.dataStart, p.key.length, e.key.dataStart, e.key.length) < 0, "keys in order, once");
    }
    const found = table.get(e.key.dataStart, e.key.length);
    check(found !== null && found.length == e.value.length, "every key is found");
  }
  check(bytes == table.liveBytes, "liveBytes adds up");
  check(<u32>table.size <= entries, "no more keys than entries");
}

export function _start(): void {}
