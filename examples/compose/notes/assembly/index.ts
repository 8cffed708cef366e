// notes: a small JSON API that keeps its notes in the kv service (examples/kv), which it finds by name.
//
//   POST /api/notes   body: the note's text, or {"text":"..."} as application/json (at most 4 KiB)
//                                                              201 {"id":"...","at":MS,"text":"..."}
//                     400 {"error":"JSON: expected ':' at byte 9"} for a body that is not JSON, or has no "text"
//   GET  /api/notes                                            200 {"notes":[{"id":"...","at":MS,"text":"..."},...]}
//   GET  /healthz                                              200 ok
//
// A note is kv's key notes/<id>, its id the wall-clock time in ns (zero-padded, so kv lists them oldest first);
// `at` is that time in ms, for JavaScript's Date. GET lists the newest 100. kv answers later, on the event loop:
// a handler defers its response (`res.defer()`) and finishes it when kv has answered, or answers 503 (kv cannot
// be reached yet) or 502 with {"error":"..."} naming what went wrong, and logs it.
//
// In a compose file kv is the service `kv`, looked up through DNS. Elsewhere, give its address:
//
//   tessera run notes.wasm --net service=tap:tap0 -- ip=10.0.0.3/24 kv=10.0.0.2
//
// Arguments: kv=HOST (its name or address; default kv), port= (default 80).

import { Args, exit, run } from "@tessera/runtime/assembly";
import { MS, SECOND, wall } from "@tessera/clock/assembly";
import { log } from "@tessera/console/assembly";
import { Stack } from "@tessera/net/assembly";
import {
  ClientFailure,
  ClientResponse,
  Deferred,
  HttpClient,
  HttpClientPool,
  HttpHandler,
  HttpLimits,
  HttpRequest,
  HttpResponse,
  HttpServer,
  Router,
  TextResponseHandler,
} from "@tessera/http/assembly";
import { JsonReader, JsonToken, JsonWriter } from "@tessera/json/assembly";

const PREFIX = "notes/";
const SHOWN = 100;

// The kv service: a client (a kept-alive connection) per request under way, given back for the next request.
let kv!: HttpClientPool; // set in _start
let lastId: i64 = 0;

/** A new note's id: now in ns, zero-padded (one more than the last id if the clock has not moved). */
function newId(): string {
  const now = max(wall(), lastId + 1);
  lastId = now;
  return now.toString().padStart(19, "0");
}

function note(w: JsonWriter, id: string, text: string): JsonWriter {
  return w
    .beginObject()
    .key("id")
    .str(id)
    .key("at")
    .int(I64.parseInt(id) / MS)
    .key("text")
    .str(text)
    .end();
}

function json(res: HttpResponse, code: u32, w: JsonWriter): void {
  res.status(code).header("content-type", "application/json").header("cache-control", "no-store").send(w.toString());
}

/** Answers `code` with {"error": why}, and logs it (docker logs). */
function error(res: HttpResponse, code: u32, why: string): void {
  log.warn("notes: request failed").int("status", code).str("why", why).end();
  json(res, code, new JsonWriter().beginObject().key("error").str(why).end());
}

/** kv failed the request: 503 while it cannot be reached (not up yet, or no name yet), 502 for the rest. */
function kvFailed(res: HttpResponse, r: ClientResponse, ok: bool, body: string): void {
  if (ok) return error(res, 502, "kv answered " + r.status.toString() + ": " + body.trim());
  const notThere =
    r.failure == ClientFailure.Dns || r.failure == ClientFailure.Refused || r.failure == ClientFailure.ConnectTimeout;
  error(res, notThere ? 503 : 502, r.error);
}

/**
 * The note a JSON body gives, {"text": "..."}, read where the body lies: its text (other members are left out),
 * or null after answering 400 with what is wrong and where.
 */
