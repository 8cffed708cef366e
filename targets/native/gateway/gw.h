/*
 * gw.h: the user-mode network's gateway on the native tenders: the Node
 * tender's gateway program (targets/node/gateway, Tessera's own network stack
 * at 10.0.2.2, with a DHCP server), translated to C by wasm2c at build time
 * (gw_wasm.c, never committed), driven by a poll loop over the guest's link
 * (one end of a SOCK_SEQPACKET socketpair: one message, one Ethernet frame),
 * the published ports' listening sockets and the host connections, each
 * spliced to a TCP connection from the gateway to the guest, both ways, with
 * backpressure, FIN and RST passed on (as targets/node/src/net/user-worker.ts
 * does on the Node tender); and the guest's own connections and datagrams
 * (NAT): a host connection opened without blocking for each SYN the gateway
 * holds (its outcome answers the SYN), spliced the same way, and a UDP socket
 * for each of the gateway's UDP flows. The wire format of frames, events, DNS
 * and the NAT's bounds stay in the gateway program; this C is the socket side
 * only.
 *
 *   gw_rt.c      the wasm2c runtime for an ordinary process: memory, traps, tables
 *   gw_core.c    the instance, its imports (frames out, events, host sockets, abort, seed), the link to the guest
 *   gw_splice.c  one host connection (published, or the guest's own) and the gateway's connection for it
 *   gw_udp.c     the UDP flows' sockets
 *   gw_loop.c    the poll loop: link, listeners, host connections, UDP flows, timers
 */
#ifndef TESSERA_GW_H
#define TESSERA_GW_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tender.h"

/* The gateway's buffer for frames and connection bytes (gw_buffer()), in bytes. */
#define GW_BUF 65536u
/* TCP connections the gateway keeps (its table), and host connections at once. */
#define GW_MAX_CONNECTIONS 1024
#define GW_MAX_SPLICES 4096
/* Gateway connection ids are below this (the gateway reuses released ids). */
#define GW_MAX_IDS 4096
/* The NAT's bounds (the gateway program enforces them): the guest's own TCP connections, and UDP flows, at once. */
#define GW_MAX_OUTBOUND 512
#define GW_MAX_UDP_FLOWS 256
/* What the resolver reads of the hosts file and resolv.conf at most (the gateway's buffer). */
#define GW_FILE_MAX GW_BUF
/* Frames for the guest held while the link is full, at most (as the Node tender's worker). */
#define GW_BACKLOG_MAX 16384u
/* How long a host connection waits for the guest to have an address, and how often it asks. */
#define GW_CONNECT_WAIT_NS (10 * 1000000000LL)
#define GW_CONNECT_RETRY_NS (50 * 1000000LL)
/* The gateway process's exit status when it fails (its message says why). */
#define GW_EXIT_FAILED 70

/* The gateway's events (targets/node/gateway/assembly/index.ts) and close reasons (packages/net CloseReason). */
enum { GW_CONNECTED = 1, GW_READABLE = 2, GW_WRITABLE = 3, GW_CLOSED = 4 };
enum { GW_CLOSE_NORMAL = 0 };
/* gw_connect's failures. */
enum { GW_FULL = -1, GW_NOT_UP = -2 };
/* gw_tcp_opened's results: the host's connection was made, refused, or failed otherwise. */
enum { GW_OPEN_MADE = 0, GW_OPEN_REFUSED = 1, GW_OPEN_FAILED = 2 };

struct gw;

/* One host connection. */
struct gw_splice {
    int fd;             /* the host socket; -1 once closed */
    int id;             /* the gateway's connection to the guest; -1 before connect and once released */
    int first_id;       /* the id it was given (kept after release), -1 if none: the loop's index forgets it */
    uint16_t guest_port;
    int64_t started;    /* when it was accepted (ns), for the wait for the guest's address */
    bool connected;     /* the guest accepted the gateway's connection */
    bool opening;       /* the guest's own connection: the host socket is still connecting */
    bool host_ended;    /* the host sent FIN */
    bool fin_sent;      /* ... and the gateway passed it on */
    bool guest_ended;   /* the guest sent FIN and the host socket was shut down for writing */
    bool gateway_done;  /* the gateway's connection closed normally */
    uint8_t *out;       /* the guest's bytes the host socket had no room for (GW_BUF, allocated when needed) */
    uint32_t out_off, out_len;
};

struct gw_listener {
    int fd;
    uint16_t guest_port;
};

