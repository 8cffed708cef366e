// The validated form of a DHCP message: the fields a client reads from OFFER/ACK/NAK and writes in DISCOVER..INFORM.
//
// Layout: see dhcp.ts. parse reads the options it knows and skips the rest; when an option repeats, the last
// one counts (long-option concatenation, RFC 3396, is not supported). emit writes the fixed header, then
//
//   53 message type, 61 client id, 50 requested IP, 54 server id, 51 lease, 58 T1, 59 T2, 1 mask, 3 router,
//   6 DNS servers, 57 max size, 55 parameter requests, 12 hostname, 255 end, pads up to DHCP_MIN_LEN
//
// each only when its field is set (non-zero, non-empty, non-null; the message type always).

import { Drop } from "./drop";
import { load16, load32, loadMac, store16, store32, storeMac } from "./bytes";
import {
  DHCP_FLAG_BROADCAST,
  DHCP_HEADER_LEN,
  DHCP_MAGIC,
  DHCP_MAX_DNS_SERVERS,
  DHCP_MAX_PARAMETERS,
  DHCP_MIN_LEN,
  DhcpMessageType,
  DhcpOption,
  DhcpPacket,
} from "./dhcp";

const OP_REQUEST: u32 = 1;
const OP_REPLY: u32 = 2;
const HTYPE_ETHERNET: u32 = 1;
const HLEN_ETHERNET: u32 = 6;

/** A DHCP message's contents, reusable: parse overwrites every field (left unspecified on a drop); 0 means absent. */
export class DhcpRepr {
  /** DISCOVER..INFORM; decides op (BOOTREQUEST for client messages, BOOTREPLY for OFFER/ACK/NAK). */
  messageType: DhcpMessageType = DhcpMessageType.Discover;
  /** The transaction id. */
  xid: u32 = 0;
  /** Seconds since the client began acquiring or renewing. */
  secs: u32 = 0;
  /** The broadcast flag: replies must go to the broadcast address. */
  broadcast: bool = false;
  /** The client's MAC address (chaddr), low 48 bits. */
  clientMac: u64 = 0;
  /** ciaddr: the client's address, set when renewing, rebinding or informing. */
  clientIp: u32 = 0;
  /** yiaddr: the address offered or granted. */
  yourIp: u32 = 0;
  /** siaddr: the next bootstrap server. */
  serverIp: u32 = 0;
  /** giaddr: the relay agent. */
  relayIp: u32 = 0;
  // The options of one 32-bit value, in WORD_OPTIONS' order: parse, bufferLen and emit walk them as an array.
  /** Option 50: the address the client asks for. */
  requestedIp: u32 = 0;
  /** Option 54: the server's identifier (its address). */
  serverIdentifier: u32 = 0;
  /** Option 51: the lease time in seconds (0xffffffff is infinite). */
  leaseTime: u32 = 0;
  /** Option 58: renewal time T1 in seconds. */
  renewalTime: u32 = 0;
  /** Option 59: rebinding time T2 in seconds. */
  rebindingTime: u32 = 0;
  /** Option 1: the subnet mask. */
  subnetMask: u32 = 0;
  /** Option 3: the first router. */
  router: u32 = 0;
  /** Option 6: up to DHCP_MAX_DNS_SERVERS DNS servers, `dnsServerCount` of them valid. */
  dnsServers: StaticArray<u32> = new StaticArray<u32>(DHCP_MAX_DNS_SERVERS);
  /** How many of `dnsServers` are valid. */
  dnsServerCount: i32 = 0;
  /** Option 57: the largest message the client accepts; 0 for absent. */
  maxMessageSize: u32 = 0;
  /** Option 61: a client identifier of hardware type 1 and this MAC; 0 for absent. */
  clientIdentifier: u64 = 0;
  /** Option 55: the option codes asked for, `parameterCount` of them valid (default: mask, router, DNS). */
  parameters: StaticArray<u8> = new StaticArray<u8>(DHCP_MAX_PARAMETERS);
  /** How many of `parameters` are valid. */
  parameterCount: i32 = 0;
  /** Option 12, emit only: the client's hostname, ASCII, at most 255 characters; parse sets null. */
  hostname: string | null = null;

  constructor() {
    // Indices below are within the arrays' fixed lengths (DHCP_MAX_*), so unchecked.
    const parameters = this.parameters;
    unchecked((parameters[0] = <u8>DhcpOption.SubnetMask));
    unchecked((parameters[1] = <u8>DhcpOption.Router));
    unchecked((parameters[2] = <u8>DhcpOption.DnsServer));
    this.parameterCount = 3;
  }

