/* memory.c: guest memory: loading the segments and the boot page, and the
 * overflow-safe range checks every guest address and wasm offset goes through. */
#include <string.h>

#include "host.h"
#include "memory.h"

void tender_attach_memory(struct tender *t, uintptr_t host_base) {
    t->memory.host_base = host_base;
    t->memory.attached = true;
}

/* Host address of guest address g (which the caller has checked). */
static void *host_address(const struct tender *t, uint64_t g) {
    return (void *)(t->memory.host_base + (uintptr_t)g);
}

void tender_load_segments(struct tender *t, uint64_t call, uint64_t tsc_khz) {
    const struct tender_image *img = &t->image;
    for (size_t i = 0; i < img->segment_count; i++) {
        const struct tender_segment *s = &img->segments[i];
        uint8_t *dst = host_address(t, s->vaddr);
        memcpy(dst, img->file + s->offset, s->filesz);
        memset(dst + s->filesz, 0, s->memsz - s->filesz);
    }
    const struct tender_layout *l = &t->layout;
    struct tessera_boot boot = {
        .magic = TESSERA_BOOT_MAGIC,
        .mem_size = l->mem_size,
        .heap_base = l->heap_base,
        .heap_size = l->heap_size,
        .heap_used = 0,
        .stack_base = l->stack_base,
        .stack_size = TESSERA_STACK_SIZE,
        .call = call,
        .tsc_khz = tsc_khz,
    };
    uint8_t *page = host_address(t, TESSERA_BOOT_ADDR);
    memset(page, 0, TESSERA_PAGE_SIZE);
    memcpy(page, &boot, sizeof boot);
}

void *tender_guest_range(const struct tender *t, uint64_t addr, uint64_t len, int prot) {
    if (!t->memory.attached) return NULL;
    const struct tender_layout *l = &t->layout;
    for (size_t i = 0; i < l->region_count; i++) {
        const struct tender_region *r = &l->regions[i];
        if (addr < r->start || addr > r->end || (addr == r->end && len > 0)) continue;
        if (len > r->end - addr || (r->prot & prot) != prot) return NULL;
        return host_address(t, addr);
    }
    return NULL;
}

uint64_t host_heap_used(const struct tender *t) {
    const volatile struct tessera_boot *boot = host_address(t, TESSERA_BOOT_ADDR);
    uint64_t used = boot->heap_used; /* one read: the guest may change it */
    return used < t->layout.heap_size ? used : t->layout.heap_size;
}

uint8_t *host_wasm_range(const struct tender *t, uint64_t used, uint64_t ptr, uint64_t len) {
    if (ptr > used || len > used - ptr) return NULL;
    return host_address(t, t->layout.heap_base + ptr);
}
