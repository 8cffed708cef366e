/*
 * cpu.c: exceptions. Every one the stub can take (boot.S's vectors) comes
 * here on the fault stack: the semihosting probe is skipped and resumed;
 * anything else is reported on the console with its class, the pc and the
 * function it is in, the faulting address for an abort (a null pointer, the
 * stack's guard page), then status 255. A fault is a bug in the stub or the
 * compiler, never the app's doing: wasm code is bounds-checked.
 */
#include "virtio.h"

struct frame {
    uint64_t x[31], sp, elr, spsr;
};

uint64_t virtio_stack_guard; /* main.c */

static const char *class_name(uint32_t ec) {
    switch (ec) {
    case 0x00: return "undefined instruction";
    case 0x07: return "FP/SIMD access trapped";
    case 0x0e: return "illegal execution state";
    case 0x15: return "SVC";
    case 0x18: return "system register access trapped";
    case 0x20: case 0x21: return "instruction abort";
    case 0x22: return "pc alignment fault";
    case 0x24: case 0x25: return "data abort";
    case 0x26: return "sp alignment fault";
    case 0x2c: return "floating-point exception";
    case 0x2f: return "SError";
    case 0x3c: return "BRK (a trap instruction)";
    default: return "exception";
    }
}

static const char *kind_name(uint64_t kind) {
    static const char *names[4] = {"synchronous", "IRQ", "FIQ", "SError"};
    return names[kind & 3];
}

void exception(struct frame *f, uint64_t kind);
void exception(struct frame *f, uint64_t kind) {
    uint64_t esr = sysreg_read(esr_el1), far = sysreg_read(far_el1);
    uint32_t ec = (uint32_t)(esr >> 26) & 0x3f;
    if (kind == 0 && ec == 0 && f->elr == (uint64_t)(uintptr_t)semihost_insn) {
        f->x[0] = (uint64_t)-1; /* no semihosting here */
        f->elr += 4;
        return;
    }
    static int depth;
    if (depth++) {
        /* a fault while reporting one (the console itself faulting): stop without it */
        uint64_t block[2] = {0x20026, 255};
        semihost(0x20, (uint64_t)(uintptr_t)block);
        for (;;) __asm__ volatile("wfi");
    }
    serial_puts("\ntessera: fault: ");
    if (kind & 3) {
        serial_puts(kind_name(kind));
        serial_puts(" exception");
    } else serial_puts(class_name(ec));
    serial_puts(" (ESR 0x");
    serial_hex(esr);
    serial_puts(") at pc 0x");
    serial_hex(f->elr);
    bool wasm = false;
    const char *name = symbol_at(f->elr, &wasm);
    if (name) {
        serial_puts(" in ");
        serial_puts(name);
    }
    if (ec == 0x20 || ec == 0x21 || ec == 0x24 || ec == 0x25) {
        serial_puts(", address 0x");
        serial_hex(far);
        if (far < TESSERA_PAGE_SIZE) serial_puts(" (a null pointer)");
        else if (far >= virtio_stack_guard && far < virtio_stack_guard + TESSERA_PAGE_SIZE)
            serial_puts(" (the stack's guard page: the stack overflowed)");
        uint32_t fsc = (uint32_t)esr & 0x3f;
        serial_puts((fsc & 0x3c) == 0x04 ? " (not mapped)" : (fsc & 0x3c) == 0x0c ? " (permission)" : "");
        if (ec >= 0x24) serial_puts(esr & (1u << 6) ? " (write)" : " (read)");
    }
    if (kind >= 4) serial_puts(", on the fault stack");
    if (kind >= 8) serial_puts(", from a lower exception level");
    serial_puts(", sp 0x");
    serial_hex(f->sp);
    serial_puts("\n");
    machine_exit(255);
}
