/* calls.c: the call dispatcher: checks the argument struct and every range
 * in it, runs the call, writes `ret`. */
#define _GNU_SOURCE
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "host.h"
#include "memory.h"

/* What the dispatcher knows of each call's argument struct. */
struct call_info {
    const char *name;
    uint32_t size;       /* sizeof(struct tessera_args_<name>); 0: no such call */
    uint32_t ret_offset; /* offsetof(..., ret) */
    uint32_t ret_size;   /* 0: no ret (exit, panic, trap) */
};

#define CALL(NR, NAME) [NR] = {#NAME, sizeof(struct tessera_args_##NAME), offsetof(struct tessera_args_##NAME, ret), \
                               sizeof(((struct tessera_args_##NAME *)0)->ret)}
#define CALL_NORET(NR, NAME) [NR] = {#NAME, sizeof(struct tessera_args_##NAME), 0, 0}

static const struct call_info CALLS[] = {
    CALL_NORET(TESSERA_CALL_EXIT, exit),
    CALL_NORET(TESSERA_CALL_PANIC, panic),
    CALL(TESSERA_CALL_CONSOLE_WRITE, console_write),
    CALL(TESSERA_CALL_CONSOLE_READ, console_read),
    CALL(TESSERA_CALL_CLOCK_MONOTONIC, clock_monotonic),
    CALL(TESSERA_CALL_CLOCK_WALL, clock_wall),
    CALL(TESSERA_CALL_ENTROPY, entropy),
    CALL(TESSERA_CALL_CMDLINE, cmdline),
    CALL(TESSERA_CALL_YIELD, yield),
    CALL(TESSERA_CALL_NET_ACQUIRE, net_acquire),
    CALL(TESSERA_CALL_NET_WRITE, net_write),
    CALL(TESSERA_CALL_NET_READ, net_read),
    CALL(TESSERA_CALL_BLOCK_ACQUIRE, block_acquire),
    CALL(TESSERA_CALL_BLOCK_READ, block_read),
    CALL(TESSERA_CALL_BLOCK_WRITE, block_write),
    CALL(TESSERA_CALL_BLOCK_FLUSH, block_flush),
    CALL(TESSERA_CALL_MEMORY_LIMIT, memory_limit),
    CALL_NORET(TESSERA_CALL_TRAP, trap),
};
_Static_assert(TESSERA_CALL_COUNT == 17, "a call was added to the ABI: add it here");

union call_args {
    struct tessera_args_exit exit;
    struct tessera_args_panic panic;
    struct tessera_args_console_write console_write;
    struct tessera_args_console_read console_read;
    struct tessera_args_clock_monotonic clock_monotonic;
    struct tessera_args_clock_wall clock_wall;
    struct tessera_args_entropy entropy;
    struct tessera_args_cmdline cmdline;
    struct tessera_args_yield yield;
    struct tessera_args_net_acquire net_acquire;
    struct tessera_args_net_write net_write;
    struct tessera_args_net_read net_read;
    struct tessera_args_block_acquire block_acquire;
    struct tessera_args_block_read block_read;
    struct tessera_args_block_write block_write;
    struct tessera_args_block_flush block_flush;
    struct tessera_args_memory_limit memory_limit;
    struct tessera_args_trap trap;
};

/* The device behind handle h if it is acquired and of `kind`, else NULL. */
static struct tender_device *device_at(struct tender *t, uint32_t h, uint8_t kind) {
    if (h > TESSERA_MAX_HANDLE || t->devices.by_handle[h] < 0) return NULL;
    struct tender_device *d = &t->devices.devices[t->devices.by_handle[h]];
    return d->kind == kind ? d : NULL;
}

static void put_u32(uint8_t *p, uint32_t v) {
    memcpy(p, &v, 4);
}

_Noreturn static void do_exit(struct tender *t, int32_t status) {
    if (status < 0 || status > 254) {
        host_say(t, "exit status %d is outside 0..254; exiting with 255", status);
        tender_exit(t, TENDER_EXIT_GUEST_FAILED);
    }
    tender_exit(t, status);
}

_Noreturn static void do_panic(struct tender *t, uint64_t used, const struct tessera_args_panic *a) {
    const uint8_t *msg = host_wasm_range(t, used, a->msg, a->len);
    host_write_all(2, "panic: ", 7);
    if (msg == NULL) host_write_all(2, "<message pointer outside memory>", 32);
    else host_write_all(2, msg, a->len);
    host_write_all(2, "\n", 1);
    tender_exit(t, TENDER_EXIT_GUEST_FAILED);
}

static int32_t do_entropy(uint8_t *buf, uint32_t len) {
    for (uint32_t done = 0; done < len;) {
        ssize_t n = getrandom(buf + done, len - done, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return TESSERA_EUNSPEC;
        done += (uint32_t)n;
    }
    return TESSERA_OK;
}

/* net_acquire and block_acquire: a manifest device of `kind`, opened and not yet acquired, gets the lowest free handle. */
static int32_t do_acquire(struct tender *t, uint64_t used, uint8_t kind, uint32_t name, uint32_t name_len,
                          uint32_t handle_out, uint32_t info_out) {
    uint32_t info_size = kind == TESSERA_DEVICE_NET ? sizeof(struct tessera_net_info) : sizeof(struct tessera_block_info);
    const uint8_t *n = host_wasm_range(t, used, name, name_len);
    uint8_t *h_out = host_wasm_range(t, used, handle_out, 4);
    uint8_t *i_out = host_wasm_range(t, used, info_out, info_size);
    if (n == NULL || h_out == NULL || i_out == NULL) return TESSERA_EINVAL;
    struct tender_devices *ds = &t->devices;
    struct tender_device *d = NULL;
    for (size_t i = 0; i < ds->count && d == NULL; i++) {
        struct tender_device *c = &ds->devices[i];
        if (c->kind == kind && strlen(c->name) == name_len && memcmp(c->name, n, name_len) == 0) d = c;
    }
    if (d == NULL || d->handle >= 0) return TESSERA_EINVAL;
    int h = 0;
    while (h <= TESSERA_MAX_HANDLE && ds->by_handle[h] >= 0) h++;
    if (h > TESSERA_MAX_HANDLE) return TESSERA_EINVAL;
    ds->by_handle[h] = (int8_t)(d - ds->devices);
    d->handle = h;
    put_u32(h_out, (uint32_t)h);
    if (kind == TESSERA_DEVICE_NET) {
        struct tessera_net_info info = {.pad = 0, .mtu = d->mtu};
        memcpy(info.mac, d->mac, 6);
        memcpy(i_out, &info, sizeof info);
    } else {
        struct tessera_block_info info = {.capacity = d->capacity, .block_size = d->block_size, .pad = 0};
        memcpy(i_out, &info, sizeof info);
    }
    return TESSERA_OK;
}

static int32_t do_net_write(struct tender *t, uint64_t used, const struct tessera_args_net_write *a) {
    struct tender_device *d = device_at(t, a->h, TESSERA_DEVICE_NET);
    const uint8_t *buf = host_wasm_range(t, used, a->ptr, a->len);
    if (d == NULL || buf == NULL || a->len < 14 || a->len > d->mtu + 14) return TESSERA_EINVAL;
    ssize_t n;
    do n = write(d->fd, buf, a->len);
    while (n < 0 && errno == EINTR);
    /* Like a NIC: a full queue or a link that is down drops the frame. */
    if (n < 0 && errno != EAGAIN && errno != ENOBUFS && errno != EIO) return TESSERA_EUNSPEC;
    /* A guest busy answering a burst reads nothing meanwhile: take what has
     * come in off the kernel's queue (1,000 frames), before it overflows. */
    host_net_maybe_drain(d);
    return TESSERA_OK;
}

static int32_t do_net_read(struct tender *t, uint64_t used, const struct tessera_args_net_read *a) {
    struct tender_device *d = device_at(t, a->h, TESSERA_DEVICE_NET);
    uint8_t *buf = host_wasm_range(t, used, a->ptr, a->cap);
    uint8_t *len_out = host_wasm_range(t, used, a->len_out, 4);
    if (d == NULL || buf == NULL || len_out == NULL) return TESSERA_EINVAL;
    uint32_t n = 0;
    int32_t r = host_net_read(d, buf, a->cap, &n);
    if (r == TESSERA_OK) put_u32(len_out, n);
    return r;
}

static int32_t do_block_io(struct tender *t, uint64_t used, uint32_t h, int64_t offset, uint32_t ptr, uint32_t len,
                           bool write) {
    struct tender_device *d = device_at(t, h, TESSERA_DEVICE_BLOCK);
    uint8_t *buf = host_wasm_range(t, used, ptr, len);
    if (d == NULL || buf == NULL) return TESSERA_EINVAL;
    return write ? host_disk_write(t, d, offset, buf, len) : host_disk_read(t, d, offset, buf, len);
}

/* Runs the call on the copy `a` of its argument struct; fills in a's ret. */
static void run(struct tender *t, uint32_t nr, union call_args *a, uint64_t args) {
    const uint64_t used = host_heap_used(t); /* read once per call */
    uint8_t *p, *q;
    switch (nr) {
    case TESSERA_CALL_EXIT:
        do_exit(t, a->exit.status);
    case TESSERA_CALL_PANIC:
        do_panic(t, used, &a->panic);
    case TESSERA_CALL_TRAP:
        host_trap(t, &a->trap, args);
    case TESSERA_CALL_CONSOLE_WRITE:
        p = host_wasm_range(t, used, a->console_write.ptr, a->console_write.len);
        a->console_write.ret = p ? host_console_write(p, a->console_write.len) : TESSERA_EINVAL;
        break;
    case TESSERA_CALL_CONSOLE_READ: {
        p = host_wasm_range(t, used, a->console_read.ptr, a->console_read.cap);
        q = host_wasm_range(t, used, a->console_read.len_out, 4);
        uint32_t n = 0;
        a->console_read.ret = p && q ? host_console_read(t, p, a->console_read.cap, &n) : TESSERA_EINVAL;
        if (a->console_read.ret == TESSERA_OK) put_u32(q, n);
        break;
    }
    case TESSERA_CALL_CLOCK_MONOTONIC:
        a->clock_monotonic.ret = host_monotonic_ns();
        break;
    case TESSERA_CALL_CLOCK_WALL:
        a->clock_wall.ret = host_wall_ns();
        break;
    case TESSERA_CALL_ENTROPY:
        p = host_wasm_range(t, used, a->entropy.ptr, a->entropy.len);
        a->entropy.ret = p ? do_entropy(p, a->entropy.len) : TESSERA_EINVAL;
        break;
    case TESSERA_CALL_CMDLINE: {
        p = host_wasm_range(t, used, a->cmdline.ptr, a->cmdline.cap);
        size_t len = t->options.cmdline_len;
        if (p) memcpy(p, t->options.cmdline, a->cmdline.cap < len ? a->cmdline.cap : len);
        a->cmdline.ret = p ? (int32_t)len : -TESSERA_EINVAL;
        break;
    }
    case TESSERA_CALL_YIELD:
        a->yield.ret = host_yield(t, a->yield.deadline);
        break;
    case TESSERA_CALL_NET_ACQUIRE:
        a->net_acquire.ret = do_acquire(t, used, TESSERA_DEVICE_NET, a->net_acquire.name, a->net_acquire.name_len,
                                        a->net_acquire.handle_out, a->net_acquire.info_out);
        break;
    case TESSERA_CALL_NET_WRITE:
        a->net_write.ret = do_net_write(t, used, &a->net_write);
        break;
    case TESSERA_CALL_NET_READ:
        a->net_read.ret = do_net_read(t, used, &a->net_read);
        break;
    case TESSERA_CALL_BLOCK_ACQUIRE:
        a->block_acquire.ret = do_acquire(t, used, TESSERA_DEVICE_BLOCK, a->block_acquire.name,
                                          a->block_acquire.name_len, a->block_acquire.handle_out,
                                          a->block_acquire.info_out);
        break;
    case TESSERA_CALL_BLOCK_READ:
        a->block_read.ret = do_block_io(t, used, a->block_read.h, a->block_read.offset, a->block_read.ptr,
                                        a->block_read.len, false);
        break;
    case TESSERA_CALL_BLOCK_WRITE:
        a->block_write.ret = do_block_io(t, used, a->block_write.h, a->block_write.offset, a->block_write.ptr,
                                         a->block_write.len, true);
        break;
    case TESSERA_CALL_BLOCK_FLUSH: {
        struct tender_device *d = device_at(t, a->block_flush.h, TESSERA_DEVICE_BLOCK);
        a->block_flush.ret = d ? host_disk_flush(t, d) : TESSERA_EINVAL;
        break;
    }
    case TESSERA_CALL_MEMORY_LIMIT:
        /* heap_size is whole wasm pages, and `used` never exceeds it. The
         * guest runtime answers this itself (it also knows the image's own
         * maximum, which may be lower); this is for a guest that asks. */
        a->memory_limit.ret = (int64_t)t->layout.heap_size;
        break;
    default:
        break;
    }
}

void tender_call(struct tender *t, uint32_t nr, uint64_t args) {
    const struct call_info *c = nr < sizeof CALLS / sizeof CALLS[0] ? &CALLS[nr] : NULL;
    if (c == NULL || c->size == 0) {
        host_say(t, "the guest made call %u, which Tessera ABI v%u does not have; stopping it", nr,
                 TESSERA_ABI_VERSION);
        tender_exit(t, TENDER_EXIT_GUEST_FAILED);
    }
    int prot = c->ret_size ? PROT_READ | PROT_WRITE : PROT_READ;
    uint8_t *where = tender_guest_range(t, args, c->size, prot);
    if (where == NULL) {
        host_say(t, "the guest gave call %s an argument struct outside its %s memory (0x%llx, %u bytes); stopping it",
                 c->name, c->ret_size ? "writable" : "readable", (unsigned long long)args, c->size);
        tender_exit(t, TENDER_EXIT_GUEST_FAILED);
    }
    union call_args a;
    memset(&a, 0, sizeof a);
    memcpy(&a, where, c->size); /* one read: the guest sees the struct only after the call */
    run(t, nr, &a, args);
    memcpy(where + c->ret_offset, (uint8_t *)&a + c->ret_offset, c->ret_size);
}
