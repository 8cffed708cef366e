// TCP's steady state allocates nothing (principle 4): two connections joined by a preallocated link move megabytes while the heap stays put.

import { expect, runTests, test } from "@tessera/test/assembly";
import { heapUsage } from "@tessera/runtime/assembly/usage";
import { monotonic } from "@tessera/clock/assembly";
import { ROOT } from "~lib/rt/tlsf";
import { TcpConnection, TcpEmitter, TcpHandler } from "@tessera/net/assembly/tcp/connection";
import { CloseReason, TcpConfig, TcpState } from "@tessera/net/assembly/tcp/state";
import { TcpRepr } from "@tessera/net/assembly/wire/tcp";
import { A_IP, B_IP, MS, pattern, streamAt } from "@tessera/net/assembly/__tests__/tcp-script";

const SLOTS: i32 = 512;

/** Carries segments between two connections through a fixed ring of slots: no allocation after construction. */
class Link extends TcpEmitter {
  a: TcpConnection | null = null;
  b: TcpConnection | null = null;
  reprs: StaticArray<TcpRepr> = new StaticArray<TcpRepr>(SLOTS);
  payloads: StaticArray<StaticArray<u8>> = new StaticArray<StaticArray<u8>>(SLOTS);
  toB: StaticArray<bool> = new StaticArray<bool>(SLOTS);
  head: i32 = 0;
  count: i32 = 0;
  segments: u64 = 0;
  /** Drop every n-th segment (0: none). */
  loseEvery: u64 = 0;
  constructor() {
    super();
    for (let i = 0; i < SLOTS; i++) {
      this.reprs[i] = new TcpRepr();
      this.payloads[i] = new StaticArray<u8>(1500);
    }
  }
  emit(conn: TcpConnection, seg: TcpRepr, now: i64): bool {
    this.segments++;
    if (this.count == SLOTS) return false;
    if (this.loseEvery > 0 && this.segments % this.loseEvery == 0) return true;
    const i = (this.head + this.count) % SLOTS;
    const r = this.reprs[i];
    r.srcPort = seg.srcPort;
    r.dstPort = seg.dstPort;
    r.seqNumber = seg.seqNumber;
    r.ackNumber = seg.ackNumber;
    r.flags = seg.flags;
    r.window = seg.window;
    r.urgentPointer = 0;
    const o = seg.options;
    const p = r.options;
    p.clear();
    p.hasMaxSegSize = o.hasMaxSegSize;
    p.maxSegSize = o.maxSegSize;
    p.hasWindowScale = o.hasWindowScale;
    p.windowScale = o.windowScale;
    p.sackPermitted = o.sackPermitted;
    for (let k: u32 = 0; k < o.sackCount; k++) p.addSack(o.sackLeft(k), o.sackRight(k));
    const buf = changetype<usize>(this.payloads[i]);
    memory.copy(buf, seg.payloadPtr, seg.payloadLen);
    r.payloadPtr = buf;
    r.payloadLen = seg.payloadLen;
    this.toB[i] = conn == this.a;
    this.count++;
    return true;
  }
  /** Delivers everything in flight (and what the answers send) at `now`. */
  pump(now: i64): void {
    while (this.count > 0) {
      const i = this.head;
      this.head = (this.head + 1) % SLOTS;
      this.count--;
      const to = this.toB[i] ? this.b! : this.a!;
      const reply = to.process(this.reprs[i], this.toB[i] ? A_IP : B_IP, this.toB[i] ? B_IP : A_IP, now);
      if (reply) this.emit(to, reply, now);
      to.dispatch(now);
    }
  }
}

/** Reads everything into one buffer, checking a sample of bytes. */
class Sink extends TcpHandler {
  received: u64 = 0;
  bad: u32 = 0;
  buf: StaticArray<u8> = new StaticArray<u8>(65536);
  readable(conn: TcpConnection, now: i64): void {
    for (;;) {
      const n = conn.read(changetype<usize>(this.buf), 65536);
      if (n == 0) break;
      const first = <u32>(this.received % (1 << 19));
      if (this.buf[0] != pattern(first)) this.bad++;
      this.received += n;
    }
  }
  closed(conn: TcpConnection, reason: CloseReason, now: i64): void {}
}

