/*
 * gw_core.c: the gateway program's instance and its imports:
 *
 *   host.frame_out(ptr, len)     a frame for the guest: sent on the link, or
 *                                held (GW_BACKLOG_MAX frames at most) while
 *                                the link is full, and sent in order later
 *   host.event(id, kind, arg)    queued, for the loop to hand to the splice
 *   env.abort(msg, file, l, c)   the gateway's own abort: a message, then exit
 *   env.seed()                   Math.random's seed, from getrandom
 *
 * and the exports, each called with the monotonic clock where it takes one.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include "gw.h"
#include "host.h"
#include "gw_wasm.h"

struct w2c_host {
    struct gw *gw;
};

struct w2c_env {
    struct gw *gw;
};

struct gw_frame {
    uint32_t len;
    uint8_t data[];
};

struct gw {
    const struct tender *t;
    w2c_gateway inst;
    struct w2c_host host;
    struct w2c_env env;
    uint32_t buf; /* gw_buffer(): the offset of the gateway's buffer */
    int link;
    /* frames for the guest the link had no room for, oldest first */
    struct gw_frame **backlog;
    uint32_t backlog_head, backlog_count;
    /* events not yet handled: (id, kind, arg) */
    int32_t *events;
    size_t event_head, event_count, event_cap;
};

static _Noreturn void out_of_memory(const struct gw *g) {
    host_say(g->t, "the user-mode network's gateway is out of memory");
    _exit(GW_EXIT_FAILED);
}

/* The `len` bytes at wasm address `ptr`, or NULL if they are not all in the gateway's memory. */
static uint8_t *wasm_range(struct gw *g, uint32_t ptr, uint32_t len) {
    const wasm_rt_memory_t *m = &g->inst.w2c_memory;
    return (uint64_t)ptr + len <= m->size ? m->data + ptr : NULL;
}

u32 w2c_host_frame_out(struct w2c_host *h, u32 ptr, u32 len) {
    struct gw *g = h->gw;
    const uint8_t *frame = wasm_range(g, ptr, len);
    if (frame == NULL) return 0;
    if (g->backlog_count == 0) {
        ssize_t n = send(g->link, frame, len, MSG_DONTWAIT | MSG_NOSIGNAL);
        if (n >= 0 || (errno != EAGAIN && errno != ENOBUFS)) return 1; /* sent, or the guest is gone */
    }
    if (g->backlog_count == GW_BACKLOG_MAX) return 1; /* dropped, as by a full NIC queue: TCP sends it again */
    struct gw_frame *f = malloc(sizeof *f + len);
    if (f == NULL) out_of_memory(g);
    f->len = len;
    memcpy(f->data, frame, len);
    g->backlog[(g->backlog_head + g->backlog_count++) % GW_BACKLOG_MAX] = f;
    return 1;
}

void gw_link_flush(struct gw *g) {
    while (g->backlog_count > 0) {
        struct gw_frame *f = g->backlog[g->backlog_head];
        ssize_t n = send(g->link, f->data, f->len, MSG_DONTWAIT | MSG_NOSIGNAL);
        if (n < 0 && (errno == EAGAIN || errno == ENOBUFS)) return;
        free(f);
        g->backlog_head = (g->backlog_head + 1) % GW_BACKLOG_MAX;
        g->backlog_count--;
    }
}

bool gw_link_backlogged(const struct gw *g) {
    return g->backlog_count > 0;
}

int gw_link_fd(const struct gw *g) {
    return g->link;
}

void w2c_host_event(struct w2c_host *h, u32 id, u32 kind, u32 arg) {
    struct gw *g = h->gw;
    if (g->event_head > 0 && g->event_head + g->event_count + 3 > g->event_cap) {
        memmove(g->events, g->events + g->event_head, g->event_count * sizeof *g->events);
        g->event_head = 0;
    }
    if (g->event_head + g->event_count + 3 > g->event_cap) {
        size_t cap = g->event_cap ? g->event_cap * 2 : 3 * 256;
        int32_t *e = realloc(g->events, cap * sizeof *e);
        if (e == NULL) out_of_memory(g);
        g->events = e;
        g->event_cap = cap;
    }
    int32_t *e = g->events + g->event_head + g->event_count;
    e[0] = (int32_t)id, e[1] = (int32_t)kind, e[2] = (int32_t)arg;
    g->event_count += 3;
}

bool gw_next_event(struct gw *g, int32_t *id, int32_t *kind, int32_t *arg) {
    if (g->event_count == 0) {
        g->event_head = 0;
        return false;
    }
    const int32_t *e = g->events + g->event_head;
    *id = e[0], *kind = e[1], *arg = e[2];
    g->event_head += 3;
    g->event_count -= 3;
    return true;
}