  /** Checks `packet` and reads it into this; Unsupported for other hardware or option overload. */
  parse(packet: DhcpPacket): Drop {
    const checked = packet.check();
    if (checked != Drop.Ok) return checked;
    if (packet.htype != HTYPE_ETHERNET || packet.hlen != HLEN_ETHERNET) return Drop.Unsupported;
    this.xid = packet.xid;
    this.secs = packet.secs;
    this.broadcast = (packet.flags & DHCP_FLAG_BROADCAST) != 0;
    this.clientMac = packet.clientMac;
    this.clientIp = packet.clientIp;
    this.yourIp = packet.yourIp;
    this.serverIp = packet.serverIp;
    this.relayIp = packet.relayIp;
    const words = this.words();
    memory.fill(words, 0, WORD_OPTION_COUNT << 2);
    this.maxMessageSize = 0;
    this.clientIdentifier = 0;
    this.dnsServerCount = this.parameterCount = 0;
    this.hostname = null;
    let type: u32 = 0;
    for (let at = packet.firstOption(); at != 0; at = packet.nextOption(at)) {
      const len = packet.optionLength(at);
      const data = packet.optionData(at);
      const code = packet.optionCode(at);
      const word = wordOption(code);
      if (word >= 0) {
        // Router may list several (the first is the default gateway); the others hold exactly one value.
        if (code == DhcpOption.Router ? len == 0 || (len & 3) != 0 : len != 4) return Drop.Malformed;
        store<u32>(words + ((<usize>word) << 2), load32(data));
        continue;
      }
      switch (code) {
        case DhcpOption.MessageType:
          if (len != 1) return Drop.Malformed;
          type = load<u8>(data);
          break;
        case DhcpOption.Overload:
          return Drop.Unsupported;
        case DhcpOption.DnsServer: {
          if (len == 0 || len & 3) return Drop.Malformed;
          const n = min(<i32>(len >> 2), DHCP_MAX_DNS_SERVERS);
          for (let i = 0; i < n; i++) unchecked((this.dnsServers[i] = load32(data + ((<usize>i) << 2))));
          this.dnsServerCount = n;
          break;
        }
        case DhcpOption.MaxMessageSize:
          if (len != 2) return Drop.Malformed;
          this.maxMessageSize = load16(data);
          break;
        case DhcpOption.ClientIdentifier:
          if (len == 0) return Drop.Malformed; // RFC 2132 asks for at least 2; other forms are kept as absent
          if (len == 7 && load<u8>(data) == HTYPE_ETHERNET) this.clientIdentifier = loadMac(data + 1);
          break;
        case DhcpOption.ParameterRequestList: {
          if (len == 0) return Drop.Malformed;
          const n = min(<i32>len, DHCP_MAX_PARAMETERS);
          for (let i = 0; i < n; i++) unchecked((this.parameters[i] = load<u8>(data + i)));
          this.parameterCount = n;
          break;
        }
      }
    }
    if (type == 0) return Drop.Malformed;
    if (type > <u32>DhcpMessageType.Inform) return Drop.Unsupported;
    this.messageType = <DhcpMessageType>type;
    if (packet.op != (isReply(this.messageType) ? OP_REPLY : OP_REQUEST)) return Drop.Malformed;
    return Drop.Ok;
  }

  /** The length emit writes: header, options, end, padding to DHCP_MIN_LEN. */
  bufferLen(): u32 {
    let len = DHCP_HEADER_LEN + 3 + 1; // message type, end
    if (this.clientIdentifier) len += 9;
    const words = this.words();
    for (let i = 0; i < WORD_OPTION_COUNT; i++) if (load<u32>(words + ((<usize>i) << 2))) len += 6;
    if (this.dnsServerCount > 0) len += 2 + 4 * <u32>min(this.dnsServerCount, DHCP_MAX_DNS_SERVERS);
    if (this.maxMessageSize) len += 4;
    if (this.parameterCount > 0) len += 2 + <u32>min(this.parameterCount, DHCP_MAX_PARAMETERS);
    const hostname = this.hostname;
    if (hostname && hostname.length > 0) len += 2 + <u32>min(hostname.length, 255); // `!== null` calls String.__ne
    return max(len, DHCP_MIN_LEN);
  }

