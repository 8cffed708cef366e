/*
 * gw_rt.c: what the gateway's wasm2c output needs from a runtime, in the
 * gateway's ordinary process (the guest's rt.c is for a freestanding image):
 *
 * - linear memory is one mmap of GW_MEMORY_MAX (or the module's maximum, if
 *   lower), made before the sandbox, so it never moves and memory.grow makes
 *   no system call: it moves the bound every access is checked against;
 * - a trap ends the gateway with `PROG: the user-mode network's gateway
 *   trapped: <reason>` (the supervisor then stops the guest);
 * - the stack check traps GW_STACK_ROOM below the frame of gw_rt_init.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "gw.h"
#include "host.h"
#include "wasm-rt.h"
#include "../guest/trap-reasons.h"

/* The gateway's memory at most: its TCP buffers are 128 KiB a connection, for up to GW_MAX_CONNECTIONS. */
#define GW_MEMORY_MAX (512ull << 20)
#define GW_STACK_ROOM (512u << 10)

uint32_t wasm_rt_call_stack_depth;
uintptr_t tessera_stack_limit;

/* For the messages of traps (the runtime's callbacks carry no context). */
static const struct tender *gw_rt_tender;

void gw_rt_init(const struct tender *t) {
    gw_rt_tender = t;
    tessera_stack_limit = (uintptr_t)__builtin_frame_address(0) - GW_STACK_ROOM;
}

static _Noreturn void fail(const char *what) {
    if (gw_rt_tender) host_say(gw_rt_tender, "the user-mode network's gateway %s", what);
    _exit(GW_EXIT_FAILED);
}

void wasm_rt_trap(wasm_rt_trap_t code) {
    const char *reason = tessera_trap_reason(code);
    if (gw_rt_tender) host_say(gw_rt_tender, "the user-mode network's gateway trapped: %s", reason);
    _exit(GW_EXIT_FAILED);
}

bool wasm_rt_is_initialized(void) {
    return true;
}

void wasm_rt_allocate_memory(wasm_rt_memory_t *m, uint64_t initial, uint64_t max, bool is64, uint32_t page_size) {
    uint64_t room = GW_MEMORY_MAX / page_size;
    if (is64 || initial > room) fail("needs a memory this runtime does not give (one 32-bit memory, at most 512 MiB)");
    if (max > room) max = room;
    void *p = mmap(NULL, max * page_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) fail("cannot map its memory");
    m->data = p;
    m->page_size = page_size;
    m->pages = initial;
    m->max_pages = max;
    m->size = initial * page_size;
    m->data_end = m->data + m->size;
    m->is64 = false;
}

uint64_t wasm_rt_grow_memory(wasm_rt_memory_t *m, uint64_t delta) {
    uint64_t old = m->pages, pages = old + delta;
    if (pages < old || pages > m->max_pages) return (uint64_t)-1;
    m->pages = pages;
    m->size = pages * m->page_size;
    m->data_end = m->data + m->size;
    return old;
}

void wasm_rt_free_memory(wasm_rt_memory_t *m) {
    (void)m;
}

/* Tables: AssemblyScript programs have one small funcref table that never grows. */

void wasm_rt_allocate_funcref_table(wasm_rt_funcref_table_t *t, uint32_t elements, uint32_t max_elements) {
    t->data = calloc(elements ? elements : 1, sizeof *t->data);
    if (t->data == NULL) fail("is out of memory");
    t->size = elements;
    t->max_size = elements < max_elements ? elements : max_elements;
}

void wasm_rt_free_funcref_table(wasm_rt_funcref_table_t *t) {
    (void)t;
}

uint32_t wasm_rt_grow_funcref_table(wasm_rt_funcref_table_t *t, uint32_t delta, wasm_rt_funcref_t init) {
    (void)t, (void)delta, (void)init;
    return (uint32_t)-1;
}

void wasm_rt_allocate_externref_table(wasm_rt_externref_table_t *t, uint32_t elements, uint32_t max_elements) {
    t->data = calloc(elements ? elements : 1, sizeof *t->data);
    if (t->data == NULL) fail("is out of memory");
    t->size = elements;
    t->max_size = elements < max_elements ? elements : max_elements;
}

void wasm_rt_free_externref_table(wasm_rt_externref_table_t *t) {
    (void)t;
}

uint32_t wasm_rt_grow_externref_table(wasm_rt_externref_table_t *t, uint32_t delta, wasm_rt_externref_t init) {
    (void)t, (void)delta, (void)init;
    return (uint32_t)-1;
}
