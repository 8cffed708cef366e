/**
 * Merges an image's active data segments that lie close together.
 *
 * asc emits each static (a string, a `memory.data` array) as a segment of its
 * own, and binaryen splits segments at runs of zeros, but neither joins two
 * segments with only a few bytes between them: each costs a header of about
 * seven bytes (flags, `i32.const` offset, `end`, length). Where the bytes
 * between two segments cost less than the second's header, the two become
 * one, the gap written as the zeros memory holds anyway. The memory's
 * contents after instantiation are the same byte for byte.
 *
 * @module
 */
import { ImageError, leb128, Reader, sleb128 } from "@tessera/image";

interface Segment {
  offset: number;
  bytes: Uint8Array;
}

const SECTION_DATA = 11;
const SECTION_DATA_COUNT = 12;
const I32_CONST = 0x41;
const END = 0x0b;

// Bytes of a segment's encoding: flags 0, `i32.const offset end`, the length and the bytes.
function encodedSize(offset: number, length: number): number {
  return 1 + 1 + sleb128(offset | 0).length + 1 + leb128(length).length + length;
}

// Whether the custom section whose payload is wasm[start, end) is a `name` section with data segment names (9).
function hasDataNames(wasm: Uint8Array, start: number, end: number): boolean {
  const r = new Reader(wasm, start, end, "custom section");
  if (r.name() !== "name") return false;
  while (!r.done) {
    const id = r.u8();
    const size = r.u32();
    if (id === 9) return true;
    r.take(size);
  }
  return false;
}

/**
 * Returns `wasm` with neighbouring active data segments merged where that
 * makes it smaller; `wasm` itself if there is nothing to merge or the data is
 * not what this expects (a passive segment, an offset that is not a constant,
 * segments that overlap, a name section naming segments by index).
 */
export function mergeDataSegments(wasm: Uint8Array): Uint8Array {
  try {
    return merge(wasm);
  } catch (e) {
    if (e instanceof ImageError) return wasm; // not a module this understands: leave it as it is
    throw e;
  }
}

function merge(wasm: Uint8Array): Uint8Array {
  const r = new Reader(wasm, 8);
  let data: { start: number; end: number } | null = null;
  let count: { start: number; end: number } | null = null;
  while (!r.done) {
    const start = r.pos;
    const id = r.u8();
    const size = r.u32();
    const end = r.pos + size;
    if (id === SECTION_DATA) data = { start, end };
    if (id === SECTION_DATA_COUNT) count = { start, end };
    if (id === 0 && hasDataNames(wasm, r.pos, end)) return wasm; // names by segment index would go stale
    r.take(size);
  }
  if (!data || (count && count.start > data.start)) return wasm;
  const d = new Reader(wasm, data.start + 1, data.end, "data section");
  d.u32(); // the section's size
  const segments: Segment[] = [];
  for (let n = d.u32(); n > 0; n--) {
    if (d.u32() !== 0 || d.u8() !== I32_CONST) return wasm; // only active segments of memory 0
    const offset = d.s32();
    if (d.u8() !== END) return wasm;
    segments.push({ offset: offset >>> 0, bytes: d.take(d.u32()) });
  }
  if (!d.done) return wasm;
  segments.sort((a, b) => a.offset - b.offset);
  const merged: Segment[] = [];
  for (const s of segments) {
    const last = merged[merged.length - 1];
    if (!last) {
      merged.push(s);
      continue;
    }
    const lastEnd = last.offset + last.bytes.length;
    if (s.offset < lastEnd) return wasm; // overlapping: their order would matter
    const gap = s.offset - lastEnd;
    const apart = encodedSize(last.offset, last.bytes.length) + encodedSize(s.offset, s.bytes.length);
    const together = encodedSize(last.offset, last.bytes.length + gap + s.bytes.length);
    if (together >= apart) {
      merged.push(s);
      continue;
    }
    const bytes = new Uint8Array(last.bytes.length + gap + s.bytes.length); // the gap stays zero
    bytes.set(last.bytes);
    bytes.set(s.bytes, last.bytes.length + gap);
    merged[merged.length - 1] = { offset: last.offset, bytes };
  }
  if (merged.length === segments.length) return wasm;
  const body: ArrayLike<number>[] = [leb128(merged.length)];
  for (const s of merged) body.push([0, I32_CONST, ...sleb128(s.offset | 0), END, ...leb128(s.bytes.length)], s.bytes);
  const size = body.reduce((n, p) => n + p.length, 0);
  const parts: ArrayLike<number>[] = [];
  if (count) {
    const countPayload = leb128(merged.length);
    parts.push(wasm.subarray(0, count.start), [SECTION_DATA_COUNT, ...leb128(countPayload.length), ...countPayload]);
    parts.push(wasm.subarray(count.end, data.start));
  } else parts.push(wasm.subarray(0, data.start));
  parts.push([SECTION_DATA, ...leb128(size)], ...body, wasm.subarray(data.end));
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
