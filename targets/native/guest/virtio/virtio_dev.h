/*
 * virtio_dev.h: the virtio-mmio drivers a boot stub shares with any other
 * architecture's (nothing here is x86's): the transport (virtio-mmio version 2,
 * "modern"), split virtqueues, virtio-net and virtio-blk, and the ABI's device
 * calls on top of them. A stub provides the few platform hooks below, maps
 * each device's registers uncached and routes its interrupt so that
 * virtio_platform_idle's sleep ends when it fires.
 *
 * Devices are found from the words `virtio_mmio.device=SIZE@ADDR:IRQ` that
 * QEMU -M microvm (with acpi=off) and Firecracker put on the kernel command
 * line. The image's devices are matched by kind and order: the k-th net (or
 * block) device of the manifest is the k-th virtio-net (virtio-blk) device in
 * address order, which is how tessera run places them.
 */
#ifndef TESSERA_VIRTIO_DEV_H
#define TESSERA_VIRTIO_DEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tessera_native.h"

#define VIRTIO_MAX_DEVICES 32 /* QEMU -M virt has 32 virtio-mmio slots */

/* A device as the command line announced it. */
struct virtio_mmio_region {
    uint64_t base, size;
    uint32_t irq;
};
extern struct virtio_mmio_region virtio_regions[VIRTIO_MAX_DEVICES];
extern unsigned virtio_region_count;

/* ---- what the platform (the stub) provides ---- */
/* Writes a NUL-terminated string to the console. */
void virtio_platform_puts(const char *s);
void virtio_platform_hex(uint64_t v);
/* Sleeps until any interrupt (interrupts on only while asleep). */
void virtio_platform_idle(void);
/* Says `tessera: <msg>` and stops the machine with status 255. */
__attribute__((noreturn)) void virtio_platform_fail(const char *msg);

/* ---- the shared part (virtio/) ---- */
/*
 * Takes every `virtio_mmio.device=` word out of the command line `cmd` of
 * `*len` bytes (the app never sees them), recording each well-formed one in
 * virtio_regions; `ram_end` is the end of RAM: a region that overlaps RAM, or
 * lies above 4 GiB, is ignored and said so. Returns the number recorded.
 */
unsigned virtio_cmdline_take(char *cmd, uint32_t *len, uint64_t ram_end);
/* Records one device (from a device tree, say), in address order; false if there is no room. */
bool virtio_region_add(uint64_t base, uint64_t size, uint32_t irq);

/*
 * Probes every recorded region (already mapped) and sets up the devices the
 * manifest's note asks for; their rings and buffers are taken from the top of
 * [bottom, *top), and *top is lowered past them. Says on the console what it
 * could not use.
 */
void virtio_devices_init(uint64_t bottom, uint64_t *top);

/* The ABI's device calls. `info` is a tessera_net_info or tessera_block_info. */
int32_t virtio_acquire(uint8_t kind, const uint8_t *name, uint32_t name_len, uint32_t *handle, void *info);
int32_t virtio_net_write(uint32_t h, const uint8_t *frame, uint32_t len);
int32_t virtio_net_read(uint32_t h, uint8_t *buf, uint32_t cap, uint32_t *len);
int32_t virtio_block_io(uint32_t h, int64_t offset, uint8_t *buf, uint32_t len, bool write);
int32_t virtio_block_flush(uint32_t h);
/* Acknowledges the devices' interrupts, then returns the handles of acquired net devices with a frame waiting. */
uint64_t virtio_ready(void);

/* ---- the transport and the rings (virtq.c), for net.c and blk.c ---- */
struct virtq_desc {
    uint64_t addr;
    uint32_t len;
    uint16_t flags, next;
};
#define VIRTQ_DESC_F_NEXT 1
#define VIRTQ_DESC_F_WRITE 2

struct virtq {
    uint16_t num;       /* entries */
    uint16_t index;     /* the queue's number */
    uint16_t avail_idx; /* the next avail->idx */
    uint16_t last_used; /* the used entries taken so far */
    volatile struct virtq_desc *desc;
    volatile uint16_t *avail; /* flags, idx, ring[num] */
    volatile uint32_t *used;  /* flags|idx, then ring[num] of {id, len} */
};

struct virtio_device {
    volatile uint8_t *regs;
    uint32_t irq, device_id;
    bool ready;
};

/* A bump allocator of zeroed, page-aligned memory for the devices, from the top down (devices.c). */
void *virtio_dma_alloc(uint64_t bytes);

/* Resets the device and negotiates VERSION_1 and what it offers of `wanted`: the features agreed, or 0 if it failed. */
uint64_t virtio_negotiate(struct virtio_device *d, uint64_t wanted);
/* Sets up queue `index` with at most `num` entries; false if the device has none. */
bool virtq_init(struct virtio_device *d, struct virtq *q, uint16_t index, uint16_t num);
/* Sets DRIVER_OK. */
void virtio_driver_ok(struct virtio_device *d);
/* Makes descriptor chain `head` available and notifies the device. */
void virtq_submit(struct virtio_device *d, struct virtq *q, uint16_t head);
/* The next used entry: true with its descriptor id and length, false if none. */
bool virtq_take(struct virtq *q, uint32_t *id, uint32_t *len);
/* Acknowledges the device's interrupt (so that its line can rise again). */
void virtio_ack(struct virtio_device *d);
/* Config space access (offset from 0x100). */
uint8_t virtio_config8(struct virtio_device *d, uint32_t off);
uint32_t virtio_config32(struct virtio_device *d, uint32_t off);

/* ---- the drivers ---- */
#define VIRTIO_ID_NET 1
#define VIRTIO_ID_BLOCK 2

struct virtio_net;
struct virtio_net *vnet_init(struct virtio_device *d);
void vnet_info(struct virtio_net *n, uint8_t mac[6], uint32_t *mtu);
int32_t vnet_write(struct virtio_net *n, const uint8_t *frame, uint32_t len);
int32_t vnet_read(struct virtio_net *n, uint8_t *buf, uint32_t cap, uint32_t *len);
bool vnet_pending(struct virtio_net *n);

/* virtio-rng (rng.c): no manifest device; the stubs' entropy where the CPU has none. */
#define VIRTIO_ID_RNG 4
bool vrng_init(struct virtio_device *d);
/* Fills `out` from the virtio-rng device; false if there is none or it gives nothing. */
bool virtio_entropy(uint8_t *out, uint32_t len);

/*
 * What backs one of the manifest's block devices: virtio-blk (blk.c), or a
 * board's own storage (the Raspberry Pi's SD card, virtio-aarch64/sdcard.c).
 * `io` checks its own offsets and lengths (EINVAL) against the block size.
 */
struct block_driver {
    void (*info)(void *dev, uint64_t *capacity, uint32_t *block_size);
    int32_t (*io)(void *dev, int64_t offset, uint8_t *buf, uint32_t len, bool write);
    int32_t (*flush)(void *dev);
};
/* Backs the first manifest block device nothing backs yet with `dev` (devices.c); its name, or NULL if none is left. */
const char *virtio_block_attach(const struct block_driver *driver, void *dev, uint32_t *name_len);
/* Whether a manifest block device is still without a driver (devices.c). */
bool virtio_block_wanted(void);

struct virtio_blk;
extern const struct block_driver vblk_driver;
struct virtio_blk *vblk_init(struct virtio_device *d);
void vblk_info(struct virtio_blk *b, uint64_t *capacity, uint32_t *block_size);
int32_t vblk_io(struct virtio_blk *b, int64_t offset, uint8_t *buf, uint32_t len, bool write);
int32_t vblk_flush(struct virtio_blk *b);

#endif
