// A ustar writer for reproducible archives: every entry owned by 0:0, one
// fixed modification time, entries in the order given (callers sort them),
// names of at most 100 bytes (no pax or GNU extensions), regular files and
// directories only.

/** One entry of an archive: a directory (`name` ends in "/") or a regular file. */
export interface TarEntry {
  name: string;
  /** Permission bits, e.g. 0o755. */
  mode: number;
  /** The file's bytes; absent for a directory. */
  data?: Uint8Array;
}

const BLOCK = 512;

/** Writes `value` as a NUL-terminated octal field of `width` bytes at `at`. */
function octal(header: Uint8Array, at: number, width: number, value: number): void {
  const text = value.toString(8).padStart(width - 1, "0");
  if (text.length > width - 1) throw new Error(`tar: ${value} does not fit in a ${width}-byte field`);
  header.set(new TextEncoder().encode(text), at);
  header[at + width - 1] = 0;
}

/** The 512-byte header of `entry`, modified at `mtime` (seconds since 1970). */
export function tarHeader(entry: TarEntry, mtime: number): Uint8Array {
  const name = new TextEncoder().encode(entry.name);
  if (name.length === 0 || name.length > 100) throw new Error(`tar: name "${entry.name}" must be 1 to 100 bytes`);
  const dir = entry.name.endsWith("/");
  if (dir !== (entry.data === undefined))
    throw new Error(`tar: "${entry.name}": a directory's name ends in "/" and it has no data; a file's does not`);
  const h = new Uint8Array(BLOCK);
  h.set(name, 0);
  octal(h, 100, 8, entry.mode);
  octal(h, 108, 8, 0); // uid
  octal(h, 116, 8, 0); // gid
  octal(h, 124, 12, entry.data?.length ?? 0);
  octal(h, 136, 12, mtime);
  h[156] = dir ? 0x35 : 0x30; // typeflag '5' or '0'
  h.set(new TextEncoder().encode("ustar\u000000"), 257); // magic "ustar\0", version "00"
  h.set(new TextEncoder().encode("root"), 265); // uname
  h.set(new TextEncoder().encode("root"), 297); // gname
  octal(h, 329, 8, 0); // devmajor
  octal(h, 337, 8, 0); // devminor
  // The checksum: the sum of the header's bytes with its own field as spaces, six octal digits, NUL, space.
  h.fill(0x20, 148, 156);
  const sum = h.reduce((a, b) => a + b, 0);
  h.set(new TextEncoder().encode(sum.toString(8).padStart(6, "0")), 148);
  h[154] = 0;
  h[155] = 0x20;
  return h;
}

/** The archive of `entries`, in the order given, each modified at `mtime` (seconds since 1970; default 0). */
export function tar(entries: TarEntry[], mtime = 0): Uint8Array {
  const seen = new Set<string>();
  const parts: Uint8Array[] = [];
  for (const e of entries) {
    if (seen.has(e.name)) throw new Error(`tar: "${e.name}" given twice`);
    seen.add(e.name);
    parts.push(tarHeader(e, mtime));
    if (e.data) {
      parts.push(e.data);
      const pad = (BLOCK - (e.data.length % BLOCK)) % BLOCK;
      if (pad) parts.push(new Uint8Array(pad));
    }
  }
  parts.push(new Uint8Array(2 * BLOCK)); // the end: two zero blocks
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Reads back an archive that `tar` wrote: names, modes, data (for tests and checks). */
export function untar(bytes: Uint8Array): (TarEntry & { mtime: number; uid: number; gid: number })[] {
  const out: (TarEntry & { mtime: number; uid: number; gid: number })[] = [];
  const text = (at: number, n: number) => new TextDecoder().decode(bytes.subarray(at, at + n)).replace(/\0.*$/s, "");
  const num = (at: number, n: number) => parseInt(text(at, n).trim() || "0", 8);
  for (let at = 0; at + BLOCK <= bytes.length;) {
    if (bytes.subarray(at, at + BLOCK).every((b) => b === 0)) break;
    const name = text(at, 100);
    const size = num(at + 124, 12);
    const entry = {
      name,
      mode: num(at + 100, 8),
      uid: num(at + 108, 8),
      gid: num(at + 116, 8),
      mtime: num(at + 136, 12),
      ...(bytes[at + 156] === 0x35 ? {} : { data: bytes.slice(at + BLOCK, at + BLOCK + size) }),
    };
    out.push(entry);
    at += BLOCK + Math.ceil(size / BLOCK) * BLOCK;
  }
  return out;
}
