/* tessera_abi.h: the Tessera guest ABI v2 for the native targets. */
/* Generated from packages/abi/src/table.ts by `npm run generate -w @tessera/abi`. Do not edit. */
#ifndef TESSERA_ABI_H
#define TESSERA_ABI_H

#include <stdint.h>

#define TESSERA_ABI_VERSION 2
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
 * The calls. A native guest makes call N by handing its tender a pointer to
 * struct tessera_args_<name>: the parameters as the wasm import takes them
 * (pointers are uint32_t offsets into the image's linear memory, which the
 * tender checks) and `ret`, which the tender fills in.
 */
enum tessera_call {
    TESSERA_CALL_EXIT = 0,
    TESSERA_CALL_PANIC = 1,
    TESSERA_CALL_CONSOLE_WRITE = 2,
    TESSERA_CALL_CONSOLE_READ = 3,
    TESSERA_CALL_CLOCK_MONOTONIC = 4,
    TESSERA_CALL_CLOCK_WALL = 5,
    TESSERA_CALL_ENTROPY = 6,
    TESSERA_CALL_CMDLINE = 7,
    TESSERA_CALL_YIELD = 8,
    TESSERA_CALL_NET_ACQUIRE = 9,
    TESSERA_CALL_NET_WRITE = 10,
    TESSERA_CALL_NET_READ = 11,
    TESSERA_CALL_BLOCK_ACQUIRE = 12,
    TESSERA_CALL_BLOCK_READ = 13,
    TESSERA_CALL_BLOCK_WRITE = 14,
    TESSERA_CALL_BLOCK_FLUSH = 15,
    TESSERA_CALL_MEMORY_LIMIT = 16,
    TESSERA_CALL_COUNT = 17
};

/* exit: Stop the unikernel with an exit status. Never returns. */
struct tessera_args_exit {
    int32_t status; /* 0..254 are the app's; 255 is reserved for panic. */
};
_Static_assert(sizeof(struct tessera_args_exit) == 4, "tessera_args_exit layout");

/* panic: Print `panic: <msg>` on the host's error stream and stop with status 255. Never returns. */
struct tessera_args_panic {
    uint32_t msg; /* UTF-8 message. */
    uint32_t len; /* Length of the message in bytes. */
};
_Static_assert(sizeof(struct tessera_args_panic) == 8, "tessera_args_panic layout");

/* console_write: Write to the console. Best effort: may drop on a full console. `EINVAL` for a range outside memory. */
struct tessera_args_console_write {
    uint32_t ptr; /* Bytes to write. */
    uint32_t len; /* Number of bytes. */
    int32_t ret; /* Set by the tender. */
};
_Static_assert(sizeof(struct tessera_args_console_write) == 12, "tessera_args_console_write layout");

/* console_read: Read one chunk of console input; `AGAIN` if there is none. */
struct tessera_args_console_read {
    uint32_t ptr; /* Buffer for the input. */
    uint32_t cap; /* Capacity of the buffer. */
    uint32_t len_out; /* u32: bytes stored. */
    int32_t ret; /* Set by the tender. */
};
_Static_assert(sizeof(struct tessera_args_console_read) == 16, "tessera_args_console_read layout");

/* clock_monotonic: Nanoseconds on a monotonic clock with an arbitrary epoch. Cheap: no VM exit on the hot path. */
struct tessera_args_clock_monotonic {
    int64_t ret; /* Set by the tender. */
};
_Static_assert(sizeof(struct tessera_args_clock_monotonic) == 8, "tessera_args_clock_monotonic layout");

/* clock_wall: Nanoseconds since 1970-01-01T00:00:00Z. */
struct tessera_args_clock_wall {
    int64_t ret; /* Set by the tender. */
};
_Static_assert(sizeof(struct tessera_args_clock_wall) == 8, "tessera_args_clock_wall layout");

/* entropy: Fill a buffer with bytes from a cryptographically secure source. */
struct tessera_args_entropy {
    uint32_t ptr; /* Buffer to fill. */
    uint32_t len; /* Number of bytes. */
    int32_t ret; /* Set by the tender. */
};
_Static_assert(sizeof(struct tessera_args_entropy) == 12, "tessera_args_entropy layout");

