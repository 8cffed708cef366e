/*
 * rng.c: virtio-rng (device ID 4), the stubs' entropy where the CPU has no
 * RDRAND or RNDR (QEMU -device virtio-rng-device, which tessera run gives a
 * virtio-aarch64 image on a CPU without RNDR: its bytes come from the host's
 * getrandom). One queue; each request is one device-writable buffer of up
 * to 256 bytes, and the call sleeps until the device has filled it. It is
 * no device of the manifest: the first one found is taken.
 */
#include <string.h>

#include "virtio_dev.h"

#define PIECE 256u

static struct virtio_device *dev;
static struct virtq q;
static uint8_t *buf;

bool vrng_init(struct virtio_device *d) {
    if (dev) return false;
    if (!virtio_negotiate(d, 0) || !virtq_init(d, &q, 0, 2)) return false;
    buf = virtio_dma_alloc(PIECE);
    virtio_driver_ok(d);
    dev = d;
    return true;
}

bool virtio_entropy(uint8_t *out, uint32_t len) {
    if (!dev) return false;
    for (uint32_t done = 0, empty = 0; done < len;) {
        uint32_t want = len - done < PIECE ? len - done : PIECE, id, got = 0;
        q.desc[0] = (struct virtq_desc){.addr = (uint64_t)(uintptr_t)buf, .len = want, .flags = VIRTQ_DESC_F_WRITE};
        virtq_submit(dev, &q, 0);
        for (;;) {
            virtio_ack(dev); /* first: a completion after this raises the line again */
            if (virtq_take(&q, &id, &got)) break;
            virtio_platform_idle();
        }
        if (got > want) got = want;
        if (got == 0 && ++empty == 16) return false;
        memcpy(out + done, buf, got);
        done += got;
    }
    return true;
}
