// What examples/echo's TCP source service (port 19) sends: a 4,093-byte
// xorshift pattern, repeated. Tests hash what arrived against it.

import { createHash } from "node:crypto";

/** SHA-256 of the first `n` bytes the source service sends. */
export function sourceHash(n: number): string {
  const pattern = new Uint8Array(4093);
  let x = 1;
  for (let i = 0; i < pattern.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    pattern[i] = x & 0xff;
  }
  const h = createHash("sha256");
  for (let at = 0; at < n; at += pattern.length) h.update(pattern.subarray(0, Math.min(pattern.length, n - at)));
  return h.digest("hex");
}
