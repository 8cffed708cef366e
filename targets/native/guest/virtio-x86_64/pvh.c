/*
 * pvh.c: what the PVH boot protocol hands over: struct hvm_start_info
 * (xen/include/public/arch-x86/hvm/start_info.h), read once at boot while the
 * early page tables still map the low memory it lies in. The command line is
 * copied, and the virtio_mmio.device= words the VMM adds are taken out of it;
 * the memory map (version 1) gives the end of the RAM the image is loaded in,
 * which bounds the heap and holds the stack.
 */
#include "tessera_abi.h"
#include "virtio.h"

#define START_INFO_MAGIC 0x336ec578u
#define MEMMAP_RAM 1
#define FOUR_GIB (UINT64_C(1) << 32)

struct hvm_start_info {
    uint32_t magic, version, flags, nr_modules;
    uint64_t modlist_paddr, cmdline_paddr, rsdp_paddr;
    uint64_t memmap_paddr; /* version 1 */
    uint32_t memmap_entries, reserved;
};

struct hvm_memmap_entry {
    uint64_t addr, size;
    uint32_t type, reserved;
};

struct virtio_machine virtio_machine;

/* The early tables map the first GiB: anything the loader put higher is out of reach. */
static bool reachable(uint64_t addr, uint64_t len) {
    return addr != 0 && addr < (UINT64_C(1) << 30) && len <= (UINT64_C(1) << 30) - addr;
}

void pvh_read(uint32_t addr) {
    const struct hvm_start_info *si = (const struct hvm_start_info *)(uintptr_t)addr;
    if (!reachable(addr, sizeof *si) || si->magic != START_INFO_MAGIC)
        machine_fail("boot: no PVH start_info (ebx does not point at one): boot this image with a PVH loader, e.g. qemu-system-x86_64 -kernel");

    struct virtio_machine *m = &virtio_machine;
    if (si->cmdline_paddr && reachable(si->cmdline_paddr, 1)) {
        const char *c = (const char *)(uintptr_t)si->cmdline_paddr;
        uint32_t n = 0;
        while (n < sizeof m->cmdline - 1 && c[n]) {
            m->cmdline[n] = c[n];
            n++;
        }
        /* A longer command line is refused by tessera run; here, say so rather than cut it silently. */
        m->cmdline_truncated = c[n] != 0;
        m->cmdline_len = n;
        m->cmdline[n] = 0;
    }

    if (si->version < 1 || si->memmap_paddr == 0 || si->memmap_entries == 0)
        machine_fail("boot: the PVH start_info has no memory map (version 1): this loader is too old");
    const struct hvm_memmap_entry *e = (const struct hvm_memmap_entry *)(uintptr_t)si->memmap_paddr;
    if (!reachable(si->memmap_paddr, (uint64_t)si->memmap_entries * sizeof *e))
        machine_fail("boot: the PVH memory map lies outside the first GiB");
    uint64_t image_end = (uint64_t)(uintptr_t)__image_end;
    for (uint32_t i = 0; i < si->memmap_entries; i++) {
        if (e[i].type != MEMMAP_RAM) continue;
        uint64_t start = e[i].addr, end = e[i].addr + e[i].size;
        if (start <= TESSERA_IMAGE_BASE && end >= image_end) m->ram_end = end < FOUR_GIB ? end : FOUR_GIB;
    }
    if (m->ram_end == 0) machine_fail("boot: no RAM region in the memory map holds the image (at 1 MiB)");

    /* The VMM's virtio_mmio.device= words are the stub's, not the app's (virtio/devices.c). */
    virtio_cmdline_take(m->cmdline, &m->cmdline_len, m->ram_end);
    if (m->cmdline_len > TESSERA_CMDLINE_MAX) {
        m->cmdline_truncated = true;
        m->cmdline_len = TESSERA_CMDLINE_MAX;
        m->cmdline[TESSERA_CMDLINE_MAX] = 0;
    }
}
