/* tessera_abi.h: the Tessera guest ABI v1 for the native targets. */
/* Generated from packages/abi/src/table.ts by `npm run generate -w @tessera/abi`. Do not edit. */
#ifndef TESSERA_ABI_H
#define TESSERA_ABI_H

#include <stdint.h>

#define TESSERA_ABI_VERSION 1
#define TESSERA_OK 0
#define TESSERA_AGAIN 1
#define TESSERA_EINVAL 2
#define TESSERA_EUNSPEC 3
#define TESSERA_MAX_HANDLE 62
#define TESSERA_CONSOLE_READY_BIT 63
#define TESSERA_MAX_DEVICES 63
#define TESSERA_CMDLINE_MAX 4096

/* What the host tells the guest about an acquired network device. */
struct tessera_net_info {
    uint8_t mac[6]; /* The device's MAC address. */
    uint16_t pad; /* Zero. */
    uint32_t mtu; /* Largest IP packet, without the 14-byte Ethernet header. */
};
_Static_assert(sizeof(struct tessera_net_info) == 12, "tessera_net_info layout");

/* What the host tells the guest about an acquired block device. */
struct tessera_block_info {
    uint64_t capacity; /* Size of the device in bytes. */
    uint32_t block_size; /* Unit of every read and write, in bytes. */
    uint32_t pad; /* Zero. */
};
_Static_assert(sizeof(struct tessera_block_info) == 16, "tessera_block_info layout");

/*
 * The calls. Pointers are uint32_t offsets into the image's linear memory;
 * a host implements each as tessera_host_<name> taking its guest's memory.
 */
/* Stop the unikernel with an exit status. Never returns. */
_Noreturn void tessera_exit(int32_t status);
/* Print `panic: <msg>` on the host's error stream and stop with status 255. Never returns. */
_Noreturn void tessera_panic(uint32_t msg, uint32_t len);
/* Write to the console. Best effort: may drop on a full console. `EINVAL` for a range outside memory. */
int32_t tessera_console_write(uint32_t ptr, uint32_t len);
/* Read one chunk of console input; `AGAIN` if there is none. */
int32_t tessera_console_read(uint32_t ptr, uint32_t cap, uint32_t len_out);
/* Nanoseconds on a monotonic clock with an arbitrary epoch. Cheap: no VM exit on the hot path. */
int64_t tessera_clock_monotonic(void);
/* Nanoseconds since 1970-01-01T00:00:00Z. */
int64_t tessera_clock_wall(void);
/* Fill a buffer with bytes from a cryptographically secure source. */
int32_t tessera_entropy(uint32_t ptr, uint32_t len);
/* Copy the boot command line (UTF-8, no NUL, at most CMDLINE_MAX bytes) truncated to `cap`; return its full length, or -EINVAL (-2) for a range outside memory. */
int32_t tessera_cmdline(uint32_t ptr, uint32_t cap);
/* Block until monotonic time >= `deadline` or an acquired device has input; return the ready set (bit h = handle h, bit 63 = console input; 0 on timeout). A deadline in the past polls. Never busy-waits. */
int64_t tessera_yield(int64_t deadline);
/* Acquire a network device by name. `EINVAL` if the name is not in the manifest or is already acquired. */
int32_t tessera_net_acquire(uint32_t name, uint32_t name_len, uint32_t handle_out, uint32_t info_out);
/* Send one Ethernet frame. May drop under pressure, like a NIC. */
int32_t tessera_net_write(uint32_t h, uint32_t ptr, uint32_t len);
/* Receive one Ethernet frame, or `AGAIN`. */
int32_t tessera_net_read(uint32_t h, uint32_t ptr, uint32_t cap, uint32_t len_out);
/* Acquire a block device by name. */
int32_t tessera_block_acquire(uint32_t name, uint32_t name_len, uint32_t handle_out, uint32_t info_out);
/* Read whole blocks inside the capacity. */
int32_t tessera_block_read(uint32_t h, int64_t offset, uint32_t ptr, uint32_t len);
/* Write whole blocks inside the capacity. */
int32_t tessera_block_write(uint32_t h, int64_t offset, uint32_t ptr, uint32_t len);
/* When this returns `OK`, every completed write is durable. */
int32_t tessera_block_flush(uint32_t h);

#endif /* TESSERA_ABI_H */
