/* unix.c: UNIX SOCK_SEQPACKET sockets for the virtual switch (`switch:NAME`).
 * SOCK_SEQPACKET keeps one Ethernet frame per message, like SOCK_DGRAM, but
 * is connected: a port that dies is a hang-up the switch sees at once. The
 * fds it returns are read and written with plain read(2)/write(2) (Node's
 * fs.readSync/writeSync); Node has no UNIX datagram or seqpacket sockets. */
#define _GNU_SOURCE
#include "unix.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define MAX_POLL 1024

static const char *errno_code(int err) {
    switch (err) {
    case ENOENT: return "ENOENT";
    case ECONNREFUSED: return "ECONNREFUSED";
    case EADDRINUSE: return "EADDRINUSE";
    case EACCES: return "EACCES";
    case EPERM: return "EPERM";
    case ENAMETOOLONG: return "ENAMETOOLONG";
    default: return "EUNSPEC";
    }
}

static napi_value throw_errno(napi_env env, const char *what, int err) {
    char msg[200];
    snprintf(msg, sizeof msg, "%s: %s", what, strerror(err));
    napi_throw_error(env, errno_code(err), msg);
    return NULL;
}

static napi_value throw_usage(napi_env env, const char *msg) {
    napi_throw_error(env, NULL, msg);
    return NULL;
}

static napi_value int_result(napi_env env, int32_t v) {
    napi_value result;
    napi_create_int32(env, v, &result);
    return result;
}

/* Reads `arg` as a socket path into `addr`; 0 (and a thrown error) if it does not fit. */
static int get_path(napi_env env, napi_value arg, struct sockaddr_un *addr) {
    size_t len = 0;
    memset(addr, 0, sizeof *addr);
    addr->sun_family = AF_UNIX;
    if (napi_get_value_string_utf8(env, arg, addr->sun_path, sizeof addr->sun_path, &len) != napi_ok || len == 0 ||
        len >= sizeof addr->sun_path - 1) {
        throw_usage(env, "the socket path must be 1 to 106 bytes");
        return 0;
    }
    return 1;
}

/* listenSeqpacket(path: string): number -- a non-blocking listening socket bound at `path`. */
static napi_value listen_seqpacket(napi_env env, napi_callback_info info) {
    size_t argc = 1;
    napi_value argv[1];
    struct sockaddr_un addr;
    if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 1)
        return throw_usage(env, "listenSeqpacket(path) takes one argument");
    if (!get_path(env, argv[0], &addr)) return NULL;
    int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return throw_errno(env, "socket", errno);
    if (bind(fd, (struct sockaddr *)&addr, sizeof addr) < 0 || listen(fd, 64) < 0) {
        int err = errno;
        close(fd);
        return throw_errno(env, addr.sun_path, err);
    }
    return int_result(env, fd);
}

/* connectSeqpacket(path: string, sendTimeoutMs: number): number -- a blocking
 * socket connected to `path`; a write waits at most sendTimeoutMs for room
 * (then fails with EAGAIN), so a stalled peer cannot hang the writer. */
static napi_value connect_seqpacket(napi_env env, napi_callback_info info) {
    size_t argc = 2;
    napi_value argv[2];
    struct sockaddr_un addr;
    int32_t ms = 0;
    if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 2)
        return throw_usage(env, "connectSeqpacket(path, sendTimeoutMs) takes two arguments");
    if (!get_path(env, argv[0], &addr)) return NULL;
    if (napi_get_value_int32(env, argv[1], &ms) != napi_ok || ms < 0)
        return throw_usage(env, "connectSeqpacket: sendTimeoutMs must be a number >= 0");
    int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    if (fd < 0) return throw_errno(env, "socket", errno);
    struct timeval tv = {.tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000};
    if (setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv) < 0 ||
        connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0) {
        int err = errno;
        close(fd);
        return throw_errno(env, addr.sun_path, err);
    }
    return int_result(env, fd);
}

