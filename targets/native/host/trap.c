/* trap.c: the guest runtime's trap call: `tessera: trap: <reason> in <function>`, status 255. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "host.h"

#define REASON_MAX 512
/* How far up the guest's stack to look for the wasm function a trap happened in. */
#define STACK_SCAN_BYTES (64u << 10)

/*
 * The wasm function that trapped. `pc` is a return address in the function
 * that called the runtime's trap routine: a wasm function, or a helper of the
 * runtime that was not inlined (a bounds-checked load, say). Then the wasm
 * function is further up the stack: the first word above the argument struct
 * (which is on the guest's stack, below the frames of the trap routine and the
 * helper) that is an address inside a wasm function is the return address
 * into it. A heuristic (a frame may hold a stale code address), but images
 * have no frame pointers to walk.
 */
static const char *wasm_function(const struct tender *t, uint64_t pc, uint64_t args) {
    const char *name = pc ? host_symbol_at(t, pc) : NULL;
    if (name && host_is_wasm_function(name)) return name;
    const struct tender_layout *l = &t->layout;
    uint64_t from = (args + 7) & ~UINT64_C(7);
    if (from < l->stack_base || from >= l->mem_size) return name;
    uint64_t len = l->mem_size - from < STACK_SCAN_BYTES ? l->mem_size - from : STACK_SCAN_BYTES;
    const uint8_t *words = tender_guest_range(t, from, len, PROT_READ);
    for (uint64_t i = 0; words && i + 8 <= len; i += 8) {
        uint64_t w;
        memcpy(&w, words + i, 8);
        if (w < TESSERA_IMAGE_BASE || w >= t->image.end) continue;
        const char *found = host_symbol_at(t, w);
        if (found && host_is_wasm_function(found)) return found;
    }
    return name;
}

_Noreturn void host_trap(struct tender *t, const struct tessera_args_trap *a, uint64_t args) {
    char reason[REASON_MAX + 1];
    uint32_t len = a->len < REASON_MAX ? a->len : REASON_MAX;
    const char *msg = tender_guest_range(t, a->msg, a->len, PROT_READ);
    if (msg == NULL) {
        snprintf(reason, sizeof reason, "<reason outside guest memory>");
    } else {
        for (uint32_t i = 0; i < len; i++) {
            char c = msg[i];
            reason[i] = (c == '\n' || c == '\r' || c == '\0') ? ' ' : c; /* one line */
        }
        reason[len] = '\0';
    }
    char where[256];
    const char *symbol = wasm_function(t, a->pc, args);
    if (symbol) host_demangle(symbol, where, sizeof where);
    else if (a->pc == 0) snprintf(where, sizeof where, "an unknown function");
    else snprintf(where, sizeof where, "0x%" PRIx64 " (no symbol)", a->pc);
    char line[REASON_MAX + 320];
    int n = snprintf(line, sizeof line, "tessera: trap: %s in %s\n", reason, where);
    if (n > 0) host_write_all(2, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
    tender_exit(t, TENDER_EXIT_GUEST_FAILED);
}
