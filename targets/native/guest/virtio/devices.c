/*
 * devices.c: the image's devices on virtio-mmio. The command line's
 * `virtio_mmio.device=SIZE@ADDR:IRQ[:ID]` words (Linux's format, which QEMU
 * microvm and Firecracker write) say where the devices are; they are taken
 * out before the app sees its command line. The manifest, from the image's
 * own note, says which devices the app may acquire: the k-th net (block)
 * device it names is the k-th virtio-net (virtio-blk) device in address
 * order; a block device no virtio-blk backs may then be backed by a board's
 * own storage (virtio_block_attach: a Raspberry Pi's SD card). Handles are
 * given out as the tenders give them: the lowest free one.
 */
#include <string.h>

#include "tessera_abi.h"
#include "virtio_dev.h"

struct virtio_mmio_region virtio_regions[VIRTIO_MAX_DEVICES];
unsigned virtio_region_count;

extern const uint8_t __note_tessera_start[], __note_tessera_end[];
uint32_t virtio_probe_id(struct virtio_device *d, uint32_t *version);

#define WORD "virtio_mmio.device="
#define MAX_HANDLES (TESSERA_MAX_HANDLE + 1)

static struct virtio_device devices[VIRTIO_MAX_DEVICES];
static uint64_t dma_bottom, dma_top;

/* A manifest device and what backs it. */
struct slot {
    uint8_t kind, name_len;
    const char *name;
    int handle; /* -1 until acquired */
    struct virtio_net *net;
    const struct block_driver *block; /* and its device */
    void *block_dev;
};
static struct slot slots[TESSERA_MAX_DEVICES];
static unsigned slot_count;
static struct slot *by_handle[MAX_HANDLES];

/* ---- the command line ---- */

/* Parses a number (0x hex or decimal) with an optional K/M/G suffix if `suffix`; false if none. */
static bool number(const char **p, const char *end, uint64_t *out, bool suffix) {
    const char *s = *p;
    uint64_t v = 0, base = 10;
    if (end - s > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        s += 2;
    }
    const char *digits = s;
    for (; s < end; s++) {
        unsigned d;
        char c = *s;
        if (c >= '0' && c <= '9') d = (unsigned)(c - '0');
        else if (base == 16 && c >= 'a' && c <= 'f') d = (unsigned)(c - 'a' + 10);
        else if (base == 16 && c >= 'A' && c <= 'F') d = (unsigned)(c - 'A' + 10);
        else break;
        if (v > (UINT64_MAX - d) / base) return false;
        v = v * base + d;
    }
    if (s == digits) return false;
    if (suffix && s < end && (*s == 'K' || *s == 'k' || *s == 'M' || *s == 'm' || *s == 'G' || *s == 'g')) {
        unsigned shift = *s == 'K' || *s == 'k' ? 10 : *s == 'M' || *s == 'm' ? 20 : 30;
        if (v >> (64 - shift)) return false;
        v <<= shift;
        s++;
    }
    *p = s;
    *out = v;
    return true;
}

static void say_region(const char *what, const char *word, uint32_t n) {
    virtio_platform_puts("tessera: ");
    char w[128];
    uint32_t k = n < sizeof w - 1 ? n : sizeof w - 1;
    memcpy(w, word, k);
    w[k] = 0;
    virtio_platform_puts(w);
    virtio_platform_puts(": ");
    virtio_platform_puts(what);
    virtio_platform_puts("; ignored\n");
}

/* Records one `virtio_mmio.device=` word (`w`, `n` bytes). */
static void take_word(const char *w, uint32_t n, uint64_t ram_end) {
    const char *p = w + sizeof WORD - 1, *end = w + n;
    uint64_t size, base, irq;
    if (!number(&p, end, &size, true) || p == end || *p++ != '@' || !number(&p, end, &base, false) || p == end ||
        *p++ != ':' || !number(&p, end, &irq, false) || (p != end && *p != ':'))
        return say_region("not SIZE@ADDR:IRQ", w, n);
    if (size < 0x200 || size > 0x10000 || base < ram_end || base >= (UINT64_C(1) << 32) ||
        size > (UINT64_C(1) << 32) - base)
        return say_region("the registers must lie above RAM and below 4 GiB, 512 bytes to 64 KiB", w, n);
    if (irq == 0 || irq > 255) return say_region("not an interrupt this stub can take", w, n);
    if (!virtio_region_add(base, size, (uint32_t)irq)) return say_region("too many devices", w, n);
}

