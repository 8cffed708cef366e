/* console.c: the console: stdout for console_write (best effort), stdin for console_read. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <time.h>
#include <unistd.h>

#include "host.h"

int32_t host_console_write(uint8_t *buf, uint32_t len) {
    host_write_all(1, buf, len); /* best effort: a closed or full console drops the bytes */
    return TESSERA_OK;
}

int32_t host_console_read(struct tender *t, uint8_t *buf, uint32_t cap, uint32_t *len_out) {
    struct tender_devices *ds = &t->devices;
    ds->console_armed = true;
    if (!ds->console_open) return TESSERA_AGAIN;
    if (ds->console_ended) { /* the end is reported every time it is asked for */
        *len_out = 0;
        return TESSERA_OK;
    }
    struct pollfd p = {.fd = 0, .events = POLLIN};
    const struct timespec zero = {0, 0};
    int r = ppoll(&p, 1, &zero, NULL);
    if (r <= 0) return TESSERA_AGAIN;
    if (p.revents & POLLNVAL) {
        ds->console_open = false;
        return TESSERA_AGAIN;
    }
    if (cap == 0) {
        *len_out = 0;
        return TESSERA_OK;
    }
    /* poll said a read will not block; stdin's blocking mode is left alone
     * (it is shared with whatever started the tender). */
    ssize_t n = read(0, buf, cap);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return TESSERA_AGAIN;
    if (n <= 0) { /* the end of input, or an error that ends it */
        ds->console_ended = true;
        n = 0;
    }
    *len_out = (uint32_t)n;
    return TESSERA_OK;
}
