/*
 * net.c: virtio-net, one receive and one transmit queue, no offloads: the
 * guest's stack computes its own checksums and sends whole frames. Every
 * frame is one buffer of 2 KiB: the 12-byte header (VERSION_1 has it always,
 * num_buffers included) and up to 1514 bytes of frame.
 *
 * Receive: every buffer is posted at start; net_read copies one frame out
 * and posts its buffer again. Transmit: net_write copies the frame into a
 * free buffer; buffers come back as the device is done with them. With none
 * free, it waits for the device's interrupt, and drops the frame (as a NIC
 * would) if none comes back within a few wake-ups.
 */
#include <string.h>

#include "tessera_abi.h"
#include "virtio_dev.h"

#define F_MAC (UINT64_C(1) << 5)
#define HDR 12u
#define SLOT 2048u
#define RX_SLOTS 64u
#define TX_SLOTS 32u
#define MTU 1500u
#define MAX_NETS 4

struct virtio_net {
    struct virtio_device *dev;
    struct virtq rx, tx;
    uint8_t *rx_buf, *tx_buf;
    uint16_t tx_free[TX_SLOTS];
    uint16_t tx_free_count;
    uint8_t mac[6];
    /* a received frame the guest's buffer was too small for, kept for the next read */
    bool held;
    uint32_t held_id, held_len;
};

static struct virtio_net nets[MAX_NETS];
static unsigned net_count;

static void rx_post(struct virtio_net *n, uint16_t id) {
    n->rx.desc[id] = (struct virtq_desc){
        .addr = (uint64_t)(uintptr_t)(n->rx_buf + (uint32_t)id * SLOT), .len = SLOT, .flags = VIRTQ_DESC_F_WRITE};
    virtq_submit(n->dev, &n->rx, id);
}

struct virtio_net *vnet_init(struct virtio_device *d) {
    if (net_count == MAX_NETS) return NULL;
    struct virtio_net *n = &nets[net_count];
    uint64_t f = virtio_negotiate(d, F_MAC);
    if (!f) return NULL;
    if (!virtq_init(d, &n->rx, 0, RX_SLOTS) || !virtq_init(d, &n->tx, 1, TX_SLOTS)) return NULL;
    n->dev = d;
    n->rx_buf = virtio_dma_alloc((uint64_t)n->rx.num * SLOT);
    n->tx_buf = virtio_dma_alloc((uint64_t)n->tx.num * SLOT);
    for (unsigned i = 0; i < 6; i++) n->mac[i] = f & F_MAC ? virtio_config8(d, i) : (uint8_t)(i ? 0x5e + i : 0x02);
    virtio_driver_ok(d);
    for (uint16_t i = 0; i < n->rx.num; i++) rx_post(n, i);
    for (uint16_t i = 0; i < n->tx.num; i++) n->tx_free[n->tx_free_count++] = i;
    net_count++;
    return n;
}

void vnet_info(struct virtio_net *n, uint8_t mac[6], uint32_t *mtu) {
    memcpy(mac, n->mac, 6);
    *mtu = MTU;
}

static void tx_reclaim(struct virtio_net *n) {
    uint32_t id, len;
    while (virtq_take(&n->tx, &id, &len))
        if (id < n->tx.num) n->tx_free[n->tx_free_count++] = (uint16_t)id;
}

int32_t vnet_write(struct virtio_net *n, const uint8_t *frame, uint32_t len) {
    if (len < 14 || len > MTU + 14) return TESSERA_EINVAL;
    tx_reclaim(n);
    for (int waits = 0; n->tx_free_count == 0 && waits < 4; waits++) {
        /* Every buffer is with the device: sleep until it hands one back. */
        virtio_ack(n->dev);
        tx_reclaim(n);
        if (n->tx_free_count == 0) virtio_platform_idle();
        tx_reclaim(n);
    }
    if (n->tx_free_count == 0) return TESSERA_OK; /* dropped, like a NIC with a full queue */
    uint16_t id = n->tx_free[--n->tx_free_count];
    uint8_t *buf = n->tx_buf + (uint32_t)id * SLOT;
    memset(buf, 0, HDR);
    memcpy(buf + HDR, frame, len);
    n->tx.desc[id] = (struct virtq_desc){.addr = (uint64_t)(uintptr_t)buf, .len = HDR + len, .flags = 0};
    virtq_submit(n->dev, &n->tx, id);
    return TESSERA_OK;
}

int32_t vnet_read(struct virtio_net *n, uint8_t *buf, uint32_t cap, uint32_t *out) {
    for (;;) {
        uint32_t id, len;
        if (n->held) {
            id = n->held_id;
            len = n->held_len;
        } else if (!virtq_take(&n->rx, &id, &len)) {
            return TESSERA_AGAIN;
        }
        if (id >= n->rx.num) continue; /* not ours: a broken device */
        if (len < HDR + 14 || len > HDR + MTU + 14) {
            n->held = false;
            rx_post(n, (uint16_t)id); /* not a frame the guest can take */
            continue;
        }
        uint32_t frame = len - HDR;
        if (frame > cap) {
            n->held = true; /* the frame stays for a larger buffer */
            n->held_id = id;
            n->held_len = len;
            return TESSERA_EINVAL;
        }
        memcpy(buf, n->rx_buf + id * SLOT + HDR, frame);
        n->held = false;
        rx_post(n, (uint16_t)id);
        *out = frame;
        return TESSERA_OK;
    }
}

bool vnet_pending(struct virtio_net *n) {
    return n->held || (uint16_t)(n->rx.used[0] >> 16) != n->rx.last_used;
}
