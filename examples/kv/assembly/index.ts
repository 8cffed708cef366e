// kv: a key-value service over HTTP on a crash-safe store (@tessera/block) on
// the block device "storage". A 2xx answer to a write means the write is
// durable: the store flushed it to the device before the answer was sent.
// Writes are group-committed: those that arrive in one turn of the event loop
// (with N clients, the N that came in while the last flush ran) go to the
// device as one frame with one flush, and are answered after it. A read waits
// for that flush too if writes are pending, so no answer shows a write that
// is not yet durable.
//
//   PUT    /kv/<key>        body = value   201 (new) or 204 (replaced)
//   GET    /kv/<key>                       200 with the value, or 404
//   DELETE /kv/<key>                       204, or 404
//   GET    /kv?prefix=<p>                  200: the keys that start with p, one a line
//   GET    /healthz                        200: keys, bytes live and free, writes and flushes, heap, memory, collections
//
// Keys are the path after /kv/, percent-decoded (so any bytes), at most
// MAX_KEY_SIZE (else 414); values at most MAX_VALUE_SIZE (else 413). A full
// store answers 507 and stays as it was.
//
//   tessera disk create kv.img 64M
//   tessera run kv.wasm --block storage=kv.img --publish 8080:80
//   curl -X PUT --data-binary hello localhost:8080/kv/greeting
//
// A blank device (a new disk file) gets an empty store; a device that holds
// anything else that is not a store is refused, never formatted.
//
// Arguments: port= (default 80), log=debug (a line per request) or log=warn (only failures).

import { Args, exit } from "@tessera/runtime/assembly";
import { mainLoop, run } from "@tessera/runtime/assembly/loop";
import { heapUsage } from "@tessera/runtime/assembly/usage";
import { log } from "@tessera/console/assembly";
import { Stack } from "@tessera/net/assembly";
import { HttpHandler, HttpLimits, HttpRequest, HttpResponse, HttpServer, Router } from "@tessera/http/assembly";
import {
  BlockDevice,
  Durable,
  GroupCommit,
  MAX_KEY_SIZE,
  MAX_VALUE_SIZE,
  Store,
  StoreError,
  storeErrorMessage,
} from "@tessera/block/assembly";
import { decodePercent, encodePercent, queryParam } from "./percent";

let store: Store | null = null;
let group: GroupCommit | null = null;

// The HTTP status for a store error.
function statusOf(e: StoreError): u32 {
  if (e == StoreError.Full) return 507;
  if (e == StoreError.KeyTooLarge) return 414;
  if (e == StoreError.ValueTooLarge) return 413;
  if (e == StoreError.Io || e == StoreError.Stopped) return 503;
  return 500;
}

/** At log=debug, a line per request: its method, its path and the size of its body. */
function logRequest(req: HttpRequest): void {
  log
    .debug("kv: request")
    .bytes("method", req.head.base + req.head.methodStart, req.head.methodLen)
    .bytes("path", req.pathPtr, req.pathLen)
    .int("body", req.bodyLength)
    .end();
}

/** Answers `code` with `text`; a failure of the store or the device (5xx) is logged too. */
function fail(res: HttpResponse, code: u32, text: string): void {
  if (code >= 500) log.warn("kv: request failed").int("status", code).str("why", text).end();
  res
    .status(code)
    .header("content-type", "text/plain; charset=utf-8")
    .send(text + "\n");
}

// The key of a /kv/<key> request, or null after answering 400/414.
function keyOf(req: HttpRequest, res: HttpResponse): Uint8Array | null {
  const key = decodePercent(req.pathPtr + req.routeLen, req.pathLen - req.routeLen);
  if (key === null) fail(res, 400, "bad percent-encoding in the key");
  else if (key.length == 0) fail(res, 400, "give a key: /kv/<key>");
  else if (<u32>key.length > MAX_KEY_SIZE) fail(res, 414, "key too long");
  else return key;
  return null;
}

/**
 * The answer to a write (or a read) once the writes before it are durable:
 * `code` (201, 204, or 404 for an absent key), or 503 if the device failed.
 * It is dropped if the connection went away meanwhile (its response object
 * then serves another client).
 */
class Answer extends Durable {
  private readonly addr: u32;
  private readonly port: u32;

  constructor(
    private readonly req: HttpRequest,
    private readonly res: HttpResponse,
    private readonly code: u32,
  ) {
    super();
    this.addr = req.remoteAddr;
    this.port = req.remotePort;
  }

  done(e: StoreError): void {
    const res = this.res;
    if (res.sent || this.req.remoteAddr != this.addr || this.req.remotePort != this.port) return;
    if (e != StoreError.None) fail(res, statusOf(e), "not stored: " + storeErrorMessage(e));
    else if (this.code == 404) fail(res, 404, "no such key");
    else res.status(this.code).end();
  }
}

