// The Tessera guest ABI v2 as a TypeScript host interface.
// Generated from packages/abi/src/table.ts by `npm run generate -w @tessera/abi`. Do not edit.

/**
 * What a host provides as the `tessera` import module. Pointers are offsets
 * into the guest's memory; i64 values arrive as bigint.
 */
export interface TesseraImports {
  /** Stop the unikernel with an exit status. Never returns. */
  exit(status: number): never;
  /** Print `panic: <msg>` on the host's error stream and stop with status 255. Never returns. */
  panic(msg: number, len: number): never;
  /** Write to the console. Best effort: may drop on a full console. `EINVAL` for a range outside memory. */
  console_write(ptr: number, len: number): number;
  /** Read one chunk of console input; `AGAIN` if there is none. */
  console_read(ptr: number, cap: number, lenOut: number): number;
  /** Nanoseconds on a monotonic clock with an arbitrary epoch. Cheap: no VM exit on the hot path. */
  clock_monotonic(): bigint;
  /** Nanoseconds since 1970-01-01T00:00:00Z. */
  clock_wall(): bigint;
  /** Fill a buffer with bytes from a cryptographically secure source. */
  entropy(ptr: number, len: number): number;
  /** Copy the boot command line (UTF-8, no NUL, at most CMDLINE_MAX bytes) truncated to `cap`; return its full length, or -EINVAL (-2) for a range outside memory. */
  cmdline(ptr: number, cap: number): number;
  /** Block until monotonic time >= `deadline` or an acquired device has input; return the ready set (bit h = handle h, bit 63 = console input; 0 on timeout). A deadline in the past polls. Never busy-waits. */
  yield(deadline: bigint): bigint;
  /** Acquire a network device by name. `EINVAL` if the name is not in the manifest or is already acquired. */
  net_acquire(name: number, nameLen: number, handleOut: number, infoOut: number): number;
  /** Send one Ethernet frame. May drop under pressure, like a NIC. */
  net_write(h: number, ptr: number, len: number): number;
  /** Receive one Ethernet frame, or `AGAIN`. */
  net_read(h: number, ptr: number, cap: number, lenOut: number): number;
  /** Acquire a block device by name. */
  block_acquire(name: number, nameLen: number, handleOut: number, infoOut: number): number;
  /** Read whole blocks inside the capacity. */
  block_read(h: number, offset: bigint, ptr: number, len: number): number;
  /** Write whole blocks inside the capacity. */
  block_write(h: number, offset: bigint, ptr: number, len: number): number;
  /** When this returns `OK`, every completed write is durable. */
  block_flush(h: number): number;
  /** The most bytes the linear memory may grow to, as the host enforces it (past it `memory.grow` fails); never below its current size. Cheap: no VM exit. */
  memory_limit(): bigint;
}

/** Names of the ABI calls, in table order. */
export const CALL_NAMES = ["exit","panic","console_write","console_read","clock_monotonic","clock_wall","entropy","cmdline","yield","net_acquire","net_write","net_read","block_acquire","block_read","block_write","block_flush","memory_limit"] as const;
