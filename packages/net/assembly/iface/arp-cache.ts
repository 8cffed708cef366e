// The ARP neighbour cache: IPv4 address -> MAC with expiry, and per-address rate limiting of ARP requests.
//
// No I/O, no clock: every method that needs the time takes `now` (monotonic ns). All storage is
// allocated by the constructor; nothing after it allocates, so an ARP storm cannot grow memory.
//
// Layout: parallel fixed arrays, live entries packed at the front (removal swaps in the last):
//
//   ips      [ ip0 | ip1 | ... | ip(count-1) | free ... ]   u32, host byte order
//   macs     [ mac0| mac1| ... ]                            u64, 48 bits used
//   expiries [ t0  | t1  | ... ]                            i64 ns; valid while now < t
//
// Lookup, insert and eviction are linear scans. At the default 64 entries that is 256 contiguous
// bytes of addresses, cheaper and simpler than hashing; a cache of thousands would want a hash.
//
// Request rate limiting lives in a second small fixed table (ARP_REQUEST_SLOTS entries of address
// and time sent), kept apart so that unanswered requests never evict resolved neighbours.

import { isMulticast } from "../wire/ethernet";

/** Entries in an `ArpCache`'s request table: at most this many ARP requests go out per `retry`. */
export const ARP_REQUEST_SLOTS: i32 = 16;
/** Default lifetime of a cache entry: 60 s (ns). */
export const ARP_DEFAULT_TTL: i64 = 60_000_000_000;
/** Default minimum interval between two ARP requests for one address: 1 s (ns). */
export const ARP_DEFAULT_RETRY: i64 = 1_000_000_000;

/** True if `ip` (host order) may be resolved and cached: not 0.0.0.0, 255.255.255.255 or multicast 224.0.0.0/4. */
export function isArpCacheableIp(ip: u32): bool {
  return ip != 0 && ip != 0xffffffff && ip >> 28 != 0xe;
}

/** True if `mac` may be cached for a neighbour: 48 bits, not zero, not a group (multicast or broadcast) address. */
export function isArpCacheableMac(mac: u64): bool {
  return mac != 0 && mac >> 48 == 0 && !isMulticast(mac);
}

/**
 * A bounded ARP cache. `lookup` answers from entries younger than `ttl`; `insert` adds or refreshes
 * one and, when full, evicts the entry expiring soonest; `shouldRequest` says when to send an ARP
 * request. Addresses are IPv4 in host byte order; MACs are the low 48 bits of a u64.
 */
export class ArpCache {
  private ips: StaticArray<u32>;
  private macs: StaticArray<u64>;
  private expiries: StaticArray<i64>;
  private count: i32 = 0;
  private requestIps: StaticArray<u32>;
  private requestTimes: StaticArray<i64>;
  private ttl: i64;
  private retry: i64;
  private evictedCount: u64 = 0;

  /** A cache of `capacity` entries (at least 1) living `ttl` ns, with ARP requests at most every `retry` ns per address. */
  constructor(capacity: i32 = 64, ttl: i64 = ARP_DEFAULT_TTL, retry: i64 = ARP_DEFAULT_RETRY) {
    const n = max(capacity, 1);
    this.ips = new StaticArray<u32>(n);
    this.macs = new StaticArray<u64>(n);
    this.expiries = new StaticArray<i64>(n);
    this.requestIps = new StaticArray<u32>(ARP_REQUEST_SLOTS); // 0: a free slot (0 is never requested)
    this.requestTimes = new StaticArray<i64>(ARP_REQUEST_SLOTS);
    this.ttl = max(ttl, 0);
    this.retry = max(retry, 0);
  }

  /** Entries held, including expired ones not yet removed by `expire` (they no longer answer `lookup`). */
  get size(): i32 {
    return this.count;
  }

  /** Most entries the cache holds. */
  get capacity(): i32 {
    return this.ips.length;
  }

  /** Entries evicted by `insert` to make room (a high rate means the cache is too small or under attack). */
  get evicted(): u64 {
    return this.evictedCount;
  }

  /** The MAC of `ip` if known and not expired at `now`, else -1. */
  lookup(ip: u32, now: i64): i64 {
    const i = this.find(ip);
    if (i < 0 || now >= unchecked(this.expiries[i])) return -1;
    return <i64>unchecked(this.macs[i]);
  }

