/* hvt_x86_64.c: identity page tables, GDT, TSS, IDT and the vCPU's registers: 64-bit long mode, ring 3. */
#include <errno.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "hvt.h"

#define PAGE_4K 0x1000ull
#define PAGE_2M 0x200000ull
#define PAGE_1G 0x40000000ull

/* Page-table entry bits (Intel SDM vol. 3, 4.5). */
#define PTE_P (1ull << 0)
#define PTE_RW (1ull << 1)
#define PTE_US (1ull << 2)
#define PTE_A (1ull << 5) /* set up front: an emulated walk need not write it */
#define PTE_D (1ull << 6)
#define PTE_PS (1ull << 7)
#define PTE_NX (1ull << 63)
#define PTE_TABLE (PTE_P | PTE_RW | PTE_US | PTE_A) /* a non-leaf entry: its leaves decide */

#define CR0_PE (1ull << 0)
#define CR0_MP (1ull << 1)
#define CR0_ET (1ull << 4)
#define CR0_NE (1ull << 5)
#define CR0_WP (1ull << 16)
#define CR0_PG (1ull << 31)
#define CR4_PAE (1ull << 5)
#define CR4_OSFXSR (1ull << 9)
#define CR4_OSXMMEXCPT (1ull << 10)
#define EFER_LME (1ull << 8)
#define EFER_LMA (1ull << 10)
#define EFER_NXE (1ull << 11)

/* GDT: null, ring-0 code and data (the stub's), ring-3 data and code (the
 * guest's), the TSS (two slots). */
#define SEL_KCODE 0x08
#define SEL_KDATA 0x10
#define SEL_UDATA 0x18
#define SEL_UCODE 0x20
#define SEL_TSS 0x28
#define GDT_KCODE 0x00af9b000000ffffull
#define GDT_KDATA 0x00cf93000000ffffull
#define GDT_UDATA 0x00cff3000000ffffull
#define GDT_UCODE 0x00affb000000ffffull
#define GDT_SIZE (SEL_TSS + 16)
#define TSS_SIZE 104u
#define IDT_VECTORS 32u
#define IDT_GATE 0x8e /* present, ring 0, 64-bit interrupt gate */
#define STUB_ENTRY_SIZE 16u

struct layout {
    const struct hvt_range *ranges;
    size_t count;
    uint64_t mem_size;
    int has_nx;
};

/* The range holding addr's page, or NULL. Ranges never overlap. */
static const struct hvt_range *range_at(const struct layout *l, uint64_t addr) {
    if (addr >= l->mem_size) return NULL;
    for (size_t i = 0; i < l->count; i++)
        if (addr >= l->ranges[i].start && addr < l->ranges[i].end) return &l->ranges[i];
    return NULL;
}

/* Whether the 2 MiB region at base holds pages of more than one kind, so
 * that it needs a page table of 4 KiB pages. */
static int region_is_mixed(const struct layout *l, uint64_t base) {
    uint64_t end = base + PAGE_2M;
    if (l->mem_size > base && l->mem_size < end) return 1;
    for (size_t i = 0; i < l->count; i++) {
        if (l->ranges[i].start > base && l->ranges[i].start < end) return 1;
        if (l->ranges[i].end > base && l->ranges[i].end < end) return 1;
    }
    return 0;
}

/* A leaf entry mapping addr as its range says; 0 (not present) outside every range. */
static uint64_t leaf(const struct layout *l, uint64_t addr, uint64_t size_bit) {
    const struct hvt_range *r = range_at(l, addr);
    if (!r || r->prot == PROT_NONE) return 0;
    uint64_t entry = addr | PTE_P | PTE_A | size_bit;
    if (r->user) entry |= PTE_US;
    if (r->prot & PROT_WRITE) entry |= PTE_RW | PTE_D;
    if (!(r->prot & PROT_EXEC) && l->has_nx) entry |= PTE_NX;
    return entry;
}

