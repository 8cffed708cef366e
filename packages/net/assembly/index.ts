// @tessera/net: the network stack. wire/ holds the wire formats, iface/ the
// interface (ARP, IPv4, fragments), socket/ the sockets, tcp/ TCP; Stack
// assembles them. This entry is what an app imports: the stack, its sockets,
// TCP connections with their handlers, states and tunables, and the wire
// formats. The rest of tcp/ (segments, timers, recovery, the table) is the
// package's own machinery.

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
// TCP as an app sees it: a connection and its handler, listeners, states and tunables.
export { CloseReason, TcpConfig, TcpState, tcpStateName } from "./tcp/state";
export { TcpConnection, TcpHandler } from "./tcp/connection";
export { TcpAcceptor, TcpListener } from "./tcp/listener";
export { TcpEndpoint } from "./tcp/endpoint";
