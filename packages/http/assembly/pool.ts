// Clients of one server for a service that calls it for several requests at once: a client is one connection
// and one request at a time, so each request under way takes its own, and gives it back when it is done.

import { Stack } from "@tessera/net/assembly/stack";
import { HttpClient } from "./client";

/**
 * Clients of `host:port` on `stack`: `take()` gives an idle one (kept-alive connection and the name's address
 * included) or opens a new one; `give(client)` when its request is done (in the handler's `done`) makes it the
 * next one taken. Clients are made with `timeout` and `connectTimeout` as set here.
 */
export class HttpClientPool {
  /** The response timeout of the clients made (ns; see `HttpClient.timeout`). */
  timeout: i64 = 30_000_000_000;
  /** The connect timeout of the clients made (ns; see `HttpClient.connectTimeout`). */
  connectTimeout: i64 = 10_000_000_000;
  /** Clients made so far. */
  made: u32 = 0;
  private readonly idle: HttpClient[] = [];

  constructor(
    readonly stack: Stack,
    /** The server's name or dotted address. */
    readonly host: string,
    readonly port: u32 = 80,
  ) {}

  /** An idle client, or a new one. */
  take(): HttpClient {
    const idle = this.idle;
    while (idle.length) {
      const client = idle.pop();
      if (!client.busy) return client;
    }
    const client = HttpClient.open(this.stack, this.host, this.port);
    client.timeout = this.timeout;
    client.connectTimeout = this.connectTimeout;
    this.made++;
    return client;
  }

  /** Gives `client` back, for the next `take`. */
  give(client: HttpClient): void {
    this.idle.push(client);
  }
}
