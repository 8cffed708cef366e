// echo: the echo service of RFC 862 on UDP and TCP port 7. Every datagram
// goes back to where it came from, byte for byte; every TCP connection gets
// back what it sends, and is closed once the peer has closed its side and all
// of it has been echoed. Two more TCP services make bulk tests and benchmarks
// one-directional: discard (RFC 863, port 9) reads and drops (and prints the
// CRC-32 of what it read), and source
// (port 19) sends the byte count asked for in the connection's first line
// ("1048576\n") of a fixed pattern (see `PATTERN`), then closes. Each TCP
// connection prints one line when it ends (after TIME-WAIT if we closed
// first: msl= shortens it).
//
// With send=ADDR it is a UDP client instead: it sends count= datagrams of
// size= bytes to ADDR's port 7, one at a time, checks that each comes back
// unchanged, and exits 0 if all did.
//
//   tessera run echo.wasm --net service=tap:tap0 -- ip=10.0.0.2/24
//   tessera run echo.wasm --net service=switch:lan -- ip=10.0.0.3/24 send=10.0.0.2 count=10

import { Args, exit, run, Timer } from "@tessera/runtime/assembly";
import { line } from "@tessera/console/assembly";
import {
  CloseReason,
  formatIpv4,
  parseIpv4,
  Stack,
  TcpAcceptor,
  TcpConnection,
  TcpHandler,
  UdpHandler,
} from "@tessera/net/assembly";

const ECHO_PORT: u32 = 7;
const DISCARD_PORT: u32 = 9;
const SOURCE_PORT: u32 = 19;
const CLIENT_PORT: u32 = 40007;
const MS: i64 = 1_000_000;
/** Bytes a TCP service moves per read or write. */
const CHUNK: i32 = 16384;

class Echo extends UdpHandler {
  constructor(private readonly stack: Stack) {
    super();
  }

  datagram(srcAddr: u32, srcPort: u32, ptr: usize, len: u32, now: i64): void {
    this.stack.iface.sendUdp(ECHO_PORT, srcAddr, srcPort, ptr, len, now);
  }
}

// ---- TCP services -------------------------------------------------------

const REASONS = ["normal", "reset", "refused", "timed out", "aborted", "unreachable"];

/** A TCP service's connection: prints one line when it ends. */
abstract class Service extends TcpHandler {
  /** Bytes read from the peer and written to it. */
  received: u64 = 0;
  sent: u64 = 0;
  /** Ends the closing line. */
  suffix: string = "";

  constructor(readonly port: u32) {
    super();
  }

  closed(conn: TcpConnection, reason: CloseReason, now: i64): void {
    line
      .str("tcp ")
      .int(this.port)
      .str(": ")
      .str(formatIpv4(conn.remoteAddr))
      .char(0x3a)
      .int(conn.remotePort)
      .str(" closed (")
      .str(REASONS[<i32>reason])
      .str("), ")
      .int(<i64>this.received)
      .str(" bytes in, ")
      .int(<i64>this.sent)
      .str(" out")
      .str(this.suffix)
      .nl();
  }
}

/**
 * Echo with backpressure: what was read is written back before anything more
 * is read, so a peer that does not read its replies is slowed by TCP's windows
 * instead of filling memory. After the peer's FIN, once all is echoed, close.
 */
class TcpEcho extends Service {
  private readonly buf: StaticArray<u8> = new StaticArray<u8>(CHUNK);
  private start: u32 = 0; // buf[start, end) is read but not yet written back
  private end: u32 = 0;

  readable(conn: TcpConnection, now: i64): void {
    this.pump(conn, now);
  }

  writable(conn: TcpConnection, now: i64): void {
    this.pump(conn, now);
  }

  private pump(conn: TcpConnection, now: i64): void {
    const buf = changetype<usize>(this.buf);
    for (;;) {
      if (this.start < this.end) {
        const n = conn.write(buf + this.start, this.end - this.start);
        this.start += n;
        this.sent += n;
        if (this.start < this.end) return; // the send buffer is full: wait for `writable`
      }
      const n = conn.read(buf, <u32>CHUNK);
      if (n == 0) break;
      this.start = 0;
      this.end = n;
      this.received += n;
    }
    if (conn.finReceived) conn.close(now);
  }
}

/**
 * CRC-32 (IEEE 802.3) tables, for the discard service's checksum: entry i of
 * table 0 is the CRC of byte i, and entry i of table k that of byte i
 * followed by k zero bytes, so that 8 bytes are folded in at once (slicing
 * by 8) with eight lookups and no dependency between them.
 */
const CRC_TABLES = new StaticArray<u32>(8 * 256);
for (let i: u32 = 0; i < 256; i++) {
  let c = i;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  unchecked((CRC_TABLES[i] = c));
}
for (let i = 256; i < 8 * 256; i++) {
  const c = unchecked(CRC_TABLES[i - 256]);
  unchecked((CRC_TABLES[i] = (c >>> 8) ^ unchecked(CRC_TABLES[c & 0xff])));
}

