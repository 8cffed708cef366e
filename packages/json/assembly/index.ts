// @tessera/json: JSON text (RFC 8259): a pull reader over bytes where they lie, and a writer.

export * from "./reader";
export * from "./writer";
export * from "./stream";
