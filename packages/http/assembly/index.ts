// @tessera/http: HTTP/1.1 wire layer: the incremental request parser, response heads and status codes.

export * from "./status";
export * from "./head";
export * from "./parser";
export * from "./response";