bool virtio_region_add(uint64_t base, uint64_t size, uint32_t irq) {
    if (virtio_region_count == VIRTIO_MAX_DEVICES) return false;
    /* in address order */
    unsigned i = virtio_region_count++;
    while (i > 0 && virtio_regions[i - 1].base > base) {
        virtio_regions[i] = virtio_regions[i - 1];
        i--;
    }
    virtio_regions[i] = (struct virtio_mmio_region){.base = base, .size = size, .irq = irq};
    return true;
}

unsigned virtio_cmdline_take(char *cmd, uint32_t *len, uint64_t ram_end) {
    uint32_t in = 0, out = 0, n = *len;
    while (in < n) {
        uint32_t start = in;
        while (in < n && cmd[in] != ' ') in++;
        uint32_t wlen = in - start;
        bool device = wlen >= sizeof WORD - 1 && memcmp(cmd + start, WORD, sizeof WORD - 1) == 0;
        if (device) take_word(cmd + start, wlen, ram_end);
        else if (wlen) {
            if (out) cmd[out++] = ' ';
            memmove(cmd + out, cmd + start, wlen);
            out += wlen;
        }
        while (in < n && cmd[in] == ' ') in++;
    }
    if (out < n) cmd[out] = 0;
    *len = out;
    return virtio_region_count;
}

/* ---- the manifest (the image's .note.tessera, type 2) ---- */

static void read_manifest(void) {
    const uint8_t *p = __note_tessera_start, *end = __note_tessera_end;
    while (end - p >= 12) {
        uint32_t namesz, descsz, type;
        memcpy(&namesz, p, 4);
        memcpy(&descsz, p + 4, 4);
        memcpy(&type, p + 8, 4);
        const uint8_t *desc = p + 12 + ((namesz + 3) & ~3u);
        if (desc + descsz > end) return;
        if (type == TESSERA_NOTE_DEVICES && descsz >= 4) {
            uint32_t count;
            memcpy(&count, desc, 4);
            const struct tessera_note_device *d = (const struct tessera_note_device *)(desc + 4);
            for (uint32_t i = 0; i < count && i < TESSERA_MAX_DEVICES && 4 + (i + 1) * sizeof *d <= descsz; i++)
                slots[slot_count++] =
                    (struct slot){.kind = d[i].kind, .name_len = d[i].name_len, .name = d[i].name, .handle = -1};
            return;
        }
        p = desc + ((descsz + 3) & ~3u);
    }
}

/* ---- set-up ---- */

void *virtio_dma_alloc(uint64_t bytes) {
    uint64_t at = (dma_top - bytes) & ~UINT64_C(4095);
    if (bytes > dma_top || at < dma_bottom)
        virtio_platform_fail("virtio: no memory left for the devices' rings and buffers: give the machine more");
    dma_top = at;
    memset((void *)(uintptr_t)at, 0, bytes);
    return (void *)(uintptr_t)at;
}

static void say(const char *what, uint64_t base) {
    virtio_platform_puts("tessera: virtio-mmio device at 0x");
    virtio_platform_hex(base);
    virtio_platform_puts(": ");
    virtio_platform_puts(what);
    virtio_platform_puts("\n");
}

void virtio_devices_init(uint64_t bottom, uint64_t *top) {
    dma_bottom = bottom;
    dma_top = *top;
    read_manifest();
    unsigned next_net = 0, next_blk = 0; /* the next manifest device of each kind to back */
    for (unsigned r = 0; r < virtio_region_count; r++) {
        struct virtio_device *d = &devices[r];
        d->regs = (volatile uint8_t *)(uintptr_t)virtio_regions[r].base;
        d->irq = virtio_regions[r].irq;
        uint32_t version = 0, id = virtio_probe_id(d, &version);
        d->device_id = id;
        if (id == VIRTIO_ID_RNG && version == 2) {
            vrng_init(d);
            continue;
        }
        /* id 0: no device in this slot (or no virtio-mmio there at all) */
        uint8_t kind = id == VIRTIO_ID_NET ? TESSERA_DEVICE_NET : id == VIRTIO_ID_BLOCK ? TESSERA_DEVICE_BLOCK : 0;
        if (kind == 0) continue; /* or a kind the ABI has no calls for */
        unsigned *next = kind == TESSERA_DEVICE_NET ? &next_net : &next_blk;
        while (*next < slot_count && slots[*next].kind != kind) (*next)++;
        if (*next == slot_count) continue; /* more devices than the manifest names: left alone */
        if (version != 2) {
            say("legacy virtio (version 1), which this driver does not speak: start QEMU with "
                "-global virtio-mmio.force-legacy=false",
                virtio_regions[r].base);
            continue;
        }
        struct slot *s = &slots[(*next)++];
        if (kind == TESSERA_DEVICE_NET) s->net = vnet_init(d);
        else if ((s->block_dev = vblk_init(d)) != NULL) s->block = &vblk_driver;
        if (!s->net && !s->block)
            say("its set-up failed (features or queues); the app cannot acquire it", virtio_regions[r].base);
    }
    *top = dma_top;
}

