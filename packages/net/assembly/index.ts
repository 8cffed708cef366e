// @tessera/net: the network stack. wire/ holds the wire formats, iface/ the
// interface (ARP, IPv4, fragments), socket/ the sockets; Stack assembles them.

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
export * from "./device";
export * from "./iface/link";
export * from "./iface/config";
export * from "./iface/counters";
export * from "./iface/arp-cache";
export * from "./iface/pending";
export * from "./iface/reassembly";
export * from "./iface/interface";
export * from "./socket/udp";
export * from "./stack";
export * from "./socket/dns";
export * from "./iface/dhcp-client";
export * from "./wire/seq";
export * from "./wire/tcp-options";
export * from "./wire/tcp";
