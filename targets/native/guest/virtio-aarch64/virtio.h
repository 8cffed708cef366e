/*
 * virtio.h: what the pieces of the virtio-aarch64 boot stub share. The stub
 * is the "tender" of a virtio-aarch64 image, inside it: booted from the Linux
 * arm64 Image header (QEMU -M virt -kernel, U-Boot booti, a Raspberry Pi's
 * firmware), it reads the machine from its device tree and answers the ABI's
 * calls (../virtio/call_virtio.c) with what it found: a PL011 UART for the
 * console, the generic timer for clocks and yield, a GICv2 or GICv3 to wake
 * from WFI, the PL031 RTC for the wall clock, RNDR for entropy, PSCI and
 * semihosting to stop.
 */
#ifndef TESSERA_VIRTIO_H
#define TESSERA_VIRTIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tessera_native.h"
#include "virtio_dev.h"

#define sysreg_read(r)                                         \
    ({                                                         \
        uint64_t v_;                                           \
        __asm__ volatile("mrs %0, " #r : "=r"(v_)::"memory");  \
        v_;                                                    \
    })
#define sysreg_write(r, v) __asm__ volatile("msr " #r ", %0" ::"r"((uint64_t)(v)) : "memory")
#define isb() __asm__ volatile("isb" ::: "memory")

static inline uint32_t mmio_read32(uint64_t a) {
    uint32_t v;
    __asm__ volatile("ldr %w0, [%1]" : "=r"(v) : "r"(a) : "memory");
    return v;
}
static inline void mmio_write32(uint64_t a, uint32_t v) {
    __asm__ volatile("str %w0, [%1]" ::"rZ"(v), "r"(a) : "memory");
}

/* ---- the machine, from the device tree (fdt.c) ---- */
#define UART_PL011 0
#define UART_16550 1
#define GIC_NONE 0
#define GIC_V2 2
#define GIC_V3 3
struct virtio_machine {
    uint64_t ram_start, ram_end; /* the memory region the image is in */
    uint64_t uart, uart_size;    /* the console UART's registers, 0 if none */
    uint32_t uart_irq;           /* its INTID, 0 if none */
    int uart_kind;               /* UART_PL011, or UART_16550 (Firecracker's ns16550a) when the tree has no PL011 */
    uint32_t uart_shift, uart_width; /* a 16550's reg-shift and reg-io-width (1 or 4 bytes) */
    int gic;                     /* GIC_V2, GIC_V3 or GIC_NONE */
    uint64_t gicd, gicd_size, gicc, gicc_size; /* distributor; CPU interface (v2) or redistributors (v3) */
    uint64_t local_intc;         /* BCM2836 local interrupt controller (Raspberry Pi 2/3), 0 if none */
    uint32_t timer_irq;          /* the virtual timer's INTID (PPI 11 -> 27) */
    uint64_t timer_freq;         /* the timer node's clock-frequency, 0 if none (then CNTFRQ_EL0) */
    uint64_t rtc;                /* PL031, 0 if none */
    uint64_t sdhci, gpio;        /* a Raspberry Pi's SD host (an SDHCI) and GPIO block, 0 if none */
    bool sdhci_pins;             /* a Pi 3's EMMC: its SD pins routed to it through the GPIO block first */
    uint32_t sd_block_size;      /* the SD card's block size for the app (tessera,block-size), 0: 512 */
    int psci;                    /* 0 none, 1 hvc, 2 smc */
    char cmdline[4096 + 1024 + 1]; /* /chosen/bootargs, NUL-terminated, without the device words */
    uint32_t cmdline_len;
    bool cmdline_truncated;
    bool has_dt;
};
extern struct virtio_machine virtio_machine;

/* Reads the flattened device tree at `dtb` into virtio_machine and virtio_regions; false if it is not one. */
bool fdt_read(uint64_t dtb);
/* The board's fixed layout where no device tree came (board.c; the Raspberry Pi build). */
void board_defaults(void);
/* Corrections after the tree: RAM ends below any device inside it; the board's UART if none (board.c). */
void board_check(void);

/* ---- the console: PL011 (serial.c) ---- */
void serial_init(void);
/* One byte out, best effort (the UART's own); the rest in ../virtio/console.c. */
void serial_putc(uint8_t c);
void serial_write(const void *buf, size_t len);
void serial_puts(const char *s);
void serial_hex(uint64_t v);
void serial_dec(int64_t v);
int serial_read_byte(void);
bool serial_input_ready(void);
/* Console input wakes WFI only while none is waiting unread (serial.c). */
void serial_irq_arm(void);

/* ---- a Raspberry Pi's SD card as the app's block device (sdcard.c, sdhci.c) ---- */
/* Backs the manifest's first block device no virtio-blk backs with the SD card, if the machine has a slot. */
void sdcard_attach(void);

/* ---- page tables (paging.c) ---- */
struct virtio_layout {
    uint64_t text_start, text_end;
    uint64_t rodata_start, rodata_end;
    uint64_t data_start, data_end;
    uint64_t syms_start, syms_end;
    uint64_t heap_base, heap_size;
    uint64_t guard;
    uint64_t stack_base, stack_top;
};
void paging_init(const struct virtio_layout *l);
void ttbr0_switch(uint64_t table);

/* ---- interrupts (gic.c), time (timer.c), the RTC (rtc.c) ---- */
void gic_init(void);
/* Lets INTID `irq` (level-sensitive) wake WFI; false if there is no GIC to route it. */
bool gic_enable(uint32_t irq);
int64_t clock_monotonic_ns(void);
void clock_boot(void);
int64_t rtc_read_unix(void);
/* Sleeps (WFI, interrupts masked) until `deadline_ns` or any interrupt; returns at once if it is past. */
void timer_sleep_until(int64_t deadline_ns);

/* ---- entropy (entropy.c) ---- */
bool entropy_fill(uint8_t *buf, uint32_t len);
bool entropy_has_rndr(void);

/* ---- symbols (../virtio/symbols.c) ---- */
const char *symbol_at(uint64_t pc, bool *is_wasm);
const char *symbol_wasm_caller(uint64_t pc, uint64_t from, uint64_t stack_top);
/* Where the image runs minus where it was linked (platform.c): the table holds link-time addresses. */
uint64_t symbol_load_delta(void);

/* ---- stopping (exit.c) ---- */
__attribute__((noreturn)) void machine_exit(int status);
__attribute__((noreturn)) void machine_fail(const char *msg);
/* Arm semihosting (boot.S): -1 if the machine has none (the HLT was undefined). */
int64_t semihost(uint64_t op, uint64_t param);
extern char semihost_insn[];

/* ---- boot.S and the linker script ---- */
__attribute__((noreturn)) void virtio_enter(struct tessera_boot *boot, uint64_t stack_top);
extern char _head[], __text_start[], __text_end[], __rodata_start[], __rodata_end[], __data_start[], __bss_end[],
    __image_end[];
extern char __syms_start[], __syms_end[];

#endif
