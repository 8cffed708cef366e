/* spt_memory.c: guest memory in the tender's own address space, at the guest
 * addresses the image was linked for: [TESSERA_BOOT_ADDR, mem) mapped
 * PROT_NONE, then each region of the layout given its protection (text R+X,
 * rodata R, data RW, heap and stack RW; never W+X). The page below the stack
 * and every gap stay PROT_NONE. */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "spt.h"

void spt_map_memory(struct tender *t) {
    const struct tender_layout *l = &t->layout;
    const uint64_t base = TESSERA_BOOT_ADDR;
    const size_t size = (size_t)(l->mem_size - base);
    void *p = mmap((void *)(uintptr_t)base, size, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED_NOREPLACE, -1, 0);
    if (p == MAP_FAILED || p != (void *)(uintptr_t)base) {
        int e = p == MAP_FAILED ? errno : EEXIST;
        tender_fail(t, TENDER_EXIT_ERROR,
                    "cannot map guest memory at 0x%llx..0x%llx: %s (%s)", (unsigned long long)base,
                    (unsigned long long)l->mem_size, strerror(e),
                    e == EEXIST ? "something else is mapped there: try a smaller --mem"
                    : e == EPERM ? "vm.mmap_min_addr is above 0x10000?"
                                 : "try a smaller --mem");
    }
    /* guest address g is host address g */
    tender_attach_memory(t, 0);
    tender_load_segments(t, spt_call_address(), 0);
    uint64_t zero = 0; /* the fake return address above the entry's stack frame */
    memcpy((void *)(uintptr_t)l->stack_top, &zero, sizeof zero);
    if (mprotect(p, size, PROT_NONE) != 0)
        tender_fail(t, TENDER_EXIT_ERROR, "cannot protect guest memory: %s", strerror(errno));
    for (size_t i = 0; i < l->region_count; i++) {
        const struct tender_region *r = &l->regions[i];
        if (r->prot == PROT_NONE) continue;
        if (mprotect((void *)(uintptr_t)r->start, (size_t)(r->end - r->start), r->prot) != 0)
            tender_fail(t, TENDER_EXIT_ERROR, "cannot protect guest memory at 0x%llx: %s",
                        (unsigned long long)r->start, strerror(errno));
    }
}
