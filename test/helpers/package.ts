// The static tessera-spt that `tessera package` puts into container images.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { Missing } from "./require.js";
import { tenderBinary } from "./targets.js";

/** Its path, beside tessera-spt. */
export function staticTenderPath(): string {
  return join(dirname(tenderBinary("spt")), "tessera-spt-static");
}

/** Why it is not here, or null. */
export function staticTenderMissing(): Missing {
  return existsSync(staticTenderPath())
    ? null
    : "targets/spt/build/tessera-spt-static is not built (apt-get install gcc libc6-dev, then npm run build)";
}

/** Its bytes. */
export function staticTender(): Uint8Array {
  return new Uint8Array(readFileSync(staticTenderPath()));
}
