// The ARP cache: lookups by time, refresh, eviction order, refused addresses, request rate limiting, an ARP storm.

import {
  ArpCache,
  ARP_REQUEST_SLOTS,
  isArpCacheableIp,
  isArpCacheableMac,
} from "@tessera/net/assembly/iface/arp-cache";
import { expect, runTests, test } from "@tessera/test/assembly";

const S: i64 = 1_000_000_000; // one second in ns
const IP_A: u32 = 0x0a4d0001; // 10.77.0.1
const IP_B: u32 = 0x0a4d0002; // 10.77.0.2
const IP_C: u32 = 0x0a4d0003; // 10.77.0.3
const MAC_A: u64 = 0x020000000001;
const MAC_B: u64 = 0x020000000002;
const MAC_C: u64 = 0x020000000003;

// A bijection on u32 (xorshift-multiply rounds are invertible), so distinct inputs give distinct addresses.
function mix(x: u32): u32 {
  x ^= x >> 16;
  x *= 0x7feb352d;
  x ^= x >> 15;
  x *= 0x846ca68b;
  x ^= x >> 16;
  return x;
}

// A unicast, non-zero MAC derived from `x`.
function macOf(x: u32): u64 {
  return (((<u64>mix(x ^ 0x5bd1e995)) << 16) | 0x0200) & 0xfeffffffffff;
}

test("an inserted address is found until its ttl runs out", () => {
  const cache = new ArpCache(4, 10 * S, S);
  expect(cache.lookup(IP_A, 0), -1, "empty");
  expect(cache.insert(IP_A, MAC_A, 5 * S), true);
  expect(cache.size, 1);
  expect(cache.lookup(IP_A, 5 * S), <i64>MAC_A);
  expect(cache.lookup(IP_A, 15 * S - 1), <i64>MAC_A, "one ns before expiry");
  expect(cache.lookup(IP_A, 15 * S), -1, "at expiry");
  expect(cache.lookup(IP_B, 5 * S), -1, "another address");
  expect(cache.size, 1, "an expired entry stays until expire");
});

test("insert refreshes an entry's MAC and expiry, also once expired", () => {
  const cache = new ArpCache(4, 10 * S, S);
  cache.insert(IP_A, MAC_A, 0);
  expect(cache.insert(IP_A, MAC_B, 8 * S), true);
  expect(cache.size, 1, "refreshed, not added");
  expect(cache.lookup(IP_A, 12 * S), <i64>MAC_B, "new MAC, later expiry");
  expect(cache.lookup(IP_A, 18 * S), -1);
  cache.insert(IP_A, MAC_C, 30 * S);
  expect(cache.size, 1);
  expect(cache.lookup(IP_A, 30 * S), <i64>MAC_C, "an expired entry is revived");
});

test("update refreshes a known address but does not add a stranger", () => {
  const cache = new ArpCache(4, 10 * S, S);
  expect(cache.update(IP_A, MAC_A, 0), false);
  expect(cache.size, 0);
  cache.insert(IP_A, MAC_A, 0);
  expect(cache.update(IP_A, MAC_B, 5 * S), true);
  expect(cache.lookup(IP_A, 14 * S), <i64>MAC_B);
  expect(cache.update(IP_A, 0xffffffffffff, 5 * S), false, "broadcast MAC");
  expect(cache.lookup(IP_A, 14 * S), <i64>MAC_B);
});

test("expire removes exactly the expired entries and pollAt names the next expiry", () => {
  const cache = new ArpCache(4, 10 * S, S);
  expect(cache.pollAt(), i64.MAX_VALUE, "empty");
  cache.insert(IP_A, MAC_A, 0);
  cache.insert(IP_B, MAC_B, 3 * S);
  cache.insert(IP_C, MAC_C, 1 * S);
  expect(cache.pollAt(), 10 * S);
  expect(cache.expire(10 * S - 1), 0);
  expect(cache.size, 3);
  expect(cache.expire(11 * S), 2, "A and C");
  expect(cache.size, 1);
  expect(cache.lookup(IP_B, 11 * S), <i64>MAC_B);
  expect(cache.lookup(IP_A, 0), -1, "removed, even at an earlier time");
  expect(cache.pollAt(), 13 * S);
  expect(cache.expire(13 * S), 1);
  expect(cache.size, 0);
  expect(cache.pollAt(), i64.MAX_VALUE);
});

