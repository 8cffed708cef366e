/*
 * cpu.c: the TSS (its IST stack takes every fault, so that a fault on a bad
 * stack is still reported), the IDT, and the fault report: the vector's name,
 * rip and the function it is in, the faulting address for a page fault, and
 * status 255. A fault is a bug in the stub or in wasm2c's output, never the
 * guest's doing: wasm code is bounds-checked and stack-checked.
 */
#include "virtio.h"

struct fault_frame {
    uint64_t vector, error, rip, cs, rflags, rsp, ss;
};

struct __attribute__((packed)) tss {
    uint32_t reserved0;
    uint64_t rsp[3];
    uint64_t reserved1;
    uint64_t ist[7];
    uint64_t reserved2;
    uint16_t reserved3;
    uint16_t iomap_base;
};

struct idt_entry {
    uint16_t offset_low, selector;
    uint8_t ist, type;
    uint16_t offset_mid;
    uint32_t offset_high, reserved;
};

extern uint64_t virtio_gdt[5];
extern uint64_t virtio_stack_guard;
extern const uint64_t fault_stubs[32];
extern char irq_timer[], irq_spurious[], irq_serial[];

static struct tss tss;
static struct idt_entry idt[256];
static uint8_t fault_stack[16384] __attribute__((aligned(16)));

void cpu_set_gate(int vector, uint64_t handler, uint8_t ist) {
    idt[vector] = (struct idt_entry){
        .offset_low = (uint16_t)handler,
        .selector = 0x08,
        .ist = ist,
        .type = 0x8e, /* present, ring 0, 64-bit interrupt gate */
        .offset_mid = (uint16_t)(handler >> 16),
        .offset_high = (uint32_t)(handler >> 32),
    };
}

bool cpu_has_nx(void) {
    uint32_t r[4];
    cpuid(0x80000000, 0, r);
    if (r[0] < 0x80000001) return false;
    cpuid(0x80000001, 0, r);
    return (r[3] >> 20) & 1;
}

void cpu_init(void) {
    tss.ist[0] = (uint64_t)(uintptr_t)(fault_stack + sizeof fault_stack);
    tss.iomap_base = sizeof tss; /* no I/O bitmap */
    uint64_t base = (uint64_t)(uintptr_t)&tss, limit = sizeof tss - 1;
    virtio_gdt[3] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (UINT64_C(0x89) << 40) |
                    (((limit >> 16) & 0xf) << 48) | (((base >> 24) & 0xff) << 56);
    virtio_gdt[4] = base >> 32;
    __asm__ volatile("ltr %w0" : : "r"(0x18));

    for (int v = 0; v < 32; v++) cpu_set_gate(v, fault_stubs[v], 1);
    cpu_set_gate(VECTOR_TIMER, (uint64_t)(uintptr_t)irq_timer, 0);
    cpu_set_gate(VECTOR_SERIAL, (uint64_t)(uintptr_t)irq_serial, 0);
    cpu_set_gate(VECTOR_SPURIOUS, (uint64_t)(uintptr_t)irq_spurious, 0);
    /* The 8259's other vectors (0x20..0x2f after irq.c remaps it) may still
     * arrive spuriously (IRQ 7, 15): they end a hlt like the timer's. */
    for (int v = 0x21; v < 0x30; v++)
        if (v != VECTOR_SERIAL) cpu_set_gate(v, (uint64_t)(uintptr_t)irq_spurious, 0);
    struct __attribute__((packed)) {
        uint16_t limit;
        uint64_t base;
    } idtr = {sizeof idt - 1, (uint64_t)(uintptr_t)idt};
    __asm__ volatile("lidt %0" : : "m"(idtr));
}

static const char *const NAMES[32] = {
    "divide error",       "debug",          "NMI",
    "breakpoint",         "overflow",       "bound range exceeded",
    "invalid opcode",     "device not available", "double fault",
    "coprocessor segment overrun", "invalid TSS", "segment not present",
    "stack-segment fault", "general protection fault", "page fault",
    "reserved (15)",      "x87 floating-point error", "alignment check",
    "machine check",      "SIMD floating-point error", "virtualization exception",
    "control protection", "reserved (22)",  "reserved (23)",
    "reserved (24)",      "reserved (25)",  "reserved (26)",
    "reserved (27)",      "hypervisor injection", "VMM communication",
    "security exception", "reserved (31)",
};

__attribute__((noreturn, used)) void cpu_fault(const struct fault_frame *f) {
    uint64_t cr2;
    __asm__ volatile("mov %%cr2, %0" : "=r"(cr2));
    serial_puts("\ntessera: fault: ");
    serial_puts(f->vector < 32 ? NAMES[f->vector] : "?");
    serial_puts(" (vector ");
    serial_dec((int64_t)f->vector);
    serial_puts(") at rip 0x");
    serial_hex(f->rip);
    bool wasm = false;
    const char *name = symbol_at(f->rip, &wasm);
    if (name) {
        serial_puts(" in ");
        serial_puts(name);
    }
    if (f->vector == 14) {
        serial_puts(", address 0x");
        serial_hex(cr2);
        serial_puts(cr2 < 4096 ? " (a null pointer: page 0 is not mapped)" : "");
        if (cr2 - virtio_stack_guard < 4096) serial_puts(" (the stack's guard page: the stack overflowed)");
        serial_puts(f->error & 2 ? " (write" : " (read");
        serial_puts(f->error & 1 ? ", page protection)" : ", page not mapped)");
        if (f->error & 16) serial_puts(" (instruction fetch)");
    } else if (f->error) {
        serial_puts(", error code 0x");
        serial_hex(f->error);
    }
    serial_puts(", rsp 0x");
    serial_hex(f->rsp);
    serial_puts("\n");
    machine_exit(255);
}
