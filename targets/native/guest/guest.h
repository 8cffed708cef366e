/* guest.h: what the pieces of the guest runtime share. */
#ifndef TESSERA_GUEST_H
#define TESSERA_GUEST_H

#include <stdint.h>

#include "tessera_native.h"

/* The boot page the tender wrote (set once by start.c). */
extern struct tessera_boot* tessera_boot;

/* The most bytes the linear memory may grow to: its own maximum or the heap
 * the tender set aside, whichever is lower (rt.c, once the memory exists; 0
 * before). The memory_limit call is answered from it, without the tender. */
extern uint64_t tessera_memory_limit;

/* Hands call `nr` with its argument struct to the tender: a plain call on
 * spt (call_spt.c), port I/O on hvt (call_hvt.c). */
void tessera_native_call(uint32_t nr, void* args);

/* Reports a trap to the tender with the reason and an address inside the
 * wasm function that trapped; never returns. */
__attribute__((noreturn)) void tessera_native_trap(const char* reason, uint64_t pc);

/* Memory the linear memory has just taken in: rt.c calls it before the guest
 * sees it. A no-op (weak) where the tender hands over zeroed memory. */
void tessera_memory_taken(uint8_t* from, uint64_t len);

/* The generated code's entry, wasm2c'd with module name "app". */
void tessera_app_run(void);

#endif
