/*
 * entropy.c: RNDR (Armv8.5-RNG), where ID_AA64ISAR0_EL1.RNDR says the CPU has
 * it (QEMU: -cpu max; not cortex-a53 or cortex-a72). Without it, or if it
 * keeps failing, the call falls back to a virtio-rng device (../virtio/rng.c),
 * which tessera run adds for such a CPU; with neither it answers EUNSPEC,
 * rather than bytes that are not cryptographically secure.
 */
#include "virtio.h"

bool entropy_has_rndr(void) {
    return (sysreg_read(id_aa64isar0_el1) >> 60) & 0xf;
}

static bool rndr(uint64_t *v) {
    uint64_t ok;
    __asm__ volatile("mrs %0, s3_3_c2_c4_0\n\tcset %1, ne" : "=r"(*v), "=r"(ok)::"cc");
    return ok;
}

bool entropy_fill(uint8_t *buf, uint32_t len) {
    if (!entropy_has_rndr()) return false;
    for (uint32_t i = 0; i < len;) {
        uint64_t v = 0;
        int tries = 0;
        while (!rndr(&v))
            if (++tries == 10) return false;
        for (int k = 0; k < 8 && i < len; k++, v >>= 8) buf[i++] = (uint8_t)v;
    }
    return true;
}
