/*
 * irq.c: the 8259 pair, remapped to vectors 0x20..0x2f (away from the CPU's
 * exceptions) with every line masked but IRQ 4, COM1's: console input then
 * ends a hlt in yield. The PIT's IRQ 0 stays masked (the LAPIC timer wakes
 * yield). The IOAPIC is left as reset left it: every pin masked.
 */
#include "virtio.h"

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
    outb(0x21, (uint8_t)~(1u << 4)); /* IRQ 4 only */
    outb(0xa1, 0xff);
}
