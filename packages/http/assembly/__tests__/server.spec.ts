// The server over the in-memory wire: keep-alive, pipelining, bodies, routing, limits, timeouts, streaming.

import { expect, runTests, test } from "@tessera/test/assembly";
import { BodySource, Deferred, HttpHandler, HttpRequest, HttpResponse } from "@tessera/http/assembly/exchange";
import { utf8Length } from "@tessera/http/assembly/text";
import { Router } from "@tessera/http/assembly/router";
import { HttpLimits, HttpServer } from "@tessera/http/assembly/server";
import { Loop } from "@tessera/runtime/assembly/loop";
import { Fixture, MS, RawPeer, SECOND, SERVER_IP, settle } from "@tessera/http/assembly/__tests__/peer";

class Hello extends HttpHandler {
  handle(req: HttpRequest, res: HttpResponse): void {
    res.status(200).header("Content-Type", "text/plain").send("hi\n");
  }
}

/** Answers with the path, so pipelined answers can be told apart. */
class Path extends HttpHandler {
  handle(req: HttpRequest, res: HttpResponse): void {
    res.send(req.path());
  }
}

class Echo extends HttpHandler {
  handle(req: HttpRequest, res: HttpResponse): void {
    res.sendBytes(String.UTF8.encode(req.bodyText()));
  }
}

/** Streams the body: counts its bytes and sums them. */
class Upload extends HttpHandler {
  bytes: u32 = 0;
  sum: u32 = 0;
  streamsBody(req: HttpRequest): bool {
    return true;
  }
  body(req: HttpRequest, ptr: usize, len: u32): void {
    this.bytes += len;
    for (let i: u32 = 0; i < len; i++) this.sum += load<u8>(ptr + i);
  }
  handle(req: HttpRequest, res: HttpResponse): void {
    res.send(this.bytes.toString());
  }
}

function pattern(i: u32): u8 {
  return <u8>(i * 7 + (i >> 9));
}

/** `total` bytes of `pattern`, produced as asked (chunked when the length is not announced). */
class Generated extends BodySource {
  sent: u32 = 0;
  constructor(readonly total: u32) {
    super();
  }
  fill(ptr: usize, cap: u32): i32 {
    if (this.sent == this.total) return -1;
    const n = min(cap, this.total - this.sent);
    for (let i: u32 = 0; i < n; i++) store<u8>(ptr + i, pattern(this.sent + i));
    this.sent += n;
    return <i32>n;
  }
}

const MIB: u32 = 1 << 20;

class Big extends HttpHandler {
  chunked: bool = true;
  handle(req: HttpRequest, res: HttpResponse): void {
    const g = new Generated(MIB);
    res.header("Content-Type", "application/octet-stream").stream(g, this.chunked ? -1 : MIB);
  }
}

/** A MiB in one buffer, sent from where it lies (as data-segment bytes are). */
class Static extends HttpHandler {
  readonly data: StaticArray<u8> = new StaticArray<u8>(<i32>MIB);
  constructor() {
    super();
    for (let i: u32 = 0; i < MIB; i++) unchecked((this.data[i] = pattern(i)));
  }
  handle(req: HttpRequest, res: HttpResponse): void {
    res.sendStatic(changetype<usize>(this.data), MIB);
  }
}

function router(): Router {
  const r = new Router();
  r.get("/", new Hello());
  r.post("/echo", new Echo());
  r.put("/echo", new Echo());
  r.get("/p/*", new Path());
  r.get("/big", new Big());
  return r;
}

const HI = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 3\r\n\r\nhi\n";
const GET = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";

function closedByServer(f: Fixture): bool {
  return f.peer.conn!.finReceived || f.peer.closes > 0;
}

test("keep-alive: three requests on one connection, each answered, the connection stays open", () => {
  const f = new Fixture(router());
  expect<string>(f.exchange(GET, MS), HI);
  expect<string>(f.exchange(GET, 2 * MS), HI + HI);
  expect<string>(f.exchange(GET, 3 * MS), HI + HI + HI);
  expect<bool>(closedByServer(f), false, "still open");
  expect<i32>(f.server.connections, 1);
  expect<u64>(f.server.accepted, 1);
});

