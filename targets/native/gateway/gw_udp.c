/*
 * gw_udp.c: the sockets of the gateway's UDP flows (udp-flows.ts in the gateway
 * program decides what a flow is, when it ends and how many there may be): one
 * unconnected AF_INET datagram socket a flow, made on the flow's first datagram
 * (host.udp_send) and closed when the gateway ends the flow (host.udp_close);
 * what arrives on it goes to the gateway with the address it came from, which
 * checks it. A datagram that cannot be sent (no socket to be had, a full send
 * buffer) is dropped, as a network would.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "gw.h"

/* Datagrams read from one flow's socket a turn at most. */
#define DATAGRAMS_PER_TURN 64

static int fds[GW_MAX_UDP_FLOWS];
static bool ready;

static void init(void) {
    if (ready) return;
    for (size_t i = 0; i < GW_MAX_UDP_FLOWS; i++) fds[i] = -1;
    ready = true;
}

void gw_udp_send(struct gw *g, int32_t flow, uint32_t addr, uint16_t port, const uint8_t *data, uint32_t len) {
    (void)g;
    init();
    if (flow < 0 || flow >= GW_MAX_UDP_FLOWS) return;
    if (fds[flow] < 0) fds[flow] = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fds[flow] < 0) return; /* EMFILE, ENOBUFS: dropped */
    struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(addr)};
    sendto(fds[flow], data, len, MSG_DONTWAIT | MSG_NOSIGNAL, (struct sockaddr *)&to, sizeof to);
}

void gw_udp_close(int32_t flow) {
    init();
    if (flow < 0 || flow >= GW_MAX_UDP_FLOWS || fds[flow] < 0) return;
    close(fds[flow]);
    fds[flow] = -1;
}

size_t gw_udp_watch(struct pollfd *out, int32_t *flows) {
    init();
    size_t n = 0;
    for (int32_t i = 0; i < GW_MAX_UDP_FLOWS; i++) {
        if (fds[i] < 0) continue;
        out[n] = (struct pollfd){.fd = fds[i], .events = POLLIN};
        flows[n++] = i;
    }
    return n;
}

void gw_udp_ready(struct gw *g, int32_t flow, int64_t now) {
    for (int i = 0; i < DATAGRAMS_PER_TURN && fds[flow] >= 0; i++) {
        struct sockaddr_in from;
        socklen_t fromlen = sizeof from;
        ssize_t n = recvfrom(fds[flow], gw_io(g), GW_BUF, MSG_DONTWAIT, (struct sockaddr *)&from, &fromlen);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return; /* EAGAIN; or an ICMP error (ECONNREFUSED...), which the guest does not hear of */
        if (fromlen < sizeof from || from.sin_family != AF_INET) continue;
        gw_udp_in(g, flow, ntohl(from.sin_addr.s_addr), ntohs(from.sin_port), (uint32_t)n, now);
    }
}
