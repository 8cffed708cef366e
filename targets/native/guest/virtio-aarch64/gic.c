/*
 * gic.c: the interrupt controller, only so that WFI wakes. Interrupts stay
 * masked at the CPU (PSTATE.I) and none is ever acknowledged: each source is
 * enabled, level-sensitive, group 1, at the highest priority, and routed to
 * this CPU; a pending one ends WFI, and the stub clears it at its source (the
 * timer disabled, the UART's or the device's interrupt acknowledged), which
 * lowers the line and ends the pending state. GICv2 (QEMU -M virt's default,
 * the Pi 4's GIC-400) through its distributor and CPU interface; GICv3
 * through its distributor, this CPU's redistributor and the ICC system
 * registers. On a Raspberry Pi 3 (no GIC) the BCM2836 local controller
 * routes the virtual timer to core 0.
 */
#include "virtio.h"

#define GICD_CTLR 0x000
#define GICD_IGROUPR 0x080
#define GICD_ISENABLER 0x100
#define GICD_IPRIORITYR 0x400
#define GICD_ITARGETSR 0x800
#define GICD_ICFGR 0xc00
#define GICD_IROUTER 0x6000
#define GICC_CTLR 0x000
#define GICC_PMR 0x004
#define GICR_WAKER 0x014
#define GICR_SGI 0x10000

static void byte_write(uint64_t a, uint8_t v) {
    __asm__ volatile("strb %w0, [%1]" ::"r"(v), "r"(a) : "memory");
}

void gic_init(void) {
    struct virtio_machine *m = &virtio_machine;
    if (m->gic == GIC_V2) {
        mmio_write32(m->gicd + GICD_CTLR, 3);   /* groups 0 and 1 */
        mmio_write32(m->gicc + GICC_PMR, 0xff); /* every priority */
        mmio_write32(m->gicc + GICC_CTLR, 3);
    } else if (m->gic == GIC_V3) {
        mmio_write32(m->gicd + GICD_CTLR, (1u << 4) | 3); /* ARE, groups 0 and 1 */
        uint64_t r = m->gicc;                              /* this CPU's redistributor: the first */
        mmio_write32(r + GICR_WAKER, mmio_read32(r + GICR_WAKER) & ~2u);
        for (int i = 0; i < 1000000 && (mmio_read32(r + GICR_WAKER) & 4); i++) {}
        sysreg_write(s3_0_c12_c12_5, sysreg_read(s3_0_c12_c12_5) | 7); /* ICC_SRE_EL1 */
        isb();
        sysreg_write(s3_0_c4_c6_0, 0xff); /* ICC_PMR_EL1 */
        sysreg_write(s3_0_c12_c12_7, 1);  /* ICC_IGRPEN1_EL1 */
        isb();
    } else if (m->local_intc) {
        /* BCM2836: core 0's timer interrupt control, nCNTVIRQ to IRQ */
        mmio_write32(m->local_intc + 0x40, 1u << 3);
    }
}

bool gic_enable(uint32_t irq) {
    struct virtio_machine *m = &virtio_machine;
    if (m->gic == GIC_NONE || irq >= 1020) return false;
    uint64_t d = m->gicd;
    if (m->gic == GIC_V3 && irq < 32) d = m->gicc + GICR_SGI; /* SGIs and PPIs: the redistributor's */
    uint32_t bit = 1u << (irq % 32);
    mmio_write32(d + GICD_IGROUPR + 4 * (irq / 32), mmio_read32(d + GICD_IGROUPR + 4 * (irq / 32)) | bit);
    byte_write(d + GICD_IPRIORITYR + irq, 0);
    if (irq >= 32) {
        uint32_t cfg = GICD_ICFGR + 4 * (irq / 16), shift = 2 * (irq % 16);
        mmio_write32(d + cfg, mmio_read32(d + cfg) & ~(2u << shift)); /* level-sensitive */
        if (m->gic == GIC_V2) byte_write(d + GICD_ITARGETSR + irq, 1);
        else {
            mmio_write32(d + GICD_IROUTER + 8 * irq, 0); /* affinity 0.0.0.0: this CPU */
            mmio_write32(d + GICD_IROUTER + 8 * irq + 4, 0);
        }
    }
    mmio_write32(d + GICD_ISENABLER + 4 * (irq / 32), bit);
    return true;
}
