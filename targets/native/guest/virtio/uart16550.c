/* uart16550.c: the 16550 UART (see uart16550.h); the stub reaches its registers. */
#include "uart16550.h"

#define RBR_THR 0 /* receive buffer (read) / transmit holding (write); with DLAB, the divisor's low byte */
#define IER 1     /* with DLAB, the divisor's high byte */
#define FCR 2
#define LCR 3
#define MCR 4
#define LSR 5
#define LSR_DATA 0x01
#define LSR_THRE 0x20

void uart16550_init(void) {
    uart16550_out(IER, 0);
    uart16550_out(LCR, 0x80); /* DLAB: divisor 1, 115200 baud */
    uart16550_out(RBR_THR, 1);
    uart16550_out(IER, 0);
    uart16550_out(LCR, 0x03); /* 8N1 */
    uart16550_out(FCR, 0xc7); /* FIFOs on and cleared, 14-byte threshold */
    uart16550_out(MCR, 0x0b); /* DTR, RTS, OUT2 (the IRQ line's gate on PCs) */
}

void uart16550_putc(uint8_t c) {
    for (int spins = 0; spins < 100000; spins++)
        if (uart16550_in(LSR) & LSR_THRE) {
            uart16550_out(RBR_THR, c);
            return;
        }
}

bool uart16550_input_ready(void) {
    return uart16550_in(LSR) & LSR_DATA;
}

int uart16550_read_byte(void) {
    return uart16550_input_ready() ? uart16550_in(RBR_THR) : -1;
}

void uart16550_rx_irq(bool on) {
    uart16550_out(IER, on ? 0x01 : 0);
}
