/*
 * main.c: from boot.S (EL1, MMU and caches on, FP/SIMD on) to the app. Reads
 * the device tree, sets up the console, lays out memory (below), builds the
 * final page tables, the GIC, the timer and the virtio devices (and on a
 * Raspberry Pi the SD card, sdcard.c), and enters
 * start.c's tessera_start on the guest's stack with a boot page of its own,
 * as a tender would have written it.
 *
 *   base + 0x80000       the image (where the loader put it, relocated by boot.S):
 *                        header and text, rodata + .rela.dyn, symbols, data + .got + bss
 *   heap_base            the wasm linear memory (64 KiB aligned)
 *   heap end             the virtio devices' rings and buffers, up to the guard
 *   stack_base - 4 KiB   the guard page, never mapped
 *   stack_base           1 MiB of stack, up to the end of RAM
 */
#include "tessera_abi.h"
#include "virtio.h"

static struct tessera_boot boot;
static struct virtio_layout layout;
extern uint64_t virtio_stack_guard;
/* boot.S: the relocations it could not apply (not R_AARCH64_RELATIVE), and the first one's r_info. */
extern uint64_t boot_bad_relocs[2];

#define HEAP_ALIGN (UINT64_C(64) << 10)
#define align_up(x, a) (((x) + (a) - 1) & ~((uint64_t)(a) - 1))

__attribute__((noreturn, used)) void virtio_main(uint64_t dtb);
__attribute__((noreturn, used)) void virtio_main(uint64_t dtb) {
    clock_boot();
    if (!fdt_read(dtb)) board_defaults();
    serial_init();
    if (!virtio_machine.has_dt) serial_puts("tessera: no device tree in x0; the board's own layout is used\n");
    if (boot_bad_relocs[0]) {
        serial_puts("tessera: .rela.dyn: ");
        serial_dec((int64_t)boot_bad_relocs[0]);
        serial_puts(" relocation(s) not R_AARCH64_RELATIVE (0x403), the first of type 0x");
        serial_hex(boot_bad_relocs[1] & 0xffffffff);
        serial_puts("\n");
        machine_fail("boot: the image has relocations that boot.S cannot apply");
    }
    if (virtio_machine.ram_end == 0) machine_fail("memory: the device tree has no memory node that holds the image");
    board_check();
    if (virtio_machine.cmdline_truncated || virtio_machine.cmdline_len > 4096) {
        serial_puts("tessera: the command line is longer than 4096 bytes; the image sees its first 4096\n");
        virtio_machine.cmdline_len = 4096;
    }

    struct virtio_layout *l = &layout;
    l->text_start = (uint64_t)(uintptr_t)__text_start;
    l->text_end = align_up((uint64_t)(uintptr_t)__text_end, TESSERA_PAGE_SIZE);
    l->rodata_start = (uint64_t)(uintptr_t)__rodata_start;
    l->rodata_end = align_up((uint64_t)(uintptr_t)__rodata_end, TESSERA_PAGE_SIZE);
    l->syms_start = (uint64_t)(uintptr_t)__syms_start;
    l->syms_end = align_up((uint64_t)(uintptr_t)__syms_end, TESSERA_PAGE_SIZE);
    l->data_start = (uint64_t)(uintptr_t)__data_start;
    l->data_end = align_up((uint64_t)(uintptr_t)__bss_end, TESSERA_PAGE_SIZE);
    l->heap_base = align_up((uint64_t)(uintptr_t)__image_end, HEAP_ALIGN);
    l->stack_top = virtio_machine.ram_end & ~(uint64_t)(TESSERA_PAGE_SIZE - 1);
    l->stack_base = l->stack_top - TESSERA_STACK_SIZE;
    l->guard = l->stack_base - TESSERA_PAGE_SIZE;
    if (l->stack_top < l->heap_base + HEAP_ALIGN + TESSERA_STACK_SIZE + TESSERA_PAGE_SIZE)
        machine_fail("memory: the machine's RAM leaves no room for the heap and the 1 MiB stack: give it more (tessera run --mem, QEMU -m)");
    l->heap_size = (l->guard - l->heap_base) / HEAP_ALIGN * HEAP_ALIGN;
    virtio_stack_guard = l->guard;
    paging_init(l);
    gic_init();
    if (virtio_machine.timer_irq) gic_enable(virtio_machine.timer_irq);
    if (virtio_machine.uart_irq) gic_enable(virtio_machine.uart_irq);

    /* The devices' rings and buffers: from the top of the heap's range, which shrinks by as much. */
    uint64_t top = l->heap_base + l->heap_size;
    virtio_devices_init(l->heap_base + HEAP_ALIGN, &top);
    l->heap_size = (top - l->heap_base) / HEAP_ALIGN * HEAP_ALIGN;
#ifdef TESSERA_BOARD_RPI3
    sdcard_attach(); /* a Raspberry Pi's SD card: the rpi build's alone (a VM's disks are virtio-blk) */
#endif
    for (unsigned i = 0; i < virtio_region_count; i++)
        if (!gic_enable(virtio_regions[i].irq)) {
            serial_puts("tessera: virtio-mmio device at 0x");
            serial_hex(virtio_regions[i].base);
            serial_puts(": no GIC to route its interrupt; yield will not wake for it\n");
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
    virtio_enter(&boot, l->stack_top);
}
