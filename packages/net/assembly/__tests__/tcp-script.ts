// Test helper: a TCP connection driven by hand. A recorder keeps what it sends; segments from the
// peer are built from templates, their payload taken from one stream of patterned bytes.

import { TcpConnection, TcpEmitter } from "@tessera/net/assembly/tcp/connection";
import { TcpConfig, TcpState, tcpStateName } from "@tessera/net/assembly/tcp/state";
import { TcpRepr, TCP_ACK, TCP_SYN } from "@tessera/net/assembly/wire/tcp";
import { expect } from "@tessera/test/assembly";

export const A_IP: u32 = 0x0a000001; // the connection under test
export const B_IP: u32 = 0x0a000002; // the scripted peer
export const SECOND: i64 = 1_000_000_000;
export const MS: i64 = 1_000_000;
/** The connection's initial sequence number, and the peer's. */
export const ISS: u32 = 1000;
export const PEER_ISS: u32 = 50_000;
const STREAM: i32 = 1 << 20;

/** The byte at `offset` of every stream in these tests. */
export function pattern(offset: u32): u8 {
  return <u8>(offset * 31 + (offset >> 8));
}

const stream = new StaticArray<u8>(STREAM);
for (let i = 0; i < STREAM; i++) stream[i] = pattern(<u32>i);

/** Where the stream's bytes from `offset` on are. */
export function streamAt(offset: u32): usize {
  return changetype<usize>(stream) + offset;
}

/** One segment the connection sent. */
export class Sent {
  time: i64 = 0;
  flags: u32 = 0;
  seq: u32 = 0;
  ack: u32 = 0;
  window: u32 = 0;
  len: u32 = 0;
  mss: u32 = 0;
  hasWindowScale: bool = false;
  windowScale: u32 = 0;
  sackPermitted: bool = false;
  sackCount: u32 = 0;
  sackLeft: u32 = 0; // the first block
  sackRight: u32 = 0;
  firstByte: u8 = 0;
  hasTimestamps: bool = false;
  tsVal: u32 = 0;
  tsEcr: u32 = 0;
}

/** Records every segment (and can refuse them all: `up = false`). */
export class Recorder extends TcpEmitter {
  sent: Array<Sent> = new Array<Sent>();
  up: bool = true;
  emit(conn: TcpConnection, segment: TcpRepr, now: i64): bool {
    const s = new Sent();
    s.time = now;
    s.flags = segment.flags;
    s.seq = segment.seqNumber;
    s.ack = segment.ackNumber;
    s.window = segment.window;
    s.len = segment.payloadLen;
    const o = segment.options;
    s.mss = o.hasMaxSegSize ? o.maxSegSize : 0;
    s.hasWindowScale = o.hasWindowScale;
    s.windowScale = o.windowScale;
    s.sackPermitted = o.sackPermitted;
    s.sackCount = o.sackCount;
    if (o.sackCount > 0) {
      s.sackLeft = o.sackLeft(0);
      s.sackRight = o.sackRight(0);
    }
    if (segment.payloadLen > 0) s.firstByte = load<u8>(segment.payloadPtr);
    s.hasTimestamps = o.hasTimestamps;
    s.tsVal = o.tsVal;
    s.tsEcr = o.tsEcr;
    this.sent.push(s);
    return this.up;
  }
  get count(): i32 {
    return this.sent.length;
  }
  get last(): Sent {
    return this.sent[this.sent.length - 1];
  }
  at(i: i32): Sent {
    return this.sent[i];
  }
  clear(): void {
    this.sent.length = 0;
  }
  /** Data segments (payload > 0) recorded. */
  dataSegments(): i32 {
    let n = 0;
    for (let i = 0; i < this.sent.length; i++) if (this.sent[i].len > 0) n++;
    return n;
  }
}

/** A segment from the peer to `conn`: `seq`, `ack`, `flags`, `window` (as on the wire), `len` bytes of the peer's stream. */
export function segment(
  conn: TcpConnection,
  seq: u32,
  ack: u32,
  flags: u32,
  window: u32 = 65535,
  len: u32 = 0,
): TcpRepr {
  const r = new TcpRepr();
  r.srcPort = conn.remotePort;
  r.dstPort = conn.localPort;
  r.seqNumber = seq;
  r.ackNumber = ack;
  r.flags = flags;
  r.window = window;
  r.payloadLen = len;
  r.payloadPtr = streamAt(seq - PEER_ISS - 1);
  return r;
}

/** Options of the peer's SYN-ACK in `established`. */
export class PeerSyn {
  mss: u32 = 1460;
  window: u32 = 65535;
  windowScale: i32 = -1; // -1: not offered
  sack: bool = false;
  tsVal: u32 = 0; // 0: no timestamps
}

/** A connection (active open) to the scripted peer, ESTABLISHED at time 0; the recorder is cleared. */
export function established(config: TcpConfig, rec: Recorder, peer: PeerSyn = new PeerSyn()): TcpConnection {
  const conn = new TcpConnection(config, rec, 1460);
  conn.connect(A_IP, 40000, B_IP, 80, ISS, 0);
  conn.dispatch(0);
  const r = segment(conn, PEER_ISS, ISS + 1, TCP_SYN | TCP_ACK, peer.window);
  r.options.hasMaxSegSize = true;
  r.options.maxSegSize = peer.mss;
  if (peer.windowScale >= 0) {
    r.options.hasWindowScale = true;
    r.options.windowScale = <u32>peer.windowScale;
  }
  r.options.sackPermitted = peer.sack;
  if (peer.tsVal != 0) {
    r.options.hasTimestamps = true;
    r.options.tsVal = peer.tsVal;
    r.options.tsEcr = rec.last.tsVal;
  }
  conn.process(r, B_IP, A_IP, 0);
  conn.dispatch(0);
  expect<string>(tcpStateName(conn.state), tcpStateName(TcpState.Established), "established");
  rec.clear();
  return conn;
}

/** The peer ACKs up to `ack` with window `window` at `now`; then the connection dispatches. */
export function ackFromPeer(conn: TcpConnection, ack: u32, now: i64, window: u32 = 65535): void {
  conn.process(segment(conn, conn.rcvNxt, ack, TCP_ACK, window), B_IP, A_IP, now);
  conn.dispatch(now);
}

/** The peer sends `len` bytes of its stream at `seq` (with ACK of `conn.sndUna`) at `now`; no dispatch. */
export function dataFromPeer(conn: TcpConnection, seq: u32, len: u32, now: i64, flags: u32 = TCP_ACK): TcpRepr | null {
  return conn.process(segment(conn, seq, conn.sndUna, flags, 65535, len), B_IP, A_IP, now);
}

/** Writes `len` bytes of the stream from `offset` into `conn`; returns how many it took. */
export function writeStream(conn: TcpConnection, offset: u32, len: u32): u32 {
  return conn.write(streamAt(offset), len);
}

/** Expects `conn` in state `want`. */
export function expectState(conn: TcpConnection, want: TcpState, what: string = "state"): void {
  expect<string>(tcpStateName(conn.state), tcpStateName(want), what);
}
