/*
 * timer.c: the ARM generic timer. The clock is CNTVCT_EL0 (the virtual count:
 * CNTVOFF is 0 when the stub came from EL2) at CNTFRQ_EL0's rate, or the
 * device tree's clock-frequency where it gives one; never a hard-coded rate.
 * yield sleeps on the virtual timer: CNTV_CVAL_EL0 at the deadline, WFI with
 * interrupts masked (its PPI, or the UART's or a device's interrupt, ends
 * it), then the timer off again so that its line falls.
 */
#include "virtio.h"

static uint64_t freq, start;

static uint64_t count(void) {
    isb();
    return sysreg_read(cntvct_el0);
}

void clock_boot(void) {
    start = count();
}

static uint64_t rate(void) {
    if (!freq) {
        freq = virtio_machine.timer_freq ? virtio_machine.timer_freq : sysreg_read(cntfrq_el0) & 0xffffffff;
        if (!freq) machine_fail("timer: CNTFRQ_EL0 is 0 and the device tree gives no clock-frequency");
    }
    return freq;
}

int64_t clock_monotonic_ns(void) {
    uint64_t f = rate(), t = count() - start;
    return (int64_t)((t / f) * 1000000000u + (t % f) * 1000000000u / f);
}

void timer_sleep_until(int64_t deadline_ns) {
    if (deadline_ns <= clock_monotonic_ns()) return;
    uint64_t f = rate(), d = (uint64_t)deadline_ns, secs = d / 1000000000u;
    uint64_t cval = secs > UINT64_MAX / f / 2 ? UINT64_MAX : start + secs * f + (d % 1000000000u) * f / 1000000000u;
    serial_irq_arm();
    sysreg_write(cntv_cval_el0, cval);
    sysreg_write(cntv_ctl_el0, 1); /* enabled, not masked */
    isb();
    if (clock_monotonic_ns() < deadline_ns) __asm__ volatile("dsb sy; wfi" ::: "memory");
    sysreg_write(cntv_ctl_el0, 0);
    isb();
}
