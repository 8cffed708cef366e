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

interface Segment {
  offset: number;
  bytes: Uint8Array;
}

const SECTION_DATA = 11;
const SECTION_DATA_COUNT = 12;
const I32_CONST = 0x41;
const END = 0x0b;

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n = Math.floor(n / 128);
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return out;
}

function sleb32(n: number): number[] {
  const out: number[] = [];
  n |= 0;
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

// Bytes of a segment's encoding: flags 0, `i32.const offset end`, the length and the bytes.
function encodedSize(offset: number, length: number): number {
  return 1 + 1 + sleb32(offset).length + 1 + uleb(length).length + length;
}

// Whether the custom section whose payload is wasm[start, end) is a `name` section with data segment names (9).
function hasDataNames(wasm: Uint8Array, start: number, end: number): boolean {
  let pos = start;
  const read = (): number => {
    let n = 0;
    let shift = 0;
    for (;;) {
      const b = wasm[pos++];
      n += (b & 0x7f) * 2 ** shift;
      if (!(b & 0x80)) return n;
      shift += 7;
    }
  };
  const length = read();
  if (String.fromCharCode(...wasm.subarray(pos, pos + length)) !== "name") return false;
  pos += length;
  while (pos < end) {
    const id = wasm[pos++];
    const size = read();
    if (id === 9) return true;
    pos += size;
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
  let pos = 8;
  const read = (): number => {
    let n = 0;
    let shift = 0;
    for (;;) {
      const b = wasm[pos++];
      n += (b & 0x7f) * 2 ** shift;
      if (!(b & 0x80)) return n;
      shift += 7;
    }
  };
  let data: { start: number; end: number } | null = null;
  let count: { start: number; end: number } | null = null;
  while (pos < wasm.length) {
    const start = pos;
    const id = wasm[pos++];
    const size = read();
    const end = pos + size;
    if (id === SECTION_DATA) data = { start, end };
    if (id === SECTION_DATA_COUNT) count = { start, end };
    if (id === 0 && hasDataNames(wasm, pos, end)) return wasm; // names by segment index would go stale
    pos = end;
  }
  if (!data || (count && count.start > data.start)) return wasm;
  pos = data.start + 1;
  read(); // the section's size
  const segments: Segment[] = [];
  for (let n = read(); n > 0; n--) {
    if (read() !== 0 || wasm[pos++] !== I32_CONST) return wasm; // only active segments of memory 0
    let offset = 0;
    let shift = 0;
    let b: number;
    do {
      b = wasm[pos++];
      offset |= (b & 0x7f) << shift;
      shift += 7;
    } while (b & 0x80 && shift < 35);
    if (shift < 32 && b & 0x40) offset |= -1 << shift;
    if (wasm[pos++] !== END) return wasm;
    const length = read();
    segments.push({ offset: offset >>> 0, bytes: wasm.subarray(pos, pos + length) });
    pos += length;
  }
  if (pos !== data.end) return wasm;
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
  const body: ArrayLike<number>[] = [uleb(merged.length)];
  for (const s of merged) body.push([0, I32_CONST, ...sleb32(s.offset), END, ...uleb(s.bytes.length)], s.bytes);
  const size = body.reduce((n, p) => n + p.length, 0);
  const parts: ArrayLike<number>[] = [];
  if (count) {
    const countPayload = uleb(merged.length);
    parts.push(wasm.subarray(0, count.start), [SECTION_DATA_COUNT, ...uleb(countPayload.length), ...countPayload]);
    parts.push(wasm.subarray(count.end, data.start));
  } else parts.push(wasm.subarray(0, data.start));
  parts.push([SECTION_DATA, ...uleb(size)], ...body, wasm.subarray(data.end));
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
