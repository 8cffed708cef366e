// The client against the server over the in-memory wire: GET, POST, keep-alive, chunked and long bodies, errors.

import { expect, runTests, test } from "@tessera/test/assembly";
import { Pair } from "@tessera/net/assembly/__tests__/memory-wire";
import { BodySource, HttpHandler, HttpRequest, HttpResponse } from "@tessera/http/assembly/exchange";
import {
  ClientFailure,
  ClientResponse,
  HttpClient,
  HttpResponseHandler,
  TextResponseHandler,
} from "@tessera/http/assembly/client";
import { Router } from "@tessera/http/assembly/router";
import { HttpLimits, HttpServer } from "@tessera/http/assembly/server";
import { MS, settle } from "@tessera/http/assembly/__tests__/peer";
import { TcpConnection, TcpHandler } from "@tessera/net/assembly/tcp/connection";
import { TcpAcceptor } from "@tessera/net/assembly/tcp/endpoint";

const MIB: u32 = 1 << 20;

function pattern(i: u32): u8 {
  return <u8>(i * 7 + (i >> 9));
}

class Hello extends HttpHandler {
  handle(req: HttpRequest, res: HttpResponse): void {
    res.header("Content-Type", "text/plain").send("hi\n");
  }
}

class Echo extends HttpHandler {
  handle(req: HttpRequest, res: HttpResponse): void {
    res.header("X-Type", req.header("content-type")!).sendBytes(String.UTF8.encode(req.bodyText()));
  }
}

class Generated extends BodySource {
  sent: u32 = 0;
  fill(ptr: usize, cap: u32): i32 {
    if (this.sent == MIB) return -1;
    const n = min(cap, MIB - this.sent);
    for (let i: u32 = 0; i < n; i++) store<u8>(ptr + i, pattern(this.sent + i));
    this.sent += n;
    return <i32>n;
  }
}

class Big extends HttpHandler {
  handle(req: HttpRequest, res: HttpResponse): void {
    res.stream(new Generated());
  }
}

/** Keeps the status, the body (as text up to 4 KiB, and a check of the pattern) and how it ended. */
class Collect extends HttpResponseHandler {
  status: u32 = 0;
  text: string = "";
  bytes: u32 = 0;
  patternOk: bool = true;
  dones: i32 = 0;
  ok: bool = false;
  contentType: string | null = null;
  head(res: ClientResponse): void {
    this.status = res.status;
    this.contentType = res.header("x-type");
  }
  body(res: ClientResponse, ptr: usize, len: u32): void {
    for (let i: u32 = 0; i < len; i++) if (load<u8>(ptr + i) != pattern(this.bytes + i)) this.patternOk = false;
    if (this.bytes < 4096) this.text += String.UTF8.decodeUnsafe(ptr, len);
    this.bytes += len;
  }
  failure: ClientFailure = ClientFailure.None;
  error: string = "";
  done(res: ClientResponse, ok: bool): void {
    this.dones++;
    this.ok = ok;
    this.failure = res.failure;
    this.error = res.error;
  }
}

class Setup {
  pair: Pair;
  server: HttpServer;
  client: HttpClient;
  constructor(limits: HttpLimits = new HttpLimits()) {
    const r = new Router();
    r.get("/", new Hello()).post("/echo", new Echo()).put("/echo", new Echo()).get("/big", new Big());
    const server = new HttpServer(r, limits);
    const pair = new Pair();
    this.server = server;
    this.client = new HttpClient(pair.b, "10.0.0.1");
    this.pair = pair;
    server.listenOn(pair.a, 80);
  }
}

test("GET: status, body, done; a second request reuses the connection", () => {
  const s = new Setup();
  const a = new Collect();
  expect<bool>(s.client.get("/", a, 0), true);
  expect<bool>(s.client.busy, true);
  settle(s.pair, MS);
  expect<i32>(a.dones, 1);
  expect<bool>(a.ok, true);
  expect<u32>(a.status, 200);
  expect<string>(a.text, "hi\n");
  const b = new Collect();
  expect<bool>(s.client.get("/nope", b, 2 * MS), true);
  settle(s.pair, 2 * MS);
  expect<u32>(b.status, 404);
  expect<bool>(b.ok, true);
  expect<u32>(s.client.connections, 1, "one connection for both");
  expect<u64>(s.server.accepted, 1);
});

test("POST sends the body with its type and Content-Length", () => {
  const s = new Setup();
  const a = new Collect();
  s.client.post("/echo", "text/plain", "hello server", a, 0);
  settle(s.pair, MS);
  expect<bool>(a.ok, true);
  expect<string>(a.text, "hello server");
  expect<string>(a.contentType!, "text/plain");
});

/** Keeps what `received` was given. */
class Text extends TextResponseHandler {
  calls: i32 = 0;
  ok: bool = false;
  status: u32 = 0;
  text: string = "";
  received(res: ClientResponse, ok: bool, text: string): void {
    this.calls++;
    this.ok = ok;
    this.status = res.status;
    this.text = text;
  }
}

