/* disk_create.c: --block-create NAME=SIZE: a disk file that is missing is made
 * as `tessera disk create FILE SIZE` makes it (packages/cli/src/commands/disk.ts,
 * targets/node/src/block/label.ts): SIZE bytes of zero blocks of 4096 bytes,
 * sparse, then the 4096-byte label. It is written under a temporary name and
 * linked into place, so that a tender starting at the same moment on the same
 * volume sees either no file or a whole one. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "disk_label.h"
#include "host.h"

#define BLOCK_SIZE LABEL_DEFAULT_BLOCK_SIZE

static void put32(uint8_t *p, uint32_t v) {
    memcpy(p, &v, 4); /* x86_64: little-endian, as the label is */
}

static void put64(uint8_t *p, uint64_t v) {
    memcpy(p, &v, 8);
}

/* The label (disk_label.h, generated from packages/abi/src/disk-label.ts). */
static void make_label(uint8_t *label, uint64_t capacity, const uint8_t id[LABEL_ID_LENGTH]) {
    memset(label, 0, LABEL_SIZE);
    memcpy(label + LABEL_MAGIC_AT, LABEL_MAGIC, LABEL_MAGIC_LENGTH);
    put32(label + LABEL_VERSION_AT, LABEL_VERSION);
    put32(label + LABEL_BLOCK_SIZE_AT, BLOCK_SIZE);
    put64(label + LABEL_CAPACITY_AT, capacity);
    put64(label + LABEL_CREATED_AT, (uint64_t)(host_wall_ns() / 1000000));
    memcpy(label + LABEL_ID_AT, id, LABEL_ID_LENGTH);
    put32(label + LABEL_CRC_AT, host_crc32(label, LABEL_CRC_AT));
}

void host_disk_create(struct tender *t, struct tender_device *d, const char *file, uint64_t capacity) {
    if (access(file, F_OK) == 0 || errno != ENOENT) return; /* there (or unreadable: opening it says why) */
    uint8_t id[LABEL_ID_LENGTH];
    if (getrandom(id, sizeof id, 0) != (ssize_t)sizeof id)
        tender_fail(t, TENDER_EXIT_ERROR, "%s: cannot create it: no random bytes for its id", d->given);
    size_t n = strlen(file);
    char *tmp = malloc(n + 48);
    if (tmp == NULL) tender_fail(t, TENDER_EXIT_ERROR, "%s: out of memory", d->given);
    snprintf(tmp, n + 48, "%s.new-%02x%02x%02x%02x%02x%02x%02x%02x", file, id[0], id[1], id[2], id[3], id[4], id[5],
             id[6], id[7]);
    int fd = open(tmp, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0)
        tender_fail(t, TENDER_EXIT_ERROR, "%s: cannot create it: %s: %s (is its directory a writable volume?)",
                    d->given, tmp, strerror(errno));
    uint8_t label[LABEL_SIZE];
    make_label(label, capacity, id);
    bool ok = ftruncate(fd, (off_t)(capacity + LABEL_SIZE)) == 0 &&
              pwrite(fd, label, LABEL_SIZE, (off_t)capacity) == (ssize_t)LABEL_SIZE && fsync(fd) == 0;
    int e = errno;
    close(fd);
    bool linked = ok && link(tmp, file) == 0;
    if (ok && !linked && errno != EEXIST) { /* EEXIST: another tender made it first; that one is used */
        ok = false;
        e = errno;
    }
    unlink(tmp);
    free(tmp);
    if (!ok) tender_fail(t, TENDER_EXIT_ERROR, "%s: cannot create it: %s", d->given, strerror(e));
    if (linked)
        host_say(t, "%s: created it: %" PRIu64 " bytes in %" PRIu64 " blocks of %u bytes", d->given, capacity,
                 capacity / BLOCK_SIZE, BLOCK_SIZE);
}
