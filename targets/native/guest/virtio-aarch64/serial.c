/*
 * serial.c: the console on a PL011 UART (the device tree's arm,pl011; on a
 * Raspberry Pi without one, the board's). Polled output, best effort: a byte
 * the FIFO does not take within 100,000 polls is dropped. Input: its receive
 * interrupt wakes WFI, armed only while no input waits unread (a level
 * interrupt left high would end every sleep at once).
 */
#include "virtio.h"

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

void serial_init(void) {
    base = virtio_machine.uart;
    if (!base) return;
    /* 8N1 with FIFOs; enabled for both directions (the firmware or QEMU set the rate) */
    mmio_write32(base + LCR_H, (3u << 5) | (1u << 4));
    mmio_write32(base + CR, (1u << 0) | (1u << 8) | (1u << 9));
    mmio_write32(base + IMSC, 0);
    mmio_write32(base + ICR, 0x7ff);
}

void serial_putc(uint8_t c) {
    if (!base) return;
    for (int i = 0; i < 100000; i++)
        if (!(mmio_read32(base + FR) & FR_TXFF)) {
            mmio_write32(base + DR, c);
            return;
        }
}

bool serial_input_ready(void) {
    return base && !(mmio_read32(base + FR) & FR_RXFE);
}

int serial_read_byte(void) {
    return serial_input_ready() ? (int)(mmio_read32(base + DR) & 0xff) : -1;
}

void serial_irq_arm(void) {
    if (!base) return;
    mmio_write32(base + ICR, IM_RX | IM_RT);
    mmio_write32(base + IMSC, serial_input_ready() ? 0 : IM_RX | IM_RT);
}