// The CRC register `c` after the `n` bytes at `ptr` (the reflected CRC, little-endian loads).
function crc32(c: u32, ptr: usize, n: usize): u32 {
  const t = changetype<usize>(CRC_TABLES);
  let i: usize = 0;
  for (; i + 8 <= n; i += 8) {
    const one = load<u32>(ptr + i) ^ c;
    const two = load<u32>(ptr + i, 4);
    c =
      load<u32>(t + (7 << 10) + ((one & 0xff) << 2)) ^
      load<u32>(t + (6 << 10) + (((one >>> 8) & 0xff) << 2)) ^
      load<u32>(t + (5 << 10) + (((one >>> 16) & 0xff) << 2)) ^
      load<u32>(t + (4 << 10) + ((one >>> 24) << 2)) ^
      load<u32>(t + (3 << 10) + ((two & 0xff) << 2)) ^
      load<u32>(t + (2 << 10) + (((two >>> 8) & 0xff) << 2)) ^
      load<u32>(t + (1 << 10) + (((two >>> 16) & 0xff) << 2)) ^
      load<u32>(t + ((two >>> 24) << 2));
  }
  for (; i < n; i++) c = load<u32>(t + (((c ^ load<u8>(ptr + i)) & 0xff) << 2)) ^ (c >>> 8);
  return c;
}

/**
 * Discard (RFC 863): reads everything, keeps nothing, closes after the peer's
 * FIN, and ends its line with the CRC-32 of what it read, so that tests can
 * check a transfer to it.
 */
class TcpDiscard extends Service {
  private readonly buf: StaticArray<u8> = new StaticArray<u8>(CHUNK);
  private crc: u32 = 0xffffffff;

  readable(conn: TcpConnection, now: i64): void {
    const buf = changetype<usize>(this.buf);
    for (let n = conn.read(buf, <u32>CHUNK); n != 0; n = conn.read(buf, <u32>CHUNK)) {
      this.received += n;
      this.crc = crc32(this.crc, buf, n);
    }
    if (conn.finReceived) conn.close(now);
  }

  closed(conn: TcpConnection, reason: CloseReason, now: i64): void {
    this.suffix = ", crc32 " + (~this.crc).toString(16).padStart(8, "0");
    super.closed(conn, reason, now);
  }
}

/** The source's pattern: byte i of the stream is PATTERN[i % PATTERN_LENGTH], from xorshift32 seeded with 1. */
const PATTERN_LENGTH: u32 = 4093; // prime, so the pattern does not line up with segments
const PATTERN = new StaticArray<u8>(<i32>PATTERN_LENGTH * 2); // twice over, so any slice of it is contiguous

function fillPattern(): void {
  let x: u32 = 1;
  for (let i: u32 = 0; i < PATTERN_LENGTH; i++) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    unchecked((PATTERN[i] = PATTERN[i + PATTERN_LENGTH] = <u8>x));
  }
}

/** Source: reads a decimal byte count ending in a newline, sends that many bytes of the pattern, closes. */
class TcpSource extends Service {
  private remaining: u64 = 0;
  private counting: bool = true; // still reading the first line
  private readonly byte: StaticArray<u8> = new StaticArray<u8>(1);

  readable(conn: TcpConnection, now: i64): void {
    const b = changetype<usize>(this.byte);
    while (this.counting && conn.read(b, 1) == 1) {
      this.received++;
      const c = load<u8>(b);
      if (c == 0x0a) this.counting = false;
      else if (c >= 0x30 && c <= 0x39 && this.remaining < (<u64>1) << 50)
        this.remaining = this.remaining * 10 + (c - 0x30);
      else return conn.abort(now); // not a number: no answer
    }
    if (!this.counting) this.send(conn, now);
  }

  writable(conn: TcpConnection, now: i64): void {
    if (!this.counting) this.send(conn, now);
  }

  private send(conn: TcpConnection, now: i64): void {
    while (this.remaining > 0) {
      const at = <u32>(this.sent % PATTERN_LENGTH);
      const want = <u32>min<u64>(this.remaining, PATTERN_LENGTH);
      const n = conn.write(changetype<usize>(PATTERN) + at, want);
      if (n == 0) return; // full: wait for `writable`
      this.sent += n;
      this.remaining -= n;
    }
    conn.close(now);
  }
}

/** Gives each new connection on `port` its own service object. */
class Services extends TcpAcceptor {
  constructor(readonly port: u32) {
    super();
  }

  accept(remoteAddr: u32, remotePort: u32, now: i64): TcpHandler | null {
    if (this.port == ECHO_PORT) return new TcpEcho(ECHO_PORT);
    if (this.port == DISCARD_PORT) return new TcpDiscard(DISCARD_PORT);
    return new TcpSource(SOURCE_PORT);
  }
}

// ---- the UDP client -------------------------------------------------------

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
  stack.iface.reassembleFragments(); // pings and datagrams larger than the MTU arrive in fragments
  const peer = Args.find("send");
  if (peer < 0) {
    stack.iface.bindUdp(ECHO_PORT, new Echo(stack));
    // msl= (ms) shortens TIME-WAIT (2 MSL, 4 minutes by default), so that tests see the close of a connection we closed.
    const msl = Args.get("msl", "");
    if (msl) stack.iface.tcp.config.msl = I64.parseInt(msl!) * MS;
    fillPattern();
    for (let i = 0; i < 3; i++) {
      const port = i == 0 ? ECHO_PORT : i == 1 ? DISCARD_PORT : SOURCE_PORT;
      stack.listen(port, new Services(port));
    }
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
