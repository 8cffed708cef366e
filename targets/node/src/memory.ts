// --mem: check the image's initial memory fits and cap its growth.
import { setMemoryMaximum, type Image } from "@tessera/image";
import { TenderError } from "./errors.js";

const PAGES_PER_MIB = 16;
const MAX_PAGES = 65536;
const PAGE_SIZE = 65536;

/** An image with its memory capped, and the cap that holds for it. */
export interface Capped {
  bytes: Uint8Array;
  /** The memory's maximum in bytes: what `memory_limit` answers. */
  limit: number;
}

/** Return the image with its memory maximum lowered to `memMiB` (or kept, if already lower), and that maximum. */
export function capMemory(bytes: Uint8Array, image: Image, memMiB: number): Capped {
  if (!Number.isInteger(memMiB) || memMiB < 1) {
    throw new TenderError(`--mem ${memMiB}: give a whole number of MiB, 1 or more`);
  }
  const cap = Math.min(memMiB * PAGES_PER_MIB, MAX_PAGES);
  const memory = image.memory;
  if (!memory || memory.imported) throw new TenderError("the image defines no memory of its own");
  if (memory.initial > cap) {
    const need = Math.ceil(memory.initial / PAGES_PER_MIB);
    throw new TenderError(
      `--mem ${memMiB}: the image needs at least ${need} MiB of memory (its initial size); give --mem ${need} or more`,
    );
  }
  const max = Math.min(memory.maximum ?? MAX_PAGES, cap);
  return { bytes: memory.maximum === max ? bytes : setMemoryMaximum(bytes, max), limit: max * PAGE_SIZE };
}
