/* yield.c: blocking until a deadline or input, with one ppoll over every
 * acquired net device and stdin; never a busy wait: a ppoll that fails other
 * than with EINTR stops the guest. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <time.h>

#include "host.h"

#define CONSOLE_BIT (UINT64_C(1) << TESSERA_CONSOLE_READY_BIT)

int64_t host_yield(struct tender *t, int64_t deadline) {
    struct tender_devices *ds = &t->devices;
    struct pollfd fds[TESSERA_MAX_DEVICES + 1];
    int handles[TESSERA_MAX_DEVICES + 1];
    for (;;) {
        uint64_t ready = 0;
        nfds_t n = 0;
        for (int h = 0; h <= TESSERA_MAX_HANDLE; h++) {
            if (ds->by_handle[h] < 0) continue;
            const struct tender_device *d = &ds->devices[ds->by_handle[h]];
            if (d->kind != TESSERA_DEVICE_NET) continue;
            if (d->ring_count > 0) ready |= UINT64_C(1) << h; /* frames read ahead */
            fds[n] = (struct pollfd){.fd = d->fd, .events = POLLIN};
            handles[n++] = h;
        }
        /* stdin: until its end has been read, and only while the guest reads
         * what it is told about (a guest that never calls console_read would
         * otherwise be woken by pending input forever). */
        if (ds->console_open && !ds->console_ended && ds->console_armed) {
            fds[n] = (struct pollfd){.fd = 0, .events = POLLIN};
            handles[n++] = TESSERA_CONSOLE_READY_BIT;
        }
        int64_t now = host_monotonic_ns();
        int64_t wait = ready != 0 || deadline <= now ? 0 : deadline - now;
        struct timespec ts = {.tv_sec = wait / 1000000000, .tv_nsec = wait % 1000000000};
        int r = ppoll(fds, n, &ts, NULL);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) {
            /* Any other error comes back at once, and again on every retry:
             * EINVAL (more fds than RLIMIT_NOFILE allows), ENOMEM (no kernel
             * memory for the poll table), EFAULT. Retrying would spin until
             * the deadline and burn a core, and the guest could no longer be
             * told about input; backing off would hide that and turn every
             * later yield into a blind sleep. So the guest is stopped,
             * saying why, as a bad call stops it. */
            host_say(t, "yield: ppoll failed: %s; stopping the guest", strerror(errno));
            tender_exit(t, TENDER_EXIT_GUEST_FAILED);
        }
        for (nfds_t i = 0; r > 0 && i < n; i++) {
            short ev = fds[i].revents;
            if (handles[i] == TESSERA_CONSOLE_READY_BIT) {
                if (ev & POLLNVAL) ds->console_open = false;
                else if (ev & (POLLIN | POLLHUP | POLLERR)) ready |= CONSOLE_BIT;
            } else if (ev & POLLIN) {
                ready |= UINT64_C(1) << handles[i];
            }
        }
        if (ready & CONSOLE_BIT) ds->console_armed = false;
        if (ready != 0 || host_monotonic_ns() >= deadline) return (int64_t)ready;
    }
}
