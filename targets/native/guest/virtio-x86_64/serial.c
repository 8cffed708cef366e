/* serial.c: the console, a 16550 UART at 0x3f8 (COM1): 115200 8N1, FIFOs on,
 * the receive interrupt on for console input (irq.c routes it). Writing is
 * best effort: a transmitter that stays busy drops the byte, as the ABI allows. */
#include "virtio.h"

#define COM1 0x3f8
#define THR 0 /* transmit holding (write) / receive buffer (read) */
#define IER 1
#define FCR 2
#define LCR 3
#define MCR 4
#define LSR 5
#define LSR_DATA 0x01
#define LSR_THRE 0x20

void serial_init(void) {
    outb(COM1 + IER, 0);
    outb(COM1 + LCR, 0x80); /* DLAB: divisor 1, 115200 baud */
    outb(COM1 + 0, 1);
    outb(COM1 + 1, 0);
    outb(COM1 + LCR, 0x03); /* 8N1 */
    outb(COM1 + FCR, 0xc7); /* FIFOs on and cleared, 14-byte threshold */
    outb(COM1 + MCR, 0x0b); /* DTR, RTS, OUT2 (the IRQ line's gate on PCs) */
    outb(COM1 + IER, 0x01); /* an interrupt when input arrives */
}

void serial_putc(uint8_t c) {
    for (int spins = 0; spins < 100000; spins++)
        if (inb(COM1 + LSR) & LSR_THRE) {
            outb(COM1 + THR, c);
            return;
        }
}

bool serial_input_ready(void) {
    return inb(COM1 + LSR) & LSR_DATA;
}

int serial_read_byte(void) {
    return inb(COM1 + LSR) & LSR_DATA ? inb(COM1 + THR) : -1;
}
