/* tap.c: the Node tender's native code: open a Linux TAP device and wait
 * for file descriptors to become readable. Node has neither ioctl nor poll.
 * The UNIX sockets of the switch backend are in unix.c. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <node_api.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "unix.h"

#define MAX_FDS 32

static napi_value throw_error(napi_env env, const char *msg) {
    napi_throw_error(env, NULL, msg);
    return NULL;
}

/* openTap(name: string): number -- attach to (or create) TAP device `name`;
 * returns a blocking fd that reads and writes whole Ethernet frames. */
static napi_value open_tap(napi_env env, napi_callback_info info) {
    size_t argc = 1;
    napi_value argv[1];
    char name[IFNAMSIZ];
    size_t len = 0;
    char msg[160];
    if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 1)
        return throw_error(env, "openTap(name) takes one argument");
    if (napi_get_value_string_utf8(env, argv[0], name, sizeof name, &len) != napi_ok || len == 0 ||
        len >= IFNAMSIZ - 1)
        return throw_error(env, "openTap: the interface name must be 1 to 14 bytes");
    int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        snprintf(msg, sizeof msg, "cannot open /dev/net/tun: %s", strerror(errno));
        return throw_error(env, msg);
    }
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
    memcpy(ifr.ifr_name, name, len);
    if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
        int err = errno;
        close(fd);
        snprintf(msg, sizeof msg, "cannot attach to TAP device %s: %s%s", name, strerror(err),
                 err == EPERM ? " (needs root or CAP_NET_ADMIN, or a TAP device made for this user)" : "");
        return throw_error(env, msg);
    }
    napi_value result;
    napi_create_int32(env, fd, &result);
    return result;
}

/* pollRead(fds: Int32Array, timeoutMs: number): number -- wait until one of
 * `fds` is readable or the timeout passes; returns a bit mask of the readable
 * ones (bit i = fds[i]); 0 on timeout or EINTR. A hung-up fd counts as
 * readable, so its reader sees the error. */
static napi_value poll_read(napi_env env, napi_callback_info info) {
    size_t argc = 2;
    napi_value argv[2];
    if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 2)
        return throw_error(env, "pollRead(fds, timeoutMs) takes two arguments");
    napi_typedarray_type type;
    size_t count = 0;
    void *data = NULL;
    if (napi_get_typedarray_info(env, argv[0], &type, &count, &data, NULL, NULL) != napi_ok ||
        type != napi_int32_array || count > MAX_FDS)
        return throw_error(env, "pollRead: fds must be an Int32Array of at most 32 fds");
    int32_t timeout = 0;
    if (napi_get_value_int32(env, argv[1], &timeout) != napi_ok || timeout < 0)
        return throw_error(env, "pollRead: timeoutMs must be a number >= 0");
    struct pollfd pfds[MAX_FDS];
    const int32_t *fds = data;
    for (size_t i = 0; i < count; i++) pfds[i] = (struct pollfd){.fd = fds[i], .events = POLLIN};
    int n = poll(pfds, (nfds_t)count, timeout);
    uint32_t mask = 0;
    for (size_t i = 0; n > 0 && i < count; i++)
        if (pfds[i].revents & (POLLIN | POLLERR | POLLHUP | POLLNVAL)) mask |= (uint32_t)1 << i;
    napi_value result;
    napi_create_uint32(env, mask, &result);
    return result;
}

static napi_value init(napi_env env, napi_value exports) {
    napi_property_descriptor props[] = {
        {"openTap", NULL, open_tap, NULL, NULL, NULL, napi_enumerable, NULL},
        {"pollRead", NULL, poll_read, NULL, NULL, NULL, napi_enumerable, NULL},
    };
    napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
    tessera_unix_define(env, exports);
    return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
