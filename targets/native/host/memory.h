/* memory.h: wasm-offset ranges inside the guest's linear memory. */
#ifndef TESSERA_HOST_MEMORY_H
#define TESSERA_HOST_MEMORY_H

#include <stdint.h>

#include "tender.h"

/* The guest's heap_used from the boot page, read once, capped at heap_size. */
uint64_t host_heap_used(const struct tender *t);

/* Host address of wasm range [ptr, ptr+len) if it lies inside [0, used) of
 * the linear memory (used from host_heap_used); NULL otherwise. Correct for
 * len 0, huge values and wraparound (all arithmetic in u64 on u32 inputs, or
 * checked). The address for len 0 at ptr == used is valid but must not be
 * dereferenced. */
uint8_t *host_wasm_range(const struct tender *t, uint64_t used, uint64_t ptr, uint64_t len);

#endif /* TESSERA_HOST_MEMORY_H */
