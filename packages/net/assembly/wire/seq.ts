// TCP sequence-number comparison (RFC 9293 §3.4): numbers are u32 modulo 2^32, so `a` is before
// `b` when the signed 32-bit difference `a - b` is negative. That is only meaningful for numbers
// less than 2^31 apart; at exactly 2^31 each is "before" the other, as RFC 1982 leaves undefined.

/** True if sequence number `a` comes before `b` (modulo 2^32). */
export function seqLt(a: u32, b: u32): bool {
  return <i32>(a - b) < 0;
}

/** True if `a` comes before `b` or equals it (modulo 2^32). */
export function seqLe(a: u32, b: u32): bool {
  return <i32>(a - b) <= 0;
}

/** True if `a` comes after `b` (modulo 2^32). */
export function seqGt(a: u32, b: u32): bool {
  return <i32>(a - b) > 0;
}

/** True if `a` comes after `b` or equals it (modulo 2^32). */
export function seqGe(a: u32, b: u32): bool {
  return <i32>(a - b) >= 0;
}
