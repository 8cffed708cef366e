// Secrets from the host: the ABI's `entropy` call, read each time a secret is made, rather than
// `Math.random` (one generator, seeded once at start, shared with the application).

import { entropy } from "@tessera/abi/assembly";
import { fail } from "@tessera/runtime/assembly/abort";

const word = memory.data(8);

/** 64 bits from the host's entropy source: keys (ISNs, ports, SYN cookies), DNS ids and ports, DHCP xids. */
export function random64(): u64 {
  if (entropy(word, 8) != 0) fail("entropy source failed");
  return load<u64>(word);
}
