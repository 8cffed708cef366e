// Plugs a TCP endpoint into its interface: the interface knows transports only as `Transport`
// (iface/transport.ts) and makes this one on first use of `tcp`, so UDP-only images carry no TCP.

import { Transport } from "../iface/transport";
import { TcpEndpoint } from "./endpoint";

/** Plugs a TCP endpoint into its interface as the transport for protocol 6. */
export class TcpTransport extends Transport {
  constructor(
    /** The endpoint segments go to. */
    readonly endpoint: TcpEndpoint,
  ) {
    super();
  }

  receive(src: u32, dst: u32, ptr: usize, len: u32, now: i64): void {
    this.endpoint.receive(src, dst, ptr, len, now);
  }

  poll(now: i64): void {
    this.endpoint.poll(now);
  }

  pollAt(): i64 {
    return this.endpoint.pollAt();
  }

  flush(now: i64): bool {
    return this.endpoint.flush(now);
  }

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
    return this.endpoint.icmpError(localAddr, localPort, remoteAddr, remotePort, seq, type, code, mtu, now);
  }
}
