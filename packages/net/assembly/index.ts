// @tessera/net: the network stack. wire/ holds the wire formats; the interface
// and sockets build on them.

export * from "./wire/bytes";
export * from "./wire/drop";
export * from "./wire/checksum";
export * from "./wire/dhcp";
export * from "./wire/dhcp-repr";
export * from "./wire/dns";
export * from "./wire/dns-name";
export * from "./wire/dns-repr";
export * from "./wire/ethernet";
export * from "./wire/arp";
export * from "./wire/ipv4";
export * from "./wire/icmpv4";
export * from "./wire/udp";
