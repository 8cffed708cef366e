/*
 * virtq.c: the virtio-mmio transport, version 2 (virtio 1.x, "modern"), and
 * split virtqueues. The order is the spec's (3.1.1): reset, ACKNOWLEDGE,
 * DRIVER, features (VERSION_1 and the driver's), FEATURES_OK read back, then
 * the queues, then DRIVER_OK. Registers are 32 bits wide; x86 and arm64 both
 * keep uncached MMIO in program order; a barrier orders the rings' memory
 * around it (a compiler barrier on x86, dmb/dsb on arm64).
 */
#include "virtio_dev.h"

#define REG_MAGIC 0x000
#define REG_VERSION 0x004
#define REG_DEVICE_ID 0x008
#define REG_DEVICE_FEATURES 0x010
#define REG_DEVICE_FEATURES_SEL 0x014
#define REG_DRIVER_FEATURES 0x020
#define REG_DRIVER_FEATURES_SEL 0x024
#define REG_QUEUE_SEL 0x030
#define REG_QUEUE_NUM_MAX 0x034
#define REG_QUEUE_NUM 0x038
#define REG_QUEUE_READY 0x044
#define REG_QUEUE_NOTIFY 0x050
#define REG_INTERRUPT_STATUS 0x060
#define REG_INTERRUPT_ACK 0x064
#define REG_STATUS 0x070
#define REG_QUEUE_DESC 0x080
#define REG_QUEUE_AVAIL 0x090
#define REG_QUEUE_USED 0x0a0
#define REG_CONFIG 0x100

#define STATUS_ACKNOWLEDGE 1
#define STATUS_DRIVER 2
#define STATUS_DRIVER_OK 4
#define STATUS_FEATURES_OK 8
#define STATUS_FAILED 128
#define F_VERSION_1 (UINT64_C(1) << 32)

#if defined(__aarch64__)
/* The device is another observer of the rings (outer shareable): dmb osh
 * orders the rings' memory, dsb st makes it visible before the notify. */
#define barrier() __asm__ volatile("dmb osh" ::: "memory")
#define notify_fence() __asm__ volatile("dsb st" ::: "memory")
#else
#define barrier() __asm__ volatile("" ::: "memory")
#define notify_fence() __atomic_thread_fence(__ATOMIC_SEQ_CST)
#endif

static uint32_t rd(struct virtio_device *d, uint32_t off) {
    return *(volatile uint32_t *)(d->regs + off);
}

static void wr(struct virtio_device *d, uint32_t off, uint32_t v) {
    *(volatile uint32_t *)(d->regs + off) = v;
}

static void wr64(struct virtio_device *d, uint32_t off, uint64_t v) {
    wr(d, off, (uint32_t)v);
    wr(d, off + 4, (uint32_t)(v >> 32));
}

uint64_t virtio_negotiate(struct virtio_device *d, uint64_t wanted) {
    wr(d, REG_STATUS, 0);
    wr(d, REG_STATUS, STATUS_ACKNOWLEDGE);
    wr(d, REG_STATUS, STATUS_ACKNOWLEDGE | STATUS_DRIVER);
    uint64_t offered = 0;
    for (uint32_t sel = 0; sel < 2; sel++) {
        wr(d, REG_DEVICE_FEATURES_SEL, sel);
        offered |= (uint64_t)rd(d, REG_DEVICE_FEATURES) << (32 * sel);
    }
    if (!(offered & F_VERSION_1)) {
        wr(d, REG_STATUS, STATUS_FAILED);
        return 0;
    }
    uint64_t agreed = offered & (wanted | F_VERSION_1);
    for (uint32_t sel = 0; sel < 2; sel++) {
        wr(d, REG_DRIVER_FEATURES_SEL, sel);
        wr(d, REG_DRIVER_FEATURES, (uint32_t)(agreed >> (32 * sel)));
    }
    wr(d, REG_STATUS, STATUS_ACKNOWLEDGE | STATUS_DRIVER | STATUS_FEATURES_OK);
    if (!(rd(d, REG_STATUS) & STATUS_FEATURES_OK)) {
        wr(d, REG_STATUS, STATUS_FAILED);
        return 0;
    }
    return agreed;
}

bool virtq_init(struct virtio_device *d, struct virtq *q, uint16_t index, uint16_t num) {
    wr(d, REG_QUEUE_SEL, index);
    uint32_t max = rd(d, REG_QUEUE_NUM_MAX);
    if (max == 0) return false;
    if (num > max) num = (uint16_t)max;
    /* desc (16 bytes each), then avail (6 + 2n), then used (6 + 8n) 4-aligned */
    uint64_t avail_at = 16u * num, used_at = (avail_at + 6 + 2u * num + 3) & ~UINT64_C(3);
    uint8_t *mem = virtio_dma_alloc(used_at + 6 + 8u * num);
    q->num = num;
    q->index = index;
    q->avail_idx = 0;
    q->last_used = 0;
    q->desc = (volatile struct virtq_desc *)mem;
    q->avail = (volatile uint16_t *)(mem + avail_at);
    q->used = (volatile uint32_t *)(mem + used_at);
    wr(d, REG_QUEUE_NUM, num);
    wr64(d, REG_QUEUE_DESC, (uint64_t)(uintptr_t)q->desc);
    wr64(d, REG_QUEUE_AVAIL, (uint64_t)(uintptr_t)q->avail);
    wr64(d, REG_QUEUE_USED, (uint64_t)(uintptr_t)q->used);
    wr(d, REG_QUEUE_READY, 1);
    return true;
}

void virtio_driver_ok(struct virtio_device *d) {
    wr(d, REG_STATUS, STATUS_ACKNOWLEDGE | STATUS_DRIVER | STATUS_FEATURES_OK | STATUS_DRIVER_OK);
    d->ready = true;
}

void virtq_submit(struct virtio_device *d, struct virtq *q, uint16_t head) {
    q->avail[2 + q->avail_idx % q->num] = head;
    barrier();
    q->avail[1] = ++q->avail_idx;
    notify_fence();
    wr(d, REG_QUEUE_NOTIFY, q->index);
}

bool virtq_take(struct virtq *q, uint32_t *id, uint32_t *len) {
    uint16_t used_idx = (uint16_t)(q->used[0] >> 16);
    if (used_idx == q->last_used) return false;
    barrier();
    uint32_t slot = 1 + 2u * (q->last_used % q->num);
    *id = q->used[slot];
    *len = q->used[slot + 1];
    q->last_used++;
    return true;
}

void virtio_ack(struct virtio_device *d) {
    uint32_t isr = rd(d, REG_INTERRUPT_STATUS);
    if (isr) wr(d, REG_INTERRUPT_ACK, isr);
}

uint8_t virtio_config8(struct virtio_device *d, uint32_t off) {
    return *(volatile uint8_t *)(d->regs + REG_CONFIG + off);
}

uint32_t virtio_config32(struct virtio_device *d, uint32_t off) {
    return rd(d, REG_CONFIG + off);
}

/* Exported for devices.c's probe. */
uint32_t virtio_probe_id(struct virtio_device *d, uint32_t *version);
uint32_t virtio_probe_id(struct virtio_device *d, uint32_t *version) {
    if (rd(d, REG_MAGIC) != 0x74726976) return 0; /* "virt" */
    *version = rd(d, REG_VERSION);
    return rd(d, REG_DEVICE_ID);
}
