/*
 * sdcard.c: the SD card in a Raspberry Pi's slot as the app's block device:
 * the first block device of the manifest that no virtio-blk backs. The card
 * is identified as the SD specification's physical layer says: CMD0; CMD8
 * (a 2.0 card echoes it); ACMD41 until it is ready, its CCS bit saying
 * block addresses (SDHC, SDXC) or byte addresses (SDSC); CMD2; CMD3 (its
 * address); CMD9 (the CSD, its capacity); CMD7 (selected); CMD16 (512-byte
 * blocks, SDSC); ACMD6 (a 4-bit bus); then 25 MHz.
 *
 * What the app gets:
 *   - block 0 has no MBR signature: the whole card (a card written whole
 *     from a Tessera disk file, as tessera run gives QEMU's raspi3b);
 *   - an MBR: its first partition of type 0xda ("non-FS data") only, so that
 *     the FAT partition the Pi boots from is never written; with no such
 *     partition the card is not used, and the console says why.
 * The block size is the device tree's tessera,block-size (tessera run writes
 * the disk label's there) or 512. Writes are single-block CMD24s, each
 * complete once the card is no longer busy, so block_flush has nothing left
 * to wait for; it fails once a write has failed, as on the tenders.
 */
#include <string.h>

#include "sdhci.h"
#include "tessera_abi.h"
#include "virtio.h"

#define OCR_READY (1u << 31)
#define OCR_CCS (1u << 30)
#define OCR_VOLTAGES 0x00ff8000u
#define ACMD41_DEADLINE_NS 2000000000
#define MBR_DATA 0xda

static struct {
    uint64_t start, size; /* the app's part of the card, in bytes */
    uint32_t block_size, rca;
    bool block_addressed, failed;
} card;
static uint8_t sector[SD_BLOCK] __attribute__((aligned(8)));

/* CSD bits [hi:lo] (hi - lo < 32), from the host's response registers, which hold CSD[127:8]. */
static uint32_t csd_bits(const uint32_t r[4], unsigned hi, unsigned lo) {
    uint32_t v = 0;
    for (unsigned b = hi + 1; b-- > lo;) {
        unsigned k = b - 8;
        v = v << 1 | (r[k / 32] >> (k % 32) & 1);
    }
    return v;
}

static uint64_t csd_capacity(const uint32_t r[4]) {
    switch (csd_bits(r, 127, 126)) {
    case 0: { /* SDSC */
        uint64_t c_size = csd_bits(r, 73, 62), mult = csd_bits(r, 49, 47), bl_len = csd_bits(r, 83, 80);
        return (c_size + 1) << (mult + 2) << bl_len;
    }
    case 1: /* SDHC, SDXC: 512 KiB units */
        return ((uint64_t)csd_bits(r, 69, 48) + 1) << 19;
    default:
        return 0;
    }
}

static bool app_command(uint32_t index, uint32_t arg, uint32_t resp, uint32_t out[4]) {
    return sdhci_command(55, card.rca << 16, SD_RESP_48, NULL) && sdhci_command(index, arg, resp, out);
}

/* Identifies the card; its capacity in bytes, 0 if there is none that answers. */
static uint64_t identify(void) {
    uint32_t r[4];
    sdhci_command(0, 0, SD_RESP_NONE, NULL);
    bool v2 = sdhci_command(8, 0x1aa, SD_RESP_48, r) && (r[0] & 0xfff) == 0x1aa;
    int64_t deadline = clock_monotonic_ns() + ACMD41_DEADLINE_NS;
    do {
        if (!app_command(41, OCR_VOLTAGES | (v2 ? OCR_CCS : 0), SD_RESP_48_NOCRC, r)) return 0;
    } while (!(r[0] & OCR_READY) && clock_monotonic_ns() < deadline);
    if (!(r[0] & OCR_READY)) return 0;
    card.block_addressed = v2 && (r[0] & OCR_CCS);
    if (!sdhci_command(2, 0, SD_RESP_136, NULL) || !sdhci_command(3, 0, SD_RESP_48, r)) return 0;
    card.rca = r[0] >> 16;
    if (!sdhci_command(9, card.rca << 16, SD_RESP_136, r)) return 0;
    uint64_t capacity = csd_capacity(r);
    if (!sdhci_command(7, card.rca << 16, SD_RESP_48_BUSY, NULL)) return 0;
    if (!card.block_addressed && !sdhci_command(16, SD_BLOCK, SD_RESP_48, NULL)) return 0;
    bool four = app_command(6, 2, SD_RESP_48, NULL);
    if (!sdhci_fast(four)) return 0;
    return capacity;
}

