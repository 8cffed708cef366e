/*
 * clock.c: the monotonic clock, from the TSC, which reading costs no exit.
 * Its rate is measured once, on first use, against the PIT (1.193182 MHz,
 * channel 0 counting down from 65536, read by latching): 10 ms of PIT ticks.
 * The LAPIC timer's rate is measured in the same window (timer.c). kvmclock
 * is not used yet: the PIT is there under TCG and KVM alike on QEMU's
 * microvm and q35.
 */
#include "virtio.h"

#define PIT_HZ 1193182u
#define CALIBRATION_TICKS (PIT_HZ / 100) /* 10 ms */

static uint64_t tsc0;  /* the TSC at boot: the clock's epoch */
static uint64_t mult;  /* ns per TSC tick, 32.32 fixed point */
static uint64_t tsc_khz;
uint64_t virtio_lapic_khz; /* the LAPIC timer's rate (after its divider), for timer.c */

void clock_boot(void) {
    tsc0 = rdtsc();
}

static uint16_t pit_read(void) {
    outb(0x43, 0x00); /* latch channel 0 */
    uint8_t lo = inb(0x40);
    uint8_t hi = inb(0x40);
    return (uint16_t)(lo | hi << 8);
}

void pit_measure(uint32_t ticks, uint64_t *tsc, uint32_t *lapic) {
    outb(0x43, 0x34); /* channel 0, lo/hi byte, mode 2 (rate generator), binary */
    outb(0x40, 0);
    outb(0x40, 0); /* 65536: wraps every 55 ms, far more than one loop takes */
    uint16_t last = pit_read();
    uint32_t l0 = lapic_timer_count();
    uint64_t t0 = rdtsc();
    uint32_t passed = 0;
    while (passed < ticks) {
        uint16_t now = pit_read();
        passed += (uint16_t)(last - now);
        last = now;
    }
    *tsc = rdtsc() - t0;
    *lapic = l0 - lapic_timer_count();
    outb(0x43, 0x30); /* mode 0 with count 1: fires once more, then stays quiet */
    outb(0x40, 1);
    outb(0x40, 0);
}

static void calibrate(void) {
    uint64_t tsc;
    uint32_t lapic;
    lapic_timer_start(0xffffffffu);
    pit_measure(CALIBRATION_TICKS, &tsc, &lapic);
    lapic_timer_start(0);
    tsc_khz = tsc * PIT_HZ / CALIBRATION_TICKS / 1000;
    virtio_lapic_khz = (uint64_t)lapic * PIT_HZ / CALIBRATION_TICKS / 1000;
    if (tsc_khz == 0 || virtio_lapic_khz == 0)
        machine_fail("clock: the TSC or the LAPIC timer did not advance against the PIT (no PIT on this machine?)");
    mult = (uint64_t)(((unsigned __int128)1000000 << 32) / tsc_khz);
}

uint64_t clock_tsc_khz(void) {
    if (mult == 0) calibrate();
    return tsc_khz;
}

int64_t clock_monotonic_ns(void) {
    if (mult == 0) calibrate();
    return (int64_t)(((unsigned __int128)(rdtsc() - tsc0) * mult) >> 32);
}