test("pipelined requests in one segment are answered in order", () => {
  const f = new Fixture(router());
  const got = f.exchange(
    "GET /p/one HTTP/1.1\r\nHost: x\r\n\r\nGET /p/two HTTP/1.1\r\nHost: x\r\n\r\nGET /p/three HTTP/1.1\r\nHost: x\r\n\r\n",
  );
  expect<string>(
    got,
    "HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\n/p/one" +
      "HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\n/p/two" +
      "HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\n/p/three",
  );
});

test("a POST body by Content-Length reaches the handler", () => {
  const f = new Fixture(router());
  const got = f.exchange("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\nhello world");
  expect<string>(got, "HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\nhello world");
});

test("a chunked request body is collected for the handler", () => {
  const f = new Fixture(router());
  const got = f.exchange(
    "PUT /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n" + GET,
  );
  expect<string>(got, "HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\nhello world" + HI);
});

test("Expect: 100-continue is answered before the body", () => {
  const f = new Fixture(router());
  const got = f.exchange("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\n");
  expect<string>(got, "HTTP/1.1 100 Continue\r\n\r\n");
  expect<string>(
    f.exchange("ok", 2 * MS),
    "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
  );
});

test("a streaming handler gets a body larger than the collecting limit, in pieces", () => {
  const up = new Upload();
  const r = new Router();
  r.post("/up", up);
  const f = new Fixture(r);
  const n: u32 = 100_000;
  const body = new StaticArray<u8>(<i32>n);
  let sum: u32 = 0;
  for (let i: u32 = 0; i < n; i++) {
    body[i] = pattern(i);
    sum += pattern(i);
  }
  f.peer.send("POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n");
  let off: u32 = 0;
  for (let t: i64 = 1; off < n && t < 1000; t++) {
    off += f.peer.conn!.write(changetype<usize>(body) + off, n - off);
    settle(f.pair, t * MS);
  }
  expect<u32>(up.bytes, n);
  expect<u32>(up.sum, sum);
  expect<string>(f.peer.text(), "HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\n100000");
});

test("404 for no route, 405 with Allow for another method, HEAD like GET without the body", () => {
  const f = new Fixture(router());
  expect<string>(
    f.exchange("GET /nope HTTP/1.1\r\nHost: x\r\n\r\n"),
    "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n",
  );
  const allow = "HTTP/1.1 405 Method Not Allowed\r\nAllow: POST, PUT\r\nContent-Length: 0\r\n\r\n";
  f.peer.received = 0;
  expect<string>(f.exchange("GET /echo HTTP/1.1\r\nHost: x\r\n\r\n", 2 * MS), allow);
  f.peer.received = 0;
  const head = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 3\r\n\r\n";
  expect<string>(f.exchange("HEAD / HTTP/1.1\r\nHost: x\r\n\r\n" + GET, 3 * MS), head + HI);
  f.peer.received = 0;
  const allowGet = "HTTP/1.1 405 Method Not Allowed\r\nAllow: GET, HEAD\r\nContent-Length: 0\r\n\r\n";
  expect<string>(f.exchange("DELETE /p/x HTTP/1.1\r\nHost: x\r\n\r\n", 4 * MS), allowGet);
  expect<bool>(closedByServer(f), false, "errors from routing keep the connection");
});

