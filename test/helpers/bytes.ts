// Test data: reproducible bytes and their digests.
import { createHash } from "node:crypto";

/** `n` bytes from a seeded xorshift32 generator: the same bytes for the same seed, run after run. */
export function seeded(n: number, seed: number): Buffer {
  const b = Buffer.alloc(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i + 4 <= n; i += 4) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    b.writeUInt32LE(x >>> 0, i);
  }
  return b;
}

/** The SHA-256 of `b`, in hex. */
export const sha256 = (b: Uint8Array): string => createHash("sha256").update(b).digest("hex");
