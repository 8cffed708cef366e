/* serial.c: the console, a 16550 UART at 0x3f8 (COM1; the register logic is
 * ../virtio/uart16550.c): 115200 8N1, FIFOs on, the receive interrupt on for
 * console input (irq.c routes it). Writing is best effort: a transmitter that
 * stays busy drops the byte, as the ABI allows. */
#include "virtio.h"
#include "uart16550.h"

#define COM1 0x3f8

uint8_t uart16550_in(unsigned reg) {
    return inb((uint16_t)(COM1 + reg));
}

void uart16550_out(unsigned reg, uint8_t v) {
    outb((uint16_t)(COM1 + reg), v);
}

void serial_init(void) {
    uart16550_init();
    uart16550_rx_irq(true); /* an interrupt when input arrives */
}

void serial_putc(uint8_t c) {
    uart16550_putc(c);
}

bool serial_input_ready(void) {
    return uart16550_input_ready();
}

int serial_read_byte(void) {
    return uart16550_read_byte();
}
