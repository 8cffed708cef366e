// http: a static web site served over HTTP/1.1 on port 80. The files of
// site/ are embedded in the image at build time ("tessera": { "assets":
// "site" } in package.json) and served by @tessera/http's StaticFiles (content
// types, gzip, ETags and 304s); `/` is site/index.html. GET /healthz answers
// "ok" and live numbers: uptime; connections open (HTTP; TCP, those closing
// included; and of those, the ones in TIME-WAIT) and served; requests; the
// heap in use (heap=BYTES: what was live at the loop's last garbage collection
// plus what was allocated since), which tests read to look for leaks; memory
// pages; and collections so far.
//
//   npm start    (tessera run build/http.wasm --publish 8080:80: http://localhost:8080, no root)
//   tessera run http.wasm --net service=tap:tap0 -- ip=10.0.0.2/24
//
// Arguments: port= (default 80), conns= (connections at once, default 1024),
// idle= (seconds before an idle connection is closed, default 30), log=debug (a line per request).

import { Args, Assets, heapUsage, run } from "@tessera/runtime/assembly";
import { log } from "@tessera/console/assembly";
import { Stack } from "@tessera/net/assembly";
import {
  HttpHandler,
  HttpLimits,
  HttpRequest,
  HttpResponse,
  HttpServer,
  Router,
  StaticFiles,
  TextBody,
} from "@tessera/http/assembly";

const SECOND: i64 = 1_000_000_000;

/** At log=debug, a line per request: its path and the status answered. */
function logRequest(req: HttpRequest, res: HttpResponse): void {
  log.debug("http: request").bytes("path", req.pathPtr, req.pathLen).int("status", res.code).end();
}

/** The embedded files, each request logged. */
class Files extends StaticFiles {
  handle(req: HttpRequest, res: HttpResponse): void {
    super.handle(req, res);
    logRequest(req, res);
  }
}

/** /healthz: `ok` and one line of numbers. */
class Health extends HttpHandler {
  private readonly started: i64;

  constructor(
    private readonly stack: Stack,
    private readonly server: HttpServer,
  ) {
    super();
    this.started = stack.loop.now();
  }

  handle(req: HttpRequest, res: HttpResponse): void {
    const stack = this.stack;
    const server = this.server;
    const tcp = stack.iface.tcp; // connections we closed first linger 2*MSL (4 minutes) in TIME-WAIT, as records
    const heap = heapUsage().used; // before the body's buffer is made
    const body = new TextBody()
      .template("ok uptime=#s open=# tcp=# timewait=# served=# requests=# heap=# pages=# gc=#\n")
      .num((stack.loop.now() - this.started) / SECOND)
      .num(server.connections)
      .num(tcp.count)
      .num(tcp.timeWaitCount)
      .num(server.accepted)
      .num(server.requests)
      .num(heap)
      .num(memory.size())
      .num(stack.loop.collector.count);
    res.noStore().sendText(body);
    logRequest(req, res);
  }
}

export function _start(): void {
  const stack = Stack.open("service");
  const port = <u32>Args.int("port", 80, 1, 65535);
  const limits = new HttpLimits();
  limits.maxConnections = <i32>Args.int("conns", 1024, 1, 1 << 20);
  // A connection with nothing to do is closed after this many seconds.
  limits.idleTimeout = Args.int("idle", 30, 1, 86400) * SECOND;
  // Requests are small and the files are static: small TCP buffers let a thousand connections fit.
  const tcp = stack.iface.tcp.config;
  tcp.recvBuffer = 4096;
  tcp.sendBuffer = 16384;
  const router = new Router();
  const server = new HttpServer(router, limits);
  router.get("/healthz", new Health(stack, server)).get("/*", new Files());
  if (!server.listenOn(stack.iface, port, stack.loop)) {
    log.error("http: port taken").int("port", port).end();
    return;
  }
  // Up to 256 handshakes wait half-open; beyond that (a burst, or a SYN flood) SYN cookies answer.
  const listener = server.listener;
  if (listener) listener.backlog = 256;
  log.info("http: serving").num(Assets.count).text("paths").int("port", port).end();
  run();
}
