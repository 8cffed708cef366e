/* tap.c: attaching a Linux TAP device (IFF_TAP | IFF_NO_PI, non-blocking) for a net device. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "host.h"

/* The largest IP packet the guest may send or receive, without the 14-byte Ethernet header. */
#define TAP_MTU 1500u

void host_tap_open(struct tender *t, struct tender_device *d, const char *ifname) {
    int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        if (e == ENOENT || e == ENODEV || e == ENXIO)
            tender_fail(t, TENDER_EXIT_ERROR,
                        "%s: cannot open /dev/net/tun: %s (this host has no TUN/TAP driver: modprobe tun)", d->given,
                        strerror(e));
        if (e == EACCES || e == EPERM)
            tender_fail(t, TENDER_EXIT_ERROR,
                        "%s: cannot open /dev/net/tun: %s (needs root or CAP_NET_ADMIN, or read-write access to "
                        "/dev/net/tun)",
                        d->given, strerror(e));
        tender_fail(t, TENDER_EXIT_ERROR, "%s: cannot open /dev/net/tun: %s", d->given, strerror(e));
    }
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
    memcpy(ifr.ifr_name, ifname, strlen(ifname)); /* at most 15 bytes: options.c checked */
    if (ioctl(fd, TUNSETIFF, &ifr) != 0) {
        int e = errno;
        close(fd);
        const char *hint = e == EPERM ? " (needs root or CAP_NET_ADMIN, or a TAP device made for this user: ip tuntap "
                                        "add IFNAME mode tap user USER)"
                           : e == EBUSY ? " (another process has it open)"
                           : e == EINVAL ? " (an interface of that name exists and is not a TAP device)"
                                         : "";
        tender_fail(t, TENDER_EXIT_ERROR, "%s: cannot attach to TAP device %s: %s%s", d->given, ifname, strerror(e),
                    hint);
    }
    d->fd = fd;
    d->mtu = TAP_MTU;
    host_net_setup(t, d);
}
