/**
 * What `tessera disk inspect` says about the key-value store of
 * `@tessera/block` on a disk: its superblocks and region headers, checked as
 * the store checks them when it mounts (docs/storage.md has the format). The
 * log itself is left to the mount, which replays it.
 *
 * @module
 */

/** A store's metadata, as found. */
export interface StoreInfo {
  /** "store", "blank" (zeros where a store begins: the guest will format it), or "none". */
  kind: "store" | "blank" | "none";
  /** For "store": format version, blocks per region, and the active region (by generation), if any is valid. */
  version?: number;
  regionBlocks?: number;
  superblocks?: { a: boolean; b: boolean };
  active?: { region: number; generation: number; firstSequence: number; compactedBytes: number } | null;
  /** For "none": what the start of the disk holds instead. */
  why?: string;
}

const TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

/** CRC-32C (Castagnoli) of `bytes`. */
export function crc32c(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

const magic = (b: Uint8Array, text: string) => new TextDecoder().decode(b.subarray(0, 4)) === text;
const checked = (b: Uint8Array) =>
  new DataView(b.buffer, b.byteOffset).getUint32(4, true) === crc32c(b.subarray(8, 64));

/**
 * Reads the store's metadata from a disk of `blockSize`-byte blocks and
 * `capacity` bytes through `read(offset, length)`.
 */
export function inspectStore(
  read: (offset: number, length: number) => Uint8Array,
  blockSize: number,
  capacity: number,
): StoreInfo {
  const blocks = Math.floor(capacity / blockSize);
  if (blocks < 10) return { kind: "none", why: "too small for a store (fewer than 10 blocks)" };
  const a = read(0, 64);
  const b = read(blockSize, 64);
  const valid = (s: Uint8Array) => magic(s, "TSKV") && checked(s);
  if (!magic(a, "TSKV") && !magic(b, "TSKV")) {
    const start = read(0, Math.min(capacity, 1 << 20));
    return start.every((x) => x === 0)
      ? { kind: "blank" }
      : { kind: "none", why: "its first block holds something other than a store" };
  }
  const superblocks = { a: valid(a), b: valid(b) };
  const sb = superblocks.a ? a : superblocks.b ? b : null;
  if (!sb) return { kind: "store", superblocks, active: null };
  const v = new DataView(sb.buffer, sb.byteOffset);
  const regionBlocks = Number(v.getBigUint64(24, true));
  const salt = v.getUint32(32, true);
  let active: StoreInfo["active"] = null;
  for (const region of [0, 1]) {
    for (const copy of [0, 1]) {
      const h = read((2 + region * regionBlocks + copy) * blockSize, 64);
      const hv = new DataView(h.buffer, h.byteOffset);
      if (!magic(h, "TSRH") || !checked(h) || hv.getUint32(24, true) !== region || hv.getUint32(28, true) !== salt)
        continue;
      const generation = Number(hv.getBigUint64(8, true));
      if (!active || generation > active.generation)
        active = {
          region,
          generation,
          firstSequence: Number(hv.getBigUint64(16, true)),
          compactedBytes: Number(hv.getBigUint64(32, true)),
        };
      break;
    }
  }
  return { kind: "store", version: v.getUint32(8, true), regionBlocks, superblocks, active };
}

/** One line for the text report. */
export function describeStore(s: StoreInfo): string {
  if (s.kind === "blank") return "blank: a key-value store is made on it when a guest first opens one";
  if (s.kind === "none") return `no key-value store: ${s.why}`;
  const copies =
    s.superblocks!.a && s.superblocks!.b ? "" : ` (superblock copy ${s.superblocks!.a ? "B" : "A"} damaged)`;
  if (!s.active)
    return s.version === undefined
      ? "a key-value store whose superblocks are both damaged (it will not mount)"
      : `a key-value store, format ${s.version}, with no valid region header (it will not mount)${copies}`;
  const a = s.active;
  return (
    `a key-value store, format ${s.version}: two regions of ${s.regionBlocks} blocks, region ${a.region} active ` +
    `(generation ${a.generation}, its log from frame ${a.firstSequence})${copies}`
  );
}