function textOf(req: HttpRequest, res: HttpResponse): string | null {
  const r = new JsonReader(req.bodyPtr, req.bodyLength);
  let text: string | null = null;
  if (r.next() == JsonToken.ObjectStart)
    while (r.next() == JsonToken.Key) {
      if (r.keyIs("text") && r.next() == JsonToken.String) text = r.string();
      else r.skip();
    }
  if (!r.finish()) error(res, 400, r.message);
  else if (text === null) error(res, 400, 'give {"text": "..."}');
  return r.failed ? null : text;
}

/** POST /api/notes: the body (text, or JSON with a "text"), a new note, PUT to kv. */
class Add extends HttpHandler {
  handle(req: HttpRequest, res: HttpResponse): void {
    const type = req.header("content-type");
    const given = type !== null && type.startsWith("application/json") ? textOf(req, res) : req.bodyText();
    if (res.sent) return; // 400 for the JSON
    const text = given!.trim();
    if (text.length == 0) return error(res, 400, "a note needs some text");
    const id = newId();
    const client = kv.take();
    client.put("/kv/" + PREFIX + id, "text/plain; charset=utf-8", text, new Stored(client, res.defer(), id, text));
  }
}

/** kv's answer to the PUT: the note, 201. */
class Stored extends TextResponseHandler {
  constructor(
    readonly client: HttpClient,
    readonly reply: Deferred,
    readonly id: string,
    readonly text: string,
  ) {
    super();
  }

  received(r: ClientResponse, ok: bool, body: string): void {
    kv.give(this.client);
    const res = this.reply.response;
    if (!res) return; // the client went away
    if (!ok || (r.status != 201 && r.status != 204)) return kvFailed(res, r, ok, body);
    json(res, 201, note(new JsonWriter(), this.id, this.text));
  }
}

/** GET /api/notes: kv's keys with the prefix, then the notes, one after another on one connection. */
class List extends HttpHandler {
  handle(req: HttpRequest, res: HttpResponse): void {
    const client = kv.take();
    client.get("/kv?prefix=" + PREFIX, new Listing(client, res.defer()));
  }
}

/** Hears the list of keys, then each note in turn; answers with them all. */
class Listing extends TextResponseHandler {
  private keys: string[] | null = null; // until kv listed them
  private next: i32 = 0; // the key whose note comes next
  private readonly out: JsonWriter = new JsonWriter().beginObject().key("notes").beginArray();

  constructor(
    readonly client: HttpClient,
    readonly reply: Deferred,
  ) {
    super();
  }

  received(r: ClientResponse, ok: bool, body: string): void {
    const res = this.reply.response;
    const gone = r.status == 404 && this.keys !== null; // a note deleted since the listing: left out
    if (!res || !ok || (r.status != 200 && !gone)) {
      kv.give(this.client);
      if (res) kvFailed(res, r, ok, body);
      return;
    }
    let keys = this.keys;
    if (!keys) {
      keys = body.split("\n");
      keys.pop(); // after the last newline
      this.keys = keys;
      this.next = max(0, keys.length - SHOWN);
    } else if (!gone) note(this.out, keys[this.next - 1].substring(PREFIX.length), body);
    if (this.next < keys.length) {
      this.client.get("/kv/" + keys[this.next++], this);
      return;
    }
    kv.give(this.client);
    json(res, 200, this.out.end().end());
  }
}

class Health extends HttpHandler {
  handle(req: HttpRequest, res: HttpResponse): void {
    res.header("content-type", "text/plain").send("ok\n");
  }
}

export function _start(): void {
  const stack = Stack.open("service");
  const host = Args.get("kv", "kv")!;
  kv = new HttpClientPool(stack, host);
  kv.timeout = 10 * SECOND;
  const port = <u32>Args.int("port", 80, 1, 65535);
  const limits = new HttpLimits();
  limits.maxBufferedBody = 4096;
  const router = new Router().post("/api/notes", new Add()).get("/api/notes", new List()).get("/healthz", new Health());
  if (!HttpServer.listen(stack, port, router, limits)) {
    log.error("notes: port taken").int("port", port).end();
    exit(1);
  }
  log.info("notes: serving").int("port", port).str("kv", host).end();
  run();
}
