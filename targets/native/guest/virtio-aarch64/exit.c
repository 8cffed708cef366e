/*
 * exit.c: stopping the machine. The exit status goes out through Arm
 * semihosting (SYS_EXIT_EXTENDED: QEMU with -semihosting ends with that
 * status, 0 to 255 whole), which tessera run turns on. Without semihosting
 * the call is an undefined instruction, which cpu.c skips: then PSCI
 * SYSTEM_OFF through the device tree's conduit (hvc or smc) powers the
 * machine off (QEMU ends with status 0), the status said on the console
 * first if it is not 0. Without PSCI the CPU halts.
 */
#include "virtio.h"

#define SYS_EXIT_EXTENDED 0x20
#define ADP_STOPPED_APPLICATION_EXIT 0x20026
#define PSCI_SYSTEM_OFF 0x84000008u

void machine_exit(int status) {
    uint64_t block[2] = {ADP_STOPPED_APPLICATION_EXIT, (uint64_t)(uint32_t)status};
    semihost(SYS_EXIT_EXTENDED, (uint64_t)(uintptr_t)block);
    if (status != 0) {
        serial_puts("tessera: exit status ");
        serial_dec(status);
        serial_puts(" (no semihosting to carry it)\n");
    }
    register uint64_t x0 __asm__("x0") = PSCI_SYSTEM_OFF;
    if (virtio_machine.psci == 1) __asm__ volatile("hvc #0" : "+r"(x0)::"memory");
    else if (virtio_machine.psci == 2) __asm__ volatile("smc #0" : "+r"(x0)::"memory");
    serial_puts("tessera: no semihosting and no PSCI to stop the machine; halted\n");
    for (;;) __asm__ volatile("wfi");
}

void machine_fail(const char *msg) {
    serial_puts("tessera: ");
    serial_puts(msg);
    serial_puts("\n");
    machine_exit(255);
}
