// What a DNS lookup ends in: the handler that hears the addresses or the reason it failed, and the reasons.

/** Why a lookup failed. */
export enum DnsError {
  /** The interface has no DNS server (`config.dns` is 0: give `dns=` or get one from DHCP). */
  NoServer = 1,
  /** The interface has no address, or no route (on-link or a gateway) to the server. */
  NoRoute,
  /** The name is not a valid DNS name (an empty or over-long label, non-ASCII, over 255 bytes). */
  BadName,
  /** The resolver already has a query in flight. */
  Busy,
  /** No reply after every try. */
  Timeout,
  /** NXDOMAIN: the name does not exist. */
  NotFound,
  /** The name exists but has no A record (NOERROR with no addresses, a "NODATA" answer). */
  NoData,
  /** SERVFAIL, or another error code the server gave (FORMERR, NOTIMP, ...). */
  ServerFailure,
  /** REFUSED: the server will not answer us. */
  Refused,
  /** TC set and no usable A record among the complete answers; the full answer needs TCP, which we lack. */
  Truncated,
  /** Every try timed out, and the only replies that matched our query could not be parsed. */
  Malformed,
  /** The server's host answered with ICMP port unreachable: no DNS server listens there. */
  Unreachable,
}

/** A short description of `error`, naming the DNS response code where there is one (for messages). */
export function dnsErrorName(error: DnsError): string {
  switch (error) {
    case DnsError.NoServer:
      return "no DNS server configured";
    case DnsError.NoRoute:
      return "no route to the DNS server";
    case DnsError.BadName:
      return "not a valid DNS name";
    case DnsError.Busy:
      return "the resolver is busy";
    case DnsError.Timeout:
      return "timed out";
    case DnsError.NotFound:
      return "not found (NXDOMAIN)";
    case DnsError.NoData:
      return "no A record";
    case DnsError.ServerFailure:
      return "server failure (SERVFAIL)";
    case DnsError.Refused:
      return "refused (REFUSED)";
    case DnsError.Truncated:
      return "truncated reply without answers (no TCP fallback)";
    case DnsError.Malformed:
      return "malformed reply";
    case DnsError.Unreachable:
      return "no DNS server at that address (port unreachable)";
    default:
      return "unknown error";
  }
}

/** Hears how one lookup ended: exactly one of its methods is called, once. */
export abstract class DnsHandler {
  /**
   * `name` has `count` (>= 1) IPv4 addresses, host order, in `addresses` (the resolver's buffer: valid only
   * during the call; copy what you keep), good for `ttl` seconds (the smallest TTL among them and the CNAMEs
   * that led to them). `name` is the string given to `resolve`.
   */
  abstract resolved(name: string, addresses: StaticArray<u32>, count: i32, ttl: u32): void;
  /** The lookup of `name` failed for `reason`. */
  abstract failed(name: string, reason: DnsError): void;
}