test("a full cache evicts the entry expiring soonest", () => {
  const cache = new ArpCache(3, 10 * S, S);
  cache.insert(IP_A, MAC_A, 2 * S); // expires at 12
  cache.insert(IP_B, MAC_B, 0); // expires at 10
  cache.insert(IP_C, MAC_C, 1 * S); // expires at 11
  cache.insert(IP_B, MAC_B, 3 * S); // refreshed: 13, now C expires soonest
  expect(cache.evicted, 0);
  expect(cache.insert(0x0a4d0004, 0x020000000004, 4 * S), true);
  expect(cache.size, 3);
  expect(cache.evicted, 1);
  expect(cache.lookup(IP_C, 4 * S), -1, "C evicted");
  expect(cache.lookup(IP_A, 4 * S), <i64>MAC_A);
  expect(cache.lookup(IP_B, 4 * S), <i64>MAC_B);
  expect(cache.lookup(0x0a4d0004, 4 * S), 0x020000000004);
  cache.insert(0x0a4d0005, 0x020000000005, 5 * S);
  expect(cache.lookup(IP_A, 5 * S), -1, "then A (12)");
  expect(cache.lookup(IP_B, 5 * S), <i64>MAC_B);
  expect(cache.evicted, 2);
});

test("a full cache evicts an expired entry before a live one", () => {
  const cache = new ArpCache(2, 10 * S, S);
  cache.insert(IP_A, MAC_A, 0); // expired from 10
  cache.insert(IP_B, MAC_B, 15 * S);
  cache.insert(IP_C, MAC_C, 16 * S);
  expect(cache.lookup(IP_B, 16 * S), <i64>MAC_B);
  expect(cache.lookup(IP_C, 16 * S), <i64>MAC_C);
  expect(cache.size, 2);
});

test("refuses zero, broadcast and multicast addresses and zero or group MACs", () => {
  const cache = new ArpCache(8, 10 * S, S);
  expect(cache.insert(0, MAC_A, 0), false, "0.0.0.0");
  expect(cache.insert(0xffffffff, MAC_A, 0), false, "255.255.255.255");
  expect(cache.insert(0xe0000001, MAC_A, 0), false, "224.0.0.1");
  expect(cache.insert(0xefffffff, MAC_A, 0), false, "239.255.255.255");
  expect(cache.insert(IP_A, 0, 0), false, "zero MAC");
  expect(cache.insert(IP_A, 0xffffffffffff, 0), false, "broadcast MAC");
  expect(cache.insert(IP_A, 0x01005e000001, 0), false, "IPv4 multicast MAC");
  expect(cache.insert(IP_A, 0x333300000001, 0), false, "IPv6 multicast MAC");
  expect(cache.insert(IP_A, 0x1020000000001, 0), false, "more than 48 bits");
  expect(cache.size, 0);
  expect(cache.lookup(0, 0), -1);
  // Just outside the refused ranges.
  expect(cache.insert(0xdfffffff, MAC_A, 0), true, "223.255.255.255");
  expect(cache.insert(0xf0000001, MAC_B, 0), true, "240.0.0.1");
  expect(cache.insert(1, MAC_C, 0), true, "0.0.0.1");
  expect(cache.insert(IP_A, 0xfeffffffffff, 0), true, "the highest unicast MAC");
  expect(cache.size, 4);
  expect(isArpCacheableIp(0xe0000000), false);
  expect(isArpCacheableMac(0x020000000000), true);
});

test("remove forgets an address", () => {
  const cache = new ArpCache(4, 10 * S, S);
  cache.insert(IP_A, MAC_A, 0);
  cache.insert(IP_B, MAC_B, 0);
  expect(cache.remove(IP_A), true);
  expect(cache.remove(IP_A), false);
  expect(cache.lookup(IP_A, 0), -1);
  expect(cache.lookup(IP_B, 0), <i64>MAC_B);
  expect(cache.size, 1);
});

