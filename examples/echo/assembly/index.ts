// echo: the echo service of RFC 862 on UDP port 7. Every datagram goes back
// to where it came from, byte for byte. With send=ADDR it is the client
// instead: it sends count= datagrams of size= bytes to ADDR's port 7, one at
// a time, checks that each comes back unchanged, and exits 0 if all did.
//
//   tessera run echo.wasm --net service=tap:tap0 -- ip=10.0.0.2/24
//   tessera run echo.wasm --net service=switch:lan -- ip=10.0.0.3/24 send=10.0.0.2 count=10

import { Args, exit } from "@tessera/runtime/assembly";
import { run } from "@tessera/runtime/assembly/loop";
import { Timer } from "@tessera/runtime/assembly/heap";
import { line } from "@tessera/console/assembly";
import { formatIpv4, parseIpv4, Stack, UdpHandler } from "@tessera/net/assembly";

const ECHO_PORT: u32 = 7;
const CLIENT_PORT: u32 = 40007;
const MS: i64 = 1_000_000;

class Echo extends UdpHandler {
  constructor(private readonly stack: Stack) {
    super();
  }

  datagram(srcAddr: u32, srcPort: u32, ptr: usize, len: u32, now: i64): void {
    this.stack.iface.sendUdp(ECHO_PORT, srcAddr, srcPort, ptr, len, now);
  }
}

/** The client: one datagram in flight; a lost one is sent again after 500 ms, three times at most. */
class Client extends UdpHandler {
  readonly data: StaticArray<u8>;
  readonly timer: Resend = new Resend();
  sent: i32 = 0;
  echoed: i32 = 0;
  tries: i32 = 0;

  constructor(
    readonly stack: Stack,
    readonly peer: u32,
    readonly count: i32,
    size: i32,
  ) {
    super();
    this.data = new StaticArray<u8>(size);
    this.timer.client = this;
  }

  send(now: i64): void {
    const n = this.data.length;
    for (let i = 0; i < n; i++) unchecked((this.data[i] = <u8>(i * 31 + this.sent)));
    this.stack.iface.sendUdp(CLIENT_PORT, this.peer, ECHO_PORT, changetype<usize>(this.data), <u32>n, now);
    this.stack.schedule();
    this.tries++;
    this.stack.loop.at(this.timer, now + 500 * MS);
  }

  datagram(srcAddr: u32, srcPort: u32, ptr: usize, len: u32, now: i64): void {
    if (srcAddr != this.peer || srcPort != ECHO_PORT || len != <u32>this.data.length) return;
    if (memory.compare(ptr, changetype<usize>(this.data), len) != 0) return;
    this.echoed++;
    this.next(now);
  }

  next(now: i64): void {
    this.sent++;
    this.tries = 0;
    if (this.sent == this.count) this.finish();
    else this.send(now);
  }

  finish(): void {
    line.int(this.count).str(" sent to ").str(formatIpv4(this.peer)).str(", ").int(this.echoed).str(" echoed").nl();
    exit(this.echoed == this.count ? 0 : 1);
  }
}

class Resend extends Timer {
  client: Client | null = null;

  fire(now: i64): void {
    const client = this.client!;
    if (client.tries < 3) client.send(now);
    else client.next(now); // give up on this one
  }
}

export function _start(): void {
  const stack = Stack.open("service");
  const peer = Args.find("send");
  if (peer < 0) {
    stack.iface.bindUdp(ECHO_PORT, new Echo(stack));
    run();
    return;
  }
  const addr = parseIpv4(Args.valuePtr(peer), Args.valueLength(peer));
  const count = I32.parseInt(Args.get("count", "5")!);
  const size = I32.parseInt(Args.get("size", "64")!);
  if (addr <= 0 || count < 1 || size < 0 || size > 65_507) {
    line.str("echo: give send=ADDR, and count= (at least 1) and size= (0 to 65507) as whole numbers").nl();
    exit(2);
  }
  const client = new Client(stack, <u32>addr, count, size);
  stack.iface.bindUdp(CLIENT_PORT, client);
  client.send(stack.loop.now());
  run();
}
