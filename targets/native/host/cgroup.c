/* cgroup.c: guest memory when --mem is not given. In a container with a memory
 * limit (docker run -m 256m), the guest gets the limit less CGROUP_MARGIN_MIB
 * for the tender itself, at most TESSERA_MEM_MAX_MIB: the guest's collector
 * then works within what the container may use, instead of the kernel's OOM
 * killer ending it. Without a limit, TESSERA_MEM_DEFAULT_MIB. The limit is
 * read where a container sees its own cgroup: cgroup v2's
 * /sys/fs/cgroup/memory.max, else cgroup v1's
 * /sys/fs/cgroup/memory/memory.limit_in_bytes (on a host these are the root
 * cgroup's: no memory.max, and v1's "no limit", a number near 2^63). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "host.h"

/* What the tender takes beside guest memory: its own code and heap, the image
 * file (read whole), a TAP device's read-ahead ring (768 KiB), spt's
 * supervisor process, and the page cache of disk writes, which the kernel
 * charges to the container (docs/containers.md). */
#define CGROUP_MARGIN_MIB 16u

/* The number in `path` (0 if it is missing, "max" or not a number). */
static uint64_t read_limit(const char *path) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 0;
    char buf[32];
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0) return 0;
    buf[n] = '\0';
    char *end;
    unsigned long long v = strtoull(buf, &end, 10);
    return end == buf || (*end != '\n' && *end != '\0') ? 0 : (uint64_t)v;
}

void host_size_memory(struct tender *t) {
    uint64_t limit = read_limit("/sys/fs/cgroup/memory.max");
    if (limit == 0) limit = read_limit("/sys/fs/cgroup/memory/memory.limit_in_bytes");
    if (limit == 0 || limit >= (uint64_t)1 << 62) return; /* no limit: the default stays */
    uint64_t mib = limit >> 20;
    if (mib < CGROUP_MARGIN_MIB + TESSERA_MEM_MIN_MIB)
        tender_fail(t, TENDER_EXIT_USAGE,
                    "the container's memory limit is %llu MiB: the guest needs at least %u MiB beside the tender's "
                    "%u MiB (give the container at least %u MiB, e.g. docker run -m %um)",
                    (unsigned long long)mib, TESSERA_MEM_MIN_MIB, CGROUP_MARGIN_MIB,
                    TESSERA_MEM_MIN_MIB + CGROUP_MARGIN_MIB, TESSERA_MEM_MIN_MIB + CGROUP_MARGIN_MIB);
    mib -= CGROUP_MARGIN_MIB;
    if (mib > TESSERA_MEM_MAX_MIB) mib = TESSERA_MEM_MAX_MIB;
    t->options.mem_size = mib << 20;
}
