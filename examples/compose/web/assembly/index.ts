// web: the compose example's front end. It serves the page in site/ (embedded in the image at build time, and
// served by StaticFiles: content types, gzip, ETags and 304s) and passes /api/* on to the notes service, as it
// came (GET, or POST with its body), and notes' answer back: a reverse proxy in a few lines, on the HTTP client.
// A request notes cannot take gets 503 (notes cannot be reached yet) or 502, with {"error":"..."}.
//
// In a compose file notes is the service `app`, looked up through DNS. Elsewhere, give its address:
//
//   tessera run web.wasm --net service=tap:tap0 -- ip=10.0.0.4/24 app=10.0.0.3
//
// Arguments: app=HOST (its name or address; default app), port= (default 80).

import { Args, Assets, exit, run } from "@tessera/runtime/assembly";
import { SECOND } from "@tessera/clock/assembly";
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
  StaticFiles,
  TextResponseHandler,
} from "@tessera/http/assembly";
import { JsonWriter } from "@tessera/json/assembly";

let app!: HttpClientPool; // set in _start

/** /api/*: the request, passed on to notes. */
class Api extends HttpHandler {
  handle(req: HttpRequest, res: HttpResponse): void {
    const client = app.take();
    const answer = new Answer(client, res.defer());
    if (!req.methodIs("POST")) client.get(req.target(), answer);
    else {
      const type = req.header("content-type");
      client.post(req.target(), type !== null ? type : "text/plain", req.bodyText(), answer);
    }
  }
}

/** notes' answer, passed back: its status, type and body. */
class Answer extends TextResponseHandler {
  constructor(
    readonly client: HttpClient,
    readonly reply: Deferred,
  ) {
    super();
  }

  received(r: ClientResponse, ok: bool, body: string): void {
    app.give(this.client);
    const res = this.reply.response;
    if (!res) return; // the browser went away
    if (ok) {
      const type = r.header("content-type");
      if (type !== null) res.header("content-type", type);
      res.status(r.status).header("cache-control", "no-store").send(body);
      return;
    }
    log.warn("web: not passed on").str("why", r.error).end();
    const notThere =
      r.failure == ClientFailure.Dns || r.failure == ClientFailure.Refused || r.failure == ClientFailure.ConnectTimeout;
    res
      .status(notThere ? 503 : 502)
      .header("content-type", "application/json")
      .send(new JsonWriter().beginObject().key("error").str(r.error).end().toString());
  }
}

export function _start(): void {
  const stack = Stack.open("service");
  const host = Args.get("app", "app")!;
  app = new HttpClientPool(stack, host);
  app.timeout = 15 * SECOND;
  const port = <u32>Args.int("port", 80, 1, 65535);
  const limits = new HttpLimits();
  limits.maxBufferedBody = 4096;
  const api = new Api();
  const router = new Router().get("/api/*", api).post("/api/*", api).get("/*", new StaticFiles());
  if (!HttpServer.listen(stack, port, router, limits)) {
    log.error("web: port taken").int("port", port).end();
    exit(1);
  }
  log.info("web: serving").int("paths", Assets.count).int("port", port).str("api", host).end();
  run();
}