  /** Writes this into `packet`, which must hold at least bufferLen() bytes; the view's length is left alone. */
  emit(packet: DhcpPacket): void {
    const total = this.bufferLen();
    if (packet.len < total) unreachable(); // a buffer shorter than bufferLen(): a bug of the caller's
    const p = packet.ptr;
    memory.fill(p, 0, total);
    packet.op = isReply(this.messageType) ? OP_REPLY : OP_REQUEST;
    packet.htype = HTYPE_ETHERNET;
    packet.hlen = HLEN_ETHERNET;
    packet.xid = this.xid;
    packet.secs = this.secs;
    packet.flags = this.broadcast ? DHCP_FLAG_BROADCAST : 0;
    packet.clientIp = this.clientIp;
    packet.yourIp = this.yourIp;
    packet.serverIp = this.serverIp;
    packet.relayIp = this.relayIp;
    packet.clientMac = this.clientMac;
    packet.magic = DHCP_MAGIC;
    let at = p + DHCP_HEADER_LEN;
    store<u8>(at, DhcpOption.MessageType);
    store<u8>(at + 1, 1);
    store<u8>(at + 2, <u8>this.messageType);
    at += 3;
    if (this.clientIdentifier) {
      store<u8>(at, DhcpOption.ClientIdentifier);
      store<u8>(at + 1, 7);
      store<u8>(at + 2, HTYPE_ETHERNET);
      storeMac(at + 3, this.clientIdentifier);
      at += 9;
    }
    const words = this.words();
    for (let i = 0; i < WORD_OPTION_COUNT; i++) {
      const value = load<u32>(words + ((<usize>i) << 2));
      if (!value) continue;
      store<u8>(at, load<u8>(WORD_OPTIONS + i));
      store<u8>(at + 1, 4);
      store32(at + 2, value);
      at += 6;
    }
    if (this.dnsServerCount > 0) {
      const n = min(this.dnsServerCount, DHCP_MAX_DNS_SERVERS);
      store<u8>(at, DhcpOption.DnsServer);
      store<u8>(at + 1, <u8>(4 * n));
      for (let i = 0; i < n; i++) store32(at + 2 + ((<usize>i) << 2), unchecked(this.dnsServers[i]));
      at += 2 + 4 * <usize>n;
    }
    if (this.maxMessageSize) {
      store<u8>(at, DhcpOption.MaxMessageSize);
      store<u8>(at + 1, 2);
      store16(at + 2, this.maxMessageSize);
      at += 4;
    }
    if (this.parameterCount > 0) {
      const n = min(this.parameterCount, DHCP_MAX_PARAMETERS);
      store<u8>(at, DhcpOption.ParameterRequestList);
      store<u8>(at + 1, <u8>n);
      for (let i = 0; i < n; i++) store<u8>(at + 2 + i, unchecked(this.parameters[i]));
      at += 2 + <usize>n;
    }
    const hostname = this.hostname;
    if (hostname && hostname.length > 0) {
      const n = min(hostname.length, 255);
      store<u8>(at, DhcpOption.Hostname);
      store<u8>(at + 1, <u8>n);
      for (let i = 0; i < n; i++) store<u8>(at + 2 + i, <u8>hostname.charCodeAt(i)); // ASCII
      at += 2 + <usize>n;
    }
    store<u8>(at, DhcpOption.End); // the rest is already zero: pad options
  }

  // The address of the first of the WORD_OPTION_COUNT consecutive u32 fields, requestedIp..router.
  @inline private words(): usize {
    return changetype<usize>(this) + offsetof<DhcpRepr>("requestedIp");
  }

  /** Replaces the parameter request list with `codes` (at most DHCP_MAX_PARAMETERS are kept). */
  requestParameters(codes: StaticArray<u8>): void {
    const n = min(codes.length, DHCP_MAX_PARAMETERS);
    for (let i = 0; i < n; i++) this.parameters[i] = codes[i];
    this.parameterCount = n;
  }
}

// OFFER, ACK and NAK come from servers (BOOTREPLY); the rest from clients (BOOTREQUEST).
function isReply(type: DhcpMessageType): bool {
  return type == DhcpMessageType.Offer || type == DhcpMessageType.Ack || type == DhcpMessageType.Nak;
}

// The options of one 32-bit value, in the order of their fields (requestedIp..router) and of emit.
const WORD_OPTIONS = memory.data<u8>([
  <u8>DhcpOption.RequestedIp,
  <u8>DhcpOption.ServerIdentifier,
  <u8>DhcpOption.LeaseTime,
  <u8>DhcpOption.RenewalTime,
  <u8>DhcpOption.RebindingTime,
  <u8>DhcpOption.SubnetMask,
  <u8>DhcpOption.Router,
]);
const WORD_OPTION_COUNT = 7;

// The index of `code` in WORD_OPTIONS, or -1.
function wordOption(code: u32): i32 {
  for (let i = 0; i < WORD_OPTION_COUNT; i++) if (<u32>load<u8>(WORD_OPTIONS + i) == code) return i;
  return -1;
}
