/*
 * timer.c: the local APIC (xAPIC, MMIO at 0xfee00000): software-enabled with
 * spurious vector 0xff, LINT0 as ExtINT so the 8259's interrupts (console
 * input) reach the CPU, and its timer in one-shot mode (divide by 16,
 * vector 0x20), whose rate clock.c measures. timer_sleep_until arms it for a
 * deadline and halts with interrupts on: the CPU sleeps until the timer or
 * any other interrupt, and the caller looks again. Never a spin.
 */
#include "virtio.h"

#define APIC_BASE_MSR 0x1b
#define REG_TPR 0x80
#define REG_EOI 0xb0
#define REG_SVR 0xf0
#define REG_LVT_TIMER 0x320
#define REG_LVT_LINT0 0x350
#define REG_LVT_LINT1 0x360
#define REG_TIMER_INIT 0x380
#define REG_TIMER_COUNT 0x390
#define REG_TIMER_DIVIDE 0x3e0
#define LVT_MASKED (1u << 16)

extern uint64_t virtio_lapic_khz;

static volatile uint32_t *reg(uint32_t off) {
    return (volatile uint32_t *)(uintptr_t)(LAPIC_BASE + off);
}

void timer_init(void) {
    uint64_t base = rdmsr(APIC_BASE_MSR);
    if ((base & ~UINT64_C(0xfff)) != LAPIC_BASE || !(base & (1u << 11)))
        machine_fail("timer: the local APIC is disabled or not at 0xfee00000");
    *reg(REG_SVR) = 0x100 | 0xff;
    *reg(REG_TPR) = 0;
    *reg(REG_LVT_LINT0) = 0x700; /* ExtINT: the 8259 */
    *reg(REG_LVT_LINT1) = 0x400; /* NMI */
    *reg(REG_TIMER_DIVIDE) = 0x3; /* divide by 16 */
    *reg(REG_LVT_TIMER) = LVT_MASKED | VECTOR_TIMER;
    *reg(REG_TIMER_INIT) = 0;
}

void lapic_timer_start(uint32_t count) {
    *reg(REG_TIMER_INIT) = count;
}

uint32_t lapic_timer_count(void) {
    return *reg(REG_TIMER_COUNT);
}

void timer_sleep_until(int64_t deadline_ns) {
    int64_t now = clock_monotonic_ns();
    if (now >= deadline_ns) return;
    unsigned __int128 ticks = (unsigned __int128)(uint64_t)(deadline_ns - now) * virtio_lapic_khz / 1000000 + 1;
    *reg(REG_LVT_TIMER) = VECTOR_TIMER; /* one-shot, unmasked */
    *reg(REG_TIMER_INIT) = ticks > 0xffffffffu ? 0xffffffffu : (uint32_t)ticks;
    /* sti's one-instruction shadow: an interrupt already pending is taken after
     * hlt has begun, and ends it. No wake-up is lost between arming and halting. */
    __asm__ volatile("sti; hlt; cli" ::: "memory");
    *reg(REG_TIMER_INIT) = 0;
    *reg(REG_LVT_TIMER) = LVT_MASKED | VECTOR_TIMER;
}