test("PUT sends its body; a TextResponseHandler hears the whole body as text, once", () => {
  const s = new Setup();
  const a = new Text();
  let note = "";
  for (let i = 0; i < 1600; i++) note += "café ☕ "; // 16 KB in several segments: characters split between them
  expect<bool>(s.client.put("/echo", "text/plain; charset=utf-8", note, a, 0), true);
  for (let t: i64 = 1; t < 1000 && a.calls == 0; t++) settle(s.pair, t * MS);
  expect<i32>(a.calls, 1);
  expect<bool>(a.ok, true);
  expect<u32>(a.status, 200);
  expect<bool>(a.text == note, true, "the same text back");
  expect<bool>(a.truncated, false);
  const b = new Text();
  b.maxBytes = 1000;
  s.client.get("/big", b, 2000 * MS);
  for (let t: i64 = 2001; t < 9000 && b.calls == 0; t++) settle(s.pair, t * MS);
  expect<bool>(b.ok, true);
  expect<bool>(b.truncated, true, "1 MiB kept to 1000 bytes");
  const c = new Text();
  s.client.get("/nope", c, 9000 * MS);
  for (let t: i64 = 9001; t < 9100 && c.calls == 0; t++) settle(s.pair, t * MS);
  expect<bool>(c.ok, true, "an error status is an answer");
  expect<u32>(c.status, 404);
});

test("a 1 MiB chunked response arrives intact", () => {
  const s = new Setup();
  const a = new Collect();
  s.client.get("/big", a, 0);
  for (let t: i64 = 1; t < 5000 && a.dones == 0; t++) settle(s.pair, t * MS);
  expect<bool>(a.ok, true);
  expect<u32>(a.bytes, MIB);
  expect<bool>(a.patternOk, true);
});

test("keepAlive false: Connection: close, and the next request opens a new connection", () => {
  const s = new Setup();
  s.client.keepAlive = false;
  const a = new Collect();
  s.client.get("/", a, 0);
  settle(s.pair, MS);
  expect<bool>(a.ok, true);
  const b = new Collect();
  s.client.get("/", b, 2 * MS);
  settle(s.pair, 2 * MS);
  expect<bool>(b.ok, true);
  expect<string>(b.text, "hi\n");
  expect<u32>(s.client.connections, 2);
});

test("after the server closed an idle connection, the next request reconnects", () => {
  const s = new Setup();
  const a = new Collect();
  s.client.get("/", a, 0);
  settle(s.pair, MS);
  s.server.poll(40_000 * MS);
  settle(s.pair, 40_000 * MS);
  const b = new Collect();
  s.client.get("/", b, 40_001 * MS);
  settle(s.pair, 40_001 * MS);
  expect<bool>(b.ok, true);
  expect<u32>(s.client.connections, 2);
});

test("an error status is a complete response; no server is a failed request", () => {
  const l = new HttpLimits();
  l.maxHeaders = 0; // the client's Host field is one too many
  const t = new Setup(l);
  const b = new Collect();
  t.client.get("/", b, 0);
  settle(t.pair, MS);
  expect<u32>(b.status, 431);
  expect<bool>(b.ok, true);
  const pair = new Pair();
  pair.a.listenTcp(80, new Canned("")); // TCP is there (else the answer is ICMP protocol unreachable), not on 81
  const c = new HttpClient(pair.b, "10.0.0.1", 81);
  const d = new Collect();
  c.get("/", d, 0);
  settle(pair, MS);
  expect<i32>(d.dones, 1);
  expect<bool>(d.ok, false);
  expect<i32>(d.failure, ClientFailure.Refused, d.error);
  expect<string>(d.error, "10.0.0.1:81: connection refused");
});

// A server that answers whatever it is sent with `text`, as it is.
class Canned extends TcpAcceptor {
  constructor(readonly text: string) {
    super();
  }
  accept(remoteAddr: u32, remotePort: u32, now: i64): TcpHandler | null {
    return new CannedConnection(this.text);
  }
}

class CannedConnection extends TcpHandler {
  private answered: bool = false;
  constructor(readonly text: string) {
    super();
  }
  readable(conn: TcpConnection, now: i64): void {
    const scratch = new StaticArray<u8>(1024);
    while (conn.read(changetype<usize>(scratch), 1024) > 0);
    if (this.answered) return;
    this.answered = true;
    const b = String.UTF8.encode(this.text);
    conn.write(changetype<usize>(b), <u32>b.byteLength);
  }
}

/** GETs / from a server that answers `response`. */
function fetchRaw(response: string): Collect {
  const pair = new Pair();
  pair.a.listenTcp(80, new Canned(response));
  const client = new HttpClient(pair.b, "10.0.0.1");
  const a = new Collect();
  client.get("/", a, 0);
  settle(pair, MS);
  expect<i32>(a.dones, 1, response);
  return a;
}

test("chunked responses are decoded as strictly as requests (one decoder)", () => {
  const head = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
  const good = fetchRaw(head + "5;a=b\r\nhello\r\n6\r\n world\r\n0\r\nT: x\r\n\r\n");
  expect<bool>(good.ok, true);
  expect<string>(good.text, "hello world");
  const bad = [
    "5 6\r\nhello\r\n0\r\n\r\n",
    "5 \r\nhello\r\n0\r\n\r\n",
    "5;x\nhello\r\n0\r\n\r\n",
    "5;a b\r\nhello\r\n0\r\n\r\n",
    "5\r\nhello\r\n0\r\nno colon\r\n\r\n",
    "5\r\nhello\r\n0\r\nT: x\n\r\n",
    "10000000000000005\r\nhello\r\n0\r\n\r\n",
  ];
  for (let i = 0; i < bad.length; i++) expect<bool>(fetchRaw(head + bad[i]).ok, false, bad[i]);
});

export function _start(): void {
  runTests();
}