test("Connection: close and HTTP/1.0 close after the response; HTTP/1.0 keep-alive stays", () => {
  const f = new Fixture(router());
  expect<string>(
    f.exchange("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"),
    "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 3\r\nConnection: keep-alive\r\n\r\nhi\n",
  );
  expect<bool>(closedByServer(f), false, "1.0 keep-alive");
  f.peer.received = 0;
  expect<string>(
    f.exchange("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 2 * MS),
    "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 3\r\nConnection: close\r\n\r\nhi\n",
  );
  expect<bool>(closedByServer(f), true, "closed after Connection: close");
  const g = new Fixture(router());
  g.exchange("GET / HTTP/1.0\r\n\r\n");
  expect<bool>(closedByServer(g), true, "closed after HTTP/1.0");
});

/** Sends `req` to a fresh server with `limits` and expects the error `status` and the connection closed. */
function rejects(req: string, status: string, limits: HttpLimits = new HttpLimits()): void {
  const f = new Fixture(router(), limits);
  const got = f.exchange(req);
  expect<string>(got, "HTTP/1.1 " + status + "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", req);
  expect<bool>(closedByServer(f), true, "closed after " + status);
  settle(f.pair, 10 * SECOND);
  expect<i32>(f.server.connections, 0, "released");
}

test("a head over maxHeaderBytes is 431 and closes", () => {
  const l = new HttpLimits();
  l.maxHeaderBytes = 256;
  let big = "GET / HTTP/1.1\r\nHost: x\r\nX-Big: ";
  for (let i = 0; i < 300; i++) big += "a";
  rejects(big + "\r\n\r\n", "431 Request Header Fields Too Large", l);
});

test("more fields than maxHeaders is 431 and closes", () => {
  const l = new HttpLimits();
  l.maxHeaders = 4;
  rejects(
    "GET / HTTP/1.1\r\nHost: x\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n\r\n",
    "431 Request Header Fields Too Large",
    l,
  );
});

test("a body over maxBufferedBody is 413 and closes; over maxBody too", () => {
  const l = new HttpLimits();
  l.maxBufferedBody = 10;
  rejects("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\nhello world", "413 Content Too Large", l);
  rejects(
    "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nhello \r\n5\r\nworld\r\n0\r\n\r\n",
    "413 Content Too Large",
    l,
  );
  const m = new HttpLimits();
  m.maxBody = 5;
  rejects("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 6\r\n\r\nhello!", "413 Content Too Large", m);
});

test("malformed requests are 400, long targets 414, unknown codings 501, other versions 505; each closes", () => {
  rejects("GET  / HTTP/1.1\r\nHost: x\r\n\r\n", "400 Bad Request");
  rejects("GET / HTTP/1.1\r\n\r\n", "400 Bad Request");
  rejects("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", "400 Bad Request");
  const l = new HttpLimits();
  l.maxUri = 16;
  rejects("GET /aaaaaaaaaaaaaaaaaaaaaaaa HTTP/1.1\r\nHost: x\r\n\r\n", "414 URI Too Long", l);
  rejects("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", "501 Not Implemented");
  rejects("GET / HTTP/2.0\r\nHost: x\r\n\r\n", "505 HTTP Version Not Supported");
});

test("an idle keep-alive connection is closed after idleTimeout; one stuck in a head gets 408", () => {
  const f = new Fixture(router());
  f.exchange(GET, MS);
  f.server.poll(20 * SECOND);
  settle(f.pair, 20 * SECOND);
  expect<bool>(closedByServer(f), false, "not yet");
  expect<i64>(f.server.pollAt(), MS + 30 * SECOND);
  f.server.poll(31 * SECOND);
  settle(f.pair, 31 * SECOND);
  expect<bool>(closedByServer(f), true, "closed when idle");
  expect<string>(f.peer.text(), HI, "no 408 for an idle connection");

  const g = new Fixture(router());
  g.exchange("GET / HTTP/1.1\r\nHost", MS);
  g.server.poll(31 * SECOND);
  settle(g.pair, 31 * SECOND);
  expect<string>(g.peer.text(), "HTTP/1.1 408 Request Timeout\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
  expect<bool>(closedByServer(g), true, "closed after 408");
});

/** A short streamed body of unknown length. */
class Short extends HttpHandler {
  handle(req: HttpRequest, res: HttpResponse): void {
    const g = new Generated(0);
    res.stream(g);
  }
}

class NoContent extends HttpHandler {
  handle(req: HttpRequest, res: HttpResponse): void {
    res.status(204).send("ignored");
  }
}

test("an unframed stream to HTTP/1.0 ends with the close; HEAD of a stream has no body; 204 has none", () => {
  const r = router();
  r.get("/short", new Short());
  r.get("/none", new NoContent());
  const f = new Fixture(r);
  expect<string>(
    f.exchange("HEAD /short HTTP/1.1\r\nHost: x\r\n\r\nGET /none HTTP/1.1\r\nHost: x\r\n\r\n" + GET),
    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n" + HI,
  );
  const g = new Fixture(r);
  expect<string>(
    g.exchange("GET /short HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"),
    "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n",
  );
  expect<bool>(closedByServer(g), true, "the close ends the body");
});

test("handshakes beyond maxConnections are refused while every connection is mid-response", () => {
  const l = new HttpLimits();
  l.maxConnections = 1;
  const later = new Later();
  const r = router();
  r.get("/later", later);
  const f = new Fixture(r, l);
  f.exchange("GET /later HTTP/1.1\r\nHost: x\r\n\r\n", MS); // (an idle connection would make room: slow.spec.ts)
  const other = new RawPeer();
  f.pair.b.connectTcp(SERVER_IP, 80, other, MS);
  settle(f.pair, MS);
  expect<u64>(f.server.refused, 1);
  expect<i32>(other.closes, 1, "reset");
  later.pending!.end();
  settle(f.pair, MS);
  f.peer.received = 0;
  expect<string>(f.exchange(GET, 2 * MS), HI, "the first still works");
});

test("requests arriving a byte per segment get the same answers as whole ones", () => {
  const f = new Fixture(router());
  const reqs =
    "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n" +
    GET +
    "GET /p/q HTTP/1.1\r\nHost: x\r\n\r\n";
  for (let i = 0; i < reqs.length; i++) {
    f.peer.send(reqs.charAt(i));
    settle(f.pair, (i + 1) * MS);
  }
  expect<string>(
    f.peer.text(),
    "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc" + HI + "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\n/p/q",
  );
});

test("random bytes never trap the server: each connection gets at most an error and is closed", () => {
  let seed: u32 = 12345;
  for (let round = 0; round < 40; round++) {
    const f = new Fixture(router());
    const n = 1 + ((round * 97) % 3000);
    const junk = new StaticArray<u8>(n);
    for (let i = 0; i < n; i++) {
      seed = seed * 1103515245 + 12345;
      // Mostly printable, with line ends and controls mixed in, so some inputs get past the request line.
      const r = (seed >> 16) & 0xff;
      junk[i] = <u8>(r < 200 ? 0x20 + (r % 95) : r < 230 ? 0x0a : r < 245 ? 0x0d : r);
    }
    const prefix = round % 2 == 0 ? "GET / HTTP/1.1\r\n" : "";
    f.peer.send(prefix);
    f.peer.conn!.write(changetype<usize>(junk), <u32>n);
    settle(f.pair, MS);
    f.server.poll(40 * SECOND);
    settle(f.pair, 40 * SECOND);
    settle(f.pair, 400 * SECOND);
    expect<i32>(f.server.connections, 0, "every connection ends");
  }
});

/** A loop on a clock the test sets; it never waits. */
class TestLoop extends Loop {
  time: i64 = 0;
  now(): i64 {
    return this.time;
  }
  wait(deadline: i64): i64 {
    return 0;
  }
}

test("on a loop, the idle timer is armed for the first connection and closes it when it fires", () => {
  const loop = new TestLoop();
  const f = new Fixture(router());
  const server = new HttpServer(router());
  server.listenOn(f.pair.a, 8080, loop);
  const peer = new RawPeer();
  f.pair.b.connectTcp(SERVER_IP, 8080, peer, MS);
  settle(f.pair, MS);
  expect<bool>(server.idleTimer.armed, true, "armed at accept");
  expect<i64>(server.idleTimer.deadline, MS + 30 * SECOND);
  loop.time = 31 * SECOND;
  loop.turn();
  settle(f.pair, 31 * SECOND);
  expect<bool>(peer.conn!.finReceived, true, "closed by the timer");
  expect<i32>(server.connections, 0);
  expect<bool>(server.idleTimer.armed, false, "disarmed with no connection left");
});

/** Answers later: keeps the response for the test to finish (as a timer would). */
class Later extends HttpHandler {
  pending: HttpResponse | null = null;
  handle(req: HttpRequest, res: HttpResponse): void {
    this.pending = res;
  }
}

test("a response finished later (outside any callback) goes out, then the next pipelined request is served", () => {
  const later = new Later();
  const r = router();
  r.get("/later", later);
  const f = new Fixture(r);
  expect<string>(f.exchange("GET /later HTTP/1.1\r\nHost: x\r\n\r\n" + GET), "", "nothing yet, in order");
  later.pending!.status(202).send("done");
  settle(f.pair, 2 * MS);
  expect<string>(f.peer.text(), "HTTP/1.1 202 Accepted\r\nContent-Length: 4\r\n\r\ndone" + HI);
});

/** Answers later through `res.defer()`, as an app waiting for another service does. */
class Deferring extends HttpHandler {
  deferred: Deferred[] = [];
  handle(req: HttpRequest, res: HttpResponse): void {
    this.deferred.push(res.defer());
  }
}

test("a deferred response is null once its client went away, so another client's request never gets its answer", () => {
  const later = new Deferring();
  const r = router();
  r.get("/later", later);
  const f = new Fixture(r);
  expect<string>(f.exchange("GET /later HTTP/1.1\r\nHost: x\r\n\r\n"), "");
  expect<bool>(later.deferred[0].response !== null, true, "still the request's");
  f.peer.conn!.abort(MS);
  settle(f.pair, MS);
  expect<bool>(later.deferred[0].response === null, true, "the client is gone");
  const other = new RawPeer();
  f.pair.b.connectTcp(SERVER_IP, 80, other, 2 * MS);
  settle(f.pair, 2 * MS);
  other.send("GET /later HTTP/1.1\r\nHost: x\r\n\r\n");
  settle(f.pair, 2 * MS);
  expect<bool>(later.deferred[0].response === null, true, "not the new request's either");
  later.deferred[1].response!.status(202).send("done");
  expect<bool>(later.deferred[1].response === null, true, "answered");
  settle(f.pair, 3 * MS);
  expect<string>(other.text(), "HTTP/1.1 202 Accepted\r\nContent-Length: 4\r\n\r\ndone");
});

/** Checks that `text` from `at` is `n` bytes of `pattern`, decoding chunks if `chunked`; returns where it ended. */
function checkBody(buf: StaticArray<u8>, at: u32, end: u32, n: u32, chunked: bool): bool {
  let k: u32 = 0;
  let p = at;
  while (k < n) {
    let size = n - k;
    if (chunked) {
      size = 0;
      for (;;) {
        const c = <u32>buf[p++];
        if (c == 0x0d) break;
        size = size * 16 + (c <= 0x39 ? c - 0x30 : c - 0x57);
      }
      p++; // LF
      if (size == 0) return false;
    }
    for (let i: u32 = 0; i < size; i++) if (buf[p + i] != pattern(k + i)) return false;
    p += size;
    k += size;
    if (chunked) p += 2;
  }
  if (chunked) {
    if (p + 5 > end || buf[p] != 0x30) return false;
    p += 5;
  }
  return p == end;
}

function bodyStart(text: string): u32 {
  return <u32>text.indexOf("\r\n\r\n") + 4;
}

/** Requests `path` through a server with an 8 KiB send buffer; checks a 1 MiB pattern body arrives intact. */
function large(handler: HttpHandler, path: string, head: string, chunked: bool): void {
  const r = new Router();
  r.get(path, handler);
  const f = new Fixture(r, new HttpLimits(), 8192);
  f.peer.send("GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n");
  for (let t: i64 = 1; t < 5000 && f.peer.received < MIB; t++) settle(f.pair, t * MS);
  settle(f.pair, 10 * SECOND);
  const headEnd = bodyStart(String.UTF8.decodeUnsafe(changetype<usize>(f.peer.buf), 200));
  expect<string>(String.UTF8.decodeUnsafe(changetype<usize>(f.peer.buf), headEnd), head);
  expect<bool>(checkBody(f.peer.buf, headEnd, f.peer.received, MIB, chunked), true, "the body is the pattern");
  expect<bool>(closedByServer(f), false, "kept open");
}

test("a 1 MiB chunked streamed response passes through an 8 KiB send buffer intact", () => {
  large(
    new Big(),
    "/big",
    "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nTransfer-Encoding: chunked\r\n\r\n",
    true,
  );
});

test("a 1 MiB streamed response with a Content-Length passes through an 8 KiB send buffer intact", () => {
  const b = new Big();
  b.chunked = false;
  large(
    b,
    "/big",
    "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: 1048576\r\n\r\n",
    false,
  );
});

test("a 1 MiB static body is sent from where it lies through an 8 KiB send buffer", () => {
  large(new Static(), "/static", "HTTP/1.1 200 OK\r\nContent-Length: 1048576\r\n\r\n", false);
});

/** Answers with status `code` (set per test) and no body. */
class Code extends HttpHandler {
  code: u32 = 200;
  handle(req: HttpRequest, res: HttpResponse): void {
    res.status(this.code).end();
  }
}

test("status lines: the standard phrase, none for an unnamed code, 500 for a code that is not three digits", () => {
  const h = new Code();
  const r = new Router();
  r.get("/", h);
  const f = new Fixture(r);
  const codes: u32[] = [100, 201, 299, 308, 431, 505, 999, 42, 1000];
  const lines = [
    "HTTP/1.1 100 Continue\r\n\r\n",
    "HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n",
    "HTTP/1.1 299 \r\nContent-Length: 0\r\n\r\n",
    "HTTP/1.1 308 Permanent Redirect\r\nContent-Length: 0\r\n\r\n",
    "HTTP/1.1 431 Request Header Fields Too Large\r\nContent-Length: 0\r\n\r\n",
    "HTTP/1.1 505 HTTP Version Not Supported\r\nContent-Length: 0\r\n\r\n",
    "HTTP/1.1 999 \r\nContent-Length: 0\r\n\r\n",
    "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n\r\n",
    "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n\r\n",
  ];
  let want = "";
  for (let i = 0; i < codes.length; i++) {
    h.code = codes[i];
    want += lines[i];
    expect<string>(f.exchange(GET, (i + 1) * MS), want, codes[i].toString());
  }
});

/** Sends `text` (set per test). */
class Text extends HttpHandler {
  text: string = "";
  handle(req: HttpRequest, res: HttpResponse): void {
    res.send(this.text);
  }
}

test("text is sent as UTF-8 in pieces over the write buffer: 1- to 4-byte characters, lone surrogates as WTF-8", () => {
  expect<u32>(utf8Length("a\u00e9\u20ac\uD83D\uDE00"), 10);
  expect<u32>(utf8Length("x\uD800y\uDC00"), 8, "lone surrogates take 3 bytes each");
  const h = new Text();
  h.text = "a\u00e9\u20ac\uD83D\uDE00".repeat(1000); // 10,000 bytes: pieces split between characters
  const r = new Router();
  r.get("/", h);
  const f = new Fixture(r);
  expect<string>(f.exchange(GET), "HTTP/1.1 200 OK\r\nContent-Length: 10000\r\n\r\n" + h.text);
  h.text = "x\uD800y\uDE00";
  f.peer.received = 0;
  f.exchange(GET, 2 * MS);
  const head = "HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\n";
  const n = <u32>head.length;
  expect<u32>(f.peer.received, n + 8);
  const want: u8[] = [0x78, 0xed, 0xa0, 0x80, 0x79, 0xed, 0xb8, 0x80];
  for (let i = 0; i < 8; i++) expect<u8>(f.peer.buf[n + i], want[i], "WTF-8 byte " + i.toString());
});

test("a peer that pipelines and never reads stalls its connection: the server stops reading", () => {
  const f = new Fixture(router(), new HttpLimits(), 8192);
  f.peer.reading = false;
  let reqs = "";
  for (let i = 0; i < 50; i++) reqs += "GET /big HTTP/1.1\r\nHost: x\r\n\r\n";
  f.peer.send(reqs);
  for (let t: i64 = 1; t < 100; t++) settle(f.pair, t * MS);
  const server = f.pair.a.tcp.connections[0];
  expect<bool>(server.sendBuffer.free < 100, true, "the send buffer is full");
  expect<bool>(server.readable() > 0, true, "the rest of the requests wait in TCP's buffer, unread");
  f.server.poll(40 * SECOND);
  settle(f.pair, 40 * SECOND);
  expect<i32>(f.server.connections, 0, "reset after idleTimeout without progress");
});

export function _start(): void {
  runTests();
}
