// Routing by method and path: exact paths and prefixes (`/static/*`), 404 for no route, 405 with Allow for a
// path served only for other methods, HEAD answered by GET routes. Routes are scanned in the order added.

import { unitsEqual } from "./chars";
import { HttpHandler, HttpRequest, HttpResponse } from "./exchange";
import { Method, methodNameAt } from "./head";
import { ALLOW, ALLOW_LENGTH } from "./tables";

/** A route's method that matches every method. */
const ANY: i32 = -1;

class Route {
  constructor(
    readonly method: i32, // a Method, or ANY
    readonly path: string, // as given: a prefix's with its trailing `*`
    readonly handler: HttpHandler,
  ) {}

  // Bytes of the request's path this route matches, or -1.
  match(ptr: usize, len: u32): i32 {
    const p = changetype<usize>(this.path);
    let n = <u32>this.path.length;
    // A prefix (ending in `*`): the path's first n bytes against it without the `*`.
    if (n > 0 && load<u16>(p + ((<usize>n - 1) << 1)) == 0x2a && len >= --n) len = n;
    return unitsEqual(ptr, len, p, n, true, false) ? <i32>len : -1;
  }

  allows(m: Method): bool {
    const r = this.method;
    return r == ANY || r == <i32>m || (m == Method.Head && r == <i32>Method.Get);
  }
}

/** The name of `m` (GET, HEAD, ...); "" for `Method.Other` (allocates). */
export function methodName(m: Method): string {
  const p = methodNameAt(m);
  return String.UTF8.decodeUnsafe(p + 1, load<u8>(p));
}

/** Answers 404 with an empty body. */
export class NotFound extends HttpHandler {
  handle(req: HttpRequest, res: HttpResponse): void {
    res.status(404).end();
  }
}

// Answers 405 with the Allow field the router gives for the path.
class NotAllowed extends HttpHandler {
  constructor(private readonly router: Router) {
    super();
  }

  handle(req: HttpRequest, res: HttpResponse): void {
    const scratch = this.router.allowScratch;
    const n = this.router.allow(req, changetype<usize>(scratch), <u32>scratch.length);
    res.status(405).field(ALLOW, ALLOW_LENGTH, changetype<usize>(scratch), n).end();
  }
}

/**
 * Picks a handler by method and path. `get("/", h)` serves GET and HEAD on `/` exactly; a path ending in `*`
 * is a prefix (`get("/static/*", files)`; `req.rest()` is what follows it). The first route added that matches
 * wins. No route for the path: `notFound` (404); routes only for other methods: 405 with `Allow`.
 */
export class Router extends HttpHandler {
  /** Answers requests no route matches (404 unless replaced). */
  notFound: HttpHandler = new NotFound();
  private readonly routes: Array<Route> = new Array<Route>();
  private notAllowed: NotAllowed | null = null;
  /** Scratch for the Allow field (a router's 405 is built here). */
  readonly allowScratch: StaticArray<u8> = new StaticArray<u8>(64);

  /** Routes `method` requests for `path` (a trailing `*` makes it a prefix) to `handler`. */
  route(method: Method, path: string, handler: HttpHandler): Router {
    return this.add(<i32>method, path, handler);
  }

  /** Routes GET (and HEAD) requests for `path` to `handler`. */
  get(path: string, handler: HttpHandler): Router {
    return this.add(<i32>Method.Get, path, handler);
  }

  /** Routes POST requests for `path` to `handler`. */
  post(path: string, handler: HttpHandler): Router {
    return this.add(<i32>Method.Post, path, handler);
  }

  /** Routes PUT requests for `path` to `handler`. */
  put(path: string, handler: HttpHandler): Router {
    return this.add(<i32>Method.Put, path, handler);
  }

  /** Routes DELETE requests for `path` to `handler`. */
  delete(path: string, handler: HttpHandler): Router {
    return this.add(<i32>Method.Delete, path, handler);
  }

  /** Routes requests of every method for `path` to `handler`. */
  any(path: string, handler: HttpHandler): Router {
    return this.add(ANY, path, handler);
  }

  private add(method: i32, path: string, handler: HttpHandler): Router {
    this.routes.push(new Route(method, path, handler));
    return this;
  }

  select(req: HttpRequest): HttpHandler {
    const ptr = req.pathPtr;
    const len = req.pathLen;
    const m = req.method;
    const routes = this.routes;
    let pathKnown = false;
    for (let i = 0, n = routes.length; i < n; i++) {
      const r = unchecked(routes[i]);
      const matched = r.match(ptr, len);
      if (matched < 0) continue;
      if (r.allows(m)) {
        req.routeLen = <u32>matched;
        return r.handler.select(req);
      }
      pathKnown = true;
    }
    if (!pathKnown) return this.notFound.select(req);
    let na = this.notAllowed;
    if (!na) this.notAllowed = na = new NotAllowed(this);
    return na;
  }

  handle(req: HttpRequest, res: HttpResponse): void {
    this.select(req).handle(req, res);
  }

  /** Writes the methods routed for `req`'s path ("GET, HEAD, POST") at `ptr` (at most `cap` bytes); returns the length. */
  allow(req: HttpRequest, ptr: usize, cap: u32): u32 {
    const routes = this.routes;
    let seen: u32 = 0; // a bit per Method
    for (let i = 0, n = routes.length; i < n; i++) {
      const r = unchecked(routes[i]);
      if (r.method == ANY || r.match(req.pathPtr, req.pathLen) < 0) continue;
      seen |= 1 << r.method;
      if (r.method == <i32>Method.Get) seen |= 1 << (<i32>Method.Head);
    }
    let len: u32 = 0;
    for (let m = 1; m <= <i32>Method.Trace; m++) {
      if (!(seen & (1 << m))) continue;
      const name = methodNameAt(<Method>m);
      const n = <u32>load<u8>(name);
      if (len + n + (len ? 2 : 0) > cap) break;
      if (len) {
        store<u16>(ptr + len, 0x202c); // ", "
        len += 2;
      }
      memory.copy(ptr + len, name + 1, n);
      len += n;
    }
    return len;
  }
}
