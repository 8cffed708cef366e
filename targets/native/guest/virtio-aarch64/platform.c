/* platform.c: what the shared virtio drivers (../virtio) ask of this stub: the
 * console, a sleep until any interrupt, and stopping. */
#include "virtio.h"

void virtio_platform_puts(const char *s) {
    serial_puts(s);
}

void virtio_platform_hex(uint64_t v) {
    serial_hex(v);
}

void virtio_platform_idle(void) {
    /* Interrupts stay masked: a pending one (the device's) ends WFI all the same.
     * Console input waiting unread must not end it at once (serial.c). */
    serial_irq_arm();
    __asm__ volatile("dsb sy; wfi" ::: "memory");
}

void virtio_platform_fail(const char *msg) {
    machine_fail(msg);
}

/* boot.S relocated the image (a static PIE) by this much, and keeps it here. */
extern uint64_t boot_load_delta;

uint64_t symbol_load_delta(void) {
    return boot_load_delta;
}