/* An AssemblyScript string (UTF-16, its byte length in the word before it) as ASCII, into `out`. */
static void as_string(struct gw *g, uint32_t ptr, char *out, size_t cap) {
    out[0] = '\0';
    const uint8_t *len_word = ptr >= 4 ? wasm_range(g, ptr - 4, 4) : NULL;
    if (len_word == NULL) return;
    uint32_t bytes;
    memcpy(&bytes, len_word, 4);
    const uint8_t *s = wasm_range(g, ptr, bytes);
    if (s == NULL) return;
    size_t n = 0;
    for (uint32_t i = 0; i + 1 < bytes && n + 1 < cap; i += 2) {
        uint16_t c = (uint16_t)(s[i] | s[i + 1] << 8);
        out[n++] = c >= 0x20 && c < 0x7f ? (char)c : '?';
    }
    out[n] = '\0';
}

void w2c_env_abort(struct w2c_env *e, u32 msg, u32 file, u32 line, u32 col) {
    struct gw *g = e->gw;
    char m[256], f[256];
    as_string(g, msg, m, sizeof m);
    as_string(g, file, f, sizeof f);
    host_say(g->t, "the user-mode network's gateway failed: %s at %s:%u:%u", m, f, line, col);
    _exit(GW_EXIT_FAILED);
}

f64 w2c_env_seed(struct w2c_env *e) {
    uint32_t r = 0;
    if (getrandom(&r, sizeof r, 0) != (ssize_t)sizeof r) r = (uint32_t)host_monotonic_ns();
    (void)e;
    return (f64)r + 1;
}

struct gw *gw_open(const struct tender *t, int link) {
    struct gw *g = calloc(1, sizeof *g);
    if (g == NULL) {
        host_say(t, "the user-mode network's gateway is out of memory");
        _exit(GW_EXIT_FAILED);
    }
    g->t = t;
    g->link = link;
    g->host.gw = g;
    g->env.gw = g;
    g->backlog = calloc(GW_BACKLOG_MAX, sizeof *g->backlog);
    if (g->backlog == NULL) out_of_memory(g);
    gw_rt_init(t);
    wasm2c_gateway_instantiate(&g->inst, &g->env, &g->host);
    w2c_gateway_gw_init(&g->inst, GW_MAX_CONNECTIONS);
    g->buf = w2c_gateway_gw_buffer(&g->inst);
    if (wasm_range(g, g->buf, GW_BUF) == NULL) {
        host_say(t, "the user-mode network's gateway has no %u-byte buffer", GW_BUF);
        _exit(GW_EXIT_FAILED);
    }
    return g;
}

const struct tender *gw_tender(const struct gw *g) {
    return g->t;
}

/* The memory never moves (gw_rt.c maps it whole), so the buffer's address holds. */
uint8_t *gw_io(struct gw *g) {
    return g->inst.w2c_memory.data + g->buf;
}

void gw_frame_in(struct gw *g, uint32_t len, int64_t now) {
    w2c_gateway_gw_frame_in(&g->inst, len, (u64)now);
}

void gw_poll(struct gw *g, int64_t now) {
    w2c_gateway_gw_poll(&g->inst, (u64)now);
}

int64_t gw_poll_at(struct gw *g) {
    return (int64_t)w2c_gateway_gw_poll_at(&g->inst);
}

int32_t gw_connect(struct gw *g, uint16_t port, int64_t now) {
    return (int32_t)w2c_gateway_gw_connect(&g->inst, port, (u64)now);
}

uint32_t gw_write(struct gw *g, int32_t id, uint32_t len, int64_t now) {
    return w2c_gateway_gw_write(&g->inst, (u32)id, len, (u64)now);
}

uint32_t gw_writable(struct gw *g, int32_t id) {
    return w2c_gateway_gw_writable(&g->inst, (u32)id);
}

int32_t gw_read(struct gw *g, int32_t id, uint32_t cap, int64_t now) {
    return (int32_t)w2c_gateway_gw_read(&g->inst, (u32)id, cap, (u64)now);
}

void gw_close(struct gw *g, int32_t id, int64_t now) {
    w2c_gateway_gw_close(&g->inst, (u32)id, (u64)now);
}

void gw_abort(struct gw *g, int32_t id, int64_t now) {
    w2c_gateway_gw_abort(&g->inst, (u32)id, (u64)now);
}

void gw_release(struct gw *g, int32_t id) {
    w2c_gateway_gw_release(&g->inst, (u32)id);
}