static int check_ranges(const struct layout *l) {
    for (size_t i = 0; i < l->count; i++) {
        const struct hvt_range *r = &l->ranges[i];
        if ((r->prot & PROT_WRITE) && (r->prot & PROT_EXEC)) {
            fprintf(stderr, "tessera-hvt: guest range 0x%llx..0x%llx would be writable and executable: refused\n",
                    (unsigned long long)r->start, (unsigned long long)r->end);
            return -1;
        }
        for (size_t j = 0; j < i; j++)
            if (r->start < l->ranges[j].end && l->ranges[j].start < r->end) {
                fprintf(stderr, "tessera-hvt: guest ranges 0x%llx..0x%llx and 0x%llx..0x%llx overlap\n",
                        (unsigned long long)r->start, (unsigned long long)r->end,
                        (unsigned long long)l->ranges[j].start, (unsigned long long)l->ranges[j].end);
                return -1;
            }
    }
    return 0;
}

static int build_page_tables(struct hvt *hvt, const struct layout *l) {
    uint64_t *pml4 = (uint64_t *)(hvt->mem + HVT_PML4_ADDR);
    uint64_t *pdpt = (uint64_t *)(hvt->mem + HVT_PDPT_ADDR);
    unsigned pts_used = 0;
    pml4[0] = HVT_PDPT_ADDR | PTE_TABLE;
    for (uint64_t gib = 0; gib * PAGE_1G < l->mem_size; gib++) {
        uint64_t pd_addr = HVT_PD_ADDR + gib * PAGE_4K;
        uint64_t *pd = (uint64_t *)(hvt->mem + pd_addr);
        pdpt[gib] = pd_addr | PTE_TABLE;
        for (uint64_t i = 0; i < 512; i++) {
            uint64_t base = gib * PAGE_1G + i * PAGE_2M;
            if (base >= l->mem_size) break;
            if (!region_is_mixed(l, base)) {
                pd[i] = leaf(l, base, PTE_PS);
                continue;
            }
            if (pts_used == HVT_PT_COUNT) {
                fprintf(stderr,
                        "tessera-hvt: the image's layout needs more than %u page tables of 4 KiB pages "
                        "(its segments start or end inside too many 2 MiB regions)\n",
                        HVT_PT_COUNT);
                return -1;
            }
            uint64_t pt_addr = HVT_PT_ADDR + pts_used++ * PAGE_4K;
            uint64_t *pt = (uint64_t *)(hvt->mem + pt_addr);
            pd[i] = pt_addr | PTE_TABLE;
            for (uint64_t j = 0; j < 512; j++) pt[j] = leaf(l, base + j * PAGE_4K, 0);
        }
    }
    return 0;
}

/* GDT, a TSS whose RSP0 is the stub's stack, and an IDT sending every
 * exception to the stub. */
static void build_descriptors(struct hvt *hvt) {
    uint64_t *gdt = (uint64_t *)(hvt->mem + HVT_GDT_ADDR);
    gdt[SEL_KCODE / 8] = GDT_KCODE;
    gdt[SEL_KDATA / 8] = GDT_KDATA;
    gdt[SEL_UDATA / 8] = GDT_UDATA;
    gdt[SEL_UCODE / 8] = GDT_UCODE;
    uint64_t tss = HVT_TSS_ADDR, limit = TSS_SIZE - 1;
    gdt[SEL_TSS / 8] = (limit & 0xffff) | ((tss & 0xffffff) << 16) | (0x89ull << 40) | ((tss >> 24 & 0xff) << 56);
    gdt[SEL_TSS / 8 + 1] = tss >> 32;

    uint8_t *t = hvt->mem + HVT_TSS_ADDR;
    uint64_t rsp0 = HVT_STUB_STACK_TOP;
    memcpy(t + 4, &rsp0, 8);
    uint16_t iomap = TSS_SIZE; /* no I/O bitmap: ring 3 may use no port */
    memcpy(t + 102, &iomap, 2);

    uint8_t *idt = hvt->mem + HVT_IDT_ADDR;
    for (unsigned v = 0; v < IDT_VECTORS; v++) {
        uint64_t handler = HVT_STUB_ADDR + v * STUB_ENTRY_SIZE;
        uint64_t lo = (handler & 0xffff) | ((uint64_t)SEL_KCODE << 16) | ((uint64_t)IDT_GATE << 40) |
                      ((handler >> 16 & 0xffff) << 48);
        uint64_t hi = handler >> 32;
        memcpy(idt + v * 16, &lo, 8);
        memcpy(idt + v * 16 + 8, &hi, 8);
    }
    memcpy(hvt->mem + HVT_STUB_ADDR, hvt_stub_start, (size_t)(hvt_stub_end - hvt_stub_start));
}

