// http: a static web site served over HTTP/1.1 on port 80. The files of
// site/ are embedded in the image at build time ("tessera": { "assets":
// "site" } in package.json) and sent from the data segment where they lie;
// `/` is site/index.html. GET /healthz answers "ok" and live numbers: uptime;
// connections open (HTTP; TCP, those closing included; and of those, the ones
// in TIME-WAIT) and served; requests; the heap in use (heap=BYTES: what was
// live at the loop's last garbage collection plus what was allocated since),
// which tests read to look for leaks; memory pages; and collections so far.
//
//   npm start    (tessera run build/http.wasm --publish 8080:80: http://localhost:8080, no root)
//   tessera run http.wasm --net service=tap:tap0 -- ip=10.0.0.2/24
//
// Arguments: port= (default 80), conns= (connections at once, default 1024), log=debug (a line per request).

import { Args } from "@tessera/runtime/assembly";
import { run } from "@tessera/runtime/assembly/loop";
import { Assets } from "@tessera/runtime/assembly/assets";
import { heapUsage } from "@tessera/runtime/assembly/usage";
import { log } from "@tessera/console/assembly";
import { Stack } from "@tessera/net/assembly";
import { HttpHandler, HttpLimits, HttpRequest, HttpResponse, HttpServer, Router } from "@tessera/http/assembly";

const SECOND: i64 = 1_000_000_000;

// Set in _start, before any request comes (so read without a null check).
let server = changetype<HttpServer>(0);
let stack = changetype<Stack>(0);
let started: i64 = 0;
let requests: u64 = 0;

// The app's fixed text as bytes, where it lies (an AssemblyScript string costs twice the bytes and a header);
// in HEALTH, /healthz's line, a number goes where each 0 byte (#) is.
const TEXT = memory.data<u8>([
  // ACCEPT_ENCODING: "accept-encoding"
  0x61, 0x63, 0x63, 0x65, 0x70, 0x74, 0x2d, 0x65, 0x6e, 0x63, 0x6f, 0x64, 0x69, 0x6e, 0x67,
  // GZIP: "gzip"
  0x67, 0x7a, 0x69, 0x70,
  // PLAIN: "text/plain; charset=utf-8"
  0x74, 0x65, 0x78, 0x74, 0x2f, 0x70, 0x6c, 0x61, 0x69, 0x6e, 0x3b, 0x20, 0x63, 0x68, 0x61, 0x72, 0x73, 0x65, 0x74,
  0x3d, 0x75, 0x74, 0x66, 0x2d, 0x38,
  // NO_CACHE: "no-cache"
  0x6e, 0x6f, 0x2d, 0x63, 0x61, 0x63, 0x68, 0x65,
  // NO_STORE: "no-store"
  0x6e, 0x6f, 0x2d, 0x73, 0x74, 0x6f, 0x72, 0x65,
  // NOT_FOUND: "not found\n"
  0x6e, 0x6f, 0x74, 0x20, 0x66, 0x6f, 0x75, 0x6e, 0x64, 0x0a,
  // HEALTH: "ok uptime=#s open=# tcp=# timewait=# served=# requests=# heap=# pages=# gc=#\n#"
  0x6f, 0x6b, 0x20, 0x75, 0x70, 0x74, 0x69, 0x6d, 0x65, 0x3d, 0x00, 0x73, 0x20, 0x6f, 0x70, 0x65, 0x6e, 0x3d, 0x00,
  0x20, 0x74, 0x63, 0x70, 0x3d, 0x00, 0x20, 0x74, 0x69, 0x6d, 0x65, 0x77, 0x61, 0x69, 0x74, 0x3d, 0x00, 0x20, 0x73,
  0x65, 0x72, 0x76, 0x65, 0x64, 0x3d, 0x00, 0x20, 0x72, 0x65, 0x71, 0x75, 0x65, 0x73, 0x74, 0x73, 0x3d, 0x00, 0x20,
  0x68, 0x65, 0x61, 0x70, 0x3d, 0x00, 0x20, 0x70, 0x61, 0x67, 0x65, 0x73, 0x3d, 0x00, 0x20, 0x67, 0x63, 0x3d, 0x00,
  0x0a, 0x00,
]);
const ACCEPT_ENCODING = TEXT;
const GZIP = TEXT + 15;
const PLAIN = TEXT + 19;
const NO_CACHE = TEXT + 44;
const NO_STORE = TEXT + 52;
const NOT_FOUND = TEXT + 60;
const HEALTH = TEXT + 70;

/** At log=debug, a line per request: its path and the status answered. */
function logRequest(req: HttpRequest, status: u32): void {
  log.debug("http: request").bytes("path", req.pathPtr, req.pathLen).int("status", status).end();
}

/**
 * Whether the request's If-None-Match names the ETag of `len` bytes at `etag`,
 * or is `*`. The ETag is quoted, so finding it anywhere in the list is RFC
 * 9110's weak comparison: `W/"e"` matches `"e"`. Compared as bytes, where they lie.
 */
