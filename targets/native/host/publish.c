/* publish.c: --publish [ADDR:]HOSTPORT:GUESTPORT, read as the Node tender reads it
 * (targets/node/src/net/publish.ts, same words), and which net device it goes to:
 * the one --net NAME=user, or else the image's one net device no --net names,
 * which then gets the user backend. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "host.h"

/* A port from `min` to 65535 written as 1 to 5 digits, or -1. */
static int port_number(const char *text, size_t len, int min) {
    if (len < 1 || len > 5) return -1;
    int n = 0;
    for (size_t i = 0; i < len; i++) {
        if (text[i] < '0' || text[i] > '9') return -1;
        n = n * 10 + (text[i] - '0');
    }
    return n >= min && n <= 65535 ? n : -1;
}

static _Noreturn void form_error(struct tender *t, const char *spec) {
    tender_fail(t, TENDER_EXIT_USAGE, "--publish %s: write it as [ADDR:]HOSTPORT:GUESTPORT, e.g. --publish 8080:80",
                spec);
}

void host_parse_publish(struct tender *t, const char *spec) {
    struct tender_options *o = &t->options;
    if (o->publish_count == TENDER_MAX_PUBLISH)
        tender_fail(t, TENDER_EXIT_USAGE, "--publish %s: at most %u ports can be published", spec, TENDER_MAX_PUBLISH);
    /* [ADDR:] where ADDR is [anything but ]] or anything but : [ ]; then HOSTPORT:GUESTPORT[/proto] */
    const char *addr = NULL, *rest = spec;
    size_t addr_len = 0;
    if (spec[0] == '[') {
        const char *close = strchr(spec, ']');
        if (close == NULL || close[1] != ':') form_error(t, spec);
        addr = spec;
        addr_len = (size_t)(close + 1 - spec);
        rest = close + 2;
    } else {
        size_t colons = 0;
        for (const char *p = spec; *p; p++) colons += *p == ':';
        if (colons == 2) {
            addr = spec;
            addr_len = strcspn(spec, ":");
            if (memchr(spec, '[', addr_len) || memchr(spec, ']', addr_len)) form_error(t, spec);
            rest = spec + addr_len + 1;
        }
    }
    const char *colon = strchr(rest, ':');
    if (colon == NULL || strchr(colon + 1, ':')) form_error(t, spec);
    const char *host_text = rest, *guest_text = colon + 1;
    size_t host_len = (size_t)(colon - rest), guest_len = strcspn(guest_text, "/");
    const char *proto = guest_text[guest_len] == '/' ? guest_text + guest_len : NULL;
    if (host_len == 0 || guest_len == 0) form_error(t, spec);
    if (proto) {
        for (const char *p = proto + 1; *p; p++)
            if (*p < 'a' || *p > 'z') form_error(t, spec);
        if (strcmp(proto, "/tcp") != 0)
            tender_fail(t, TENDER_EXIT_USAGE, "--publish %s: only TCP ports can be published", spec);
    }
    struct tender_publish *p = &o->publish[o->publish_count];
    memset(p, 0, sizeof *p);
    p->spec = spec;
    p->fd = -1;
    const char *host = addr == NULL ? "127.0.0.1" : addr;
    size_t len = addr == NULL ? strlen(host) : addr_len;
    if (addr && addr[0] == '[') host++, len -= 2;
    if (len >= sizeof p->host) len = sizeof p->host - 1; /* too long for an address: inet_pton refuses it */
    memcpy(p->host, host, len);
    if (inet_pton(AF_INET, p->host, p->addr) == 1) p->family = AF_INET;
    else if (inet_pton(AF_INET6, p->host, p->addr) == 1) p->family = AF_INET6;
    else
        tender_fail(t, TENDER_EXIT_USAGE,
                    "--publish %s: \"%.*s\" is not an IP address to listen on (e.g. 127.0.0.1, 0.0.0.0 or [::1])", spec,
                    (int)addr_len, addr);
    int hp = port_number(host_text, host_len, 0);
    if (hp < 0)
        tender_fail(t, TENDER_EXIT_USAGE,
                    "--publish %s: the host port \"%.*s\" is not a port from 0 to 65535 (0: any free port)", spec,
                    (int)host_len, host_text);
    int gp = port_number(guest_text, guest_len, 1);
    if (gp < 0)
        tender_fail(t, TENDER_EXIT_USAGE, "--publish %s: the guest port \"%.*s\" is not a port from 1 to 65535", spec,
                    (int)guest_len, guest_text);
    p->host_port = (uint16_t)hp;
    p->guest_port = (uint16_t)gp;
    o->publish_count++;
}