/* cmdline: Copy the boot command line (UTF-8, no NUL, at most CMDLINE_MAX bytes) truncated to `cap`; return its full length, or -EINVAL (-2) for a range outside memory. */
struct tessera_args_cmdline {
    uint32_t ptr; /* Buffer for the command line. */
    uint32_t cap; /* Capacity of the buffer. */
    int32_t ret; /* Set by the tender. */
};
_Static_assert(sizeof(struct tessera_args_cmdline) == 12, "tessera_args_cmdline layout");

/* yield: Block until monotonic time >= `deadline` or an acquired device has input; return the ready set (bit h = handle h, bit 63 = console input; 0 on timeout). A deadline in the past polls. Never busy-waits. */
struct tessera_args_yield {
    int64_t deadline; /* Monotonic time (ns) to wake up at. */
    int64_t ret; /* Set by the tender. */
};
_Static_assert(sizeof(struct tessera_args_yield) == 16, "tessera_args_yield layout");

/* net_acquire: Acquire a network device by name. `EINVAL` if the name is not in the manifest or is already acquired. */
struct tessera_args_net_acquire {
    uint32_t name; /* Device name from the manifest. */
    uint32_t name_len; /* Length of the name. */
    uint32_t handle_out; /* u32: the handle. */
    uint32_t info_out; /* A `net_info`. */
    int32_t ret; /* Set by the tender. */
};
_Static_assert(sizeof(struct tessera_args_net_acquire) == 20, "tessera_args_net_acquire layout");

/* net_write: Send one Ethernet frame. May drop under pressure, like a NIC. */
struct tessera_args_net_write {
    uint32_t h; /* A net handle. */
    uint32_t ptr; /* One Ethernet frame, no FCS. */
    uint32_t len; /* 14 <= len <= mtu + 14. */
    int32_t ret; /* Set by the tender. */
};
_Static_assert(sizeof(struct tessera_args_net_write) == 16, "tessera_args_net_write layout");

/* net_read: Receive one Ethernet frame, or `AGAIN`. */
struct tessera_args_net_read {
    uint32_t h; /* A net handle. */
    uint32_t ptr; /* Buffer for one frame. */
    uint32_t cap; /* Capacity of the buffer. */
    uint32_t len_out; /* u32: length of the frame. */
    int32_t ret; /* Set by the tender. */
};
_Static_assert(sizeof(struct tessera_args_net_read) == 20, "tessera_args_net_read layout");

/* block_acquire: Acquire a block device by name. */
struct tessera_args_block_acquire {
    uint32_t name; /* Device name from the manifest. */
    uint32_t name_len; /* Length of the name. */
    uint32_t handle_out; /* u32: the handle. */
    uint32_t info_out; /* A `block_info`. */
    int32_t ret; /* Set by the tender. */
};
_Static_assert(sizeof(struct tessera_args_block_acquire) == 20, "tessera_args_block_acquire layout");

/* block_read: Read whole blocks inside the capacity. */
struct tessera_args_block_read {
    uint32_t h; /* A block handle. */
    int64_t offset; /* Byte offset, a multiple of block_size. */
    uint32_t ptr; /* Buffer to read into. */
    uint32_t len; /* A multiple of block_size, at least one block. */
    int32_t ret; /* Set by the tender. */
};
_Static_assert(sizeof(struct tessera_args_block_read) == 32, "tessera_args_block_read layout");

/* block_write: Write whole blocks inside the capacity. */
struct tessera_args_block_write {
    uint32_t h; /* A block handle. */
    int64_t offset; /* Byte offset, a multiple of block_size. */
    uint32_t ptr; /* Bytes to write. */
    uint32_t len; /* A multiple of block_size, at least one block. */
    int32_t ret; /* Set by the tender. */
};
_Static_assert(sizeof(struct tessera_args_block_write) == 32, "tessera_args_block_write layout");

/* block_flush: When this returns `OK`, every completed write is durable. */
struct tessera_args_block_flush {
    uint32_t h; /* A block handle. */
    int32_t ret; /* Set by the tender. */
};
_Static_assert(sizeof(struct tessera_args_block_flush) == 8, "tessera_args_block_flush layout");

/* memory_limit: The most bytes the linear memory may grow to, as the host enforces it (past it `memory.grow` fails); never below its current size. Cheap: no VM exit. */
struct tessera_args_memory_limit {
    int64_t ret; /* Set by the tender. */
};
_Static_assert(sizeof(struct tessera_args_memory_limit) == 8, "tessera_args_memory_limit layout");

#endif /* TESSERA_ABI_H */
