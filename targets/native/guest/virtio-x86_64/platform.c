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
    /* sti's shadow: an interrupt pending already is taken once hlt has begun, and ends it. */
    __asm__ volatile("sti; hlt; cli" ::: "memory");
}

void virtio_platform_fail(const char *msg) {
    machine_fail(msg);
}

/* The x86_64 image runs where it was linked (a PVH loader puts its segments at their addresses). */
uint64_t symbol_load_delta(void) {
    return 0;
}
