/*
 * uart16550.h: a 16550 UART's register logic (uart16550.c), shared by the
 * stubs: x86_64's COM1 at I/O port 0x3f8, and on aarch64 an MMIO
 * ns16550a (Firecracker's console). Each stub supplies the register access,
 * by register number (0..7): a port, or an MMIO address with its reg-shift
 * and reg-io-width.
 */
#ifndef TESSERA_UART16550_H
#define TESSERA_UART16550_H

#include <stdbool.h>
#include <stdint.h>

/* The stub's: read and write register `reg`. */
uint8_t uart16550_in(unsigned reg);
void uart16550_out(unsigned reg, uint8_t v);

/* 115200 8N1, FIFOs on and cleared; no interrupts yet. */
void uart16550_init(void);
/* Best effort: a byte the transmitter does not take within 100,000 polls is dropped. */
void uart16550_putc(uint8_t c);
bool uart16550_input_ready(void);
/* The next input byte, or -1 if none waits. */
int uart16550_read_byte(void);
/* The receive interrupt (IER bit 0) on or off. */
void uart16550_rx_irq(bool on);

#endif
