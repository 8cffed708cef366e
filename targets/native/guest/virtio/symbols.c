/*
 * symbols.c: function names for trap and fault reports. A PVH loader loads
 * only the ELF's segments, not its symbol table, so tessera build links the
 * image twice and puts a table of its functions into a last read-only segment
 * (section .tessera.symbols, after everything else, so nothing moves):
 *
 *   u32 magic "TSYM", u32 count, u32 names offset, u32 names size
 *   count x { u64 address, u32 size, u32 name offset | 1 << 31 if a wasm function }
 *   names: NUL-terminated, wasm names already decoded
 *
 * sorted by address: the addresses of the link. An image that runs elsewhere
 * (virtio-aarch64 relocates itself) gives its load delta through
 * symbol_load_delta(), taken off a pc before it is looked up.
 */
#include "virtio.h"

#define MAGIC 0x4d595354u /* "TSYM" */
#define WASM (1u << 31)

struct header {
    uint32_t magic, count, names, names_size;
};
struct entry {
    uint64_t addr;
    uint32_t size, name;
};

static const struct entry *find(uint64_t pc, const struct header **hp) {
    const struct header *h = (const struct header *)__syms_start;
    uint64_t room = (uint64_t)(__syms_end - __syms_start);
    if (room < sizeof *h || h->magic != MAGIC) return NULL;
    if (h->count > (room - sizeof *h) / sizeof(struct entry) || h->names > room || h->names_size > room - h->names)
        return NULL;
    const struct entry *e = (const struct entry *)(h + 1);
    pc -= symbol_load_delta();
    uint32_t lo = 0, hi = h->count;
    while (lo < hi) { /* the last entry whose address is <= pc */
        uint32_t mid = lo + (hi - lo) / 2;
        if (e[mid].addr <= pc) lo = mid + 1;
        else hi = mid;
    }
    if (lo == 0) return NULL;
    const struct entry *s = &e[lo - 1];
    if (pc - s->addr >= (s->size ? s->size : 1) || (s->name & ~WASM) >= h->names_size) return NULL;
    *hp = h;
    return s;
}

const char *symbol_at(uint64_t pc, bool *is_wasm) {
    const struct header *h;
    const struct entry *s = find(pc, &h);
    if (s == NULL) return NULL;
    *is_wasm = s->name & WASM;
    return (const char *)h + h->names + (s->name & ~WASM);
}

/* How far up the stack to look for a return address into a wasm function. */
#define STACK_SCAN_BYTES (64u << 10)

const char *symbol_wasm_caller(uint64_t pc, uint64_t from, uint64_t stack_top) {
    bool wasm = false;
    const char *name = pc ? symbol_at(pc, &wasm) : NULL;
    if (name && wasm) return name;
    /* pc is in a runtime helper: the wasm function is further up the stack, the
     * first word that is an address inside one (a heuristic: images have no frame pointers). */
    uint64_t text_start = (uint64_t)(uintptr_t)__text_start, text_end = (uint64_t)(uintptr_t)__text_end;
    for (uint64_t a = (from + 7) & ~UINT64_C(7); a + 8 <= stack_top && a - from < STACK_SCAN_BYTES; a += 8) {
        uint64_t w = *(const uint64_t *)(uintptr_t)a;
        if (w < text_start || w >= text_end) continue;
        const char *found = symbol_at(w, &wasm);
        if (found && wasm) return found;
    }
    return name;
}
