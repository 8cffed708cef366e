// ping: sends ICMP echo requests to host= and prints each reply with its
// round-trip time; exits 0 when every reply came back, 1 otherwise.
//
//   tessera run ping.wasm --net service=tap:tap0 -- ip=10.0.0.2/24 host=10.0.0.1 count=5 interval=200 size=56

import { Args, exit, run, Timer } from "@tessera/runtime/assembly";
import { line } from "@tessera/console/assembly";
import { EchoHandler, formatIpv4, parseIpv4, Stack, StackListener } from "@tessera/net/assembly";

const MS: i64 = 1_000_000;
const IDENT: u32 = 0x7e55;

/** A whole-number argument, or `fallback`; exits 2 with a message if it is not a number in range. */
function number(key: string, fallback: i32, lo: i32, hi: i32): i32 {
  const text = Args.get(key);
  if (text === null) return fallback;
  const n = I32.parseInt(text);
  if (text.length == 0 || n < lo || n > hi || n.toString() != text) {
    line.str("ping: ").str(key).str("=").str(text).str(": give a whole number from ").int(lo).str(" to ").int(hi).nl();
    exit(2);
  }
  return n;
}

class Pinger extends Timer {
  sent: i32 = 0;
  received: i32 = 0;
  readonly sentAt: StaticArray<i64>;

  constructor(
    readonly stack: Stack,
    readonly host: u32,
    readonly count: i32,
    readonly interval: i64,
    readonly size: u32,
  ) {
    super();
    this.sentAt = new StaticArray<i64>(count);
  }

  fire(now: i64): void {
    if (this.sent < this.count) {
      this.sentAt[this.sent] = now;
      this.sent++;
      this.stack.iface.ping(this.host, IDENT, <u32>this.sent, this.size, now);
      // After the last request, wait up to two seconds for stragglers.
      this.stack.loop.at(this, now + (this.sent < this.count ? this.interval : 2000 * MS));
      return;
    }
    this.finish();
  }

  finish(): void {
    line.int(this.sent).str(" sent, ").int(this.received).str(" received").nl();
    exit(this.received == this.count ? 0 : 1);
  }
}

class Replies extends EchoHandler {
  constructor(readonly pinger: Pinger) {
    super();
  }

  reply(srcAddr: u32, ident: u32, seqNo: u32, dataPtr: usize, dataLen: u32, now: i64): void {
    const p = this.pinger;
    if (ident != IDENT || srcAddr != p.host || seqNo == 0 || seqNo > <u32>p.sent) return;
    p.received++;
    const us = (now - p.sentAt[seqNo - 1]) / 1000;
    line
      .int(dataLen + 8)
      .str(" bytes from ")
      .str(formatIpv4(srcAddr))
      .str(": icmp_seq=")
      .int(seqNo);
    line.str(" time=").int(us).str(" us").nl();
    if (p.received == p.count) p.finish();
  }
}

// Starts pinging once the interface has an address: at once with ip=, after
// the DHCP lease without it (a request sent before would have no source).
class StartWhenConfigured extends StackListener {
  started: bool = false;

  constructor(readonly pinger: Pinger) {
    super();
  }

  configured(stack: Stack, now: i64): void {
    if (this.started) return;
    this.started = true;
    stack.loop.at(this.pinger, now);
  }
}

export function _start(): void {
  const stack = Stack.open("service");
  stack.iface.reassembleFragments(); // replies to pings larger than the MTU come back in fragments
  const hostText = Args.get("host");
  const host =
    hostText === null
      ? -1
      : parseIpv4(changetype<usize>(String.UTF8.encode(hostText)), String.UTF8.byteLength(hostText));
  if (host <= 0) {
    line.str("ping: give the address to ping, e.g. host=10.0.0.1").nl();
    exit(2);
  }
  const count = number("count", 5, 1, 100_000);
  const interval = <i64>number("interval", 1000, 1, 60_000) * MS;
  const size = <u32>number("size", 56, 0, 65_507);
  const pinger = new Pinger(stack, <u32>host, count, interval, size);
  stack.iface.echoHandler = new Replies(pinger);
  stack.onConfigured(new StartWhenConfigured(pinger));
  run();
}
