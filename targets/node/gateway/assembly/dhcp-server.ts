// The gateway's DHCP server (RFC 2131, the server's side, for one client):
// every DISCOVER is offered the guest's address, a REQUEST for it is ACKed
// and a REQUEST for any other address is NAKed, so that a guest that runs
// `Stack.open("service")` without ip= is configured as on a slirp network.
// Replies go to the broadcast address: the client has no address yet, and
// answering it by unicast would need its MAC in our ARP cache first.

import { Interface } from "@tessera/net/assembly/iface/interface";
import { UdpHandler } from "@tessera/net/assembly/socket/udp";
import { Drop } from "@tessera/net/assembly/wire/drop";
import { DHCP_CLIENT_PORT, DHCP_SERVER_PORT, DhcpMessageType, DhcpPacket } from "@tessera/net/assembly/wire/dhcp";
import { DhcpRepr } from "@tessera/net/assembly/wire/dhcp-repr";

/** What the server hands out. */
export class DhcpLease {
  constructor(
    /** The one address it offers (yiaddr). */
    readonly address: u32,
    /** The subnet mask (option 1). */
    readonly mask: u32,
    /** The router (option 3) and server identifier (option 54): the gateway itself. */
    readonly server: u32,
    /** Lease time in seconds (option 51). */
    readonly leaseTime: u32,
    /** The DNS server (option 6), or 0 for none. */
    readonly dns: u32 = 0,
  ) {}
}

/** Answers DHCP on UDP port 67 of `iface`. */
export class DhcpServer extends UdpHandler {
  /** DISCOVERs answered with an OFFER. */
  offers: u32 = 0;
  /** REQUESTs answered with an ACK. */
  acks: u32 = 0;
  /** REQUESTs answered with a NAK. */
  naks: u32 = 0;
  /** Messages ignored: malformed, not from a client, for another server. */
  ignored: u32 = 0;
  /** The MAC address of the client last ACKed, or 0. */
  client: u64 = 0;

  private readonly inRepr: DhcpRepr = new DhcpRepr();
  private readonly out: DhcpRepr = new DhcpRepr();
  private readonly packet: DhcpPacket = new DhcpPacket();
  private readonly buffer: StaticArray<u8> = new StaticArray<u8>(576);

  constructor(
    private readonly iface: Interface,
    /** The lease every client gets. */
    readonly lease: DhcpLease,
  ) {
    super();
  }

  /** Binds UDP port 67; false if it is taken. */
  start(): bool {
    return this.iface.bindUdp(DHCP_SERVER_PORT, this) != null;
  }

  datagram(srcAddr: u32, srcPort: u32, ptr: usize, len: u32, now: i64): void {
    const msg = this.inRepr;
    if (srcPort != DHCP_CLIENT_PORT || msg.parse(this.packet.wrap(ptr, len)) != Drop.Ok) {
      this.ignored++;
      return;
    }
    const type = msg.messageType;
    if (type == DhcpMessageType.Discover) {
      this.offers++;
      this.reply(DhcpMessageType.Offer, now);
    } else if (type == DhcpMessageType.Request) {
      // SELECTING names the server; REBOOTING, RENEWING and REBINDING do not (RFC 2131 4.3.2).
      if (msg.serverIdentifier != 0 && msg.serverIdentifier != this.lease.server) {
        this.ignored++;
        return;
      }
      const wanted = msg.requestedIp != 0 ? msg.requestedIp : msg.clientIp;
      if (wanted == this.lease.address) {
        this.acks++;
        this.client = msg.clientMac;
        this.reply(DhcpMessageType.Ack, now);
      } else {
        this.naks++;
        this.reply(DhcpMessageType.Nak, now);
      }
    } else if (type == DhcpMessageType.Release) {
      if (msg.clientMac == this.client) this.client = 0;
    } else {
      this.ignored++; // DECLINE, INFORM: nothing to do for a single fixed lease
    }
  }

  private reply(type: DhcpMessageType, now: i64): void {
    const msg = this.inRepr;
    const out = this.out;
    const nak = type == DhcpMessageType.Nak;
    const lease = this.lease;
    out.messageType = type;
    out.xid = msg.xid;
    out.secs = 0;
    out.broadcast = msg.broadcast;
    out.clientMac = msg.clientMac;
    out.clientIp = 0;
    out.yourIp = nak ? 0 : lease.address;
    out.serverIp = 0;
    out.relayIp = msg.relayIp;
    out.serverIdentifier = lease.server;
    out.requestedIp = 0;
    out.leaseTime = nak ? 0 : lease.leaseTime;
    out.renewalTime = 0;
    out.rebindingTime = 0;
    out.subnetMask = nak ? 0 : lease.mask;
    out.router = nak ? 0 : lease.server;
    out.dnsServerCount = nak || lease.dns == 0 ? 0 : 1;
    out.dnsServers[0] = lease.dns;
    out.maxMessageSize = 0;
    out.clientIdentifier = 0;
    out.parameterCount = 0;
    out.hostname = null;
    const buf = changetype<usize>(this.buffer);
    const len = out.bufferLen();
    out.emit(this.packet.wrap(buf, len));
    this.iface.sendUdp(DHCP_SERVER_PORT, 0xffffffff, DHCP_CLIENT_PORT, buf, len, now);
  }
}
