/* report.c: the tender's messages and its ways out (tender_fail, tender_exit, tender_die_by_signal). */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "host.h"

void tender_init(struct tender *t, const char *prog, uint32_t target) {
    memset(t, 0, sizeof *t);
    t->prog = prog;
    t->target = target;
    t->options.mem_size = (uint64_t)TESSERA_MEM_DEFAULT_MIB << 20;
    for (size_t i = 0; i < TESSERA_MAX_DEVICES; i++) t->devices.devices[i].fd = t->devices.devices[i].lock_fd = -1;
    memset(t->devices.by_handle, -1, sizeof t->devices.by_handle);
    t->devices.release_locks = true;
}

/* How long a write waits for a full console (a non-blocking pipe) in all before it drops the rest, like the
 * Node tender's console. */
#define WRITE_PATIENCE_NS 50000000

bool host_write_all(int fd, const void *buf, size_t len) {
    const uint8_t *p = buf;
    int64_t give_up = 0;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && errno == EAGAIN) {
            int64_t now = host_monotonic_ns();
            if (give_up == 0) give_up = now + WRITE_PATIENCE_NS;
            if (now >= give_up) return false;
            struct pollfd pfd = {.fd = fd, .events = POLLOUT};
            struct timespec ts = {0, give_up - now};
            ppoll(&pfd, 1, &ts, NULL);
            continue;
        }
        if (n <= 0) return false;
        p += n;
        len -= (size_t)n;
    }
    return true;
}

void host_vsay(const struct tender *t, const char *fmt, va_list ap) {
    char line[1024];
    int n = snprintf(line, sizeof line, "%s: ", t->prog);
    if (n < 0) return;
    size_t used = (size_t)n < sizeof line ? (size_t)n : sizeof line - 1;
    int m = vsnprintf(line + used, sizeof line - used, fmt, ap);
    if (m < 0) return;
    used += (size_t)m < sizeof line - used ? (size_t)m : sizeof line - used - 1;
    if (used >= sizeof line - 1) used = sizeof line - 2; /* truncated: keep the newline */
    line[used++] = '\n';
    host_write_all(2, line, used);
}

void host_say(const struct tender *t, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    host_vsay(t, fmt, ap);
    va_end(ap);
}

void tender_release_locks(struct tender *t) {
    for (size_t i = 0; i < t->devices.count; i++) {
        struct tender_device *d = &t->devices.devices[i];
        if (d->lock_path == NULL) continue;
        unlink(d->lock_path);
        free(d->lock_path);
        d->lock_path = NULL;
    }
}

_Noreturn void tender_exit(struct tender *t, int status) {
    if (t->devices.release_locks) tender_release_locks(t);
    _exit(status);
}

_Noreturn void tender_die_by_signal(int sig) {
    signal(sig, SIG_DFL);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, sig);
    sigprocmask(SIG_UNBLOCK, &set, NULL);
    raise(sig);
    _exit(128 + sig);
}

_Noreturn void tender_fail(struct tender *t, int status, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    host_vsay(t, fmt, ap);
    va_end(ap);
    tender_exit(t, status);
}
