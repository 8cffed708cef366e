/*
 * rt.c: the runtime wasm2c's output needs, without libc: linear memory carved
 * from the heap the tender set aside, tables from a static pool, traps, the
 * stack check and the mem* functions the compiler may call.
 */
#include <stddef.h>
#include <stdint.h>

#include "guest.h"
#include "wasm-rt.h"
#include "trap-reasons.h"

uint32_t wasm_rt_call_stack_depth;
uintptr_t tessera_stack_limit;

/* ---- mem* (gcc emits calls to these for struct copies and large inits) ---- */

#if defined(__x86_64__)
void* memcpy(void* restrict d, const void* restrict s, size_t n) {
  void* r = d;
  __asm__ volatile("rep movsb" : "+D"(d), "+S"(s), "+c"(n) : : "memory");
  return r;
}

void* memmove(void* d, const void* s, size_t n) {
  unsigned char* dp = d;
  const unsigned char* sp = s;
  if ((uintptr_t)dp - (uintptr_t)sp >= n) return memcpy(d, s, n); /* no overlap, or d before s */
  dp += n - 1;
  sp += n - 1;
  __asm__ volatile("std; rep movsb; cld" : "+D"(dp), "+S"(sp), "+c"(n) : : "memory");
  return d;
}

void* memset(void* d, int c, size_t n) {
  void* r = d;
  __asm__ volatile("rep stosb" : "+D"(d), "+c"(n) : "a"(c) : "memory");
  return r;
}
#else
/* aarch64 (spt-aarch64): plain loops, 8 bytes at a time where both ends allow it. gcc must not
 * turn them back into calls of themselves. */
#define TESSERA_NO_LIBCALLS __attribute__((optimize("no-tree-loop-distribute-patterns")))
typedef uint64_t __attribute__((may_alias)) word_t;

TESSERA_NO_LIBCALLS void* memcpy(void* restrict d, const void* restrict s, size_t n) {
  unsigned char* dp = d;
  const unsigned char* sp = s;
  if ((((uintptr_t)dp | (uintptr_t)sp) & 7) == 0)
    for (; n >= 8; n -= 8, dp += 8, sp += 8) *(word_t*)(void*)dp = *(const word_t*)(const void*)sp;
  for (; n; n--) *dp++ = *sp++;
  return d;
}

TESSERA_NO_LIBCALLS void* memmove(void* d, const void* s, size_t n) {
  unsigned char* dp = d;
  const unsigned char* sp = s;
  if ((uintptr_t)dp - (uintptr_t)sp >= n) return memcpy(d, s, n); /* no overlap, or d before s */
  while (n--) dp[n] = sp[n];
  return d;
}

TESSERA_NO_LIBCALLS void* memset(void* d, int c, size_t n) {
  unsigned char* dp = d;
  uint64_t w = (uint8_t)c * 0x0101010101010101ull;
  for (; n && ((uintptr_t)dp & 7); n--) *dp++ = (unsigned char)c;
  for (; n >= 8; n -= 8, dp += 8) *(word_t*)(void*)dp = w;
  for (; n; n--) *dp++ = (unsigned char)c;
  return d;
}
#endif

int memcmp(const void* a, const void* b, size_t n) {
  const unsigned char *x = a, *y = b;
  for (; n; n--, x++, y++)
    if (*x != *y) return *x - *y;
  return 0;
}

/* ---- traps: the reasons in the words V8 uses, so every target says the same ---- */

__attribute__((noreturn, noinline, cold)) void wasm_rt_trap(wasm_rt_trap_t code) {
  const char* reason = tessera_trap_reason(code);
  /* The return address is inside the wasm function whose check failed. */
  tessera_native_trap(reason, (uint64_t)(uintptr_t)__builtin_return_address(0));
}

bool wasm_rt_is_initialized(void) { return true; }

/* ---- linear memory: [heap_base, heap_base + heap_size), zero from the tender ---- */

uint64_t tessera_memory_limit;

