/* user.c: a user net device (--net NAME=user, or the device --publish goes to):
 * one end of a socketpair(AF_UNIX, SOCK_SEQPACKET), one message one Ethernet
 * frame, which the guest side reads and writes exactly as a TAP fd; the other
 * end is the gateway's (spt forks a process for it). */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "host.h"

/* The largest IP packet either side sends, as on a TAP device. */
#define USER_MTU 1500u
/* Send buffers of each end (the kernel caps them at net.core.wmem_max): a socketpair's queue is bounded by its
 * sender's buffer alone, about 200 KiB by default, some 90 full frames. */
#define USER_SNDBUF (4 << 20)

void host_user_open(struct tender *t, struct tender_device *d) {
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) != 0)
        tender_fail(t, TENDER_EXIT_ERROR, "%s: cannot make the link to the gateway: %s", d->given, strerror(errno));
    int size = USER_SNDBUF;
    for (int i = 0; i < 2; i++) setsockopt(sv[i], SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
    d->fd = sv[0];
    d->peer_fd = sv[1];
    d->mtu = USER_MTU;
    host_net_setup(t, d);
}

struct tender_device *tender_user_device(struct tender *t) {
    for (size_t i = 0; i < t->devices.count; i++)
        if (t->devices.devices[i].peer_fd >= 0) return &t->devices.devices[i];
    return NULL;
}

void tender_close_gateway_fds(struct tender *t) {
    struct tender_device *d = tender_user_device(t);
    if (d) {
        close(d->peer_fd);
        d->peer_fd = -1;
    }
    for (size_t i = 0; i < t->options.publish_count; i++) {
        struct tender_publish *p = &t->options.publish[i];
        if (p->fd >= 0) close(p->fd);
        p->fd = -1;
    }
}
