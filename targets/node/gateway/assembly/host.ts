// What the gateway imports from the tender (asc names the import module after
// this file: "host"). See targets/node/src/net/gateway-core.ts and
// targets/native/gateway/gw_core.c.

/** Hands the tender a frame for the guest; non-zero if it was taken. */
export declare function frame_out(ptr: usize, len: u32): i32;

/** Tells the tender about connection `id`: `kind` CONNECTED 1, READABLE 2, WRITABLE 3, CLOSED 4 (`arg`: CloseReason). */
export declare function event(id: i32, kind: i32, arg: i32): void;

/**
 * Asks the tender to open a TCP connection to the host's `addr:port` (IPv4, host byte order) for the
 * guest's connection `id`, without blocking; it answers with gw_tcp_opened(id, result) once it is
 * made or has failed.
 */
export declare function tcp_open(id: i32, addr: u32, port: u32): void;

/** Sends `len` bytes at `ptr` to the host's `addr:port` from UDP flow `flow`'s socket (opened on its first datagram). */
export declare function udp_send(flow: i32, addr: u32, port: u32, ptr: usize, len: u32): void;

/** UDP flow `flow` has ended (idle): close its socket; its id may be given again. */
export declare function udp_close(flow: i32): void;
