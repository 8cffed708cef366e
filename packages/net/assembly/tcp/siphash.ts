// SipHash-2-4 (Aumasson and Bernstein) over whole 64-bit words: the keyed hash behind the
// connection table, initial sequence numbers (RFC 6528), ephemeral ports (RFC 6056) and SYN
// cookies (RFC 4987). Keyed from the host's entropy, its outputs cannot be predicted by a peer,
// so a peer can neither guess our sequence numbers nor aim many 4-tuples at one hash bucket.
// Nothing allocates: the state lives in the instance.

/** A SipHash-2-4 key and the state of one hash at a time. */
export class SipHash {
  private k0: u64 = 0;
  private k1: u64 = 0;
  private v0: u64 = 0;
  private v1: u64 = 0;
  private v2: u64 = 0;
  private v3: u64 = 0;

  /** A hash keyed with `k0`, `k1` (128 bits). */
  constructor(k0: u64 = 0, k1: u64 = 0) {
    this.rekey(k0, k1);
  }

  /** Replaces the key. */
  rekey(k0: u64, k1: u64): void {
    this.k0 = k0;
    this.k1 = k1;
  }

  /** The hash of the three words `a`, `b`, `c` (24 bytes of message). */
  hash3(a: u64, b: u64, c: u64): u64 {
    this.v0 = this.k0 ^ 0x736f6d6570736575;
    this.v1 = this.k1 ^ 0x646f72616e646f6d;
    this.v2 = this.k0 ^ 0x6c7967656e657261;
    this.v3 = this.k1 ^ 0x7465646279746573;
    this.word(a);
    this.word(b);
    this.word(c);
    this.word((<u64>24) << 56); // the final block: the message length, no tail bytes
    this.v2 ^= 0xff;
    this.round();
    this.round();
    this.round();
    this.round();
    return this.v0 ^ this.v1 ^ this.v2 ^ this.v3;
  }

  /** The hash of a TCP 4-tuple for `purpose` (the table, initial sequence numbers, ports and cookies each hash with their own). */
  tuple(localAddr: u32, localPort: u32, remoteAddr: u32, remotePort: u32, purpose: u64): u64 {
    return this.hash3(((<u64>localAddr) << 32) | remoteAddr, ((<u64>localPort) << 16) | remotePort, purpose);
  }

  private word(m: u64): void {
    this.v3 ^= m;
    this.round();
    this.round();
    this.v0 ^= m;
  }

  private round(): void {
    let v0 = this.v0;
    let v1 = this.v1;
    let v2 = this.v2;
    let v3 = this.v3;
    v0 += v1;
    v1 = rotl<u64>(v1, 13);
    v1 ^= v0;
    v0 = rotl<u64>(v0, 32);
    v2 += v3;
    v3 = rotl<u64>(v3, 16);
    v3 ^= v2;
    v0 += v3;
    v3 = rotl<u64>(v3, 21);
    v3 ^= v0;
    v2 += v1;
    v1 = rotl<u64>(v1, 17);
    v1 ^= v2;
    v2 = rotl<u64>(v2, 32);
    this.v0 = v0;
    this.v1 = v1;
    this.v2 = v2;
    this.v3 = v3;
  }
}

/** SplitMix64: spreads a small seed over 64 bits (for deriving keys). */
export function splitmix64(x: u64): u64 {
  let z = x + 0x9e3779b97f4a7c15;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9;
  z = (z ^ (z >> 27)) * 0x94d049bb133111eb;
  return z ^ (z >> 31);
}
