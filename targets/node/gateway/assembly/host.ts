// What the gateway imports from the tender (asc names the import module after
// this file: "host"). See targets/node/src/net/gateway-core.ts.

/** Hands the tender a frame for the guest; non-zero if it was taken. */
export declare function frame_out(ptr: usize, len: u32): i32;

/** Tells the tender about connection `id`: `kind` CONNECTED 1, READABLE 2, WRITABLE 3, CLOSED 4 (`arg`: CloseReason). */
export declare function event(id: i32, kind: i32, arg: i32): void;