static bool card_io(uint64_t byte, uint8_t *buf, bool write) {
    uint64_t address = card.block_addressed ? byte / SD_BLOCK : byte;
    if (address > UINT32_MAX) return false;
    return sdhci_transfer(write ? 24 : 17, (uint32_t)address, buf, write);
}

static uint32_t le32(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* The app's part of a card of `capacity` bytes (card.start, card.size); false if there is none for it. */
static bool choose_part(uint64_t capacity) {
    if (!card_io(0, sector, false)) return false;
    card.start = 0;
    card.size = capacity;
    if (sector[510] != 0x55 || sector[511] != 0xaa) return true;
    for (int i = 0; i < 4; i++) {
        const uint8_t *e = sector + 446 + 16 * i;
        uint64_t first = le32(e + 8), count = le32(e + 12);
        if (e[4] != MBR_DATA || count == 0 || (first + count) * SD_BLOCK > capacity) continue;
        card.start = first * SD_BLOCK;
        card.size = count * SD_BLOCK;
        return true;
    }
    serial_puts("tessera: the SD card has a partition table but no partition of type 0xda for the app's data; "
                "docs/boards.md says how to add one\n");
    return false;
}

static void info(void *dev, uint64_t *capacity, uint32_t *block_size) {
    (void)dev;
    *capacity = card.size / card.block_size * card.block_size;
    *block_size = card.block_size;
}

static int32_t io(void *dev, int64_t offset, uint8_t *buf, uint32_t len, bool write) {
    (void)dev;
    uint64_t bs = card.block_size, size = card.size / bs * bs;
    if (offset < 0 || (uint64_t)offset % bs || len < bs || len % bs || (uint64_t)offset > size ||
        len > size - (uint64_t)offset)
        return TESSERA_EINVAL;
    for (uint32_t done = 0; done < len; done += SD_BLOCK)
        if (!card_io(card.start + (uint64_t)offset + done, buf + done, write)) {
            if (write) card.failed = true;
            return TESSERA_EUNSPEC;
        }
    return TESSERA_OK;
}

static int32_t flush(void *dev) {
    (void)dev;
    return card.failed ? TESSERA_EUNSPEC : TESSERA_OK;
}

static const struct block_driver sd_driver = {.info = info, .io = io, .flush = flush};

void sdcard_attach(void) {
    const struct virtio_machine *m = &virtio_machine;
    if (!m->sdhci || !virtio_block_wanted()) return;
    uint32_t bs = m->sd_block_size;
    card.block_size = bs >= SD_BLOCK && bs <= 65536 && !(bs & (bs - 1)) ? bs : SD_BLOCK;
    uint64_t capacity = sdhci_init(m->sdhci, m->sdhci_pins ? m->gpio : 0) ? identify() : 0;
    if (capacity == 0) {
        serial_puts("tessera: no SD card answers in the slot; the app's block device is not there\n");
        return;
    }
    if (!choose_part(capacity)) return;
    uint32_t name_len = 0;
    const char *name = virtio_block_attach(&sd_driver, NULL, &name_len);
    serial_puts("tessera: block device \"");
    serial_write(name, name_len);
    serial_puts(card.start ? "\": the SD card's partition of type 0xda, " : "\": the whole SD card, ");
    serial_dec((int64_t)(card.size >> 20));
    serial_puts(" MiB\n");
}
