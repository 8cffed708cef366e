/* listen.c: the listening sockets of --publish, bound before the guest starts,
 * so that a host port in use stops the tender at once with the Node tender's
 * words; and the `publishing ...` line for each. */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "host.h"

/* As Node's net.Server: SO_REUSEADDR (a port whose last connections are in TIME-WAIT can be listened on again),
 * a backlog of 511. */
#define LISTEN_BACKLOG 511

static void bind_one(struct tender *t, struct tender_publish *p) {
    char where[64];
    host_publish_where(p, p->host_port, where, sizeof where);
    int fd = socket(p->family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        tender_fail(t, TENDER_EXIT_ERROR, "--publish %s: cannot listen on %s: %s", p->spec, where, strerror(errno));
    int on = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    struct sockaddr_storage ss;
    socklen_t len;
    memset(&ss, 0, sizeof ss);
    if (p->family == AF_INET) {
        struct sockaddr_in *a = (struct sockaddr_in *)&ss;
        a->sin_family = AF_INET;
        a->sin_port = htons(p->host_port);
        memcpy(&a->sin_addr, p->addr, 4);
        len = sizeof *a;
    } else {
        struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
        a->sin6_family = AF_INET6;
        a->sin6_port = htons(p->host_port);
        memcpy(&a->sin6_addr, p->addr, 16);
        len = sizeof *a;
    }
    if (bind(fd, (struct sockaddr *)&ss, len) != 0 || listen(fd, LISTEN_BACKLOG) != 0) {
        int e = errno;
        close(fd);
        if (e == EADDRINUSE)
            tender_fail(t, TENDER_EXIT_ERROR, "--publish %s: %s is in use (pick another host port)", p->spec, where);
        if (e == EACCES)
            tender_fail(t, TENDER_EXIT_ERROR,
                        "--publish %s: %s needs privileges to listen on (pick a host port from 1024 up)", p->spec,
                        where);
        if (e == EADDRNOTAVAIL)
            tender_fail(t, TENDER_EXIT_ERROR, "--publish %s: %s is not an address of this host", p->spec, p->host);
        tender_fail(t, TENDER_EXIT_ERROR, "--publish %s: cannot listen on %s: %s", p->spec, where, strerror(e));
    }
    len = sizeof ss;
    getsockname(fd, (struct sockaddr *)&ss, &len);
    p->bound_port = ntohs(p->family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
                                               : ((struct sockaddr_in6 *)&ss)->sin6_port);
    p->fd = fd;
}

/* `publishing http://127.0.0.1:8080 -> guest port 80`, as the Node tender says it (user.ts: describeListening). */
static void describe(const struct tender *t, const struct tender_publish *p) {
    bool any4 = p->family == AF_INET && strcmp(p->host, "0.0.0.0") == 0;
    bool any6 = p->family == AF_INET6 && memcmp(p->addr, &in6addr_any, 16) == 0;
    struct tender_publish shown = *p;
    if (any4) strcpy(shown.host, "127.0.0.1");
    if (any6) strcpy(shown.host, "::1");
    char where[64];
    host_publish_where(&shown, p->bound_port, where, sizeof where);
    bool web = p->guest_port == 80 || p->guest_port == 8080 || p->guest_port == 8000;
    host_say(t, "publishing %s%s%s -> guest port %u", web ? "http://" : "", where,
             any4 || any6 ? " (on every address)" : "", (unsigned)p->guest_port);
}

void host_publish_listen(struct tender *t) {
    struct tender_options *o = &t->options;
    for (size_t i = 0; i < o->publish_count; i++) bind_one(t, &o->publish[i]);
    for (size_t i = 0; i < o->publish_count; i++) describe(t, &o->publish[i]);
}
