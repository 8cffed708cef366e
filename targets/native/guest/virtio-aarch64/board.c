/*
 * board.c: the machine where no device tree came in x0. A Raspberry Pi's
 * firmware passes one, but QEMU -M raspi3b with -kernel and no -dtb does
 * not: the Raspberry Pi build (TESSERA_BOARD_RPI3) then takes the Pi 3's
 * fixed layout (RAM from 0, the PL011 at 0x3f201000, the BCM2836 local
 * interrupt controller at 0x40000000) and an empty command line. Other builds
 * have no layout to fall back on and say so on QEMU virt's UART.
 */
#include "virtio.h"

void board_defaults(void) {
    struct virtio_machine *m = &virtio_machine;
#ifdef TESSERA_BOARD_RPI3
    m->ram_start = 0;
    m->ram_end = 0x3c000000; /* 960 MiB: the rest of the first GiB is the GPU's and the peripherals' */
    m->uart = 0x3f201000;
    m->uart_size = 0x1000;
    m->local_intc = 0x40000000;
    m->timer_irq = 0;
#else
    m->uart = 0x09000000; /* QEMU virt's PL011, to say why nothing else happens */
    m->uart_size = 0x1000;
    serial_init();
    serial_puts("tessera: no device tree in x0 (the Linux arm64 boot protocol passes one): nothing to run on\n");
    for (;;) __asm__ volatile("wfi");
#endif
}
