// kv: a key-value service over HTTP on a crash-safe store (@tessera/block) on
// the block device "storage". A 2xx answer to a write means the write is
// durable: the store flushed it to the device before the answer was sent.
//
//   PUT    /kv/<key>        body = value   201 (new) or 204 (replaced)
//   GET    /kv/<key>                       200 with the value, or 404
//   DELETE /kv/<key>                       204, or 404
//   GET    /kv?prefix=<p>                  200: the keys that start with p, one a line
//   GET    /healthz                        200: keys, bytes live and free
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
// Arguments: port= (default 80).

import { Args, exit } from "@tessera/runtime/assembly";
import { run } from "@tessera/runtime/assembly/loop";
import { line } from "@tessera/console/assembly";
import { Stack } from "@tessera/net/assembly";
import { HttpHandler, HttpLimits, HttpRequest, HttpResponse, HttpServer, Router } from "@tessera/http/assembly";
import {
  BlockDevice,
  MAX_KEY_SIZE,
  MAX_VALUE_SIZE,
  Store,
  StoreError,
  storeErrorMessage,
} from "@tessera/block/assembly";
import { decodePercent, encodePercent, queryParam } from "./percent";

let store: Store | null = null;

// The HTTP status for a store error.
function statusOf(e: StoreError): u32 {
  if (e == StoreError.Full) return 507;
  if (e == StoreError.KeyTooLarge) return 414;
  if (e == StoreError.ValueTooLarge) return 413;
  if (e == StoreError.Io || e == StoreError.Stopped) return 503;
  return 500;
}

function fail(res: HttpResponse, code: u32, text: string): void {
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

/** GET, PUT and DELETE of one key. */
class Entry extends HttpHandler {
  handle(req: HttpRequest, res: HttpResponse): void {
    const s = store!;
    const key = keyOf(req, res);
    if (!key) return;
    if (req.methodIs("GET") || req.methodIs("HEAD")) {
      const value = s.get(key);
      if (!value) return fail(res, 404, "no such key");
      res.header("content-type", "application/octet-stream").sendBytes(value.buffer);
    } else if (req.methodIs("PUT")) {
      const value = new Uint8Array(req.bodyLength);
      memory.copy(value.dataStart, req.bodyPtr, req.bodyLength);
      const existed = s.has(key);
      const e = s.put(key, value);
      if (e != StoreError.None) return fail(res, statusOf(e), "not stored: " + storeErrorMessage(e));
      res.status(existed ? 204 : 201).end();
    } else {
      if (!s.has(key)) return fail(res, 404, "no such key");
      const e = s.delete(key);
      if (e != StoreError.None) return fail(res, statusOf(e), "not deleted: " + storeErrorMessage(e));
      res.status(204).end();
    }
  }
}

/** GET /kv?prefix=: the keys with the prefix, percent-encoded, one a line. */
class List extends HttpHandler {
  handle(req: HttpRequest, res: HttpResponse): void {
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
    const s = store!;
    res
      .header("content-type", "text/plain; charset=utf-8")
      .header("cache-control", "no-store")
      .send(
        "ok keys=" + s.count.toString() + " live=" + s.liveBytes.toString() + " free=" + s.freeBytes.toString() + "\n",
      );
  }
}

export function _start(): void {
  const mounted = Store.open(BlockDevice.open("storage"));
  if (!mounted.store) {
    line.str("kv: cannot mount the store: ").str(mounted.message).nl();
    exit(1);
  }
  store = mounted.store;
  if (mounted.damaged) line.str("kv: the store was damaged; mounted its last good state: ").str(mounted.message).nl();
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
    line.str("kv: port ").int(port).str(" is taken").nl();
    exit(1);
  }
  line.str("kv: ").int(store!.count).str(" keys; serving on port ").int(port).nl();
  run();
}