bool virtio_block_wanted(void) {
    for (unsigned i = 0; i < slot_count; i++)
        if (slots[i].kind == TESSERA_DEVICE_BLOCK && !slots[i].block) return true;
    return false;
}

const char *virtio_block_attach(const struct block_driver *driver, void *dev, uint32_t *name_len) {
    for (unsigned i = 0; i < slot_count; i++)
        if (slots[i].kind == TESSERA_DEVICE_BLOCK && !slots[i].block) {
            slots[i].block = driver;
            slots[i].block_dev = dev;
            *name_len = slots[i].name_len;
            return slots[i].name;
        }
    return NULL;
}

/* ---- the calls ---- */

int32_t virtio_acquire(uint8_t kind, const uint8_t *name, uint32_t name_len, uint32_t *handle, void *info) {
    struct slot *s = NULL;
    for (unsigned i = 0; i < slot_count && !s; i++)
        if (slots[i].kind == kind && slots[i].name_len == name_len && memcmp(slots[i].name, name, name_len) == 0)
            s = &slots[i];
    if (!s || s->handle >= 0 || (!s->net && !s->block)) return TESSERA_EINVAL;
    int h = 0;
    while (h < MAX_HANDLES && by_handle[h]) h++;
    if (h == MAX_HANDLES) return TESSERA_EINVAL;
    by_handle[h] = s;
    s->handle = h;
    *handle = (uint32_t)h;
    if (s->net) {
        struct tessera_net_info ni = {.pad = 0};
        vnet_info(s->net, ni.mac, &ni.mtu);
        memcpy(info, &ni, sizeof ni);
    } else {
        struct tessera_block_info bi = {.pad = 0};
        s->block->info(s->block_dev, &bi.capacity, &bi.block_size);
        memcpy(info, &bi, sizeof bi);
    }
    return TESSERA_OK;
}

static struct slot *at(uint32_t h, uint8_t kind) {
    struct slot *s = h < MAX_HANDLES ? by_handle[h] : NULL;
    return s && s->kind == kind ? s : NULL;
}

int32_t virtio_net_write(uint32_t h, const uint8_t *frame, uint32_t len) {
    struct slot *s = at(h, TESSERA_DEVICE_NET);
    return s ? vnet_write(s->net, frame, len) : TESSERA_EINVAL;
}

int32_t virtio_net_read(uint32_t h, uint8_t *buf, uint32_t cap, uint32_t *len) {
    struct slot *s = at(h, TESSERA_DEVICE_NET);
    return s ? vnet_read(s->net, buf, cap, len) : TESSERA_EINVAL;
}

int32_t virtio_block_io(uint32_t h, int64_t offset, uint8_t *buf, uint32_t len, bool write) {
    struct slot *s = at(h, TESSERA_DEVICE_BLOCK);
    return s ? s->block->io(s->block_dev, offset, buf, len, write) : TESSERA_EINVAL;
}

int32_t virtio_block_flush(uint32_t h) {
    struct slot *s = at(h, TESSERA_DEVICE_BLOCK);
    return s ? s->block->flush(s->block_dev) : TESSERA_EINVAL;
}

uint64_t virtio_ready(void) {
    for (unsigned r = 0; r < virtio_region_count; r++)
        if (devices[r].ready) virtio_ack(&devices[r]);
    uint64_t ready = 0;
    for (int h = 0; h < MAX_HANDLES; h++)
        if (by_handle[h] && by_handle[h]->net && vnet_pending(by_handle[h]->net)) ready |= UINT64_C(1) << h;
    return ready;
}
