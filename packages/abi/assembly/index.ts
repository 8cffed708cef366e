// The Tessera guest ABI v2 as AssemblyScript imports.
// Generated from packages/abi/src/table.ts by `npm run generate -w @tessera/abi`. Do not edit.

/** ABI version carried in the image's `tessera.abi` section. */
export const ABI_VERSION: u32 = 2;
export const OK: i32 = 0;
export const AGAIN: i32 = 1;
export const EINVAL: i32 = 2;
export const EUNSPEC: i32 = 3;
/** Largest device handle. */
export const MAX_HANDLE: u32 = 62;
/** Bit of the `yield` ready set that signals console input. */
export const CONSOLE_READY_BIT: u32 = 63;
/** Longest boot command line in bytes; hosts refuse longer ones. */
export const CMDLINE_MAX: u32 = 4096;
/** Most devices an image may name. */
export const MAX_DEVICES: u32 = 63;

/** What the host tells the guest about an acquired network device. Size in bytes. */
export const NET_INFO_SIZE: u32 = 12;
/** Offset of net_info.mac: The device's MAC address. */
export const NET_INFO_MAC: u32 = 0;
/** Offset of net_info.mtu: Largest IP packet, without the 14-byte Ethernet header. */
export const NET_INFO_MTU: u32 = 8;

/** What the host tells the guest about an acquired block device. Size in bytes. */
export const BLOCK_INFO_SIZE: u32 = 16;
/** Offset of block_info.capacity: Size of the device in bytes. */
export const BLOCK_INFO_CAPACITY: u32 = 0;
/** Offset of block_info.block_size: Unit of every read and write, in bytes. */
export const BLOCK_INFO_BLOCK_SIZE: u32 = 8;

/** Stop the unikernel with an exit status. Never returns. */
@external("tessera", "exit")
export declare function exit(status: i32): void;

/** Print `panic: <msg>` on the host's error stream and stop with status 255. Never returns. */
@external("tessera", "panic")
export declare function panic(msg: usize, len: u32): void;

/** Write to the console. Best effort: may drop on a full console. `EINVAL` for a range outside memory. */
@external("tessera", "console_write")
export declare function console_write(ptr: usize, len: u32): i32;

/** Read one chunk of console input; `AGAIN` if there is none. */
@external("tessera", "console_read")
export declare function console_read(ptr: usize, cap: u32, len_out: usize): i32;

/** Nanoseconds on a monotonic clock with an arbitrary epoch. Cheap: no VM exit on the hot path. */
@external("tessera", "clock_monotonic")
export declare function clock_monotonic(): i64;

/** Nanoseconds since 1970-01-01T00:00:00Z. */
@external("tessera", "clock_wall")
export declare function clock_wall(): i64;

/** Fill a buffer with bytes from a cryptographically secure source. */
@external("tessera", "entropy")
export declare function entropy(ptr: usize, len: u32): i32;

/** Copy the boot command line (UTF-8, no NUL, at most CMDLINE_MAX bytes) truncated to `cap`; return its full length, or -EINVAL (-2) for a range outside memory. */
@external("tessera", "cmdline")
export declare function cmdline(ptr: usize, cap: u32): i32;

/** Block until monotonic time >= `deadline` or an acquired device has input; return the ready set (bit h = handle h, bit 63 = console input; 0 on timeout). A deadline in the past polls. Never busy-waits. */
@external("tessera", "yield")
export declare function yield_(deadline: i64): i64;

/** Acquire a network device by name. `EINVAL` if the name is not in the manifest or is already acquired. */
@external("tessera", "net_acquire")
export declare function net_acquire(name: usize, name_len: u32, handle_out: usize, info_out: usize): i32;

/** Send one Ethernet frame. May drop under pressure, like a NIC. */
@external("tessera", "net_write")
export declare function net_write(h: u32, ptr: usize, len: u32): i32;

/** Receive one Ethernet frame, or `AGAIN`. */
@external("tessera", "net_read")
export declare function net_read(h: u32, ptr: usize, cap: u32, len_out: usize): i32;

/** Acquire a block device by name. */
@external("tessera", "block_acquire")
export declare function block_acquire(name: usize, name_len: u32, handle_out: usize, info_out: usize): i32;

/** Read whole blocks inside the capacity. */
@external("tessera", "block_read")
export declare function block_read(h: u32, offset: i64, ptr: usize, len: u32): i32;

/** Write whole blocks inside the capacity. */
@external("tessera", "block_write")
export declare function block_write(h: u32, offset: i64, ptr: usize, len: u32): i32;

/** When this returns `OK`, every completed write is durable. */
@external("tessera", "block_flush")
export declare function block_flush(h: u32): i32;

/** The most bytes the linear memory may grow to, as the host enforces it (past it `memory.grow` fails); never below its current size. Cheap: no VM exit. */
@external("tessera", "memory_limit")
export declare function memory_limit(): i64;