  /**
   * Adds `ip` at `mac`, valid until `now + ttl`, or refreshes it if present (also if expired).
   * When full, evicts the entry expiring soonest (an expired one first). Refuses, returning false,
   * an address `isArpCacheableIp` rejects or a MAC `isArpCacheableMac` rejects.
   */
  insert(ip: u32, mac: u64, now: i64): bool {
    if (!isArpCacheableIp(ip) || !isArpCacheableMac(mac)) return false;
    let i = this.find(ip);
    if (i < 0) {
      if (this.count < this.ips.length) {
        i = this.count++;
      } else {
        i = this.soonest();
        this.evictedCount++;
      }
      unchecked((this.ips[i] = ip));
    }
    this.store(i, mac, now);
    return true;
  }

  /**
   * Refreshes `ip` with `mac` only if it is already cached (RFC 826's merge: a sender we know is
   * updated, a stranger is not added); true if it was. Refuses what `insert` refuses.
   */
  update(ip: u32, mac: u64, now: i64): bool {
    if (!isArpCacheableMac(mac)) return false;
    const i = this.find(ip);
    if (i < 0) return false;
    this.store(i, mac, now);
    return true;
  }

  /** Forgets `ip` and its request time; true if it was cached. */
  remove(ip: u32): bool {
    this.forgetRequest(ip);
    const i = this.find(ip);
    if (i < 0) return false;
    this.removeAt(i);
    return true;
  }

  /**
   * Whether to send an ARP request for `ip` now; if true, records it as sent at `now`. False for an
   * address already resolved, one `isArpCacheableIp` rejects, one requested less than `retry` ago,
   * and when `ARP_REQUEST_SLOTS` other addresses were all requested less than `retry` ago (so a
   * flood of unresolvable destinations sends at most that many requests per `retry`).
   */
  shouldRequest(ip: u32, now: i64): bool {
    if (!isArpCacheableIp(ip) || this.lookup(ip, now) >= 0) return false;
    const ips = this.requestIps;
    const times = this.requestTimes;
    let slot = -1;
    for (let i = 0; i < ARP_REQUEST_SLOTS; i++) {
      const other = unchecked(ips[i]);
      const stale = other == 0 || now - unchecked(times[i]) >= this.retry;
      if (other == ip) {
        if (!stale) return false;
        slot = i;
        break;
      }
      if (stale && slot < 0) slot = i;
    }
    if (slot < 0) return false;
    unchecked((ips[slot] = ip));
    unchecked((times[slot] = now));
    return true;
  }

  /** Removes the entries expired at `now` and frees request slots older than `retry`; returns the entries removed. */
  expire(now: i64): i32 {
    let removed = 0;
    let i = 0;
    while (i < this.count) {
      if (now >= unchecked(this.expiries[i])) {
        this.removeAt(i); // the last entry moves to i; look at it next
        removed++;
      } else {
        i++;
      }
    }
    const ips = this.requestIps;
    for (let j = 0; j < ARP_REQUEST_SLOTS; j++) {
      if (unchecked(ips[j]) != 0 && now - unchecked(this.requestTimes[j]) >= this.retry) unchecked((ips[j] = 0));
    }
    return removed;
  }

  /** When `expire` next has an entry to remove: the earliest expiry, or `i64.MAX_VALUE` if the cache is empty. */
  pollAt(): i64 {
    let at = i64.MAX_VALUE;
    for (let i = 0; i < this.count; i++) at = min(at, unchecked(this.expiries[i]));
    return at;
  }

  // Index of `ip` among the live entries, or -1.
  private find(ip: u32): i32 {
    const ips = this.ips;
    for (let i = 0, n = this.count; i < n; i++) if (unchecked(ips[i]) == ip) return i;
    return -1;
  }

  // Index of the live entry expiring soonest (the first of equals); the cache is not empty.
  private soonest(): i32 {
    const expiries = this.expiries;
    let best = 0;
    for (let i = 1, n = this.count; i < n; i++) if (unchecked(expiries[i]) < unchecked(expiries[best])) best = i;
    return best;
  }

  // Sets entry i's MAC and expiry, and clears its request slot: a new request may go out once it expires.
  private store(i: i32, mac: u64, now: i64): void {
    unchecked((this.macs[i] = mac));
    const until = now + this.ttl;
    unchecked((this.expiries[i] = until < now ? i64.MAX_VALUE : until)); // saturate, never wrap into the past
    this.forgetRequest(unchecked(this.ips[i]));
  }

  private removeAt(i: i32): void {
    const last = --this.count;
    unchecked((this.ips[i] = this.ips[last]));
    unchecked((this.macs[i] = this.macs[last]));
    unchecked((this.expiries[i] = this.expiries[last]));
  }

  private forgetRequest(ip: u32): void {
    const ips = this.requestIps;
    for (let i = 0; i < ARP_REQUEST_SLOTS; i++) if (unchecked(ips[i]) == ip) unchecked((ips[i] = 0));
  }
}
