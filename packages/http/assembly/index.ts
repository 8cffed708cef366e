// @tessera/http: HTTP/1.1: the incremental request parser, response heads and status codes (the wire layer), and
// the server (HttpServer, Router, HttpHandler) and client (HttpClient) over @tessera/net's TCP.

export * from "./status";
export * from "./head";
export * from "./parser";
export * from "./chunked";
export * from "./response";
export * from "./text";
export * from "./form";
export * from "./exchange";
export * from "./router";
export * from "./files";
export * from "./server";
export * from "./client";
export * from "./pool";
