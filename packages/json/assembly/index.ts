// @tessera/json: JSON text (RFC 8259). For now a writer; a reader comes later.

export * from "./writer";