/* acceptSeqpacket(fd: number): number -- a new non-blocking connection, or -1 if none is waiting. */
static napi_value accept_seqpacket(napi_env env, napi_callback_info info) {
    size_t argc = 1;
    napi_value argv[1];
    int32_t lfd = -1;
    if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 1 ||
        napi_get_value_int32(env, argv[0], &lfd) != napi_ok)
        return throw_usage(env, "acceptSeqpacket(fd) takes one fd");
    int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ECONNABORTED || errno == EINTR) return int_result(env, -1);
        return throw_errno(env, "accept", errno);
    }
    return int_result(env, fd);
}

/* pollMany(fds: Int32Array, ready: Uint8Array, timeoutMs: number): number --
 * waits until one of `fds` (at most 1024; negative ones are ignored) is
 * readable or hung up; sets ready[i] to 1 for those, 0 for the rest, and
 * returns how many are ready (0 on timeout or EINTR). */
static napi_value poll_many(napi_env env, napi_callback_info info) {
    size_t argc = 3;
    napi_value argv[3];
    napi_typedarray_type type, rtype;
    size_t count = 0, rcount = 0;
    void *data = NULL, *rdata = NULL;
    int32_t timeout = 0;
    if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 3)
        return throw_usage(env, "pollMany(fds, ready, timeoutMs) takes three arguments");
    if (napi_get_typedarray_info(env, argv[0], &type, &count, &data, NULL, NULL) != napi_ok ||
        type != napi_int32_array || count > MAX_POLL ||
        napi_get_typedarray_info(env, argv[1], &rtype, &rcount, &rdata, NULL, NULL) != napi_ok ||
        rtype != napi_uint8_array || rcount < count)
        return throw_usage(env, "pollMany: fds must be an Int32Array of at most 1024 fds, ready a Uint8Array as long");
    if (napi_get_value_int32(env, argv[2], &timeout) != napi_ok || timeout < 0)
        return throw_usage(env, "pollMany: timeoutMs must be a number >= 0");
    struct pollfd pfds[MAX_POLL];
    const int32_t *fds = data;
    uint8_t *ready = rdata;
    for (size_t i = 0; i < count; i++) pfds[i] = (struct pollfd){.fd = fds[i], .events = POLLIN};
    int n = poll(pfds, (nfds_t)count, timeout);
    int32_t found = 0;
    for (size_t i = 0; i < count; i++) {
        ready[i] = n > 0 && (pfds[i].revents & (POLLIN | POLLERR | POLLHUP | POLLNVAL)) ? 1 : 0;
        found += ready[i];
    }
    return int_result(env, found);
}

/* setNonBlocking(fd: number): undefined -- sets O_NONBLOCK, so reads and writes return EAGAIN instead of waiting. */
static napi_value set_non_blocking(napi_env env, napi_callback_info info) {
    size_t argc = 1;
    napi_value argv[1];
    int32_t fd = -1;
    if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 1 ||
        napi_get_value_int32(env, argv[0], &fd) != napi_ok)
        return throw_usage(env, "setNonBlocking(fd) takes one fd");
    int flags = fcntl(fd, F_GETFL);
    if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) return throw_errno(env, "fcntl", errno);
    return NULL;
}

napi_status tessera_unix_define(napi_env env, napi_value exports) {
    napi_property_descriptor props[] = {
        {"listenSeqpacket", NULL, listen_seqpacket, NULL, NULL, NULL, napi_enumerable, NULL},
        {"connectSeqpacket", NULL, connect_seqpacket, NULL, NULL, NULL, napi_enumerable, NULL},
        {"acceptSeqpacket", NULL, accept_seqpacket, NULL, NULL, NULL, napi_enumerable, NULL},
        {"pollMany", NULL, poll_many, NULL, NULL, NULL, napi_enumerable, NULL},
        {"setNonBlocking", NULL, set_non_blocking, NULL, NULL, NULL, napi_enumerable, NULL},
    };
    return napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
}
