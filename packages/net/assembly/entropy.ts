// Secrets (keys behind ISNs, ports and SYN cookies; DNS ids and ports; DHCP's xids): 64 fresh bits
// from the host per call, rather than from `Math.random` (one generator, seeded once at start and
// shared with the application). asc's `seed` hook is the host's entropy: in an image, the runtime's
// `tesseraSeed`, which makes the ABI's `entropy` call; in a program that is not an image (the
// --publish gateway) its host's own `env.seed`. So the ABI import stays out of the latter.

/** 64 bits from the host's entropy source. */
export function random64(): u64 {
  return reinterpret<u64>(seed());
}
