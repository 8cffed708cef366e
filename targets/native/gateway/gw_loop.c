/*
 * gw_loop.c: the gateway's loop, one ppoll over
 *
 *   - the link to the guest: its frames go into the gateway (up to
 *     FRAMES_PER_TURN a turn); frames held for it go out when it has room;
 *   - the listening sockets of the published ports: each connection accepted
 *     becomes a splice (gw_splice.c), or is reset when GW_MAX_SPLICES are open;
 *   - the host connections, for what each splice is waiting for (the guest's
 *     own, opened when the gateway asks, for their connect to finish first);
 *   - the UDP flows' sockets (gw_udp.c);
 *
 * with a timeout at the gateway's next timer (gw_poll_at: retransmission,
 * TIME-WAIT, ARP, DHCP), or sooner while a host connection waits for the
 * guest's address. After each turn the gateway's events go to their splices.
 * The gateway ends when the guest's end of the link is closed (the guest is
 * gone): exit 0; the supervisor ends it too (SIGKILL).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "gw.h"
#include "host.h"

#define FRAMES_PER_TURN 256
#define NEVER INT64_MAX

struct loop {
    struct gw *g;
    const struct gw_listener *listeners;
    size_t nlisteners;
    struct gw_splice *splices[GW_MAX_SPLICES];
    size_t nsplices;
    struct gw_splice *by_id[GW_MAX_IDS];
    /* this turn's poll set: link, listeners, splices[watched[i]], then UDP flows udp[i] */
    struct pollfd fds[1 + TENDER_MAX_PUBLISH + GW_MAX_SPLICES + GW_MAX_UDP_FLOWS];
    struct gw_splice *watched[GW_MAX_SPLICES];
    int32_t udp[GW_MAX_UDP_FLOWS];
};

static _Noreturn void fail(struct loop *l, const char *what, int e) {
    host_say(gw_tender(l->g), "the user-mode network's gateway failed: %s: %s", what, strerror(e));
    _exit(GW_EXIT_FAILED);
}

/* by_id[id] is the splice that was given gateway id `id` last (set when it is given one, cleared when that
 * splice is freed); an event for `id` goes to it only while it still holds the id. */
static void index_id(struct loop *l, struct gw_splice *s) {
    if (s->id >= 0) l->by_id[s->id] = s;
}

/* Host connections for the guest's own: a splice each, or (GW_MAX_SPLICES open) a RST for the guest's SYN. */
static void open_all(struct loop *l, int64_t now) {
    int32_t id;
    uint32_t addr;
    uint16_t port;
    while (gw_next_open(l->g, &id, &addr, &port)) {
        struct gw_splice *s = l->nsplices < GW_MAX_SPLICES && id < GW_MAX_IDS ? malloc(sizeof *s) : NULL;
        if (s == NULL) {
            gw_tcp_opened(l->g, id, GW_OPEN_FAILED, now);
            continue;
        }
        l->splices[l->nsplices++] = s;
        gw_splice_open(l->g, s, id, addr, port, now);
        index_id(l, s);
    }
}

/* The gateway's events, to their splices, until none is left (handling one may raise more). */
static void settle(struct loop *l, int64_t now) {
    int32_t id, kind, arg;
    open_all(l, now);
    while (gw_next_event(l->g, &id, &kind, &arg)) {
        struct gw_splice *s = id >= 0 && id < GW_MAX_IDS ? l->by_id[id] : NULL;
        if (s && s->id == id) gw_splice_event(l->g, s, kind, arg, now);
    }
    gw_link_flush(l->g);
}

static void accept_all(struct loop *l, const struct gw_listener *ls, int64_t now) {
    for (;;) {
        int fd = accept4(ls->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EAGAIN || errno == EINTR || errno == ECONNABORTED) return;
            if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) return; /* later */
            fail(l, "accept", errno);
        }
        struct gw_splice *s = l->nsplices < GW_MAX_SPLICES ? malloc(sizeof *s) : NULL;
        if (s == NULL) {
            struct linger lg = {.l_onoff = 1, .l_linger = 0};
            setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
            close(fd);
            continue;
        }
        l->splices[l->nsplices++] = s;
        gw_splice_start(l->g, s, fd, ls->guest_port, now);
        index_id(l, s);
    }
}

