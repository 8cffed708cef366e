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
  /** Sends what the app queued outside the protocol's callbacks; false if there was nothing. */
  flush(now: i64): bool {
    return false;
  }
  /**
   * An ICMP error (destination unreachable, fragmentation needed) quoting a segment we sent from
   * `localAddr:localPort` to `remoteAddr:remotePort` whose first header word after the ports is
   * `seq` (TCP's sequence number); `mtu` is the next-hop MTU when the error carries one. False if
   * no connection took it.
   */
  icmpError(
    localAddr: u32,
    localPort: u32,
    remoteAddr: u32,
    remotePort: u32,
    seq: u32,
    type: u32,
    code: u32,
    mtu: u32,
    now: i64,
  ): bool {
    return false;
  }
}
