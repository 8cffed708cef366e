/* clock.c: the monotonic and wall clocks, in nanoseconds. */
#define _GNU_SOURCE
#include <time.h>

#include "host.h"

static int64_t ns(clockid_t id) {
    struct timespec ts;
    if (clock_gettime(id, &ts) != 0) return 0;
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t host_monotonic_ns(void) {
    return ns(CLOCK_MONOTONIC);
}

int64_t host_wall_ns(void) {
    return ns(CLOCK_REALTIME);
}
