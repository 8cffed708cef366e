/*
 * blk.c: virtio-blk, one request at a time, as the ABI's block calls are
 * synchronous. A read or write is three descriptors: the request header, the
 * guest's own buffer in its linear memory (no copy: memory is identity
 * mapped), the status byte; pieces of at most 1 MiB each. The call then
 * sleeps until the device's interrupt says the request is done. Never a spin.
 *
 * Durability: VIRTIO_BLK_F_FLUSH is negotiated, so the device may cache
 * writes (tessera run starts QEMU with cache=writeback, which it honours) and
 * block_flush is a FLUSH request: QEMU answers it once fdatasync has. A write
 * or flush that failed makes every later flush fail, as on the tenders.
 */
#include "tessera_abi.h"
#include "virtio_dev.h"

#define F_RO (UINT64_C(1) << 5)
#define F_BLK_SIZE (UINT64_C(1) << 6)
#define F_FLUSH (UINT64_C(1) << 9)
#define T_IN 0
#define T_OUT 1
#define T_FLUSH 4
#define S_OK 0
#define PIECE (UINT32_C(1) << 20)
#define MAX_BLKS 4

struct request {
    uint32_t type, reserved;
    uint64_t sector;
    uint8_t status;
};

struct virtio_blk {
    struct virtio_device *dev;
    struct virtq q;
    struct request *req;
    uint64_t capacity;
    uint32_t block_size;
    bool read_only, flush, failed;
};

static struct virtio_blk blks[MAX_BLKS];
static unsigned blk_count;

struct virtio_blk *vblk_init(struct virtio_device *d) {
    if (blk_count == MAX_BLKS) return NULL;
    struct virtio_blk *b = &blks[blk_count];
    uint64_t f = virtio_negotiate(d, F_RO | F_BLK_SIZE | F_FLUSH);
    if (!f || !virtq_init(d, &b->q, 0, 4)) return NULL;
    b->dev = d;
    b->req = virtio_dma_alloc(sizeof *b->req);
    uint64_t sectors = virtio_config32(d, 0) | (uint64_t)virtio_config32(d, 4) << 32;
    uint32_t bs = f & F_BLK_SIZE ? virtio_config32(d, 20) : 512;
    if (bs < 512 || bs > 65536 || (bs & (bs - 1))) bs = 512;
    b->block_size = bs;
    b->capacity = sectors * 512 / bs * bs;
    b->read_only = (f & F_RO) != 0;
    b->flush = (f & F_FLUSH) != 0;
    virtio_driver_ok(d);
    blk_count++;
    return b;
}

void vblk_info(struct virtio_blk *b, uint64_t *capacity, uint32_t *block_size) {
    *capacity = b->capacity;
    *block_size = b->block_size;
}

/* Sends the request in descriptors 0..n-1 and sleeps until the device is done; its status. */
static uint8_t run(struct virtio_blk *b, unsigned n) {
    for (unsigned i = 0; i + 1 < n; i++) {
        b->q.desc[i].flags |= VIRTQ_DESC_F_NEXT;
        b->q.desc[i].next = (uint16_t)(i + 1);
    }
    b->req->status = 0xff;
    virtq_submit(b->dev, &b->q, 0);
    for (;;) {
        uint32_t id, len;
        virtio_ack(b->dev); /* first: a completion after this raises the line again */
        if (virtq_take(&b->q, &id, &len)) break;
        virtio_platform_idle();
    }
    return *(volatile uint8_t *)&b->req->status;
}

static void header(struct virtio_blk *b, uint32_t type, uint64_t sector) {
    b->req->type = type;
    b->req->reserved = 0;
    b->req->sector = sector;
    b->q.desc[0] = (struct virtq_desc){.addr = (uint64_t)(uintptr_t)b->req, .len = 16, .flags = 0};
}

static void status_desc(struct virtio_blk *b, unsigned i) {
    b->q.desc[i] = (struct virtq_desc){
        .addr = (uint64_t)(uintptr_t)&b->req->status, .len = 1, .flags = VIRTQ_DESC_F_WRITE};
}

int32_t vblk_io(struct virtio_blk *b, int64_t offset, uint8_t *buf, uint32_t len, bool write) {
    uint64_t bs = b->block_size;
    if (offset < 0 || (uint64_t)offset % bs || len < bs || len % bs || (uint64_t)offset > b->capacity ||
        len > b->capacity - (uint64_t)offset)
        return TESSERA_EINVAL;
    if (write && b->read_only) return TESSERA_EUNSPEC;
    for (uint32_t done = 0; done < len;) {
        uint32_t piece = len - done < PIECE ? len - done : PIECE;
        header(b, write ? T_OUT : T_IN, ((uint64_t)offset + done) / 512);
        b->q.desc[1] = (struct virtq_desc){
            .addr = (uint64_t)(uintptr_t)(buf + done), .len = piece, .flags = write ? 0 : VIRTQ_DESC_F_WRITE};
        status_desc(b, 2);
        if (run(b, 3) != S_OK) {
            if (write) b->failed = true;
            return TESSERA_EUNSPEC;
        }
        done += piece;
    }
    return TESSERA_OK;
}

int32_t vblk_flush(struct virtio_blk *b) {
    if (b->failed) return TESSERA_EUNSPEC;
    if (!b->flush) return TESSERA_OK; /* no FLUSH offered: the device writes through */
    header(b, T_FLUSH, 0);
    status_desc(b, 1);
    if (run(b, 2) != S_OK) {
        b->failed = true;
        return TESSERA_EUNSPEC;
    }
    return TESSERA_OK;
}

static void info_of(void *b, uint64_t *capacity, uint32_t *block_size) {
    vblk_info(b, capacity, block_size);
}
static int32_t io_of(void *b, int64_t offset, uint8_t *buf, uint32_t len, bool write) {
    return vblk_io(b, offset, buf, len, write);
}
static int32_t flush_of(void *b) {
    return vblk_flush(b);
}
const struct block_driver vblk_driver = {.info = info_of, .io = io_of, .flush = flush_of};
