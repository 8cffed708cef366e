// The HTTP client's response parser (packages/http/assembly/client-response.ts), reached as the client reaches
// it: a GET over TCP on the in-memory wire (packages/net/assembly/__tests__/memory-wire.ts) to a server that
// answers with the input's bytes and closes.
//
// Byte 0 picks how many bytes the server writes per turn of the loop (so the response arrives in pieces of
// different sizes). The client must end the request exactly once (a response that is complete, or a failure:
// the server closed first), call head at most once and before any body, deliver no more body bytes than the
// server sent, and deliver exactly Content-Length bytes when it says the response was complete with one.

import { Pair } from "@tessera/net/assembly/__tests__/memory-wire";
import { TcpAcceptor } from "@tessera/net/assembly/tcp/endpoint";
import { TcpConnection, TcpHandler } from "@tessera/net/assembly/tcp/connection";
import { ClientResponse, HttpClient, HttpResponseHandler } from "@tessera/http/assembly/client";
import { byteAt, check } from "./common";

export { area, areaLength, input } from "./common";

const MS: i64 = 1_000_000;

/** The server's side: writes the response `per` bytes a turn, then closes. */
class Server extends TcpHandler {
  conn: TcpConnection | null = null;
  ptr: usize = 0;
  len: u32 = 0;
  sent: u32 = 0;
  per: u32 = 0;
  finished: bool = false;
  connected(conn: TcpConnection, now: i64): void {
    this.conn = conn;
  }
  readable(conn: TcpConnection, now: i64): void {
    const scratch = memory.data(512);
    while (conn.read(scratch, 512) > 0) {} // the request: not looked at
  }
  turn(now: i64): void {
    const conn = this.conn;
    if (!conn || this.finished) return;
    if (this.sent < this.len) this.sent += conn.write(this.ptr + this.sent, min(this.per, this.len - this.sent));
    if (this.sent == this.len) {
      conn.close(now);
      this.finished = true;
    }
  }
}

class Accept extends TcpAcceptor {
  constructor(readonly server: Server) {
    super();
  }
  accept(remoteAddr: u32, remotePort: u32, now: i64): TcpHandler | null {
    return this.server;
  }
}

class Collect extends HttpResponseHandler {
  heads: u32 = 0;
  bodyBytes: u64 = 0;
  dones: u32 = 0;
  ok: bool = false;
  head(res: ClientResponse): void {
    check(this.dones == 0 && this.bodyBytes == 0, "head before the body and the end");
    check(res.status >= 200 && res.status <= 999, "a final status of three digits");
    this.heads++;
  }
  body(res: ClientResponse, ptr: usize, len: u32): void {
    check(this.heads == 1 && this.dones == 0, "body after the head, before the end");
    check(len > 0, "no empty body pieces");
    this.bodyBytes += len;
  }
  done(res: ClientResponse, ok: bool): void {
    this.dones++;
    this.ok = ok;
  }
}

const pair = new Pair();
const server = new Server();
pair.a.listenTcp(80, new Accept(server));
const client = new HttpClient(pair.b, "10.0.0.1");

export function fuzz(ptr: usize, len: u32): void {
  if (len < 1) return;
  server.per = 1 + (byteAt(ptr, len, 0) & 7) * 300;
  server.ptr = ptr + 1;
  server.len = len - 1;
  const c = new Collect();
  check(client.get("/", c, 0), "the request starts");
  let now: i64 = 0;
  for (let t = 0; t < 2000 && c.dones == 0; t++) {
    now += MS;
    server.turn(now);
    for (let i = 0; i < 1000; i++) {
      pair.a.flush(now);
      pair.b.flush(now);
      pair.a.poll(now);
      pair.b.poll(now);
      if (pair.wire.pump(now) == 0) break;
    }
  }
  check(c.dones == 1, "the request ends exactly once");
  check(c.heads <= 1, "one head at most");
  check(c.bodyBytes <= <u64>(len - 1), "no more body than the server sent");
  const res = client.response;
  if (c.ok && c.heads == 1 && res.head.hasContentLength && !res.head.hasToken("transfer-encoding", "chunked"))
    check(c.bodyBytes == 0 || c.bodyBytes == res.head.contentLength, "a complete response has its Content-Length");
}

export function _start(): void {}