test("requests are rate limited to one per retry per address", () => {
  const cache = new ArpCache(4, 10 * S, S);
  expect(cache.shouldRequest(IP_A, 0), true);
  expect(cache.shouldRequest(IP_A, 0), false, "again at once");
  expect(cache.shouldRequest(IP_A, S - 1), false, "before retry");
  expect(cache.shouldRequest(IP_B, S / 2), true, "another address is not limited by A");
  expect(cache.shouldRequest(IP_A, S), true, "after retry");
  expect(cache.shouldRequest(IP_A, S + 1), false);
  expect(cache.shouldRequest(IP_B, S + 1), false, "B was asked at 0.5 s");
  expect(cache.shouldRequest(IP_B, S + S / 2), true);
});

test("no request for a resolved or refused address; a resolved one may be asked again once expired", () => {
  const cache = new ArpCache(4, 10 * S, S);
  expect(cache.shouldRequest(IP_A, 0), true);
  cache.insert(IP_A, MAC_A, S / 2);
  expect(cache.shouldRequest(IP_A, 2 * S), false, "resolved");
  expect(cache.shouldRequest(IP_A, 10 * S + S / 2), true, "expired");
  expect(cache.shouldRequest(0, 0), false);
  expect(cache.shouldRequest(0xffffffff, 0), false);
  expect(cache.shouldRequest(0xe00000fb, 0), false);
});

test("an insert clears the address's request time", () => {
  const cache = new ArpCache(4, 10 * S, S);
  expect(cache.shouldRequest(IP_A, 0), true);
  cache.insert(IP_A, MAC_A, 0);
  cache.remove(IP_A);
  expect(cache.shouldRequest(IP_A, 1), true, "asked at 0, but answered since");
});

test("at most ARP_REQUEST_SLOTS requests per retry across many addresses", () => {
  const cache = new ArpCache(4, 10 * S, S);
  let sent = 0;
  for (let i: u32 = 1; i <= 1000; i++) if (cache.shouldRequest(0x0a000000 + i, <i64>i)) sent++;
  expect(sent, ARP_REQUEST_SLOTS, "within the first second");
  expect(cache.shouldRequest(0x0a000001, 2000), false, "the first address is still limited");
  expect(cache.shouldRequest(0x0a000001, S + 1), true, "asked at 1 ns: free to ask again from retry + 1");
  expect(cache.shouldRequest(0x0b000001, S + 1), false, "the other 15 slots were taken at 2..16 ns");
  expect(cache.shouldRequest(0x0b000001, S + 2), true, "the one taken at 2 ns is stale now");
  cache.expire(3 * S);
  sent = 0;
  for (let i: u32 = 1; i <= 100; i++) if (cache.shouldRequest(0x0c000000 + i, 3 * S)) sent++;
  expect(sent, ARP_REQUEST_SLOTS, "all slots free again");
});

test("an ARP storm of 100,000 distinct addresses keeps size and memory bounded", () => {
  const cache = new ArpCache(64, 60 * S, S);
  const total: u32 = 100_000;
  const warmUp: u32 = 1000;
  let pages: i32 = 0;
  let stored: u32 = 0;
  let requested: i32 = 0;
  for (let i: u32 = 0; i < total; i++) {
    if (i == warmUp) pages = memory.size();
    const now = <i64>i * 1000; // 1 µs apart: 100 ms in all, so nothing expires by time
    const ip = mix(i);
    if (cache.insert(ip, macOf(i), now)) stored++;
    if (cache.shouldRequest(mix(i + total), now)) requested++;
    if (cache.size > cache.capacity) expect(cache.size, cache.capacity, "size after insert " + i.toString());
  }
  expect(memory.size(), pages, "memory pages after warm-up");
  expect(cache.size, 64);
  expect(cache.evicted, <u64>(stored - 64));
  expect(requested, ARP_REQUEST_SLOTS, "requests in 100 ms");
  // The newest 64 stored addresses survive (the soonest to expire are the oldest).
  let found = 0;
  const now = <i64>total * 1000;
  for (let i: i32 = <i32>total - 1; i >= 0 && found < 64; i--) {
    const ip = mix(<u32>i);
    if (!isArpCacheableIp(ip)) continue;
    expect(cache.lookup(ip, now), <i64>macOf(<u32>i), "address " + i.toString());
    found++;
  }
  expect(found, 64);
  expect(cache.lookup(mix(0), now), -1, "the first is long evicted");
});

export function _start(): void {
  runTests();
}
