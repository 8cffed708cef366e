// echo: the echo service of RFC 862 on UDP port 7. Every datagram goes back
// to where it came from, byte for byte.

import { run } from "@tessera/runtime/assembly/loop";
import { Stack } from "@tessera/net/assembly/stack";
import { UdpHandler } from "@tessera/net/assembly/socket/udp";

const ECHO_PORT: u32 = 7;

class Echo extends UdpHandler {
  constructor(private readonly stack: Stack) {
    super();
  }

  datagram(srcAddr: u32, srcPort: u32, ptr: usize, len: u32, now: i64): void {
    this.stack.iface.sendUdp(ECHO_PORT, srcAddr, srcPort, ptr, len, now);
  }
}

export function _start(): void {
  const stack = Stack.open("service");
  stack.iface.bindUdp(ECHO_PORT, new Echo(stack));
  run();
}
