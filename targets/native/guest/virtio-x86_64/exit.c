/*
 * exit.c: stopping the machine. Under QEMU, `-device isa-debug-exit,
 * iobase=0xf4,iosize=0x04` ends QEMU with status (v << 1) | 1 for a write of
 * v, which an 8-bit exit status cannot carry whole for v >= 128. So the status
 * is first written as one byte to port 0x4f0, where tessera run puts an
 * isa-debugcon whose output it reads back (see packages/cli's run-virtio.ts).
 * Without those devices (Firecracker, or QEMU run by hand) the stub says the
 * status on the console and resets the CPU through the i8042 (0xFE to its
 * command port 0x64): Firecracker stops the VM on that write, and QEMU with
 * -no-reboot exits. If that does nothing either, it halts.
 */
#include "virtio.h"

#define DEBUG_EXIT_PORT 0xf4
#define STATUS_PORT 0x4f0
#define I8042_COMMAND 0x64
#define I8042_RESET 0xfe /* pulse the CPU's reset line */

void machine_exit(int status) {
    outb(STATUS_PORT, (uint8_t)status);
    outl(DEBUG_EXIT_PORT, (uint32_t)status);
    serial_puts("tessera: exit ");
    serial_dec(status);
    serial_puts(": no isa-debug-exit device at port 0xf4 to stop the machine; resetting it through the i8042\n");
    outb(I8042_COMMAND, I8042_RESET);
    for (;;) __asm__ volatile("cli; hlt");
}

void machine_fail(const char *msg) {
    serial_puts("tessera: ");
    serial_puts(msg);
    serial_puts("\n");
    machine_exit(255);
}
