/*
 * board.c: the machine where no device tree came in x0. A Raspberry Pi's
 * firmware passes one, but QEMU -M raspi3b with -kernel and no -dtb does
 * not: the Raspberry Pi build (TESSERA_BOARD_RPI3) then takes the Pi 3's
 * fixed layout (RAM from 0, the PL011 at 0x3f201000, the BCM2836 local
 * interrupt controller at 0x40000000, the EMMC host at 0x3f300000 and the
 * GPIO block at 0x3f200000) and an empty command line. Other builds
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
    m->sdhci = 0x3f300000; /* the EMMC host, the SD slot's once GPIO 48-53 are routed to it */
    m->sdhci_pins = true;
    m->gpio = 0x3f200000;
#else
    m->uart = 0x09000000; /* QEMU virt's PL011, to say why nothing else happens */
    m->uart_size = 0x1000;
    serial_init();
    serial_puts("tessera: no device tree in x0 (the Linux arm64 boot protocol passes one): nothing to run on\n");
    for (;;) __asm__ volatile("wfi");
#endif
}

/*
 * What the tree may leave out or get wrong on a board: QEMU's raspi gives its
 * /memory the whole first GiB, the peripherals' 16 MiB at 0x3f000000
 * included, so RAM ends below the first device register found inside it;
 * a Raspberry Pi build without a PL011 in its tree takes the board's.
 */
void board_check(void) {
    struct virtio_machine *m = &virtio_machine;
    uint64_t regs[] = {m->uart, m->gicd, m->gicc, m->local_intc, m->rtc, m->sdhci, m->gpio};
    for (unsigned i = 0; i < sizeof regs / sizeof regs[0]; i++)
        if (regs[i] > m->ram_start && regs[i] < m->ram_end) m->ram_end = regs[i] & ~(uint64_t)0xffffff;
#ifdef TESSERA_BOARD_RPI3
    if (!m->uart) {
        m->uart = 0x3f201000;
        m->uart_size = 0x1000;
        serial_init();
    }
#endif
}
