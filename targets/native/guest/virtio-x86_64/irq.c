/*
 * irq.c: the 8259 pair, remapped to vectors 0x20..0x2f (away from the CPU's
 * exceptions) with every line masked but IRQ 4, COM1's, and the lines of the
 * virtio-mmio devices (irq_enable): console input or a device then ends a hlt
 * in yield. The PIT's IRQ 0 stays masked (the LAPIC timer wakes yield). The
 * IOAPIC is left as reset left it: every pin masked. On QEMU microvm (and
 * Firecracker) a device's line below 16 reaches both, and the 8259 (edge
 * triggered, its output on the LAPIC's LINT0) is enough: the drivers
 * acknowledge a device before they look at its rings, so that its next
 * event raises the line, and makes an edge, again.
 */
#include "virtio.h"

extern char irq_master[], irq_slave[];
static uint16_t mask = (uint16_t)~((1u << 4) | (1u << 2)); /* COM1, and the slave's cascade */

void irq_init(void) {
    outb(0x21, 0xff); /* mask everything while remapping */
    outb(0xa1, 0xff);
    outb(0x20, 0x11); /* ICW1: edge, cascade, ICW4 follows */
    outb(0xa0, 0x11);
    outb(0x21, 0x20); /* ICW2: master at 0x20 */
    outb(0xa1, 0x28); /* slave at 0x28 */
    outb(0x21, 0x04); /* ICW3: slave on IRQ 2 */
    outb(0xa1, 0x02);
    outb(0x21, 0x01); /* ICW4: 8086 mode */
    outb(0xa1, 0x01);
    outb(0x21, (uint8_t)mask);
    outb(0xa1, (uint8_t)(mask >> 8));
}

bool irq_enable(uint32_t irq) {
    if (irq == 0 || irq == 2 || irq >= 16) return false;
    cpu_set_gate(0x20 + (int)irq, (uint64_t)(uintptr_t)(irq < 8 ? irq_master : irq_slave), 0);
    mask &= (uint16_t)~(1u << irq);
    outb(0x21, (uint8_t)mask);
    outb(0xa1, (uint8_t)(mask >> 8));
    return true;
}
