// UDP sockets: a port bound on an interface, and the handler that receives
// its datagrams.

/** Receives a UDP socket's datagrams. */
export abstract class UdpHandler {
  /**
   * A datagram arrived from `srcAddr:srcPort`: `len` bytes at `ptr`, valid
   * only during the call (copy what you keep). `now` is the stack's time.
   */
  abstract datagram(srcAddr: u32, srcPort: u32, ptr: usize, len: u32, now: i64): void;

  /**
   * A datagram this socket sent to `dstAddr:dstPort` came back as ICMP
   * destination unreachable with `code` (3: port unreachable, nobody listens
   * there). Does nothing unless overridden.
   */
  unreachable(dstAddr: u32, dstPort: u32, code: u32, now: i64): void {}
}

/** A bound UDP port; send through the interface it was bound on. */
export class UdpSocket {
  constructor(
    /** The local port. */
    readonly port: u32,
    /** Who receives the datagrams. */
    readonly handler: UdpHandler,
  ) {}

  /** Datagrams delivered to the handler. */
  received: u64 = 0;
  /** The next socket bound on the same interface (its list of sockets), or null. */
  next: UdpSocket | null = null;
}