void host_publish_where(const struct tender_publish *p, uint16_t port, char *out, size_t cap) {
    snprintf(out, cap, p->family == AF_INET6 ? "[%s]:%u" : "%s:%u", p->host, (unsigned)port);
}

/* Adds --net NAME=user for manifest device `m`. */
static void add_user(struct tender *t, const struct tessera_note_device *m) {
    struct tender_options *o = &t->options;
    if (o->device_count == TESSERA_MAX_DEVICES)
        tender_fail(t, TENDER_EXIT_USAGE, "--publish %s: at most %u devices in all", o->publish[0].spec,
                    TESSERA_MAX_DEVICES);
    struct tender_device_option *d = &o->devices[o->device_count++];
    memset(d, 0, sizeof *d);
    d->kind = TESSERA_DEVICE_NET;
    memcpy(d->name, m->name, sizeof d->name);
    d->value = "user";
    d->user = true;
}

void host_apply_publish(struct tender *t) {
    struct tender_options *o = &t->options;
    if (o->publish_count == 0) return;
    const char *first = o->publish[0].spec;
    for (size_t i = 0; i < o->publish_count; i++) {
        const struct tender_publish *p = &o->publish[i];
        for (size_t j = 0; j < i && p->host_port != 0; j++) {
            const struct tender_publish *q = &o->publish[j];
            if (q->host_port == p->host_port && strcmp(q->host, p->host) == 0) {
                char where[64];
                host_publish_where(p, p->host_port, where, sizeof where);
                tender_fail(t, TENDER_EXIT_ERROR, "--publish %s: %s is published twice (give each host port once)",
                            p->spec, where);
            }
        }
    }
    const struct tender_image *img = &t->image;
    char users[TESSERA_MAX_DEVICES * 34] = "", free_names[TESSERA_MAX_DEVICES * 34] = "";
    size_t nnet = 0, nuser = 0, nfree = 0;
    const struct tessera_note_device *free_one = NULL;
    for (size_t i = 0; i < o->device_count; i++) {
        const struct tender_device_option *d = &o->devices[i];
        if (!d->user) continue;
        size_t n = strlen(users);
        snprintf(users + n, sizeof users - n, "%s%s", nuser++ ? ", " : "", d->name);
    }
    for (size_t i = 0; i < img->device_count; i++) {
        const struct tessera_note_device *m = &img->devices[i];
        if (m->kind != TESSERA_DEVICE_NET) continue;
        nnet++;
        bool given = false;
        for (size_t j = 0; j < o->device_count && !given; j++)
            given = o->devices[j].kind == TESSERA_DEVICE_NET && strcmp(o->devices[j].name, m->name) == 0;
        if (given) continue;
        size_t n = strlen(free_names);
        snprintf(free_names + n, sizeof free_names - n, "%s%s", nfree++ ? ", " : "", m->name);
        free_one = m;
    }
    if (nnet == 0)
        tender_fail(t, TENDER_EXIT_ERROR, "--publish %s: the image has no net device, so it has no ports to publish",
                    first);
    if (nuser > 1)
        tender_fail(t, TENDER_EXIT_ERROR,
                    "--publish %s: more than one net device has the user backend (%s); ports can be published on one",
                    first, users);
    if (nuser == 1) return;
    if (nfree == 1) {
        add_user(t, free_one);
        return;
    }
    if (nfree == 0)
        tender_fail(t, TENDER_EXIT_ERROR,
                    "--publish %s: every net device already has a backend; give the one to publish on with --net "
                    "NAME=user",
                    first);
    tender_fail(t, TENDER_EXIT_ERROR,
                "--publish %s: the image has net devices %s; say which one publishes with --net NAME=user", first,
                free_names);
}
