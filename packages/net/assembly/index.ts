// @tessera/net: the network stack. wire/ holds the wire formats; the interface
// and sockets build on them.

export * from "./wire/bytes";
export * from "./wire/drop";
export * from "./wire/checksum";
