/*
 * paging.c: the tables the image runs on once the device tree is read (the
 * early map of boot.S only covers the boot). Every address maps to itself
 * (4 KiB granule, 39-bit addresses from TTBR0_EL1); each range gets only the
 * access it needs, never writable and executable, and nothing at EL0:
 *
 *   RAM below the image      not mapped (the device tree was read already)
 *   text                     read + execute              Normal, cacheable
 *   rodata, symbols          read
 *   data, bss                read + write
 *   heap                     read + write
 *   guard page               not mapped (below the stack)
 *   stack .. end of RAM      read + write
 *   the devices' registers   read + write                Device-nGnRE
 *   everything else          not mapped (page 0 too: a null pointer faults)
 *
 * A 2 MiB region with no boundary inside is one block; others get a table
 * of 4 KiB pages from a small static pool.
 */
#include "virtio.h"

#define VALID (UINT64_C(1) << 0)
#define TABLE (UINT64_C(3) << 0)
#define PAGE (UINT64_C(3) << 0)
#define BLOCK (UINT64_C(1) << 0)
#define ATTR_DEVICE (UINT64_C(1) << 2)
#define ATTR_NORMAL (UINT64_C(2) << 2)
#define RO (UINT64_C(1) << 7)
#define ISH (UINT64_C(3) << 8)
#define AF (UINT64_C(1) << 10)
#define PXN (UINT64_C(1) << 53)
#define UXN (UINT64_C(1) << 54)
#define PAGE_4K UINT64_C(4096)
#define PAGE_2M (UINT64_C(1) << 21)
#define GIB (UINT64_C(1) << 30)
#define L2_POOL 8
#define L3_POOL 32
#define MAX_MMIO (VIRTIO_MAX_DEVICES + 8)

typedef uint64_t table[512] __attribute__((aligned(4096)));
static table l1, l2[L2_POOL], l3[L3_POOL];
static unsigned l2_used, l3_used;
static const struct virtio_layout *layout;
static struct {
    uint64_t base, end;
} mmio[MAX_MMIO];
static unsigned mmio_count;

static void add_mmio(uint64_t base, uint64_t size) {
    if (!base || !size || mmio_count == MAX_MMIO) return;
    mmio[mmio_count].base = base & ~(PAGE_4K - 1);
    mmio[mmio_count].end = (base + size + PAGE_4K - 1) & ~(PAGE_4K - 1);
    mmio_count++;
}

/* The descriptor bits of the 4 KiB page at `a` (0: not mapped). */
static uint64_t flags_at(uint64_t a) {
    const struct virtio_layout *l = layout;
    const uint64_t normal = ATTR_NORMAL | ISH | AF | UXN;
    if (a >= l->text_start && a < l->text_end) return normal | RO;
    if (a >= l->rodata_start && a < l->rodata_end) return normal | RO | PXN;
    if (a >= l->syms_start && a < l->syms_end) return normal | RO | PXN;
    if (a >= l->data_start && a < l->data_end) return normal | PXN;
    if (a >= l->heap_base && a < l->guard) return normal | PXN;
    if (a >= l->stack_base && a < l->stack_top) return normal | PXN;
    for (unsigned i = 0; i < mmio_count; i++)
        if (a >= mmio[i].base && a < mmio[i].end) return ATTR_DEVICE | AF | PXN | UXN;
    return 0;
}

/* True if some range starts or ends strictly inside (r, r + 2 MiB). */
static bool has_boundary(uint64_t r) {
    const struct virtio_layout *l = layout;
    uint64_t b[] = {l->text_start, l->text_end, l->rodata_start, l->rodata_end, l->syms_start, l->syms_end,
                    l->data_start, l->data_end, l->heap_base, l->guard, l->stack_base, l->stack_top};
    for (unsigned i = 0; i < sizeof b / sizeof b[0]; i++)
        if (b[i] > r && b[i] < r + PAGE_2M) return true;
    for (unsigned i = 0; i < mmio_count; i++)
        if ((mmio[i].base > r && mmio[i].base < r + PAGE_2M) || (mmio[i].end > r && mmio[i].end < r + PAGE_2M))
            return true;
    return false;
}

static uint64_t *l2_for(uint64_t a) {
    uint64_t *e = &l1[(a / GIB) % 512];
    if (!(*e & VALID)) {
        if (l2_used == L2_POOL) machine_fail("paging: the machine's layout needs more page tables than the stub has");
        *e = (uint64_t)(uintptr_t)l2[l2_used++] | TABLE;
    }
    return (uint64_t *)(uintptr_t)(*e & 0xfffffffff000);
}

static void map_2m(uint64_t r) {
    uint64_t *e = &l2_for(r)[(r / PAGE_2M) % 512];
    if (*e & VALID) return; /* done already (two ranges in one region) */
    if (!has_boundary(r)) {
        uint64_t f = flags_at(r);
        *e = f ? r | f | BLOCK : 0;
        return;
    }
    if (l3_used == L3_POOL) machine_fail("paging: the image's layout needs more page tables than the stub has");
    uint64_t *t = l3[l3_used++];
    for (unsigned i = 0; i < 512; i++) {
        uint64_t a = r + i * PAGE_4K, f = flags_at(a);
        t[i] = f ? a | f | PAGE : 0;
    }
    *e = (uint64_t)(uintptr_t)t | TABLE;
}

static void map_range(uint64_t base, uint64_t end) {
    for (uint64_t r = base & ~(PAGE_2M - 1); r < end; r += PAGE_2M) map_2m(r);
}

void paging_init(const struct virtio_layout *l) {
    const struct virtio_machine *m = &virtio_machine;
    layout = l;
    add_mmio(m->uart, m->uart_size ? m->uart_size : PAGE_4K);
    add_mmio(m->gicd, m->gicd_size);
    add_mmio(m->gicc, m->gicc_size);
    add_mmio(m->rtc, PAGE_4K);
    add_mmio(m->local_intc, PAGE_4K);
    add_mmio(m->sdhci, PAGE_4K);
    add_mmio(m->gpio, PAGE_4K);
    for (unsigned i = 0; i < virtio_region_count; i++) add_mmio(virtio_regions[i].base, virtio_regions[i].size);
    map_range(l->text_start, l->stack_top);
    for (unsigned i = 0; i < mmio_count; i++) map_range(mmio[i].base, mmio[i].end);
    ttbr0_switch((uint64_t)(uintptr_t)l1);
}
