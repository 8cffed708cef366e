/* devices.c: opening the manifest's devices as given on the command line, and their fds. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host.h"

/* fds 0, 1 and 2 must be open before any device is: a disk file that became
 * fd 1 would receive the console. Closed ones get /dev/null. Returns whether
 * stdin was open for reading. */
static bool standard_fds(struct tender *t) {
    int flags = fcntl(0, F_GETFL);
    bool console = flags != -1 && (flags & O_ACCMODE) != O_WRONLY;
    for (int fd = 0; fd <= 2; fd++) {
        if (fcntl(fd, F_GETFD) != -1) continue;
        int null = open("/dev/null", O_RDWR);
        if (null != fd) tender_fail(t, TENDER_EXIT_ERROR, "fd %d is closed and /dev/null cannot take its place", fd);
    }
    return console;
}

void tender_open_devices(struct tender *t) {
    struct tender_devices *ds = &t->devices;
    const struct tender_options *o = &t->options;
    ds->console_open = standard_fds(t);
    for (size_t i = 0; i < t->image.device_count; i++) {
        const struct tessera_note_device *m = &t->image.devices[i];
        const struct tender_device_option *opt = NULL;
        for (size_t j = 0; j < o->device_count && !opt; j++) {
            if (o->devices[j].kind == m->kind && strcmp(o->devices[j].name, m->name) == 0) opt = &o->devices[j];
        }
        if (opt == NULL) continue; /* tender_check_devices has refused this already */
        struct tender_device *d = &ds->devices[ds->count++];
        d->kind = m->kind;
        memcpy(d->name, m->name, sizeof d->name);
        d->fd = -1;
        d->peer_fd = -1;
        d->handle = -1;
        size_t len = strlen(opt->name) + strlen(opt->value) + 16;
        d->given = malloc(len);
        if (d->given == NULL) tender_fail(t, TENDER_EXIT_ERROR, "out of memory");
        snprintf(d->given, len, "--%s %s=%s", m->kind == TESSERA_DEVICE_NET ? "net" : "block", opt->name, opt->value);
        if (m->kind == TESSERA_DEVICE_NET && opt->user) host_user_open(t, d);
        else if (m->kind == TESSERA_DEVICE_NET) host_tap_open(t, d, opt->ifname);
        else {
            if (opt->create_size) host_disk_create(t, d, opt->value, opt->create_size);
            host_disk_open(t, d, opt->value);
        }
    }
    ds->console_armed = true;
    host_publish_listen(t);
}

size_t tender_device_fds(const struct tender *t, uint8_t kind, int *fds, size_t cap) {
    size_t n = 0;
    for (size_t i = 0; i < t->devices.count; i++) {
        const struct tender_device *d = &t->devices.devices[i];
        if (d->kind != kind || d->fd < 0) continue;
        if (n < cap) fds[n] = d->fd;
        n++;
    }
    return n;
}
