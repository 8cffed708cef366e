/* net.c: received frames: read from the TAP device ahead of the guest into a
 * ring (so that a burst the guest is slow to take overflows neither the
 * kernel's queue nor the ring too soon), and handed to net_read in order. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "host.h"

/* net_write reads ahead at most this often. */
#define DRAIN_INTERVAL_NS 50000

void host_net_setup(struct tender *t, struct tender_device *d) {
    if (d->mtu + 14 > HOST_SLOT_SIZE) tender_fail(t, TENDER_EXIT_ERROR, "%s: MTU %u is too large", d->given, d->mtu);
    d->frame = malloc(HOST_FRAME_MAX);
    d->ring = malloc((size_t)HOST_RING_SLOTS * HOST_SLOT_SIZE);
    d->ring_len = malloc(HOST_RING_SLOTS * sizeof d->ring_len[0]);
    if (d->frame == NULL || d->ring == NULL || d->ring_len == NULL)
        tender_fail(t, TENDER_EXIT_ERROR, "%s: out of memory", d->given);
    /* A random locally administered unicast MAC: 02:xx:xx:xx:xx:xx. */
    if (getrandom(d->mac, sizeof d->mac, 0) != (ssize_t)sizeof d->mac)
        tender_fail(t, TENDER_EXIT_ERROR, "%s: cannot draw a MAC address: %s", d->given, strerror(errno));
    d->mac[0] = (uint8_t)((d->mac[0] & 0xfc) | 0x02);
}

void host_net_drain(struct tender_device *d) {
    d->drained_at = host_monotonic_ns();
    while (d->ring_count < HOST_RING_SLOTS) {
        ssize_t n = read(d->fd, d->frame, HOST_FRAME_MAX);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return; /* EAGAIN: nothing more; an error or a gateway gone (0): net_read finds it out */
        if (n < 14 || (size_t)n > d->mtu + 14u) continue; /* not a frame the guest can take */
        uint32_t slot = (d->ring_head + d->ring_count) % HOST_RING_SLOTS;
        memcpy(d->ring + (size_t)slot * HOST_SLOT_SIZE, d->frame, (size_t)n);
        d->ring_len[slot] = (uint16_t)n;
        d->ring_count++;
    }
}

void host_net_maybe_drain(struct tender_device *d) {
    if (d->ring_count < HOST_RING_SLOTS && host_monotonic_ns() - d->drained_at >= DRAIN_INTERVAL_NS)
        host_net_drain(d);
}

int32_t host_net_read(struct tender_device *d, uint8_t *buf, uint32_t cap, uint32_t *len) {
    if (d->ring_count == 0) {
        /* Straight from the device, as the ring is empty; one read tells AGAIN from an error. */
        ssize_t n;
        for (;;) {
            n = read(d->fd, d->frame, HOST_FRAME_MAX);
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) return errno == EAGAIN ? TESSERA_AGAIN : TESSERA_EUNSPEC;
            if (n == 0) return TESSERA_EUNSPEC; /* a user device's gateway is gone (a TAP device never reads 0) */
            if (n >= 14 && (size_t)n <= d->mtu + 14u) break;
        }
        d->ring_head = 0;
        memcpy(d->ring, d->frame, (size_t)n);
        d->ring_len[0] = (uint16_t)n;
        d->ring_count = 1;
    }
    uint32_t n = d->ring_len[d->ring_head];
    if (n > cap) return TESSERA_EINVAL; /* the frame stays for a larger buffer */
    memcpy(buf, d->ring + (size_t)d->ring_head * HOST_SLOT_SIZE, n);
    *len = n;
    d->ring_head = (d->ring_head + 1) % HOST_RING_SLOTS;
    d->ring_count--;
    return TESSERA_OK;
}