/* Frames from the guest; false when its end of the link is closed. */
static bool frames_in(struct loop *l, int64_t now) {
    int link = gw_link_fd(l->g);
    for (int i = 0; i < FRAMES_PER_TURN; i++) {
        ssize_t n = recv(link, gw_io(l->g), GW_BUF, MSG_DONTWAIT);
        if (n == 0) return false;
        if (n < 0 && (errno == EAGAIN || errno == EINTR)) return true;
        if (n < 0 && errno == ECONNRESET) return false;
        if (n < 0) fail(l, "reading the guest's frames", errno);
        gw_frame_in(l->g, (uint32_t)n, now);
    }
    return true;
}

/* Frees the splices that are done. */
static void sweep(struct loop *l) {
    size_t j = 0;
    for (size_t i = 0; i < l->nsplices; i++) {
        struct gw_splice *s = l->splices[i];
        if (gw_splice_done(s)) {
            if (s->first_id >= 0 && l->by_id[s->first_id] == s) l->by_id[s->first_id] = NULL;
            gw_splice_free(s);
            free(s);
        } else {
            l->splices[j++] = s;
        }
    }
    l->nsplices = j;
}

/* ns until the next timer: the gateway's, or a waiting connection's retry; -1 for none. */
static int64_t timeout_ns(struct loop *l, int64_t now) {
    int64_t at = gw_poll_at(l->g);
    for (size_t i = 0; i < l->nsplices; i++)
        if (gw_splice_waiting(l->splices[i]) && now + GW_CONNECT_RETRY_NS < at) at = now + GW_CONNECT_RETRY_NS;
    if (at == NEVER) return -1;
    return at > now ? at - now : 0;
}

_Noreturn void gw_run(struct gw *g, const struct gw_listener *listeners, size_t count) {
    static struct loop loop; /* large: not on the stack */
    struct loop *l = &loop;
    l->g = g;
    l->listeners = listeners;
    l->nlisteners = count < TENDER_MAX_PUBLISH ? count : TENDER_MAX_PUBLISH;
    for (;;) {
        int64_t now = host_monotonic_ns();
        nfds_t n = 0;
        short link_events = (short)(POLLIN | (gw_link_backlogged(g) ? POLLOUT : 0));
        l->fds[n++] = (struct pollfd){.fd = gw_link_fd(g), .events = link_events};
        for (size_t i = 0; i < l->nlisteners; i++)
            l->fds[n++] = (struct pollfd){.fd = listeners[i].fd, .events = POLLIN};
        size_t nwatched = 0;
        for (size_t i = 0; i < l->nsplices; i++) {
            short events;
            if (!gw_splice_watch(g, l->splices[i], &events)) continue;
            l->watched[nwatched++] = l->splices[i];
            l->fds[n++] = (struct pollfd){.fd = l->splices[i]->fd, .events = events};
        }
        size_t splices_end = n;
        size_t nudp = gw_udp_watch(l->fds + n, l->udp);
        n += nudp;
        int64_t wait = timeout_ns(l, now);
        struct timespec ts = {.tv_sec = wait / 1000000000, .tv_nsec = wait % 1000000000};
        int r = ppoll(l->fds, n, wait < 0 ? NULL : &ts, NULL);
        if (r < 0 && errno != EINTR) fail(l, "ppoll", errno);
        now = host_monotonic_ns();
        if (r > 0) {
            short link = l->fds[0].revents;
            if ((link & (POLLIN | POLLHUP | POLLERR)) && !frames_in(l, now)) _exit(0);
            if (link & POLLOUT) gw_link_flush(g);
            settle(l, now);
            for (size_t i = 0; i < nwatched; i++) {
                short rev = l->fds[1 + l->nlisteners + i].revents;
                if (rev) gw_splice_ready(g, l->watched[i], rev, now);
            }
            settle(l, now);
            for (size_t i = 0; i < nudp; i++)
                if (l->fds[splices_end + i].revents) gw_udp_ready(g, l->udp[i], now);
            settle(l, now);
            for (size_t i = 0; i < l->nlisteners; i++)
                if (l->fds[1 + i].revents & POLLIN) accept_all(l, &listeners[i], now);
        }
        for (size_t i = 0; i < l->nsplices; i++) {
            if (!gw_splice_waiting(l->splices[i])) continue;
            gw_splice_connect(g, l->splices[i], now);
            index_id(l, l->splices[i]);
        }
        if (gw_poll_at(g) <= now) gw_poll(g, now);
        settle(l, now);
        sweep(l);
    }
}
