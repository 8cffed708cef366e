// Small rewrites of a wasm module: add a custom section, cap the memory, make a names sidecar.
import { ImageError } from "./errors.js";
import { parseImage } from "./parse.js";

const HEADER = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
const utf8 = new TextEncoder();

/** Encode a signed LEB128 integer (i32). */
export function sleb128(n: number): number[] {
  if (!Number.isInteger(n) || n < -0x80000000 || n > 0x7fffffff) throw new RangeError(`not an i32: ${n}`);
  const out: number[] = [];
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

/** Encode an unsigned LEB128 integer (u32). */
export function leb128(n: number): number[] {
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new RangeError(`not a u32: ${n}`);
  const out: number[] = [];
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return out;
}

/** The bytes of `parts`, one after another. */
export function concat(parts: (Uint8Array | number[])[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** The bytes of a custom section (id, size, name, payload). */
export function customSection(name: string, payload: Uint8Array): Uint8Array {
  const nameBytes = utf8.encode(name);
  const body = concat([leb128(nameBytes.length), nameBytes, payload]);
  return concat([[0], leb128(body.length), body]);
}

/**
 * Cut every custom section named `name` out of `bytes`; return the rest and
 * the payload of the last such section (null, and `bytes` itself, if none).
 */
export function takeCustomSection(bytes: Uint8Array, name: string): { bytes: Uint8Array; payload: Uint8Array | null } {
  const parts: Uint8Array[] = [bytes.subarray(0, 8)];
  let at = 8;
  let payload: Uint8Array | null = null;
  for (const s of parseImage(bytes).sections) {
    if (s.id !== 0 || s.name !== name) continue;
    parts.push(bytes.subarray(at, s.start));
    payload = bytes.slice(s.offset, s.offset + s.size);
    at = s.offset + s.size;
  }
  if (payload === null) return { bytes, payload };
  parts.push(bytes.subarray(at));
  return { bytes: concat(parts), payload };
}

/** Return a copy of `bytes` whose custom sections named `name` are replaced by one holding `payload`, at the end. */
export function addCustomSection(bytes: Uint8Array, name: string, payload: Uint8Array): Uint8Array {
  return concat([takeCustomSection(bytes, name).bytes, customSection(name, payload)]);
}

/**
 * Return a copy of `bytes` whose memory has maximum `pages` (64 KiB each),
 * so that `memory.grow` fails past it. Throws an ImageError if the module
 * defines no memory or its initial size is above `pages`.
 */
export function setMemoryMaximum(bytes: Uint8Array, pages: number): Uint8Array {
  const image = parseImage(bytes);
  const section = image.sections.find((s) => s.id === 5);
  if (!image.memory || image.memory.imported || !section) throw new ImageError("image defines no memory");
  if (image.memory.initial > pages) {
    throw new ImageError(`memory initial size ${image.memory.initial} pages is above the maximum ${pages}`);
  }
  const payload = concat([[1, 1], leb128(image.memory.initial), leb128(pages)]);
  return concat([
    bytes.subarray(0, section.start),
    [5],
    leb128(payload.length),
    payload,
    bytes.subarray(section.offset + section.size),
  ]);
}

/** A tiny valid wasm module holding only a `name` custom section: the `X.wasm.names` sidecar. */
export function makeNamesFile(nameSectionPayload: Uint8Array): Uint8Array {
  return concat([HEADER, customSection("name", nameSectionPayload)]);
}
