// A DNS stub resolver for A records: one query at a time to the interface's DNS server over UDP, with retries.
//
// It does no I/O of its own (queries leave through Interface.sendUdp, replies arrive as a UdpHandler) and reads
// no clock (time is passed in; poll/pollAt drive the retries). One query is in flight per resolver; an app that
// wants more lookups at once makes more resolvers (each binds its own port).
//
//   resolve(name) ── bind a random port 49152..65535, random id ──> query ──> server:53
//        │                                                          │ no reply by the deadline: resend
//        │    (same port and id; deadlines timeout, 2x, 4x, ...)    │ after `tries` tries: Timeout
//        ▼                                                          ▼
//   reply from server:53 to our port, with our id and our question ──> resolved / failed, port unbound
//
// Replies from another address or port, with another id or question, are counted and ignored (RFC 5452), as
// are matching replies that do not parse (remembered: if every try then times out, the failure is Malformed).
// A truncated reply (TC) is used when its complete answers hold an A record for the name; otherwise the
// lookup fails with Truncated: the full answer needs DNS over TCP, which this stack does not have yet.
// CNAME chains are followed within the reply by DnsRepr. Buffers are allocated once, with the resolver; a
// query allocates only the interface's record of the bound port.

import { Drop } from "../wire/drop";
import { DNS_HEADER_LEN, DNS_NAME_MAX, DNS_PORT, DnsPacket, DnsRcode, DnsType, DnsClass } from "../wire/dns";
import { DnsRepr } from "../wire/dns-repr";
import { Interface } from "../iface/interface";
import { UdpHandler, UdpSocket } from "./udp";
import { DnsError, DnsHandler } from "./dns-handler";
import { random64 } from "../entropy";

export * from "./dns-handler";

/** The wait for the first reply; each retry waits twice as long as the one before. */
export const DNS_TIMEOUT: i64 = 1_000_000_000;
/** How many times a query is sent before the lookup times out. */
export const DNS_TRIES: i32 = 3;
/** The first port of the ephemeral range the resolver binds (RFC 6335): 49152..65535. */
export const DNS_EPHEMERAL_FIRST: u32 = 49152;

const EPHEMERAL_COUNT: u32 = 16384; // 49152..65535
const QUERY_MAX: u32 = DNS_HEADER_LEN + DNS_NAME_MAX + 4; // header, one question (name, type, class)

/** A stub resolver for A records over one interface, one lookup at a time. */
export class DnsResolver extends UdpHandler {
  /** How long to wait for the first reply, in ns; retry n waits `timeout << n`. */
  timeout: i64 = DNS_TIMEOUT;
  /** How many times to send a query before failing with Timeout (at least 1). */
  tries: i32 = DNS_TRIES;

  /** Queries started. */
  queries: u64 = 0;
  /** Queries sent again after a timeout. */
  retransmits: u64 = 0;
  /** Replies ignored because they came from another address or port than the server's port 53. */
  ignoredSource: u64 = 0;
  /** Replies ignored because they were not responses or carried another id. */
  ignoredId: u64 = 0;
  /** Replies ignored because they asked another question. */
  ignoredQuestion: u64 = 0;
  /** Replies from the server with our id that did not parse (ignored). */
  malformed: u64 = 0;

  private handler: DnsHandler | null = null;
  private name: string = "";
  private socket: UdpSocket | null = null;
  private server: u32 = 0;
  private sent: i32 = 0; // tries so far
  private deadline: i64 = i64.MAX_VALUE;
  private sawMalformed: bool = false;
  private readonly query: DnsRepr = new DnsRepr();
  private readonly reply: DnsRepr = new DnsRepr();
  private readonly packet: DnsPacket = new DnsPacket();
  private readonly buffer: StaticArray<u8> = new StaticArray<u8>(<i32>QUERY_MAX);
  private queryLen: u32 = 0;

  constructor(
    /** The interface queries go out on; its `config.dns` is the server. */
    readonly iface: Interface,
  ) {
    super();
  }

  /** Whether a lookup is in flight. */
  get busy(): bool {
    return this.handler !== null;
  }

  /** The local port of the lookup in flight, 0 when idle. */
  get port(): u32 {
    const s = this.socket;
    return s ? s.port : 0;
  }

  /** The id of the lookup in flight (meaningful while busy). */
  get id(): u32 {
    return this.query.id;
  }

  /**
   * Starts looking up the A records of the dotted `name` ("example.com"); `handler` hears the result from a
   * later `datagram` or `poll`. Returns false, having called `handler.failed`, if the lookup cannot start:
   * Busy (a lookup is in flight), BadName, NoServer, NoRoute. A query the interface cannot send or queue
   * now is retried on the next timeout like a lost one.
   */
  resolve(name: string, handler: DnsHandler, now: i64): bool {
    if (this.handler) return this.refuse(name, handler, DnsError.Busy);
    const query = this.query;
    if (query.setName(name) != Drop.Ok) return this.refuse(name, handler, DnsError.BadName);
    const config = this.iface.config;
    const server = config.dns;
    if (server == 0) return this.refuse(name, handler, DnsError.NoServer);
    if (!config.configured || (!config.cidr.contains(server) && config.gateway == 0))
      return this.refuse(name, handler, DnsError.NoRoute);
    const r = random64(); // the id and the port, from the host's entropy (RFC 5452)
    const socket = this.bindEphemeral(<u32>(r >> 16));
    if (!socket) return this.refuse(name, handler, DnsError.Busy); // all 16384 ephemeral ports taken

    query.id = (<u32>r) & 0xffff;
    query.response = false;
    query.opcode = 0;
    query.authoritative = query.truncated = query.recursionAvailable = false;
    query.recursionDesired = true;
    query.rcode = 0;
    query.questionType = DnsType.A;
    query.questionClass = DnsClass.IN;
    this.queryLen = query.bufferLen();
    query.emit(this.packet.wrap(changetype<usize>(this.buffer), this.queryLen));

    this.handler = handler;
    this.name = name;
    this.socket = socket;
    this.server = server;
    this.sent = 0;
    this.sawMalformed = false;
    this.queries++;
    this.send(now);
    return true;
  }

