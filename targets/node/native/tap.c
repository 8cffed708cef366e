/* tap.c: the Node tender's native code: open a Linux TAP device (Node has no
 * ioctl). Waiting on file descriptors (Node has no poll) and the UNIX sockets
 * of the switch backend are in unix.c; reading and writing frames in frames.c. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <node_api.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "frames.h"
#include "unix.h"


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

static napi_value init(napi_env env, napi_value exports) {
    napi_property_descriptor props[] = {
        {"openTap", NULL, open_tap, NULL, NULL, NULL, napi_enumerable, NULL},
    };
    napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
    tessera_unix_define(env, exports);
    tessera_frames_define(env, exports);
    return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
