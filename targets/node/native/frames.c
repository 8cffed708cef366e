/* frames.c: the net data path's system calls, without a JavaScript call or
 * an allocation per frame. readFrames reads every frame a device has ready
 * straight into the slots of a frame ring in shared memory (the layout of
 * src/net/frame-ring.ts); writeFrame writes one frame from the guest's
 * memory. Node's fs.readSync/writeSync cost a call into the runtime, a
 * context object and, on EAGAIN, an exception per frame. */
#define _GNU_SOURCE
#include "frames.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

/* Ring header indices (frame-ring.ts): frames written, frames read, frames dropped. */
#define WRITTEN 0
#define READ 1
#define DROPPED 2
/* What readFrames returns besides the count of frames delivered (bits 0-23). */
#define HUNG_UP (1 << 24)
#define FAILED (1 << 25)

/* Where an oversized frame's tail goes, to be measured and dropped (a frame is at most 64 KiB). */
static _Thread_local uint8_t overflow[65536];

static napi_value throw_usage(napi_env env, const char *msg) {
    napi_throw_error(env, NULL, msg);
    return NULL;
}

static napi_value int_result(napi_env env, int32_t v) {
    napi_value result;
    napi_create_int32(env, v, &result);
    return result;
}

/* The data of typed array `arg` if it is of `type`; its element count in *count. */
static void *typed(napi_env env, napi_value arg, napi_typedarray_type type, size_t *count) {
    napi_typedarray_type got;
    void *data = NULL;
    if (napi_get_typedarray_info(env, arg, &got, count, &data, NULL, NULL) != napi_ok || got != type) return NULL;
    return data;
}

/* One frame into iov (nonblocking); its length, 0 on hang-up, -1 with errno. */
static ssize_t read_one(int fd, int socket, struct iovec *iov) {
    for (;;) {
        ssize_t n;
        if (socket) {
            struct msghdr msg;
            memset(&msg, 0, sizeof msg);
            msg.msg_iov = iov;
            msg.msg_iovlen = 2;
            n = recvmsg(fd, &msg, MSG_DONTWAIT);
        } else {
            n = readv(fd, iov, 2); /* a TAP fd the tender made non-blocking */
        }
        if (n >= 0 || errno != EINTR) return n;
    }
}

/* readFrames(fd, socket, header: Int32Array, lengths: Int32Array, data: Uint8Array, max): number --
 * reads up to `max` frames from `fd` (a SOCK_SEQPACKET socket if `socket`,
 * else a non-blocking TAP fd) into the ring, until the fd has none left
 * (EAGAIN). A frame larger than a slot, or one that finds the ring full, is
 * read and dropped (counted in the header, as the ring's producer does).
 * Returns the count of frames delivered, with HUNG_UP (1 << 24) set if the
 * peer hung up (read returned 0) or FAILED (1 << 25) on any other error. */
static napi_value read_frames(napi_env env, napi_callback_info info) {
    size_t argc = 6;
    napi_value argv[6];
    size_t hcount = 0, slots = 0, bytes = 0;
    int32_t fd = -1, max = 0;
    bool socket = false;
    if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 6 ||
        napi_get_value_int32(env, argv[0], &fd) != napi_ok || napi_get_value_bool(env, argv[1], &socket) != napi_ok ||
        napi_get_value_int32(env, argv[5], &max) != napi_ok)
        return throw_usage(env, "readFrames(fd, socket, header, lengths, data, max) takes six arguments");
    int32_t *header = typed(env, argv[2], napi_int32_array, &hcount);
    int32_t *lengths = typed(env, argv[3], napi_int32_array, &slots);
    uint8_t *data = typed(env, argv[4], napi_uint8_array, &bytes);
    if (!header || hcount < 3 || !lengths || !data || slots == 0 || (slots & (slots - 1)) != 0 ||
        bytes % slots != 0)
        return throw_usage(env, "readFrames: header, lengths and data must be a frame ring's arrays");
    size_t slot_size = bytes / slots;
    int32_t delivered = 0;
    for (int32_t i = 0; i < max; i++) {
        int32_t written = __atomic_load_n(&header[WRITTEN], __ATOMIC_SEQ_CST);
        int32_t read = __atomic_load_n(&header[READ], __ATOMIC_SEQ_CST);
        int full = (uint32_t)written - (uint32_t)read >= slots;
        size_t slot = (uint32_t)written & (slots - 1);
        struct iovec iov[2] = {
            {.iov_base = full ? overflow : data + slot * slot_size, .iov_len = full ? sizeof overflow : slot_size},
            {.iov_base = overflow, .iov_len = full ? 0 : sizeof overflow},
        };
        ssize_t n = read_one(fd, socket, iov);
        if (n == 0) return int_result(env, delivered | HUNG_UP);
        if (n < 0) return int_result(env, delivered | (errno == EAGAIN || errno == EWOULDBLOCK ? 0 : FAILED));
        if (full || (size_t)n > slot_size) {
            __atomic_add_fetch(&header[DROPPED], 1, __ATOMIC_SEQ_CST);
            continue;
        }
        lengths[slot] = (int32_t)n;
        __atomic_store_n(&header[WRITTEN], (int32_t)((uint32_t)written + 1), __ATOMIC_SEQ_CST);
        delivered++;
    }
    return int_result(env, delivered);
}

/* writeFrame(fd, memory: ArrayBuffer, offset, length): number -- one write(2)
 * of memory[offset, offset + length) (the caller checked the range); 0 if it
 * was written, else the errno (EAGAIN and ENOBUFS mean the device is busy). */
static napi_value write_frame(napi_env env, napi_callback_info info) {
    size_t argc = 4;
    napi_value argv[4];
    int32_t fd = -1;
    uint32_t offset = 0, length = 0;
    void *data = NULL;
    size_t size = 0;
    if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 4 ||
        napi_get_value_int32(env, argv[0], &fd) != napi_ok ||
        napi_get_arraybuffer_info(env, argv[1], &data, &size) != napi_ok ||
        napi_get_value_uint32(env, argv[2], &offset) != napi_ok ||
        napi_get_value_uint32(env, argv[3], &length) != napi_ok || (size_t)offset + length > size)
        return throw_usage(env, "writeFrame(fd, memory, offset, length): a range inside an ArrayBuffer");
    for (;;) {
        ssize_t n = write(fd, (uint8_t *)data + offset, length);
        if (n >= 0) return int_result(env, 0);
        if (errno != EINTR) return int_result(env, errno);
    }
}

napi_status tessera_frames_define(napi_env env, napi_value exports) {
    napi_property_descriptor props[] = {
        {"readFrames", NULL, read_frames, NULL, NULL, NULL, napi_enumerable, NULL},
        {"writeFrame", NULL, write_frame, NULL, NULL, NULL, napi_enumerable, NULL},
    };
    return napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
}
