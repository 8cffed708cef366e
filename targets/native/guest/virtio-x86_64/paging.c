/*
 * paging.c: the page tables the image runs on. Every address maps to itself;
 * each range gets only the access it needs, never writable and executable:
 *
 *   0 .. 1 MiB               not mapped (a null pointer faults; the boot's
 *                            low memory is read before these tables)
 *   text                     read + execute
 *   rodata                   read
 *   data, bss                read + write
 *   symbols                  read
 *   heap                     read + write
 *   guard page               not mapped (below the stack)
 *   stack .. end of RAM      read + write
 *   LAPIC (0xfee00000)       read + write, uncached
 *   virtio-mmio registers    read + write, uncached (where the command line says)
 *   everything else          not mapped
 *
 * A 2 MiB region whose pages are all alike is one large page; a region with a
 * boundary in it gets a table of 4 KiB pages from a small static pool.
 * Accessed and dirty bits are set up front; CR0.WP makes read-only pages
 * read-only for ring 0 too, and EFER.NXE (when the CPU has NX) makes every
 * page but the code's no-execute.
 */
#include "virtio.h"

#define P (UINT64_C(1) << 0)
#define RW (UINT64_C(1) << 1)
#define PWT (UINT64_C(1) << 3)
#define PCD (UINT64_C(1) << 4)
#define A (UINT64_C(1) << 5)
#define D (UINT64_C(1) << 6)
#define PS (UINT64_C(1) << 7)
#define NX (UINT64_C(1) << 63)
#define TABLE (P | RW | A)
#define PAGE_4K 4096u
#define PAGE_2M (UINT64_C(1) << 21)
#define GIB (UINT64_C(1) << 30)
#define POOL 24

typedef uint64_t table[512] __attribute__((aligned(4096)));
static table pml4, pdpt, pd[4], pt[POOL];
static unsigned pt_used;
static uint64_t nx;
static const struct virtio_layout *layout;

/* The flags of the 4 KiB page at `a` (0: not mapped). */
static uint64_t flags_at(uint64_t a) {
    const struct virtio_layout *l = layout;
    if (a >= l->text_start && a < l->text_end) return P | A;
    if (a >= l->rodata_start && a < l->rodata_end) return P | A | nx;
    if (a >= l->data_start && a < l->data_end) return P | RW | A | D | nx;
    if (a >= l->syms_start && a < l->syms_end) return P | A | nx;
    if (a >= l->heap_base && a < l->guard) return P | RW | A | D | nx;
    if (a >= l->stack_base && a < l->stack_top) return P | RW | A | D | nx;
    if (a == LAPIC_BASE) return P | RW | PCD | PWT | A | D | nx;
    for (unsigned i = 0; i < l->mmio_count; i++)
        if (a + PAGE_4K > l->mmio[i].base && a < l->mmio[i].base + l->mmio[i].size)
            return P | RW | PCD | PWT | A | D | nx;
    return 0;
}

static uint64_t region_2m(uint64_t a) {
    return a & ~(PAGE_2M - 1);
}

static void map_2m(uint64_t base) {
    uint64_t *pde = &pd[base / GIB][(base / PAGE_2M) % 512];
    uint64_t first = flags_at(base);
    bool uniform = true;
    for (uint64_t a = base + PAGE_4K; a < base + PAGE_2M && uniform; a += PAGE_4K) uniform = flags_at(a) == first;
    if (uniform) {
        *pde = first ? base | first | PS : 0;
        return;
    }
    if (pt_used == POOL) machine_fail("paging: the image's layout needs more page tables than the stub has");
    uint64_t *t = pt[pt_used++];
    for (unsigned i = 0; i < 512; i++) {
        uint64_t a = base + (uint64_t)i * PAGE_4K, f = flags_at(a);
        t[i] = f ? a | f : 0;
    }
    *pde = (uint64_t)(uintptr_t)t | TABLE;
}

void paging_init(const struct virtio_layout *l) {
    layout = l;
    if (cpu_has_nx()) {
        wrmsr(0xc0000080, rdmsr(0xc0000080) | (1u << 11)); /* EFER.NXE */
        nx = NX;
    }
    pml4[0] = (uint64_t)(uintptr_t)pdpt | TABLE;
    for (unsigned g = 0; g < 4; g++) pdpt[g] = (uint64_t)(uintptr_t)pd[g] | TABLE;
    for (uint64_t base = 0; base < l->stack_top; base += PAGE_2M) map_2m(base);
    map_2m(LAPIC_BASE & ~(PAGE_2M - 1));
    /* The devices' registers (above RAM, below 4 GiB: devices.c checks), each 2 MiB region once. */
    for (unsigned i = 0; i < l->mmio_count; i++) {
        uint64_t first = region_2m(l->mmio[i].base), last = region_2m(l->mmio[i].base + l->mmio[i].size - 1);
        for (uint64_t r = first; r <= last; r += PAGE_2M) {
            bool done = r < l->stack_top || r == region_2m(LAPIC_BASE);
            for (unsigned j = 0; j < i && !done; j++)
                done = r >= region_2m(l->mmio[j].base) && r <= region_2m(l->mmio[j].base + l->mmio[j].size - 1);
            if (!done) map_2m(r);
        }
    }
    uint64_t cr0;
    __asm__ volatile("mov %%cr0, %0" : "=r"(cr0));
    __asm__ volatile("mov %0, %%cr0" : : "r"(cr0 | (1u << 16))); /* WP */
    __asm__ volatile("mov %0, %%cr3" : : "r"((uint64_t)(uintptr_t)pml4) : "memory");
}
