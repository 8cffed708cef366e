/* host.h: helpers the files of the shared tender library use among themselves. */
#ifndef TESSERA_HOST_H
#define TESSERA_HOST_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "tender.h"

/* Writes `PROG: <message>\n` on stderr with one write(2); no allocation, so
 * it is safe inside the sandbox. */
void host_say(const struct tender *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void host_vsay(const struct tender *t, const char *fmt, va_list ap);

/* Writes `len` bytes to `fd`, retrying short writes and EINTR; false on error. */
_Bool host_write_all(int fd, const void *buf, size_t len);

/* CRC-32 (zlib's: reflected, polynomial 0xEDB88320). */
uint32_t host_crc32(const uint8_t *p, size_t len);

/* True if `name` (len bytes) is a device name: [a-z0-9_]{1,31}. */
_Bool host_valid_name(const char *name, size_t len);

/* The manifest device `name` (len bytes) of `kind`, or NULL. */
const struct tessera_note_device *host_manifest_find(const struct tender_image *img, const char *name, size_t len,
                                                     uint8_t kind);

/* Disks (disk.c); their locks (lock.c); a missing disk file made at --block-create's size (disk_create.c). */
void host_disk_open(struct tender *t, struct tender_device *d, const char *file);
void host_disk_lock(struct tender *t, struct tender_device *d, const char *file);
void host_disk_create(struct tender *t, struct tender_device *d, const char *file, uint64_t capacity);
/* The guest memory --mem would give when it is not given: from the cgroup's memory limit (cgroup.c). */
void host_size_memory(struct tender *t);
int32_t host_disk_read(struct tender *t, struct tender_device *d, int64_t offset, uint8_t *buf, uint32_t len);
int32_t host_disk_write(struct tender *t, struct tender_device *d, int64_t offset, const uint8_t *buf, uint32_t len);
int32_t host_disk_flush(struct tender *t, struct tender_device *d);

/* TAP devices (tap.c); frames up to HOST_FRAME_MAX bytes are read whole (larger ones are dropped). */
#define HOST_FRAME_MAX 65536u
/* Frames read ahead of the guest per device (net.c), each at most HOST_SLOT_SIZE (mtu + 14) bytes. */
#define HOST_RING_SLOTS 512u
#define HOST_SLOT_SIZE 1536u
void host_tap_open(struct tender *t, struct tender_device *d, const char *ifname);

/* A user net device's socketpair (user.c). */
void host_user_open(struct tender *t, struct tender_device *d);

/* --publish (publish.c, listen.c): parse one, give the ports a user device, listen on them. */
void host_parse_publish(struct tender *t, const char *spec);
void host_apply_publish(struct tender *t);
void host_publish_listen(struct tender *t);
/* `ADDR:PORT` of `p` with `port` (IPv6 in brackets), for messages. */
void host_publish_where(const struct tender_publish *p, uint16_t port, char *out, size_t cap);

/* A net device's buffers (the read-ahead ring) and random MAC, once d->mtu is set (net.c). */
void host_net_setup(struct tender *t, struct tender_device *d);
/* Received frames (net.c): read ahead into the device's ring, and taken from it. */
void host_net_drain(struct tender_device *d);
void host_net_maybe_drain(struct tender_device *d);
int32_t host_net_read(struct tender_device *d, uint8_t *buf, uint32_t cap, uint32_t *len);

/* Monotonic and wall clocks in ns (clock.c). */
int64_t host_monotonic_ns(void);
int64_t host_wall_ns(void);

/* yield (yield.c): the ready set, blocking until `deadline` at the latest. */
int64_t host_yield(struct tender *t, int64_t deadline);

/* Console (console.c). */
int32_t host_console_write(uint8_t *buf, uint32_t len);
int32_t host_console_read(struct tender *t, uint8_t *buf, uint32_t cap, uint32_t *len_out);

/* Symbols (symbols.c): the raw name of the FUNC symbol containing pc, or NULL;
 * whether a symbol is a wasm function translated by wasm2c. */
const char *host_symbol_at(const struct tender *t, uint64_t pc);
_Bool host_is_wasm_function(const char *symbol);
/* A symbol's wasm name: wasm2c's mangling and gcc's clone suffixes undone. */
void host_demangle(const char *symbol, char *out, size_t cap);

/* Trap (trap.c): prints `tessera: trap: <reason> in <function>`, exits 255.
 * `args` is the guest address of the argument struct (on the guest's stack). */
_Noreturn void host_trap(struct tender *t, const struct tessera_args_trap *a, uint64_t args);

#endif /* TESSERA_HOST_H */
