/*
 * gw_core.c: the gateway program's instance and its imports:
 *
 *   host.frame_out(ptr, len)     a frame for the guest: sent on the link, or
 *                                held (GW_BACKLOG_MAX frames at most) while
 *                                the link is full, and sent in order later
 *   host.event(id, kind, arg)    queued, for the loop to hand to the splice
 *   host.tcp_open(id, addr, port)  queued, for the loop to open the host's side of
 *                                the guest's connection `id` (gw_splice_open)
 *   host.udp_send(flow, addr, port, ptr, len)  sent at once on the flow's socket (gw_udp.c)
 *   host.udp_close(flow)         the flow's socket closed
 *   env.abort(msg, file, l, c)   the gateway's own abort: a message, then exit
 *   env.seed()                   Math.random's seed, from getrandom
 *
 * and the exports, each called with the monotonic clock where it takes one.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
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
    /* host connections asked for and not yet opened: (id, addr, port), as events */
    int32_t *opens;
    size_t open_head, open_count, open_cap;
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

/* A queue of triples: events, and host connections to open. */
struct triples {
    int32_t **data;
    size_t *head, *count, *cap;
};

static void push3(struct gw *g, struct triples q, int32_t a, int32_t b, int32_t c) {
    if (*q.head > 0 && *q.head + *q.count + 3 > *q.cap) {
        memmove(*q.data, *q.data + *q.head, *q.count * sizeof **q.data);
        *q.head = 0;
    }
    if (*q.head + *q.count + 3 > *q.cap) {
        size_t cap = *q.cap ? *q.cap * 2 : 3 * 256;
        int32_t *e = realloc(*q.data, cap * sizeof *e);
        if (e == NULL) out_of_memory(g);
        *q.data = e;
        *q.cap = cap;
    }
    int32_t *e = *q.data + *q.head + *q.count;
    e[0] = a, e[1] = b, e[2] = c;
    *q.count += 3;
}

static bool take3(struct triples q, int32_t *a, int32_t *b, int32_t *c) {
    if (*q.count == 0) {
        *q.head = 0;
        return false;
    }
    const int32_t *e = *q.data + *q.head;
    *a = e[0], *b = e[1], *c = e[2];
    *q.head += 3;
    *q.count -= 3;
    return true;
}

#define EVENTS(g) ((struct triples){&(g)->events, &(g)->event_head, &(g)->event_count, &(g)->event_cap})
#define OPENS(g) ((struct triples){&(g)->opens, &(g)->open_head, &(g)->open_count, &(g)->open_cap})

void w2c_host_event(struct w2c_host *h, u32 id, u32 kind, u32 arg) {
    push3(h->gw, EVENTS(h->gw), (int32_t)id, (int32_t)kind, (int32_t)arg);
}

bool gw_next_event(struct gw *g, int32_t *id, int32_t *kind, int32_t *arg) {
    return take3(EVENTS(g), id, kind, arg);
}

void w2c_host_tcp_open(struct w2c_host *h, u32 id, u32 addr, u32 port) {
    push3(h->gw, OPENS(h->gw), (int32_t)id, (int32_t)addr, (int32_t)port);
}

bool gw_next_open(struct gw *g, int32_t *id, uint32_t *addr, uint16_t *port) {
    int32_t a, p;
    if (!take3(OPENS(g), id, &a, &p)) return false;
    *addr = (uint32_t)a;
    *port = (uint16_t)p;
    return true;
}

void w2c_host_udp_send(struct w2c_host *h, u32 flow, u32 addr, u32 port, u32 ptr, u32 len) {
    const uint8_t *data = wasm_range(h->gw, ptr, len);
    if (data != NULL) gw_udp_send(h->gw, (int32_t)flow, addr, (uint16_t)port, data, len);
}

void w2c_host_udp_close(struct w2c_host *h, u32 flow) {
    (void)h;
    gw_udp_close((int32_t)flow);
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

/* Reads `given` (or else `fallback`, which may be missing) into the gateway's buffer: its first GW_FILE_MAX bytes;
 * how many. A given file that cannot be read ends the gateway with a message (options.c checked it already). */
static uint32_t read_file(struct gw *g, const char *given, const char *fallback, const char *flag) {
    int fd = open(given ? given : fallback, O_RDONLY | O_CLOEXEC);
    ssize_t r = 0;
    uint32_t n = 0;
    if (fd >= 0) {
        while (n < GW_FILE_MAX) {
            r = read(fd, gw_io(g) + n, GW_FILE_MAX - n);
            if (r > 0) n += (uint32_t)r;
            else if (r < 0 && errno == EINTR) continue;
            else break;
        }
        int e = errno;
        close(fd);
        errno = e;
    }
    if ((fd < 0 || r < 0) && given) {
        host_say(g->t, "%s %s: cannot read it: %s", flag, given, strerror(errno));
        _exit(GW_EXIT_FAILED);
    }
    return fd < 0 || r < 0 ? 0 : n;
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
    w2c_gateway_gw_init(&g->inst, GW_MAX_CONNECTIONS, GW_MAX_OUTBOUND, GW_MAX_UDP_FLOWS);
    g->buf = w2c_gateway_gw_buffer(&g->inst);
    if (wasm_range(g, g->buf, GW_BUF) == NULL) {
        host_say(t, "the user-mode network's gateway has no %u-byte buffer", GW_BUF);
        _exit(GW_EXIT_FAILED);
    }
    uint32_t n = read_file(g, t->options.hosts_file, "/etc/hosts", "--hosts-file");
    if (n > 0) w2c_gateway_gw_hosts(&g->inst, n);
    n = read_file(g, t->options.resolv_conf, "/etc/resolv.conf", "--resolv-conf");
    if (n > 0) w2c_gateway_gw_resolv_conf(&g->inst, n);
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

int32_t gw_tcp_opened(struct gw *g, int32_t id, int32_t result, int64_t now) {
    return (int32_t)w2c_gateway_gw_tcp_opened(&g->inst, (u32)id, (u32)result, (u64)now);
}

void gw_udp_in(struct gw *g, int32_t flow, uint32_t addr, uint16_t port, uint32_t len, int64_t now) {
    w2c_gateway_gw_udp_in(&g->inst, (u32)flow, addr, port, len, (u64)now);
}
