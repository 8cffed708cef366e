/*
 * console.c: the console's text output, shared by the stubs: bytes, strings
 * and numbers in hex and decimal, each byte through the stub's own
 * serial_putc (a 16550 on x86_64, a PL011 on aarch64: their serial.c).
 */
#include "virtio.h"

void serial_write(const void *buf, size_t len) {
    const uint8_t *p = buf;
    for (size_t i = 0; i < len; i++) serial_putc(p[i]);
}

void serial_puts(const char *s) {
    while (*s) serial_putc((uint8_t)*s++);
}

void serial_hex(uint64_t v) {
    char b[16];
    int n = 0;
    do b[n++] = "0123456789abcdef"[v & 15];
    while ((v >>= 4) != 0);
    while (n) serial_putc((uint8_t)b[--n]);
}

void serial_dec(int64_t v) {
    char b[20];
    int n = 0;
    uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    if (v < 0) serial_putc('-');
    do b[n++] = (char)('0' + u % 10);
    while ((u /= 10) != 0);
    while (n) serial_putc((uint8_t)b[--n]);
}
