// DHCP messages (RFC 2131, options RFC 2132) as a client sees them: the BOOTP header and the options a client needs.
//
// A DHCP message is a UDP payload (client port 68, server port 67):
//
//    0               1               2               3
//   +---------------+---------------+---------------+---------------+
//   |     op (1)    |   htype (1)   |   hlen (1)    |   hops (1)    |  0
//   +---------------+---------------+---------------+---------------+
//   |                            xid (4)                            |  4
//   +-------------------------------+-------------------------------+
//   |           secs (2)            |           flags (2)           |  8  flags: B (broadcast) = 0x8000
//   +-------------------------------+-------------------------------+
//   |                          ciaddr (4)                           | 12  client's current address
//   |                          yiaddr (4)                           | 16  "your" address: the one offered
//   |                          siaddr (4)                           | 20  next server (TFTP)
//   |                          giaddr (4)                           | 24  relay agent
//   +---------------------------------------------------------------+
//   |                          chaddr (16)                          | 28  client MAC in the first 6 bytes
//   |                          sname  (64)                          | 44
//   |                          file  (128)                          | 108
//   +---------------------------------------------------------------+
//   |                 magic cookie 99.130.83.99 (4)                 | 236
//   +---------------------------------------------------------------+
//   |  options: code (1) length (1) value (length) ..., pad (0) and | 240
//   |  end (255) are one byte each; bytes after end are padding     |
//   +---------------------------------------------------------------+
//
// Options end at the end option. A message without one is accepted only if its last option ends exactly at
// the end of the buffer (some relays trim the padding); an option whose length byte or value runs past the
// end is Malformed.

import { Drop } from "./drop";
import { load16, load32, loadMac, store16, store32, storeMac } from "./bytes";

/** The UDP port DHCP servers listen on. */
export const DHCP_SERVER_PORT: u32 = 67;
/** The UDP port DHCP clients listen on. */
export const DHCP_CLIENT_PORT: u32 = 68;
/** The magic cookie 99.130.83.99 that starts the options. */
export const DHCP_MAGIC: u32 = 0x63825363;
/** The broadcast bit of the flags field: the client asks for replies to the broadcast address. */
export const DHCP_FLAG_BROADCAST: u32 = 0x8000;
/** The length of the fixed header and magic cookie: where the options start. */
export const DHCP_HEADER_LEN: u32 = 240;
/** The BOOTP minimum message length that emit pads to, for old relays (RFC 1542). */
export const DHCP_MIN_LEN: u32 = 300;
/** How many DNS servers the representation keeps. */
export const DHCP_MAX_DNS_SERVERS: i32 = 3;
/** How many parameter request codes the representation keeps. */
export const DHCP_MAX_PARAMETERS: i32 = 32;

const OP: u32 = 0;
const HTYPE: u32 = 1;
const HLEN: u32 = 2;
const HOPS: u32 = 3;
const XID: u32 = 4;
const SECS: u32 = 8;
const FLAGS: u32 = 10;
const CIADDR: u32 = 12;
const YIADDR: u32 = 16;
const SIADDR: u32 = 20;
const GIADDR: u32 = 24;
const CHADDR: u32 = 28; // 16 bytes, then sname (64) and file (128), which we leave zero
const MAGIC: u32 = 236;
const OPTIONS: u32 = 240;

/** The DHCP message type (option 53). */
export enum DhcpMessageType {
  /** Client broadcast to find servers. */
  Discover = 1,
  /** Server's offer of an address. */
  Offer = 2,
  /** Client asks for the offered address, or renews. */
  Request = 3,
  /** Client says the address is already in use. */
  Decline = 4,
  /** Server grants the lease. */
  Ack = 5,
  /** Server refuses the request. */
  Nak = 6,
  /** Client gives the address back. */
  Release = 7,
  /** Client has an address and asks only for parameters. */
  Inform = 8,
}

/** The option codes this file reads or writes. */
export enum DhcpOption {
  /** One byte of padding, no length. */
  Pad = 0,
  /** Subnet mask (4). */
  SubnetMask = 1,
  /** Routers (4n); the first is the default gateway. */
  Router = 3,
  /** DNS servers (4n). */
  DnsServer = 6,
  /** The client's hostname. */
  Hostname = 12,
  /** The address the client asks for (4). */
  RequestedIp = 50,
  /** Lease time in seconds (4). */
  LeaseTime = 51,
  /** Option overload: options continue in sname/file (not supported). */
  Overload = 52,
  /** DHCP message type (1). */
  MessageType = 53,
  /** The server's address (4). */
  ServerIdentifier = 54,
  /** Option codes the client asks for. */
  ParameterRequestList = 55,
  /** The largest message the client accepts (2). */
  MaxMessageSize = 57,
  /** Renewal time T1 in seconds (4). */
  RenewalTime = 58,
  /** Rebinding time T2 in seconds (4). */
  RebindingTime = 59,
  /** Client identifier: hardware type then address. */
  ClientIdentifier = 61,
  /** The end of the options, no length. */
  End = 255,
}

/** A zero-copy view of a DHCP message in a buffer; wrap, then `check` before trusting it. */
export class DhcpPacket {
  /** The first byte of the message. */
  ptr: usize = 0;
  /** The message's length in bytes (the UDP payload length). */
  len: u32 = 0;

  /** Points the view at `len` bytes at `ptr`; returns the view. */
  wrap(ptr: usize, len: u32): DhcpPacket {
    this.ptr = ptr;
    this.len = len;
    return this;
  }

