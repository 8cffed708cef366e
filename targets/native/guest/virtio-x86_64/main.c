/*
 * main.c: from boot.S's long mode to the app. Reads the PVH start_info, sets
 * up the CPU, lays out memory (below), builds the page tables, sets up the
 * console, interrupts, timer and virtio devices, and enters start.c's tessera_start on the
 * guest's stack with a boot page of its own, as a tender would have written it.
 *
 *   0x100000            the image: text, rodata, data + bss, symbols
 *   heap_base           the wasm linear memory (64 KiB aligned)
 *   heap end            the virtio devices' rings and buffers, up to the guard
 *   stack_base - 4 KiB  the guard page, never mapped
 *   stack_base          1 MiB of stack, up to the end of RAM
 */
#include "tessera_abi.h"
#include "virtio.h"

void clock_boot(void);

static struct tessera_boot boot;
static struct virtio_layout layout;
uint64_t virtio_stack_guard; /* cpu.c names a fault there */

#define HEAP_ALIGN (UINT64_C(64) << 10)
#define align_up(x, a) (((x) + (a) - 1) & ~((uint64_t)(a) - 1))

__attribute__((noreturn, used)) void virtio_main(uint32_t start_info) {
    clock_boot();
    serial_init();
    pvh_read(start_info);
    cpu_init();

    struct virtio_layout *l = &layout;
    l->text_start = (uint64_t)(uintptr_t)__text_start;
    l->text_end = align_up((uint64_t)(uintptr_t)__text_end, TESSERA_PAGE_SIZE);
    l->rodata_start = (uint64_t)(uintptr_t)__rodata_start;
    l->rodata_end = align_up((uint64_t)(uintptr_t)__rodata_end, TESSERA_PAGE_SIZE);
    l->data_start = (uint64_t)(uintptr_t)__data_start;
    l->data_end = align_up((uint64_t)(uintptr_t)__bss_end, TESSERA_PAGE_SIZE);
    l->syms_start = (uint64_t)(uintptr_t)__syms_start;
    l->syms_end = align_up((uint64_t)(uintptr_t)__syms_end, TESSERA_PAGE_SIZE);
    l->heap_base = align_up((uint64_t)(uintptr_t)__image_end, HEAP_ALIGN);
    l->stack_top = virtio_machine.ram_end & ~(uint64_t)(TESSERA_PAGE_SIZE - 1);
    l->stack_base = l->stack_top - TESSERA_STACK_SIZE;
    l->guard = l->stack_base - TESSERA_PAGE_SIZE;
    if (l->stack_top < l->heap_base + HEAP_ALIGN + TESSERA_STACK_SIZE + TESSERA_PAGE_SIZE)
        machine_fail("memory: the machine's RAM leaves no room for the heap and the 1 MiB stack: give it more (tessera run --mem, QEMU -m)");
    l->heap_size = (l->guard - l->heap_base) / HEAP_ALIGN * HEAP_ALIGN;
    virtio_stack_guard = l->guard;
    l->mmio = virtio_regions;
    l->mmio_count = virtio_region_count;
    paging_init(l);
    timer_init();
    irq_init();

    /* The devices' rings and buffers: from the top of the heap's range, which shrinks by as much. */
    uint64_t top = l->heap_base + l->heap_size;
    virtio_devices_init(l->heap_base + HEAP_ALIGN, &top);
    l->heap_size = (top - l->heap_base) / HEAP_ALIGN * HEAP_ALIGN;
    for (unsigned i = 0; i < virtio_region_count; i++)
        if (!irq_enable(virtio_regions[i].irq)) {
            serial_puts("tessera: virtio-mmio device at 0x");
            serial_hex(virtio_regions[i].base);
            serial_puts(": its IRQ ");
            serial_dec(virtio_regions[i].irq);
            serial_puts(" does not go through the 8259 (1..15 but 2); yield will not wake for it\n");
        }

    boot = (struct tessera_boot){
        .magic = TESSERA_BOOT_MAGIC,
        .mem_size = virtio_machine.ram_end,
        .heap_base = l->heap_base,
        .heap_size = l->heap_size,
        .heap_used = 0,
        .stack_base = l->stack_base,
        .stack_size = TESSERA_STACK_SIZE,
        .call = 0,
        .tsc_khz = 0,
    };
    if (virtio_machine.cmdline_truncated)
        serial_puts("tessera: the command line is longer than 4096 bytes; the image sees its first 4096\n");
    virtio_enter(&boot, l->stack_top);
}
