/* entropy.c: the entropy call's first source: RDRAND, when CPUID says the CPU
 * has it (QEMU: -cpu max under TCG, -cpu host under KVM on a CPU that has it).
 * Without it the call falls back to a virtio-rng device (../virtio/rng.c),
 * which tessera run adds for such a CPU; with neither it answers EUNSPEC
 * rather than bytes that are not cryptographically secure. */
#include "virtio.h"

static int has_rdrand = -1;

static bool rdrand(uint64_t *v) {
    for (int tries = 0; tries < 10; tries++) { /* Intel: retry 10 times before giving up */
        unsigned char ok;
        __asm__ volatile("rdrand %0; setc %1" : "=r"(*v), "=qm"(ok));
        if (ok) return true;
    }
    return false;
}

bool entropy_fill(uint8_t *buf, uint32_t len) {
    if (has_rdrand < 0) {
        uint32_t r[4];
        cpuid(1, 0, r);
        has_rdrand = (r[2] >> 30) & 1;
    }
    if (!has_rdrand) return false;
    for (uint32_t i = 0; i < len; i += 8) {
        uint64_t v;
        if (!rdrand(&v)) return false;
        for (uint32_t j = 0; j < 8 && i + j < len; j++) buf[i + j] = (uint8_t)(v >> (8 * j));
    }
    return true;
}