  /** Abandons the lookup in flight, if any, without calling its handler; its replies are no longer taken. */
  cancel(): void {
    const socket = this.socket;
    if (socket) this.iface.unbindUdp(socket);
    this.socket = null;
    this.handler = null;
    this.name = "";
    this.deadline = i64.MAX_VALUE;
  }

  /** Resends the query, or fails the lookup with Timeout, when its deadline has passed. */
  poll(now: i64): void {
    if (!this.handler || now < this.deadline) return;
    if (this.sent < max(this.tries, 1)) {
      this.retransmits++;
      this.send(now);
    } else {
      this.fail(this.sawMalformed ? DnsError.Malformed : DnsError.Timeout);
    }
  }

  /** When `poll` next has something to do: the lookup's deadline, or i64.MAX_VALUE when idle. */
  pollAt(): i64 {
    return this.handler ? this.deadline : i64.MAX_VALUE;
  }

  /** A datagram to the lookup's port (the interface calls this): a reply, if it matches the query. */
  datagram(srcAddr: u32, srcPort: u32, ptr: usize, len: u32, now: i64): void {
    if (!this.handler) return;
    if (srcAddr != this.server || srcPort != DNS_PORT) {
      this.ignoredSource++;
      return;
    }
    const packet = this.packet.wrap(ptr, len);
    if (packet.check() != Drop.Ok || !packet.response || packet.id != this.query.id) {
      this.ignoredId++;
      return;
    }
    const reply = this.reply;
    if (reply.parse(packet) != Drop.Ok) {
      this.malformed++;
      this.sawMalformed = true;
      return;
    }
    // Error replies (FORMERR above all) may leave the question out; any other reply must repeat ours.
    const bare = reply.nameLength == 0 && reply.rcode != DnsRcode.NoError;
    if (!bare && !reply.sameQuestion(this.query)) {
      this.ignoredQuestion++;
      return;
    }
    const rcode = reply.rcode;
    if (rcode == DnsRcode.NXDomain) return this.fail(DnsError.NotFound);
    if (rcode == DnsRcode.Refused) return this.fail(DnsError.Refused);
    if (rcode != DnsRcode.NoError) return this.fail(DnsError.ServerFailure);
    if (reply.addressCount > 0) return this.succeed();
    this.fail(reply.truncated ? DnsError.Truncated : DnsError.NoData);
  }

  /** An ICMP error for a query we sent: a closed port on the server fails the lookup at once. */
  unreachable(dstAddr: u32, dstPort: u32, code: u32, now: i64): void {
    if (this.handler && dstAddr == this.server && dstPort == DNS_PORT) this.fail(DnsError.Unreachable);
  }

  // Sends (or resends) the query and sets the deadline of this try.
  private send(now: i64): void {
    const wait = this.timeout << (<i64>min(this.sent, 30));
    this.sent++;
    this.deadline = now + wait;
    this.iface.sendUdp(this.port, this.server, DNS_PORT, changetype<usize>(this.buffer), this.queryLen, now);
  }

  // Binds a random free port of the ephemeral range: from `random`'s, then the next free one.
  private bindEphemeral(random: u32): UdpSocket | null {
    const start = random % EPHEMERAL_COUNT;
    for (let i: u32 = 0; i < EPHEMERAL_COUNT; i++) {
      const socket = this.iface.bindUdp(DNS_EPHEMERAL_FIRST + ((start + i) % EPHEMERAL_COUNT), this);
      if (socket) return socket;
    }
    return null;
  }

  // Ends the lookup with the reply's addresses.
  private succeed(): void {
    const handler = this.handler!;
    const name = this.name;
    const reply = this.reply;
    let ttl = u32.MAX_VALUE;
    for (let i = 0; i < reply.addressCount; i++) ttl = min(ttl, unchecked(reply.ttls[i]));
    this.cancel(); // idle before the call, so the handler may start another lookup
    handler.resolved(name, reply.addresses, reply.addressCount, ttl);
  }

  // Ends the lookup with `reason`.
  private fail(reason: DnsError): void {
    const handler = this.handler!;
    const name = this.name;
    this.cancel();
    handler.failed(name, reason);
  }

  // Tells `handler` a lookup could not start; returns false for resolve.
  private refuse(name: string, handler: DnsHandler, reason: DnsError): bool {
    handler.failed(name, reason);
    return false;
  }
}
