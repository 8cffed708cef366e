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

import { Args, exit, heapUsage, mainLoop, run } from "@tessera/runtime/assembly";
import { log } from "@tessera/console/assembly";
import { Stack } from "@tessera/net/assembly";
import {
  Deferred,
  HttpHandler,
  HttpLimits,
  HttpRequest,
  HttpResponse,
  HttpServer,
  Router,
  TextBody,
} from "@tessera/http/assembly";
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
    .bytes("method", req.methodPtr, req.methodLen)
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
  const key = req.decodedRest();
  if (key === null) fail(res, 400, "bad percent-encoding in the key");
  else if (key.length == 0) fail(res, 400, "give a key: /kv/<key>");
  else if (<u32>key.length > MAX_KEY_SIZE) fail(res, 414, "key too long");
  else return key;
  return null;
}

/**
 * The answer to a write once the writes before it are durable: `code` (201,
 * 204, or 404 for an absent key), or 503 if the device failed. It is dropped
 * if the client went away meanwhile.
 */
class Answer extends Durable {
  constructor(
    private readonly reply: Deferred,
    private readonly code: u32,
  ) {
    super();
  }

  done(e: StoreError): void {
    const res = this.reply.response;
    if (!res) return; // the client went away
    if (e != StoreError.None) fail(res, statusOf(e), "not stored: " + storeErrorMessage(e));
    else if (this.code == 404) fail(res, 404, "no such key");
    else res.status(this.code).end();
  }
}

/** A read to answer once the writes before it are durable (dropped if the client went away meanwhile). */
class Read extends Durable {
  constructor(
    private readonly handler: Reader,
    private readonly req: HttpRequest,
    private readonly reply: Deferred,
  ) {
    super();
  }

  done(e: StoreError): void {
    const res = this.reply.response;
    if (res) this.handler.read(this.req, res); // (the request is the same while its response is unsent)
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
      else g.afterDurable(new Read(this, req, res.defer()));
    } else if (req.methodIs("PUT")) {
      const existed = s.has(key);
      const e = g.put(key, req.bodyBytes(), new Answer(res.defer(), existed ? 204 : 201));
      if (e != StoreError.None) fail(res, statusOf(e), "not stored: " + storeErrorMessage(e));
    } else {
      const e = g.delete(key, new Answer(res.defer(), s.has(key) ? 204 : 404));
      if (e != StoreError.None) fail(res, statusOf(e), "not deleted: " + storeErrorMessage(e));
    }
  }

  read(req: HttpRequest, res: HttpResponse): void {
    const key = req.decodedRest()!;
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
    else group!.afterDurable(new Read(this, req, res.defer()));
  }

  read(req: HttpRequest, res: HttpResponse): void {
    const query = req.query();
    const prefix = query.bytes("prefix");
    if (query.malformed) return fail(res, 400, "bad percent-encoding in prefix=");
    const body = new TextBody();
    const c = store!.scan(prefix ? prefix : new Uint8Array(0));
    while (c.next()) body.percent(c.key).byte(0x0a);
    res.sendText(body);
  }
}

/** GET /healthz: `ok` and the store's numbers. */
class Health extends HttpHandler {
  handle(req: HttpRequest, res: HttpResponse): void {
    logRequest(req);
    const s = store!;
    const g = group!;
    const body = new TextBody()
      .template("ok keys=# live=# free=# writes=# flushes=# heap=# memory=# gc=#\n")
      .num(s.count)
      .num(s.liveBytes)
      .num(s.freeBytes)
      .num(g.writes)
      .num(g.flushes)
      .num(heapUsage().used)
      .num((<i64>memory.size()) << 16)
      .num(mainLoop().collector.count);
    res.noStore().sendText(body);
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
