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
// Arguments: port= (default 80), conns= (connections at once, default 1024).

import { Args } from "@tessera/runtime/assembly";
import { run } from "@tessera/runtime/assembly/loop";
import { Assets } from "@tessera/runtime/assembly/assets";
import { heapUsage } from "@tessera/runtime/assembly/usage";
import { line } from "@tessera/console/assembly";
import { Stack } from "@tessera/net/assembly";
import { TcpState } from "@tessera/net/assembly/tcp/state";
import { HttpHandler, HttpLimits, HttpRequest, HttpResponse, HttpServer, Router } from "@tessera/http/assembly";

const SECOND: i64 = 1_000_000_000;

let server: HttpServer | null = null;
let stack: Stack | null = null;
let started: i64 = 0;
let requests: u64 = 0;

// "accept-encoding" and "gzip" as bytes (an AssemblyScript string costs twice the bytes and a header).
const ACCEPT_ENCODING = memory.data<u8>([
  0x61, 0x63, 0x63, 0x65, 0x70, 0x74, 0x2d, 0x65, 0x6e, 0x63, 0x6f, 0x64, 0x69, 0x6e, 0x67,
]);
const GZIP = memory.data<u8>([0x67, 0x7a, 0x69, 0x70]);

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
      res.status(404).header("content-type", "text/plain; charset=utf-8").send("not found\n");
      return;
    }
    const compressed = Assets.gzipLength(i) != 0;
    const gzip = compressed && req.head.hasTokenBytes(ACCEPT_ENCODING, 15, GZIP, 4);
    const etag = gzip ? Assets.gzipEtagPtr(i) : Assets.etagPtr(i);
    const etagLen = gzip ? Assets.gzipEtagLength(i) : Assets.etagLength(i);
    res
      .headerBytes("content-type", Assets.contentTypePtr(i), Assets.contentTypeLength(i))
      .headerBytes("etag", etag, etagLen)
      .header("cache-control", "no-cache");
    if (compressed) res.headerBytes("vary", ACCEPT_ENCODING, 15);
    if (matches(req, etag, etagLen)) res.status(304).end();
    else if (gzip) res.headerBytes("content-encoding", GZIP, 4).sendStatic(Assets.gzipPtr(i), Assets.gzipLength(i));
    else res.sendStatic(Assets.ptr(i), Assets.length(i));
  }
}

// A line of ASCII text and decimal numbers, written as bytes (no strings made and joined).
class Line {
  readonly bytes: ArrayBuffer = new ArrayBuffer(256);
  length: i32 = 0;

  /** Appends `text` (ASCII). */
  text(text: string): Line {
    const p = changetype<usize>(this.bytes);
    for (let i = 0; i < text.length; i++) store<u8>(p + this.length++, <u8>text.charCodeAt(i));
    return this;
  }

  /** Appends `text` (ASCII), then `n` in decimal. */
  put(text: string, n: u64): Line {
    this.text(text);
    let digits = 1;
    for (let v = n; v >= 10; v /= 10) digits++;
    this.length += digits;
    const end = changetype<usize>(this.bytes) + this.length;
    for (let i: usize = 1, v = n; i <= <usize>digits; i++, v /= 10) store<u8>(end - i, <u8>(0x30 + (v % 10)));
    return this;
  }
}

/** /healthz: `ok` and one line of numbers. */
class Health extends HttpHandler {
  handle(req: HttpRequest, res: HttpResponse): void {
    requests++;
    const s = server!;
    const st = stack!;
    const heap = heapUsage();
    const conns = st.iface.tcp.connections;
    let timeWait = 0; // connections we closed first linger 2*MSL (4 minutes) in TIME-WAIT
    for (let i = 0; i < conns.length; i++) if (conns[i].state == TcpState.TimeWait) timeWait++;
    const line = new Line()
      .put("ok uptime=", <u64>((st.loop.now() - started) / SECOND))
      .put("s open=", s.connections)
      .put(" tcp=", conns.length)
      .put(" timewait=", timeWait)
      .put(" served=", s.accepted)
      .put(" requests=", requests)
      .put(" heap=", heap.used)
      .put(" pages=", memory.size())
      .put(" gc=", st.loop.collector.count)
      .text("\n");
    res
      .header("content-type", "text/plain; charset=utf-8")
      .header("cache-control", "no-store")
      .sendBytes(line.bytes.slice(0, line.length));
  }
}

export function _start(): void {
  const st = Stack.open("service");
  stack = st;
  started = st.loop.now();
  const port = <u32>Args.int("port", 80, 1, 65535);
  const limits = new HttpLimits();
  limits.maxConnections = <i32>Args.int("conns", 1024, 1, 1 << 20);
  // Requests are small and the files are static: small TCP buffers let a thousand connections fit.
  const tcp = st.iface.tcp.config;
  tcp.recvBuffer = 4096;
  tcp.sendBuffer = 16384;
  const router = new Router().get("/healthz", new Health());
  router.get("/*", new Files());
  server = HttpServer.listen(st, port, router, limits);
  if (!server) {
    line.str("http: port ").int(port).str(" is taken").nl();
    return;
  }
  // A burst of connections waits in the backlog rather than being answered with SYN cookies.
  server!.listener!.backlog = limits.maxConnections;
  line.str("http: serving ").int(Assets.count).str(" paths on port ").int(port).nl();
  run();
}
