/* disk.c: a Tessera disk file for a block device: its label checked, its
 * lock taken (lock.c), and whole-block I/O with pread, pwrite and fdatasync. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "disk_label.h"
#include "host.h"

#define CREATE_HINT "create one with: tessera disk create FILE SIZE"

uint32_t host_crc32(const uint8_t *p, size_t len) {
    uint32_t crc = 0xffffffffu;
    for (size_t i = 0; i < len; i++) {
        crc ^= p[i];
        for (int k = 0; k < 8; k++) crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
    }
    return ~crc;
}

static bool valid_block_size(uint32_t bs) {
    return bs >= LABEL_BLOCK_SIZE_MIN && bs <= LABEL_BLOCK_SIZE_MAX && (bs & (bs - 1)) == 0;
}

/* Reads and checks the label; fails with the Node tender's words. */
static void read_label(struct tender *t, struct tender_device *d, int fd, uint64_t file_size) {
    uint8_t label[LABEL_SIZE];
    bool read_ok = file_size >= LABEL_SIZE;
    for (size_t done = 0; read_ok && done < LABEL_SIZE;) {
        ssize_t n = pread(fd, label + done, LABEL_SIZE - done, (off_t)(file_size - LABEL_SIZE + done));
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) tender_fail(t, TENDER_EXIT_ERROR, "%s: cannot read its label: %s", d->given, strerror(errno));
        if (n == 0) read_ok = false;
        done += (size_t)(n > 0 ? n : 0);
    }
    if (!read_ok || memcmp(label + LABEL_MAGIC_AT, LABEL_MAGIC, LABEL_MAGIC_LENGTH) != 0)
        tender_fail(t, TENDER_EXIT_ERROR,
                    "%s: not a Tessera disk: its last %u bytes are not a disk label (a disk file that was truncated "
                    "or extended loses it; " CREATE_HINT ")",
                    d->given, LABEL_SIZE);
    uint32_t crc, version, block_size;
    uint64_t capacity;
    memcpy(&crc, label + LABEL_CRC_AT, 4);
    memcpy(&version, label + LABEL_VERSION_AT, 4);
    memcpy(&block_size, label + LABEL_BLOCK_SIZE_AT, 4);
    memcpy(&capacity, label + LABEL_CAPACITY_AT, 8);
    if (crc != host_crc32(label, LABEL_CRC_AT))
        tender_fail(t, TENDER_EXIT_ERROR,
                    "%s: its disk label is damaged (its checksum does not match); the blocks before it are intact",
                    d->given);
    if (version != LABEL_VERSION)
        tender_fail(t, TENDER_EXIT_ERROR, "%s: its disk label is version %u; this tessera reads version %u", d->given,
                    version, LABEL_VERSION);
    if (!valid_block_size(block_size))
        tender_fail(t, TENDER_EXIT_ERROR,
                    "%s: its disk label gives a block size of %u bytes; a block size is one of " LABEL_BLOCK_SIZES,
                    d->given, block_size);
    if (capacity == 0 || capacity % block_size != 0)
        tender_fail(t, TENDER_EXIT_ERROR,
                    "%s: its disk label gives a capacity of %" PRIu64 " bytes, not a whole number of %u-byte blocks",
                    d->given, capacity, block_size);
    if (capacity > UINT64_MAX - LABEL_SIZE || capacity + LABEL_SIZE != file_size)
        tender_fail(t, TENDER_EXIT_ERROR,
                    "%s: the file is %" PRIu64 " bytes but its label says %" PRIu64 " bytes of blocks and %u of label "
                    "(%" PRIu64 " in all): was it truncated or extended?",
                    d->given, file_size, capacity, LABEL_SIZE, capacity + LABEL_SIZE);
    d->block_size = block_size;
    d->capacity = capacity;
}

void host_disk_open(struct tender *t, struct tender_device *d, const char *file) {
    int fd = open(file, O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        if (e == ENOENT)
            tender_fail(t, TENDER_EXIT_ERROR, "%s: file not found (create it with: tessera disk create %s 64M)",
                        d->given, file);
        if (e == EISDIR) tender_fail(t, TENDER_EXIT_ERROR, "%s: is a directory; give a disk file", d->given);
        if (e == EACCES || e == EROFS || e == EPERM)
            tender_fail(t, TENDER_EXIT_ERROR, "%s: cannot open it for reading and writing (%s)", d->given,
                        e == EROFS ? "EROFS" : e == EPERM ? "EPERM" : "EACCES");
        tender_fail(t, TENDER_EXIT_ERROR, "%s: %s", d->given, strerror(e));
    }
    struct stat st;
    if (fstat(fd, &st) != 0) tender_fail(t, TENDER_EXIT_ERROR, "%s: %s", d->given, strerror(errno));
    if (!S_ISREG(st.st_mode)) tender_fail(t, TENDER_EXIT_ERROR, "%s: not a regular file; give a disk file", d->given);
    read_label(t, d, fd, (uint64_t)st.st_size);
    host_disk_lock(t, d, file);
    d->fd = fd;
}

/* Whether `len` bytes at `offset` are whole blocks inside the capacity (the ABI's rule). */
static bool fits(const struct tender_device *d, int64_t offset, uint32_t len) {
    uint64_t bs = d->block_size;
    return offset >= 0 && (uint64_t)offset % bs == 0 && len >= bs && len % bs == 0 &&
           (uint64_t)offset <= d->capacity && len <= d->capacity - (uint64_t)offset;
}

static int32_t io_failed(struct tender *t, struct tender_device *d, const char *what, int err) {
    if (!d->failed) host_say(t, "%s: %s failed: %s", d->given, what, err ? strerror(err) : "unexpected end of file");
    d->failed = true;
    return TESSERA_EUNSPEC;
}

int32_t host_disk_read(struct tender *t, struct tender_device *d, int64_t offset, uint8_t *buf, uint32_t len) {
    if (!fits(d, offset, len)) return TESSERA_EINVAL;
    for (uint32_t done = 0; done < len;) {
        ssize_t n = pread(d->fd, buf + done, len - done, (off_t)((uint64_t)offset + done));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return io_failed(t, d, "read", n < 0 ? errno : 0);
        done += (uint32_t)n;
    }
    return TESSERA_OK;
}

int32_t host_disk_write(struct tender *t, struct tender_device *d, int64_t offset, const uint8_t *buf, uint32_t len) {
    if (!fits(d, offset, len)) return TESSERA_EINVAL;
    for (uint32_t done = 0; done < len;) {
        ssize_t n = pwrite(d->fd, buf + done, len - done, (off_t)((uint64_t)offset + done));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return io_failed(t, d, "write", n < 0 ? errno : EIO);
        done += (uint32_t)n;
    }
    return TESSERA_OK;
}

/* Once a write or flush has failed, every later flush fails too: the kernel
 * may have dropped the unwritten pages, and a flush that then succeeded would
 * claim durability for data that is gone. */
int32_t host_disk_flush(struct tender *t, struct tender_device *d) {
    if (d->failed) return TESSERA_EUNSPEC;
    while (fdatasync(d->fd) != 0) {
        if (errno != EINTR) return io_failed(t, d, "flush", errno);
    }
    return TESSERA_OK;
}
