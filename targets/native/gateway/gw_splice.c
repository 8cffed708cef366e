/*
 * gw_splice.c: one host connection and the gateway's TCP connection to the
 * guest's port for it, spliced both ways with backpressure (as the Node
 * tender's Splice in targets/node/src/net/user-worker.ts):
 *
 * - host -> guest: the host socket is read only while the gateway's
 *   connection can take bytes (gw_writable), straight into the gateway's
 *   buffer, so a guest that reads slowly closes the host's TCP window;
 * - guest -> host: the gateway is read only while the host socket has taken
 *   everything so far, so a host that reads slowly closes the gateway's
 *   receive window and slows the guest;
 * - a FIN either way is passed on (the gateway's close, shutdown(SHUT_WR));
 *   a reset either way becomes a reset on the other side (gw_abort, or
 *   SO_LINGER 0 and close).
 *
 * A connection that arrives before the guest has an address waits for one,
 * up to GW_CONNECT_WAIT_NS; one the guest refuses (RST) is reset.
 *
 * The guest's own connections (the gateway's NAT) start the other way round:
 * the gateway holds the guest's SYN and asks for a host connection
 * (gw_splice_open: a non-blocking connect); when it is made (writable,
 * SO_ERROR 0) the gateway answers the SYN (gw_tcp_opened), and the splice
 * goes on as a published port's; when it fails the guest gets a RST, and the
 * splice is done.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "gw.h"

/* Closes the host socket with a RST. */
static void reset_host(struct gw_splice *s) {
    if (s->fd < 0) return;
    struct linger l = {.l_onoff = 1, .l_linger = 0};
    setsockopt(s->fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
    close(s->fd);
    s->fd = -1;
}

static void close_host(struct gw_splice *s) {
    if (s->fd < 0) return;
    close(s->fd);
    s->fd = -1;
}

static void release(struct gw *g, struct gw_splice *s) {
    if (s->id < 0) return;
    gw_release(g, s->id);
    s->id = -1;
}

/* The host side failed (a reset, or an error on its socket): the guest gets a RST. */
static void host_failed(struct gw *g, struct gw_splice *s, int64_t now) {
    if (s->id >= 0) gw_abort(g, s->id, now); /* releases the id too */
    s->id = -1;
    close_host(s);
}

/* Once both directions have ended and every byte reached the host: the host socket closes, and the gateway's
 * connection ends by itself (LAST-ACK or TIME-WAIT). */
static void maybe_finish(struct gw *g, struct gw_splice *s) {
    if (s->out_len > 0 || !s->guest_ended) return;
    if ((s->fin_sent && s->host_ended) || s->gateway_done) {
        release(g, s);
        close_host(s);
    }
}

static void pass_fin(struct gw *g, struct gw_splice *s, int64_t now) {
    if (s->fin_sent || !s->host_ended || s->id < 0 || !s->connected) return;
    s->fin_sent = true;
    gw_close(g, s->id, now);
}

/* Moves the guest's bytes to the host while the host socket takes them all. */
static void pump(struct gw *g, struct gw_splice *s, int64_t now) {
    uint8_t *io = gw_io(g);
    while (s->id >= 0 && s->fd >= 0 && s->out_len == 0 && !s->guest_ended) {
        int32_t n = gw_read(g, s->id, GW_BUF, now);
        if (n < 0) {
            s->guest_ended = true;
            shutdown(s->fd, SHUT_WR);
            break;
        }
        if (n == 0) break;
        ssize_t w = send(s->fd, io, (size_t)n, MSG_DONTWAIT | MSG_NOSIGNAL);
        if (w < 0 && (errno == EAGAIN || errno == EINTR)) w = 0;
        if (w < 0) {
            host_failed(g, s, now);
            return;
        }
        if (w < n) {
            if (s->out == NULL && (s->out = malloc(GW_BUF)) == NULL) {
                host_failed(g, s, now);
                return;
            }
            memcpy(s->out, io + w, (size_t)(n - w));
            s->out_off = 0;
            s->out_len = (uint32_t)(n - w);
        }
    }
    maybe_finish(g, s);
}

void gw_splice_connect(struct gw *g, struct gw_splice *s, int64_t now) {
    if (s->fd < 0 || s->id >= 0) return;
    int32_t id = gw_connect(g, s->guest_port, now);
    if (id == GW_NOT_UP && now - s->started < GW_CONNECT_WAIT_NS) return; /* asked again by the loop */
    if (id < 0 || id >= GW_MAX_IDS) {
        if (id >= GW_MAX_IDS) gw_abort(g, id, now);
        reset_host(s);
        return;
    }
    s->id = id;
    s->first_id = id;
}

void gw_splice_start(struct gw *g, struct gw_splice *s, int fd, uint16_t guest_port, int64_t now) {
    memset(s, 0, sizeof *s);
    s->fd = fd;
    s->id = -1;
    s->first_id = -1;
    s->guest_port = guest_port;
    s->started = now;
    int on = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
    gw_splice_connect(g, s, now);
}

void gw_splice_open(struct gw *g, struct gw_splice *s, int32_t id, uint32_t addr, uint16_t port, int64_t now) {
    memset(s, 0, sizeof *s);
    s->fd = -1;
    s->id = id;
    s->first_id = id;
    s->guest_port = port;
    s->started = now;
    s->opening = true;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int e = errno;
    if (fd >= 0) {
        struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(addr)};
        if (connect(fd, (struct sockaddr *)&to, sizeof to) == 0 || errno == EINPROGRESS) {
            s->fd = fd;
            return; /* the loop watches it for POLLOUT */
        }
        e = errno;
        close(fd);
    }
    s->opening = false;
    gw_tcp_opened(g, id, e == ECONNREFUSED ? GW_OPEN_REFUSED : GW_OPEN_FAILED, now); /* releases the id */
    s->id = -1;
}