/* Called with memory the linear memory has just taken in (when it is made and
 * on every growth), before the guest can see it. The tenders hand over zeroed
 * memory, so this does nothing; the virtio boot stub, whose RAM the firmware
 * may have written, zeroes it (guest/virtio-x86_64/memory.c). */
__attribute__((weak)) void tessera_memory_taken(uint8_t* from, uint64_t len) { (void)from, (void)len; }

static void publish_size(uint64_t size) {
  /* The tender checks every wasm range against this. */
  *(volatile uint64_t*)&tessera_boot->heap_used = size;
}

void wasm_rt_allocate_memory(wasm_rt_memory_t* m, uint64_t initial, uint64_t max, bool is64, uint32_t page_size) {
  uint64_t room = tessera_boot->heap_size / page_size;
  if (is64 || initial > room) {
    static const char msg[] = "the image's initial memory does not fit: run it with more --mem";
    tessera_native_trap(msg, 0);
  }
  m->data = (uint8_t*)(uintptr_t)tessera_boot->heap_base;
  m->page_size = page_size;
  m->pages = initial;
  m->max_pages = max < room ? max : room;
  m->size = initial * page_size;
  m->data_end = m->data + m->size;
  m->is64 = false;
  tessera_memory_taken(m->data, m->size);
  tessera_memory_limit = m->max_pages * page_size; /* what wasm_rt_grow_memory enforces */
  publish_size(m->size);
}

uint64_t wasm_rt_grow_memory(wasm_rt_memory_t* m, uint64_t delta) {
  uint64_t old = m->pages, pages = old + delta;
  if (pages < old || pages > m->max_pages) return (uint64_t)-1;
  /* The pages past the old end have never been written: still zero (or zeroed now). */
  tessera_memory_taken(m->data + m->size, delta * m->page_size);
  m->pages = pages;
  m->size = pages * m->page_size;
  m->data_end = m->data + m->size;
  publish_size(m->size);
  return old;
}

void wasm_rt_free_memory(wasm_rt_memory_t* m) { (void)m; }

/* ---- tables: from a static pool (AssemblyScript images have one small funcref table) ---- */

#define TABLE_POOL (64u << 10)
static uint8_t table_pool[TABLE_POOL] __attribute__((aligned(16)));
static size_t table_used;

static void* table_alloc(uint64_t bytes) {
  if (bytes > TABLE_POOL - table_used) tessera_native_trap("the image's tables do not fit in 64 KiB", 0);
  void* p = table_pool + table_used;
  table_used += (bytes + 15) & ~(uint64_t)15;
  return p;
}

void wasm_rt_allocate_funcref_table(wasm_rt_funcref_table_t* t, uint32_t elements, uint32_t max_elements) {
  t->data = table_alloc((uint64_t)elements * sizeof *t->data);
  for (uint32_t i = 0; i < elements; i++) t->data[i] = wasm_rt_funcref_null_value;
  t->size = elements;
  t->max_size = elements < max_elements ? elements : max_elements; /* tables do not grow here */
}

void wasm_rt_free_funcref_table(wasm_rt_funcref_table_t* t) { (void)t; }

uint32_t wasm_rt_grow_funcref_table(wasm_rt_funcref_table_t* t, uint32_t delta, wasm_rt_funcref_t init) {
  (void)t, (void)delta, (void)init;
  return (uint32_t)-1;
}

void wasm_rt_allocate_externref_table(wasm_rt_externref_table_t* t, uint32_t elements, uint32_t max_elements) {
  t->data = table_alloc((uint64_t)elements * sizeof *t->data);
  for (uint32_t i = 0; i < elements; i++) t->data[i] = wasm_rt_externref_null_value;
  t->size = elements;
  t->max_size = elements < max_elements ? elements : max_elements;
}

void wasm_rt_free_externref_table(wasm_rt_externref_table_t* t) { (void)t; }

uint32_t wasm_rt_grow_externref_table(wasm_rt_externref_table_t* t, uint32_t delta, wasm_rt_externref_t init) {
  (void)t, (void)delta, (void)init;
  return (uint32_t)-1;
}
