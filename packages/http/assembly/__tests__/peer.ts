// Helpers for the server and client specs: a server on 10.0.0.1:80 over the in-memory Pair, and a raw TCP peer
// on 10.0.0.2 that writes text and keeps everything it receives.

import { Pair } from "@tessera/net/assembly/__tests__/memory-wire";
import { TcpConnection, TcpHandler } from "@tessera/net/assembly/tcp/connection";
import { CloseReason } from "@tessera/net/assembly/tcp/state";
import { HttpHandler } from "@tessera/http/assembly/exchange";
import { HttpLimits, HttpServer } from "@tessera/http/assembly/server";

export const SERVER_IP: u32 = 0x0a000001;
export const MS: i64 = 1_000_000;
export const SECOND: i64 = 1_000_000_000;

/** A raw TCP client: `send` text, read everything back into `received`; `readCap` limits what it reads per call. */
export class RawPeer extends TcpHandler {
  conn: TcpConnection | null = null;
  connects: i32 = 0;
  closes: i32 = 0;
  reason: CloseReason = CloseReason.Normal;
  /** Stop reading (a peer that never reads) when false. */
  reading: bool = true;
  readonly buf: StaticArray<u8> = new StaticArray<u8>(1 << 21);
  received: u32 = 0;

  connected(conn: TcpConnection, now: i64): void {
    this.conn = conn;
    this.connects++;
  }
  readable(conn: TcpConnection, now: i64): void {
    if (!this.reading) return;
    this.drain();
    if (conn.finReceived) conn.close(now); // as curl does when the server closes
  }
  closed(conn: TcpConnection, reason: CloseReason, now: i64): void {
    this.closes++;
    this.reason = reason;
  }
  drain(): void {
    const conn = this.conn!;
    for (;;) {
      const n = conn.read(changetype<usize>(this.buf) + this.received, <u32>this.buf.length - this.received);
      if (n == 0) break;
      this.received += n;
    }
  }
  /** Everything received so far, as text (ASCII). */
  text(): string {
    return String.UTF8.decodeUnsafe(changetype<usize>(this.buf), this.received);
  }
  /** Queues `s` (ASCII) on the connection; returns the bytes taken. */
  send(s: string): u32 {
    const b = String.UTF8.encode(s);
    return this.conn!.write(changetype<usize>(b), <u32>b.byteLength);
  }
}

/** Polls both interfaces, flushes and delivers frames until the wire is quiet. */
export function settle(pair: Pair, now: i64): void {
  for (let i = 0; i < 100_000; i++) {
    pair.a.flush(now);
    pair.b.flush(now);
    pair.a.poll(now);
    pair.b.poll(now);
    if (pair.wire.pump(now) == 0) return;
  }
}

/** A server for `handler` on 10.0.0.1:80 and a raw peer connected to it from 10.0.0.2. */
export class Fixture {
  readonly pair: Pair = new Pair();
  readonly server: HttpServer;
  readonly peer: RawPeer = new RawPeer();

  constructor(handler: HttpHandler, limits: HttpLimits = new HttpLimits(), sendBuffer: u32 = 0) {
    const server = new HttpServer(handler, limits);
    this.server = server;
    if (sendBuffer) this.pair.a.tcp.config.sendBuffer = sendBuffer;
    server.listenOn(this.pair.a, 80);
    this.pair.b.connectTcp(SERVER_IP, 80, this.peer, 0);
    settle(this.pair, 0);
  }

  /** Sends `s`, lets everything settle at `now`, returns all the peer has received. */
  exchange(s: string, now: i64 = MS): string {
    this.peer.send(s);
    settle(this.pair, now);
    return this.peer.text();
  }
}