  /** Validates untrusted bytes: the header's length, the magic cookie, and that every option lies in the buffer. */
  check(): Drop {
    if (this.len < OPTIONS) return Drop.Truncated;
    if (load32(this.ptr + MAGIC) != DHCP_MAGIC) return Drop.Unsupported; // plain BOOTP
    let at = OPTIONS;
    while (at < this.len) {
      const code = load<u8>(this.ptr + at);
      if (code == DhcpOption.End) return Drop.Ok;
      if (code == DhcpOption.Pad) {
        at++;
        continue;
      }
      if (at + 2 > this.len) return Drop.Malformed; // the length byte is missing
      at += 2 + <u32>load<u8>(this.ptr + at + 1);
      if (at > this.len) return Drop.Malformed; // the value runs past the end
    }
    return Drop.Ok; // no end option, but the last option ends exactly at the end of the buffer
  }

  /** BOOTREQUEST (1) from a client, BOOTREPLY (2) from a server. */
  @inline get op(): u32 {
    return load<u8>(this.ptr + OP);
  }
  @inline set op(v: u32) {
    store<u8>(this.ptr + OP, <u8>v);
  }
  /** The hardware type: 1 for Ethernet. */
  @inline get htype(): u32 {
    return load<u8>(this.ptr + HTYPE);
  }
  @inline set htype(v: u32) {
    store<u8>(this.ptr + HTYPE, <u8>v);
  }
  /** The hardware address length: 6 for Ethernet. */
  @inline get hlen(): u32 {
    return load<u8>(this.ptr + HLEN);
  }
  @inline set hlen(v: u32) {
    store<u8>(this.ptr + HLEN, <u8>v);
  }
  /** Relay hops; zero from a client. */
  @inline get hops(): u32 {
    return load<u8>(this.ptr + HOPS);
  }
  /** The transaction id the client chose. */
  @inline get xid(): u32 {
    return load32(this.ptr + XID);
  }
  @inline set xid(v: u32) {
    store32(this.ptr + XID, v);
  }
  /** Seconds since the client began acquiring or renewing. */
  @inline get secs(): u32 {
    return load16(this.ptr + SECS);
  }
  @inline set secs(v: u32) {
    store16(this.ptr + SECS, v);
  }
  /** The flags field; see DHCP_FLAG_BROADCAST. */
  @inline get flags(): u32 {
    return load16(this.ptr + FLAGS);
  }
  @inline set flags(v: u32) {
    store16(this.ptr + FLAGS, v);
  }
  /** ciaddr: the client's address, when it already has one. */
  @inline get clientIp(): u32 {
    return load32(this.ptr + CIADDR);
  }
  @inline set clientIp(v: u32) {
    store32(this.ptr + CIADDR, v);
  }
  /** yiaddr: the address the server offers or grants. */
  @inline get yourIp(): u32 {
    return load32(this.ptr + YIADDR);
  }
  @inline set yourIp(v: u32) {
    store32(this.ptr + YIADDR, v);
  }
  /** siaddr: the next server to use in bootstrap. */
  @inline get serverIp(): u32 {
    return load32(this.ptr + SIADDR);
  }
  @inline set serverIp(v: u32) {
    store32(this.ptr + SIADDR, v);
  }
  /** giaddr: the relay agent's address. */
  @inline get relayIp(): u32 {
    return load32(this.ptr + GIADDR);
  }
  @inline set relayIp(v: u32) {
    store32(this.ptr + GIADDR, v);
  }
  /** The client's MAC address (the first 6 bytes of chaddr). */
  @inline get clientMac(): u64 {
    return loadMac(this.ptr + CHADDR);
  }
  @inline set clientMac(v: u64) {
    storeMac(this.ptr + CHADDR, v);
  }
  /** The magic cookie; DHCP_MAGIC in a DHCP message. */
  @inline get magic(): u32 {
    return load32(this.ptr + MAGIC);
  }
  @inline set magic(v: u32) {
    store32(this.ptr + MAGIC, v);
  }

  /** The offset of the first option (skipping pads), or 0 if there is none. Needs a checked view. */
  firstOption(): u32 {
    return this.skipPads(OPTIONS);
  }

  /** The offset of the option after the one at `at` (skipping pads), or 0 at the end. Needs a checked view. */
  nextOption(at: u32): u32 {
    return this.skipPads(at + 2 + this.optionLength(at));
  }

  /** The offset of the first option with `code`, or 0 if there is none. Needs a checked view. */
  findOption(code: u32): u32 {
    for (let at = this.firstOption(); at != 0; at = this.nextOption(at)) {
      if (this.optionCode(at) == code) return at;
    }
    return 0;
  }

  /** The code of the option at `at`. */
  @inline optionCode(at: u32): u32 {
    return load<u8>(this.ptr + at);
  }
  /** The value length of the option at `at`. */
  @inline optionLength(at: u32): u32 {
    return load<u8>(this.ptr + at + 1);
  }
  /** The address of the value of the option at `at`. */
  @inline optionData(at: u32): usize {
    return this.ptr + at + 2;
  }

  private skipPads(at: u32): u32 {
    while (at < this.len && load<u8>(this.ptr + at) == DhcpOption.Pad) at++;
    if (at >= this.len || load<u8>(this.ptr + at) == DhcpOption.End) return 0;
    return at;
  }
}
