/* fuzz.h: what the driver, the runtime and the generated ABI stubs share. */
#ifndef FUZZ_H
#define FUZZ_H

#include <stdint.h>

/* Sets the stack check's limit 4 MiB below the caller's frame. */
void fuzz_set_stack_limit(void);
/* The linear memory's first byte and current size. */
uint8_t* fuzz_memory_base(void);
uint64_t fuzz_memory_size(void);
/* The most bytes it may grow to. */
uint64_t fuzz_memory_max(void);
/* Zeroes what the last run wrote above `from` bytes (the snapshot's size). */
void fuzz_memory_reset(uint64_t from);
/* The ABI stubs' clock, reset before each input. */
extern uint64_t fuzz_clock;

#endif
