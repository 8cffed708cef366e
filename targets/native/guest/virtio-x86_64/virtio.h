/*
 * virtio.h: what the pieces of the virtio-x86_64 boot stub share. The stub is
 * the "tender" of a virtio-x86_64 image, inside it: it boots from PVH (QEMU
 * -M microvm or -M q35 with -kernel), sets up the CPU and memory, and answers
 * the ABI's calls itself (call_virtio.c) with the machine's devices: a 16550
 * UART for the console, the TSC and the LAPIC timer for clocks and yield, the
 * CMOS RTC for the wall clock, RDRAND for entropy, isa-debug-exit to stop.
 */
#ifndef TESSERA_VIRTIO_H
#define TESSERA_VIRTIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tessera_native.h"
#include "virtio_dev.h"

/* ---- port and MMIO access ---- */
static inline void outb(uint16_t port, uint8_t v) { __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port)); }
static inline void outl(uint16_t port, uint32_t v) { __asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port)); }
static inline uint8_t inb(uint16_t port) {
    uint8_t v;
    __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}
static inline uint64_t rdtsc(void) {
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}
static inline void cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4]) {
    __asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3]) : "a"(leaf), "c"(sub));
}
static inline uint64_t rdmsr(uint32_t msr) {
    uint32_t lo, hi;
    __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
    return ((uint64_t)hi << 32) | lo;
}
static inline void wrmsr(uint32_t msr, uint64_t v) {
    __asm__ volatile("wrmsr" : : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}

/* ---- the machine, as the boot found it (pvh.c) ---- */
struct virtio_machine {
    /* the command line as the app sees it: without the virtio_mmio.device= words (virtio/devices.c) */
    uint64_t ram_end;   /* end of the RAM region the image is in, capped at 4 GiB */
    char cmdline[4096 + 1024 + 1]; /* the boot command line, NUL-terminated */
    uint32_t cmdline_len;
    bool cmdline_truncated;
};
extern struct virtio_machine virtio_machine;

/* Reads the PVH start_info at `addr` into virtio_machine; stops the machine with a message if it is not one. */
void pvh_read(uint32_t addr);

/* ---- the console: the 16550 UART at 0x3f8 (serial.c) ---- */
void serial_init(void);
/* One byte out, best effort (the UART's own); the rest in ../virtio/console.c. */
void serial_putc(uint8_t c);
void serial_write(const void *buf, size_t len);
void serial_puts(const char *s);
void serial_hex(uint64_t v);
void serial_dec(int64_t v);
/* One byte of input if the UART has one: 0..255, or -1. */
int serial_read_byte(void);
bool serial_input_ready(void);

/* ---- the CPU: GDT, TSS, IDT, faults (cpu.c, boot.S) ---- */
void cpu_init(void);
bool cpu_has_nx(void);
/* Points IDT `vector` at `handler` (an interrupt gate, IST `ist`). */
void cpu_set_gate(int vector, uint64_t handler, uint8_t ist);
/* The first 32 vectors report the fault and stop; these take interrupts. */
#define VECTOR_TIMER 0x20
#define VECTOR_SERIAL 0x24 /* IRQ 4 through the 8259, remapped to 0x20 + 4 */
#define VECTOR_SPURIOUS 0xff

/* ---- page tables (paging.c) ---- */
struct virtio_layout {
    uint64_t text_start, text_end;     /* R+X */
    uint64_t rodata_start, rodata_end; /* R */
    uint64_t data_start, data_end;     /* R+W: data and bss */
    uint64_t syms_start, syms_end;     /* R: the symbol table */
    uint64_t heap_base, heap_size;     /* R+W from heap_base to guard */
    uint64_t guard;                    /* one unmapped page */
    uint64_t stack_base, stack_top;    /* R+W */
    const struct virtio_mmio_region *mmio; /* R+W, uncached: the virtio devices' registers */
    unsigned mmio_count;
};
void paging_init(const struct virtio_layout *l);
#define LAPIC_BASE 0xfee00000u

/* ---- time (clock.c, timer.c, rtc.c) ---- */
/* Nanoseconds since boot from the TSC (calibrated against the PIT on first use). */
int64_t clock_monotonic_ns(void);
/* The TSC's rate, kHz (calibrating on first use). */
uint64_t clock_tsc_khz(void);
/* Counts PIT ticks (1.193182 MHz) for `ticks`, returning the TSC and LAPIC-timer counts that passed. */
void pit_measure(uint32_t ticks, uint64_t *tsc, uint32_t *lapic);
/* Seconds since 1970 from the CMOS RTC, or -1 if it cannot be read. */
int64_t rtc_read_unix(void);
void timer_init(void);
void lapic_timer_start(uint32_t count);
uint32_t lapic_timer_count(void);
/* Sleeps with interrupts on until `deadline_ns` (monotonic) or any interrupt; returns at once if it is past. */
void timer_sleep_until(int64_t deadline_ns);

/* ---- console input and the devices through the 8259 (irq.c) ---- */
void irq_init(void);
/* Unmasks IRQ `irq` (1..15 but 2) and points its vector at an EOI stub; false if it cannot. */
bool irq_enable(uint32_t irq);

/* ---- entropy (entropy.c) ---- */
/* Fills buf from RDRAND; false if the CPU has none or it kept failing. */
bool entropy_fill(uint8_t *buf, uint32_t len);

/* ---- symbols for trap and fault reports (symbols.c) ---- */
/* The name of the function containing pc (a wasm name or the C symbol), or NULL. */
const char *symbol_at(uint64_t pc, bool *is_wasm);
/* The wasm function a trap happened in: pc's, or the first wasm return address on the stack above `from`. */
const char *symbol_wasm_caller(uint64_t pc, uint64_t from, uint64_t stack_top);
/* Where the image runs minus where it was linked (platform.c): the table holds link-time addresses. */
uint64_t symbol_load_delta(void);

/* ---- stopping (exit.c) ---- */
/* Stops the machine with `status` (0..255) through isa-debug-exit; never returns. */
__attribute__((noreturn)) void machine_exit(int status);
/* Prints `tessera: <msg>` and a newline and stops with 255. */
__attribute__((noreturn)) void machine_fail(const char *msg);

/* ---- boot.S ---- */
__attribute__((noreturn)) void virtio_enter(struct tessera_boot *boot, uint64_t stack_top);
extern char __text_start[], __text_end[], __rodata_start[], __rodata_end[], __data_start[], __bss_end[], __image_end[];
extern char __syms_start[], __syms_end[];

#endif