/* The host socket of an opening splice is writable, or failed: the outcome answers the guest's SYN. */
static void opened(struct gw *g, struct gw_splice *s, int64_t now) {
    int err = 0;
    socklen_t len = sizeof err;
    if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
    s->opening = false;
    if (err == 0) {
        int on = 1;
        setsockopt(s->fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
        if (gw_tcp_opened(g, s->id, GW_OPEN_MADE, now)) return;
    } else {
        gw_tcp_opened(g, s->id, err == ECONNREFUSED ? GW_OPEN_REFUSED : GW_OPEN_FAILED, now);
    }
    s->id = -1; /* released by the gateway */
    close_host(s);
}

bool gw_splice_waiting(const struct gw_splice *s) {
    return s->fd >= 0 && s->id < 0;
}

void gw_splice_event(struct gw *g, struct gw_splice *s, int32_t kind, int32_t arg, int64_t now) {
    if (kind == GW_CONNECTED) {
        s->connected = true;
        pass_fin(g, s, now);
    } else if (kind == GW_READABLE) {
        pump(g, s, now);
    } else if (kind == GW_CLOSED && arg == GW_CLOSE_NORMAL) {
        s->gateway_done = true;
        pump(g, s, now);
        if (s->out_len == 0 && !s->guest_ended && s->fd >= 0) shutdown(s->fd, SHUT_WR);
        if (s->out_len == 0) s->guest_ended = true;
        maybe_finish(g, s);
    } else if (kind == GW_CLOSED) {
        /* reset, refused, timed out, aborted */
        release(g, s);
        reset_host(s);
    }
    /* GW_WRITABLE: the loop asks gw_writable before each poll */
}

bool gw_splice_watch(struct gw *g, const struct gw_splice *s, short *events) {
    if (s->fd < 0) return false;
    *events = 0;
    if (s->opening) {
        *events = POLLOUT;
        return true;
    }
    if (s->out_len > 0) *events |= POLLOUT;
    if (s->id >= 0 && s->connected && !s->host_ended) {
        if (gw_writable(g, s->id) > 0) *events |= POLLIN;
        else if (*events == 0) return false; /* until the gateway can take bytes: a hang-up would only spin */
    }
    return true;
}

/* The host's bytes into the gateway, as many as it can take now. */
static void from_host(struct gw *g, struct gw_splice *s, int64_t now) {
    if (s->id < 0 || !s->connected || s->host_ended) return;
    uint32_t room = gw_writable(g, s->id);
    if (room == 0) return;
    ssize_t n = recv(s->fd, gw_io(g), room < GW_BUF ? room : GW_BUF, MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
    if (n < 0) {
        host_failed(g, s, now);
        return;
    }
    if (n == 0) {
        s->host_ended = true;
        pass_fin(g, s, now);
        maybe_finish(g, s);
        return;
    }
    gw_write(g, s->id, (uint32_t)n, now); /* takes all: n <= room */
}

/* The bytes the host socket had no room for. */
static void to_host(struct gw *g, struct gw_splice *s, int64_t now) {
    ssize_t w = send(s->fd, s->out + s->out_off, s->out_len, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (w < 0 && (errno == EAGAIN || errno == EINTR)) return;
    if (w < 0) {
        host_failed(g, s, now);
        return;
    }
    s->out_off += (uint32_t)w;
    s->out_len -= (uint32_t)w;
    if (s->out_len > 0) return;
    if (s->gateway_done && !s->guest_ended) {
        s->guest_ended = true;
        shutdown(s->fd, SHUT_WR);
    }
    pump(g, s, now);
}

void gw_splice_ready(struct gw *g, struct gw_splice *s, short revents, int64_t now) {
    if (s->fd < 0) return;
    if (s->opening) {
        if (revents & (POLLOUT | POLLERR | POLLHUP)) opened(g, s, now);
        return;
    }
    if (revents & POLLERR) {
        host_failed(g, s, now);
        return;
    }
    if ((revents & POLLHUP) && !s->connected) { /* gave up waiting */
        host_failed(g, s, now);
        return;
    }
    if (revents & POLLOUT) to_host(g, s, now);
    if (s->fd >= 0 && (revents & (POLLIN | POLLHUP))) from_host(g, s, now);
}

bool gw_splice_done(const struct gw_splice *s) {
    return s->fd < 0 && s->id < 0;
}

void gw_splice_free(struct gw_splice *s) {
    free(s->out);
    s->out = NULL;
}