/** A read to answer once the writes before it are durable. */
class Read extends Durable {
  constructor(
    private readonly handler: Reader,
    private readonly req: HttpRequest,
    private readonly res: HttpResponse,
  ) {
    super();
  }

  done(e: StoreError): void {
    if (!this.res.sent) this.handler.read(this.req, this.res);
  }
}

/** A handler that reads: `read` answers from the store, after any pending writes are durable. */
abstract class Reader extends HttpHandler {
  abstract read(req: HttpRequest, res: HttpResponse): void;
}

/** GET, PUT and DELETE of one key. */
class Entry extends Reader {
  handle(req: HttpRequest, res: HttpResponse): void {
    logRequest(req);
    const s = store!;
    const g = group!;
    const key = keyOf(req, res);
    if (!key) return;
    if (req.methodIs("GET") || req.methodIs("HEAD")) {
      if (!s.hasStaged) this.read(req, res);
      else g.afterDurable(new Read(this, req, res));
    } else if (req.methodIs("PUT")) {
      const value = new Uint8Array(req.bodyLength);
      memory.copy(value.dataStart, req.bodyPtr, req.bodyLength);
      const existed = s.has(key);
      const e = g.put(key, value, new Answer(req, res, existed ? 204 : 201));
      if (e != StoreError.None) fail(res, statusOf(e), "not stored: " + storeErrorMessage(e));
    } else {
      const e = g.delete(key, new Answer(req, res, s.has(key) ? 204 : 404));
      if (e != StoreError.None) fail(res, statusOf(e), "not deleted: " + storeErrorMessage(e));
    }
  }

  read(req: HttpRequest, res: HttpResponse): void {
    const key = decodePercent(req.pathPtr + req.routeLen, req.pathLen - req.routeLen)!;
    const value = store!.get(key);
    if (!value) return fail(res, 404, "no such key");
    res.header("content-type", "application/octet-stream").sendBytes(value.buffer);
  }
}

/** GET /kv?prefix=: the keys with the prefix, percent-encoded, one a line. */
class List extends Reader {
  handle(req: HttpRequest, res: HttpResponse): void {
    logRequest(req);
    if (!store!.hasStaged) this.read(req, res);
    else group!.afterDurable(new Read(this, req, res));
  }

  read(req: HttpRequest, res: HttpResponse): void {
    const prefix = queryParam(req.target(), "prefix");
    if (prefix === null) return fail(res, 400, "bad percent-encoding in prefix=");
    const lines = new Array<string>();
    const c = store!.scan(prefix);
    while (c.next()) lines.push(encodePercent(c.key) + "\n");
    res.header("content-type", "text/plain; charset=utf-8").send(lines.join(""));
  }
}

/** GET /healthz: `ok` and the store's numbers. */
class Health extends HttpHandler {
  handle(req: HttpRequest, res: HttpResponse): void {
    logRequest(req);
    const s = store!;
    const g = group!;
    res
      .header("content-type", "text/plain; charset=utf-8")
      .header("cache-control", "no-store")
      .send(
        "ok keys=" +
          s.count.toString() +
          " live=" +
          s.liveBytes.toString() +
          " free=" +
          s.freeBytes.toString() +
          " writes=" +
          g.writes.toString() +
          " flushes=" +
          g.flushes.toString() +
          " heap=" +
          heapUsage().used.toString() +
          " memory=" +
          ((<u64>memory.size()) << 16).toString() +
          " gc=" +
          mainLoop().collector.count.toString() +
          "\n",
      );
  }
}

export function _start(): void {
  const mounted = Store.open(BlockDevice.open("storage"));
  if (!mounted.store) {
    log.error("kv: cannot mount the store:").text(mounted.message).end();
    exit(1);
  }
  store = mounted.store;
  group = new GroupCommit(mounted.store!);
  if (mounted.damaged) log.warn("kv: the store was damaged; mounted its last good state:").text(mounted.message).end();
  const stack = Stack.open("service");
  const port = <u32>Args.int("port", 80, 1, 65535);
  const limits = new HttpLimits();
  limits.maxBufferedBody = MAX_VALUE_SIZE;
  limits.maxBody = MAX_VALUE_SIZE;
  limits.maxUri = 3 * MAX_KEY_SIZE + 64; // a key of MAX_KEY_SIZE bytes, each percent-encoded
  const entry = new Entry();
  const router = new Router()
    .get("/healthz", new Health())
    .get("/kv", new List())
    .get("/kv/*", entry)
    .put("/kv/*", entry)
    .delete("/kv/*", entry);
  if (!HttpServer.listen(stack, port, router, limits)) {
    log.error("kv: port taken").int("port", port).end();
    exit(1);
  }
  log.info("kv:").num(store!.count).text("keys; serving on port").num(port).end();
  // The store's keys and values are most of the heap, and every collection marks all of them (some
  // 40 ms at 16,000 keys): let the collector's share of the time (5%) pace it, not its 50 ms floor.
  mainLoop().collector.maxGap = 1_000_000_000;
  run();
}
