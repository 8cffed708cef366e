// Deterministic gzip: zlib's at level 9 with no file name and a zero
// modification time in its header (Node's gzip writes neither), so the same
// bytes always compress to the same bytes with the same zlib.
import { gunzipSync, gzipSync } from "node:zlib";

/** `bytes` gzip-compressed, the same output for the same input. */
export function gzip(bytes: Uint8Array): Uint8Array {
  const out = gzipSync(bytes, { level: 9 });
  // The header: 1f 8b, method, flags (no name, no comment), mtime 0, extra flags, OS. Check what is relied on.
  if (out[3] !== 0 || out[4] !== 0 || out[5] !== 0 || out[6] !== 0 || out[7] !== 0)
    throw new Error("gzip: zlib wrote a file name or a modification time into the header");
  out[9] = 3; // OS: Unix, whatever platform wrote it
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

/** The bytes of a gzip stream (for tests). */
export function gunzip(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(gunzipSync(bytes));
}
