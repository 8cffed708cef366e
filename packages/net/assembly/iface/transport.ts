// What the interface hands transport protocols it does not know by name
// (TCP): received segments and time. Images that never use such a protocol
// carry none of its code.

/** A transport protocol above IPv4, plugged into an interface on first use. */
export abstract class Transport {
  /** A segment from `src` to `dst`: `len` bytes at `ptr` (the IP payload), valid only during the call. */
  abstract receive(src: u32, dst: u32, ptr: usize, len: u32, now: i64): void;
  /** Runs the protocol's timers. */
  abstract poll(now: i64): void;
  /** When `poll` next has something to do (i64.MAX_VALUE for never). */
  abstract pollAt(): i64;
}