static struct kvm_segment segment(uint16_t selector, uint8_t type, uint8_t dpl, uint8_t code64) {
    struct kvm_segment s = {.base = 0, .limit = 0xffffffff, .selector = selector, .type = type, .present = 1,
                            .dpl = dpl, .db = !code64, .s = 1, .l = code64, .g = 1};
    return s;
}

static int setup_sregs(struct hvt *hvt) {
    struct kvm_sregs sregs;
    if (ioctl(hvt->vcpu, KVM_GET_SREGS, &sregs) < 0) {
        fprintf(stderr, "tessera-hvt: KVM_GET_SREGS: %s\n", strerror(errno));
        return -1;
    }
    sregs.cs = segment(SEL_UCODE | 3, 11, 3, 1);
    sregs.ds = sregs.es = sregs.fs = sregs.gs = sregs.ss = segment(SEL_UDATA | 3, 3, 3, 0);
    sregs.tr = (struct kvm_segment){.base = HVT_TSS_ADDR, .limit = TSS_SIZE - 1, .selector = SEL_TSS, .type = 11,
                                    .present = 1, .s = 0};
    sregs.gdt.base = HVT_GDT_ADDR;
    sregs.gdt.limit = GDT_SIZE - 1;
    sregs.idt.base = HVT_IDT_ADDR;
    sregs.idt.limit = IDT_VECTORS * 16 - 1;
    sregs.cr0 = CR0_PE | CR0_MP | CR0_ET | CR0_NE | CR0_WP | CR0_PG;
    sregs.cr3 = HVT_PML4_ADDR;
    sregs.cr4 = CR4_PAE | CR4_OSFXSR | CR4_OSXMMEXCPT;
    sregs.efer = EFER_LME | EFER_LMA | (hvt->has_nx ? EFER_NXE : 0);
    if (ioctl(hvt->vcpu, KVM_SET_SREGS, &sregs) < 0) {
        fprintf(stderr, "tessera-hvt: KVM_SET_SREGS: %s\n", strerror(errno));
        return -1;
    }
    /* x87 and SSE as after FNINIT/LDMXCSR: every exception masked. */
    struct kvm_fpu fpu;
    memset(&fpu, 0, sizeof fpu);
    fpu.fcw = 0x37f;
    fpu.mxcsr = 0x1f80;
    if (ioctl(hvt->vcpu, KVM_SET_FPU, &fpu) < 0) {
        fprintf(stderr, "tessera-hvt: KVM_SET_FPU: %s\n", strerror(errno));
        return -1;
    }
    return 0;
}

int hvt_x86_64_setup(struct hvt *hvt, const struct hvt_range *ranges, size_t count, uint64_t entry, uint64_t rsp,
                     uint64_t arg) {
    struct layout l = {ranges, count, hvt->mem_size, hvt->has_nx};
    _Static_assert(HVT_STUB_ADDR + 4096 <= HVT_STUB_STACK, "the stub's page");
    if ((size_t)(hvt_stub_end - hvt_stub_start) > 4096) return -1;
    memset(hvt->mem, 0, HVT_STUB_STACK_TOP);
    if (check_ranges(&l) < 0 || build_page_tables(hvt, &l) < 0) return -1;
    build_descriptors(hvt);
    if (setup_sregs(hvt) < 0) return -1;
    struct kvm_regs regs;
    memset(&regs, 0, sizeof regs);
    regs.rip = entry;
    regs.rsp = rsp;
    regs.rdi = arg;
    regs.rflags = 0x2;
    if (ioctl(hvt->vcpu, KVM_SET_REGS, &regs) < 0) {
        fprintf(stderr, "tessera-hvt: KVM_SET_REGS: %s\n", strerror(errno));
        return -1;
    }
    return 0;
}