function matches(req: HttpRequest, etag: usize, len: u32): bool {
  const f = req.head.find("if-none-match");
  if (f < 0) return false;
  const p = req.head.valuePtr(f);
  const n = req.head.valueLen(f);
  if (n == 1 && load<u8>(p) == 0x2a) return true;
  for (let at: u32 = 0; at + len <= n; at++) if (memory.compare(p + at, etag, len) == 0) return true;
  return false;
}

/**
 * The embedded files: 200 with the bytes, 304 for a matching If-None-Match,
 * 404 for the rest. A file the build stored compressed goes as it lies, gzip,
 * to a client whose Accept-Encoding lists `gzip` (without parameters: one
 * that weighs it, `gzip;q=0.5`, gets the plain bytes), and inflated to others.
 */
class Files extends HttpHandler {
  handle(req: HttpRequest, res: HttpResponse): void {
    requests++;
    const i = Assets.find(req.pathPtr, req.pathLen);
    if (i < 0) {
      logRequest(req, 404);
      res.status(404).headerBytes("content-type", PLAIN, 25).sendStatic(NOT_FOUND, 10);
      return;
    }
    const compressed = Assets.gzipLength(i) != 0;
    const gzip = compressed && req.head.hasTokenBytes(ACCEPT_ENCODING, 15, GZIP, 4);
    const etag = gzip ? Assets.gzipEtagPtr(i) : Assets.etagPtr(i);
    const etagLen = gzip ? Assets.gzipEtagLength(i) : Assets.etagLength(i);
    res
      .headerBytes("content-type", Assets.contentTypePtr(i), Assets.contentTypeLength(i))
      .headerBytes("etag", etag, etagLen)
      .headerBytes("cache-control", NO_CACHE, 8);
    if (compressed) res.headerBytes("vary", ACCEPT_ENCODING, 15);
    const notModified = matches(req, etag, etagLen);
    logRequest(req, notModified ? 304 : 200);
    if (notModified) res.status(304).end();
    else if (gzip) res.headerBytes("content-encoding", GZIP, 4).sendStatic(Assets.gzipPtr(i), Assets.gzipLength(i));
    else res.sendStatic(Assets.ptr(i), Assets.length(i));
  }
}

const HEALTH_MAX: u32 = 256;
const scratch = memory.data(HEALTH_MAX); // the line is written here, then copied into a buffer of its size
let healthAt: usize = 0; // where the line's next byte goes
let healthText: usize = 0; // the template's next byte

// Copies the template up to its next 0 byte.
function text(): void {
  for (let c = load<u8>(healthText++); c; c = load<u8>(healthText++)) store<u8>(healthAt++, c);
}

// Copies the template up to its next 0 byte, then appends `n` in decimal.
function put(n: u64): void {
  text();
  let digits: usize = 1;
  for (let v = n; v >= 10; v /= 10) digits++;
  healthAt += digits;
  for (let i: usize = 1, v = n; i <= digits; i++, v /= 10) store<u8>(healthAt - i, <u8>(0x30 + (v % 10)));
}

/** /healthz: `ok` and one line of numbers. */
class Health extends HttpHandler {
  handle(req: HttpRequest, res: HttpResponse): void {
    requests++;
    logRequest(req, 200);
    const s = server;
    const st = stack;
    const heap = heapUsage();
    const tcp = st.iface.tcp; // connections we closed first linger 2*MSL (4 minutes) in TIME-WAIT, as records
    healthAt = scratch;
    healthText = HEALTH;
    put(<u64>((st.loop.now() - started) / SECOND));
    put(s.connections);
    put(<u64>tcp.count);
    put(<u64>tcp.timeWaitCount);
    put(s.accepted);
    put(requests);
    put(heap.used);
    put(memory.size());
    put(st.loop.collector.count);
    text(); // the newline
    const n = <i32>(healthAt - scratch);
    const body = changetype<ArrayBuffer>(__new(n, idof<ArrayBuffer>())); // n <= HEALTH_MAX: no length check needed
    memory.copy(changetype<usize>(body), scratch, n);
    res.headerBytes("content-type", PLAIN, 25).headerBytes("cache-control", NO_STORE, 8).sendBytes(body);
  }
}

export function _start(): void {
  const st = Stack.open("service");
  stack = st;
  started = st.loop.now();
  const port = <u32>Args.int("port", 80, 1, 65535);
  const limits = new HttpLimits();
  limits.maxConnections = <i32>Args.int("conns", 1024, 1, 1 << 20);
  // A connection with nothing to do is closed after this many seconds.
  limits.idleTimeout = Args.int("idle", 30, 1, 86400) * 1_000_000_000;
  // Requests are small and the files are static: small TCP buffers let a thousand connections fit.
  const tcp = st.iface.tcp.config;
  tcp.recvBuffer = 4096;
  tcp.sendBuffer = 16384;
  const router = new Router().get("/healthz", new Health());
  router.get("/*", new Files());
  const listening = HttpServer.listen(st, port, router, limits);
  if (!listening) {
    log.error("http: port taken").int("port", port).end();
    return;
  }
  // Up to 256 handshakes wait half-open; beyond that (a burst, or a SYN flood) SYN cookies answer.
  server = listening;
  const listener = listening.listener;
  if (listener) listener.backlog = 256;
  log.info("http: serving").num(Assets.count).text("paths").int("port", port).end();
  run();
}