/* Instantiates the gateway on `link` (non-blocking) for tender `t` (its name prefixes messages); exits
 * GW_EXIT_FAILED if it cannot. Before any sandbox: it maps the gateway's memory, and hands the resolver
 * the hosts file and resolv.conf (t's --hosts-file and --resolv-conf, or the host's own: missing ones
 * are empty, given ones must be readable). */
struct gw *gw_open(const struct tender *t, int link);

/* Runs the loop with `listeners` (non-blocking listening sockets); returns never: the gateway ends when the
 * guest's end of the link is closed (exit 0) or on a failure (GW_EXIT_FAILED). */
_Noreturn void gw_run(struct gw *g, const struct gw_listener *listeners, size_t count);

/* ---- among the gateway's files ---- */

/* The wasm2c runtime (gw_rt.c): the stack limit, from the current frame. */
void gw_rt_init(const struct tender *t);

/* The instance (gw_core.c). */
uint8_t *gw_io(struct gw *g); /* the gateway's buffer: GW_BUF bytes */
void gw_frame_in(struct gw *g, uint32_t len, int64_t now);
void gw_poll(struct gw *g, int64_t now);
int64_t gw_poll_at(struct gw *g);
int32_t gw_connect(struct gw *g, uint16_t port, int64_t now);
uint32_t gw_write(struct gw *g, int32_t id, uint32_t len, int64_t now);
uint32_t gw_writable(struct gw *g, int32_t id);
int32_t gw_read(struct gw *g, int32_t id, uint32_t cap, int64_t now);
void gw_close(struct gw *g, int32_t id, int64_t now);
void gw_abort(struct gw *g, int32_t id, int64_t now);
void gw_release(struct gw *g, int32_t id);
int32_t gw_tcp_opened(struct gw *g, int32_t id, int32_t result, int64_t now); /* 1: goes on; 0: id released */
void gw_udp_in(struct gw *g, int32_t flow, uint32_t addr, uint16_t port, uint32_t len, int64_t now);
/* The host connections the gateway asked for (host.tcp_open), oldest first: false if none. */
bool gw_next_open(struct gw *g, int32_t *id, uint32_t *addr, uint16_t *port);
/* The link: frames the guest has not taken yet; sends them while it has room. */
bool gw_link_backlogged(const struct gw *g);
void gw_link_flush(struct gw *g);
int gw_link_fd(const struct gw *g);
/* Takes the oldest event not yet handled: false if none. */
bool gw_next_event(struct gw *g, int32_t *id, int32_t *kind, int32_t *arg);
/* For messages. */
const struct tender *gw_tender(const struct gw *g);

/* Host connections (gw_splice.c). `now` is the monotonic clock in ns. */
void gw_splice_start(struct gw *g, struct gw_splice *s, int fd, uint16_t guest_port, int64_t now);
void gw_splice_connect(struct gw *g, struct gw_splice *s, int64_t now); /* again, while the guest has no address */
bool gw_splice_waiting(const struct gw_splice *s);                     /* for an address */
void gw_splice_event(struct gw *g, struct gw_splice *s, int32_t kind, int32_t arg, int64_t now);
/* The poll events the host socket is watched for; false: leave it out of this poll. */
bool gw_splice_watch(struct gw *g, const struct gw_splice *s, short *events);
void gw_splice_ready(struct gw *g, struct gw_splice *s, short revents, int64_t now);
bool gw_splice_done(const struct gw_splice *s);
void gw_splice_free(struct gw_splice *s);
/* The host's side of the guest's connection `id` to `addr:port` (host order): a non-blocking connect. */
void gw_splice_open(struct gw *g, struct gw_splice *s, int32_t id, uint32_t addr, uint16_t port, int64_t now);

/* UDP flows (gw_udp.c): host.udp_send and host.udp_close, and their sockets in the loop's poll set. */
void gw_udp_send(struct gw *g, int32_t flow, uint32_t addr, uint16_t port, const uint8_t *data, uint32_t len);
void gw_udp_close(int32_t flow);
/* Adds the flows' sockets to `fds` (room for GW_MAX_UDP_FLOWS); how many, their flows in `flows`. */
size_t gw_udp_watch(struct pollfd *fds, int32_t *flows);
/* Flow `flow`'s socket is readable: its datagrams to the gateway. */
void gw_udp_ready(struct gw *g, int32_t flow, int64_t now);

#endif /* TESSERA_GW_H */
