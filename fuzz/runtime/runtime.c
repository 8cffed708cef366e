/*
 * runtime.c: what wasm2c's output needs from a runtime, for a fuzz target run
 * by libFuzzer in an ordinary process (the guest runtime's rt.c is for the
 * tenders: memory from the boot page, traps reported to the tender).
 *
 * - Linear memory is one mmap of its maximum size (at most 256 MiB), so it never
 *   moves; memory.grow only moves the bound that every access is checked
 *   against, as on the tenders.
 * - A trap prints its reason, in the words V8 and the tenders use, and calls
 *   abort(): libFuzzer records the input as a crash.
 * - The stack check traps below 4 MiB under the frame of the first call.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "fuzz.h"
#include "wasm-rt.h"
#include "trap-reasons.h"

uint32_t wasm_rt_call_stack_depth;
uintptr_t tessera_stack_limit;

/* The one linear memory, and the highest size it reached since the last fuzz_memory_reset. */
static wasm_rt_memory_t* memory;
static uint64_t high_water;

void wasm_rt_trap(wasm_rt_trap_t code) {
  const char* reason = tessera_trap_reason(code);
  fprintf(stderr, "fuzz: wasm trap: %s\n", reason);
  abort();
}

bool wasm_rt_is_initialized(void) { return true; }

void fuzz_set_stack_limit(void) {
  tessera_stack_limit = (uintptr_t)__builtin_frame_address(0) - (4u << 20);
}

#define MAX_BYTES (256ull << 20) /* like a tender with --mem 256 */

void wasm_rt_allocate_memory(wasm_rt_memory_t* m, uint64_t initial, uint64_t max, bool is64, uint32_t page_size) {
  uint64_t room = MAX_BYTES / page_size;
  if (is64 || initial > room || memory) {
    fprintf(stderr, "fuzz: the image's memory is not one 32-bit memory of at most 256 MiB\n");
    abort();
  }
  if (max > room) max = room;
  void* p = mmap(NULL, max * page_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED) {
    perror("fuzz: mmap");
    abort();
  }
  m->data = p;
  m->page_size = page_size;
  m->pages = initial;
  m->max_pages = max;
  m->size = initial * page_size;
  m->data_end = m->data + m->size;
  m->is64 = false;
  memory = m;
  high_water = m->size;
}

uint64_t wasm_rt_grow_memory(wasm_rt_memory_t* m, uint64_t delta) {
  uint64_t old = m->pages, pages = old + delta;
  if (pages < old || pages > m->max_pages) return (uint64_t)-1;
  m->pages = pages;
  m->size = pages * m->page_size;
  m->data_end = m->data + m->size;
  if (m->size > high_water) high_water = m->size;
  return old;
}

void wasm_rt_free_memory(wasm_rt_memory_t* m) { (void)m; }

uint8_t* fuzz_memory_base(void) { return memory->data; }

uint64_t fuzz_memory_size(void) { return memory->size; }

uint64_t fuzz_memory_max(void) { return memory->max_pages * memory->page_size; }

/* The bytes [from, high water) were written by the run since the snapshot: zero them (the memory's size itself
 * is restored with the instance). */
void fuzz_memory_reset(uint64_t from) {
  if (high_water > from) memset(memory->data + from, 0, high_water - from);
  high_water = from;
}

/* Tables: AssemblyScript images have one small funcref table that never grows. */

void wasm_rt_allocate_funcref_table(wasm_rt_funcref_table_t* t, uint32_t elements, uint32_t max_elements) {
  t->data = calloc(elements ? elements : 1, sizeof *t->data);
  t->size = elements;
  t->max_size = elements < max_elements ? elements : max_elements;
}

void wasm_rt_free_funcref_table(wasm_rt_funcref_table_t* t) { (void)t; }

uint32_t wasm_rt_grow_funcref_table(wasm_rt_funcref_table_t* t, uint32_t delta, wasm_rt_funcref_t init) {
  (void)t, (void)delta, (void)init;
  return (uint32_t)-1;
}

void wasm_rt_allocate_externref_table(wasm_rt_externref_table_t* t, uint32_t elements, uint32_t max_elements) {
  t->data = calloc(elements ? elements : 1, sizeof *t->data);
  t->size = elements;
  t->max_size = elements < max_elements ? elements : max_elements;
}

void wasm_rt_free_externref_table(wasm_rt_externref_table_t* t) { (void)t; }

uint32_t wasm_rt_grow_externref_table(wasm_rt_externref_table_t* t, uint32_t delta, wasm_rt_externref_t init) {
  (void)t, (void)delta, (void)init;
  return (uint32_t)-1;
}