class Pipe {
  link: Link;
  sink: Sink = new Sink();
  client: TcpConnection;
  server: TcpConnection;
  sent: u64 = 0;
  now: i64 = 0;
  constructor(config: TcpConfig) {
    const link = new Link();
    this.link = link;
    this.client = new TcpConnection(config, link, 1460);
    this.server = new TcpConnection(config, link, 1460);
    this.link.a = this.client;
    this.link.b = this.server;
    this.server.handler = this.sink;
    this.server.listen(B_IP, 80, 7777);
    this.client.connect(A_IP, 40000, B_IP, 80, 1000, 0);
    this.client.dispatch(0);
    this.link.pump(0);
  }
  /** One turn: write what fits (the stream repeats every 512 KiB), send, deliver, advance 1 ms of virtual time. */
  turn(): void {
    for (;;) {
      const at = <u32>(this.sent % (1 << 19));
      const n = this.client.write(streamAt(at), min<u32>(65536, (1 << 19) - at));
      if (n == 0) break;
      this.sent += n;
    }
    this.client.dispatch(this.now);
    this.server.dispatch(this.now);
    this.link.pump(this.now);
    this.now += MS;
  }
}

// Used bytes and blocks of the heap as they are (no collection first): allocation since the last
// look shows up as more, because the incremental collector only runs when something allocates.
const AL_MASK: usize = 15;
const BLOCK_OVERHEAD: usize = sizeof<usize>();
const HL_END: usize = ((sizeof<usize>() + ((31 - 8) << 2) + AL_MASK) & ~AL_MASK) + (31 - 8) * 16 * sizeof<usize>();
const ROOT_SIZE: usize = HL_END + sizeof<usize>();
let walkedBlocks: u32 = 0;
function usedNow(): usize {
  const root = changetype<usize>(ROOT);
  const tail = load<usize>(root + HL_END);
  let used: usize = 0;
  walkedBlocks = 0;
  let block = ((root + ROOT_SIZE + BLOCK_OVERHEAD + AL_MASK) & ~AL_MASK) - BLOCK_OVERHEAD;
  while (block < tail) {
    const info = load<usize>(block);
    const size = (info & ~3) + BLOCK_OVERHEAD;
    if ((info & 1) == 0) {
      used += size;
      walkedBlocks++;
    }
    block += size;
  }
  return used;
}

function steady(config: TcpConfig, loseEvery: u64, turns: i32): void {
  const p = new Pipe(config);
  p.link.loseEvery = loseEvery;
  for (let i = 0; i < 300; i++) p.turn(); // warm up: past slow start
  heapUsage(); // collect what the set-up left
  const before = usedNow();
  const blocks = walkedBlocks;
  const received = p.sink.received;
  const t0 = monotonic();
  for (let i = 0; i < turns; i++) p.turn();
  const t1 = monotonic();
  const after = usedNow();
  const moved = p.sink.received - received;
  const seconds = <f64>(t1 - t0) / 1e9;
  trace(
    "MiB moved, wall s, MiB/s (both ends in one wasm thread)",
    3,
    <f64>moved / 1048576.0,
    seconds,
    <f64>moved / 1048576.0 / seconds,
  );
  trace(
    "segments, timeouts, fast retransmits",
    3,
    <f64>p.link.segments,
    <f64>p.client.timeouts,
    <f64>p.client.congestion.fastRetransmits,
  );
  expect<bool>(moved > 10 << 20, true, "megabytes moved");
  expect<u32>(p.sink.bad, 0, "in order");
  expect<u32>(walkedBlocks, blocks, "no block allocated in the steady state");
  expect<usize>(after, before, "no byte allocated in the steady state");
  expect<bool>(p.client.state == TcpState.Established, true);
}

test("a steady transfer allocates nothing", () => {
  steady(new TcpConfig(), 0, 2000);
});

test("a steady transfer with loss (fast retransmit, reassembly, SACK blocks) allocates nothing", () => {
  const config = new TcpConfig();
  config.recvBuffer = 256 * 1024; // window scaling too
  steady(config, 97, 3000);
});

export function _start(): void {
  runTests();
}
