/*
 * serial.c: the console on a PL011 UART (the device tree's arm,pl011; on a
 * Raspberry Pi without one, the board's), or, in a tree with no PL011, on an
 * MMIO 16550 (ns16550a: Firecracker's console; the register logic is
 * ../virtio/uart16550.c, shared with x86_64, reached here through reg-shift
 * and reg-io-width). Polled output, best effort: a byte the FIFO does not
 * take within 100,000 polls is dropped. Input: its receive interrupt wakes
 * WFI, armed only while no input waits unread (a level interrupt left high
 * would end every sleep at once).
 */
#include "virtio.h"
#include "uart16550.h"

#define DR 0x00
#define FR 0x18
#define LCR_H 0x2c
#define CR 0x30
#define IMSC 0x38
#define ICR 0x44
#define FR_RXFE (1u << 4)
#define FR_TXFF (1u << 5)
#define IM_RX (1u << 4)
#define IM_RT (1u << 6)

static uint64_t base;
static bool is_16550;

/* The 16550's registers: reg << reg-shift bytes apart, read and written 1 or 4 bytes wide. */
uint8_t uart16550_in(unsigned reg) {
    uint64_t a = base + ((uint64_t)reg << virtio_machine.uart_shift);
    uint32_t v;
    if (virtio_machine.uart_width == 4) return (uint8_t)mmio_read32(a);
    __asm__ volatile("ldrb %w0, [%1]" : "=r"(v) : "r"(a) : "memory");
    return (uint8_t)v;
}

void uart16550_out(unsigned reg, uint8_t v) {
    uint64_t a = base + ((uint64_t)reg << virtio_machine.uart_shift);
    if (virtio_machine.uart_width == 4) mmio_write32(a, v);
    else __asm__ volatile("strb %w0, [%1]" ::"rZ"(v), "r"(a) : "memory");
}

void serial_init(void) {
    base = virtio_machine.uart;
    is_16550 = virtio_machine.uart_kind == UART_16550;
    if (!base) return;
    if (is_16550) {
        uart16550_init();
        return;
    }
    /* 8N1 with FIFOs; enabled for both directions (the firmware or QEMU set the rate) */
    mmio_write32(base + LCR_H, (3u << 5) | (1u << 4));
    mmio_write32(base + CR, (1u << 0) | (1u << 8) | (1u << 9));
    mmio_write32(base + IMSC, 0);
    mmio_write32(base + ICR, 0x7ff);
}

void serial_putc(uint8_t c) {
    if (!base) return;
    if (is_16550) {
        uart16550_putc(c);
        return;
    }
    for (int i = 0; i < 100000; i++)
        if (!(mmio_read32(base + FR) & FR_TXFF)) {
            mmio_write32(base + DR, c);
            return;
        }
}

bool serial_input_ready(void) {
    if (!base) return false;
    return is_16550 ? uart16550_input_ready() : !(mmio_read32(base + FR) & FR_RXFE);
}

int serial_read_byte(void) {
    if (!serial_input_ready()) return -1;
    return is_16550 ? uart16550_read_byte() : (int)(mmio_read32(base + DR) & 0xff);
}

void serial_irq_arm(void) {
    if (!base) return;
    if (is_16550) {
        uart16550_rx_irq(!serial_input_ready());
        return;
    }
    mmio_write32(base + ICR, IM_RX | IM_RT);
    mmio_write32(base + IMSC, serial_input_ready() ? 0 : IM_RX | IM_RT);
}
