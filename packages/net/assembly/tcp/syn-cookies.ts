// SYN cookies (RFC 4987 §3.6): the initial sequence number of a SYN-ACK sent without keeping
// state, from which the returning ACK rebuilds the SYN. The cookie is a 5-bit 64-second tick, a
// 3-bit index into eight MSS values, and 24 bits of SipHash over the 4-tuple, the tick and the
// client's ISN; it is good for the tick it was made in and the next. The endpoint decides when to
// send one and what a valid one makes (endpoint.ts).

import { TcpRepr, TCP_SYN } from "../wire/tcp";
import { SipHash } from "./siphash";

/** The MSS values a SYN cookie can carry (3 bits); the largest not above the peer's is chosen. */
const COOKIE_MSS: StaticArray<u32> = [216, 536, 1024, 1200, 1360, 1400, 1440, 1460];
/** A SYN cookie's clock ticks every 64 s; a cookie is good for the tick it was made in and the next. */
const COOKIE_TICK: i64 = 64_000_000_000;

// The cookie for the SYN from `src:srcPort` to `dst:dstPort` with sequence number `irs`, made in `tick`, carrying MSS index `mi`.
function cookie(sip: SipHash, dst: u32, dstPort: u32, src: u32, srcPort: u32, irs: u32, tick: u32, mi: u32): u32 {
  const h = <u32>sip.tuple(dst, dstPort, src, srcPort, ((<u64>0xc0) << 56) | ((<u64>(tick & 0xffffff)) << 32) | irs);
  return ((tick & 31) << 27) | (mi << 24) | (h & 0xffffff);
}

/** The initial sequence number of the SYN-ACK that answers `syn` (from `src` to `dst`) at `now` with a cookie. */
export function cookieFor(sip: SipHash, syn: TcpRepr, src: u32, dst: u32, now: i64): u32 {
  const peerMss = syn.options.hasMaxSegSize ? syn.options.maxSegSize : 536;
  let mi: u32 = 0;
  for (let i: u32 = 1; i < 8; i++) if (unchecked(COOKIE_MSS[i]) <= peerMss) mi = i;
  const tick = <u32>(now / COOKIE_TICK);
  return cookie(sip, dst, syn.dstPort, src, syn.srcPort, syn.seqNumber, tick, mi);
}

/** Whether the ACK `seg` (from `src` to `dst`) returns a cookie made at `now` or in the tick before. */
export function cookieReturned(sip: SipHash, seg: TcpRepr, src: u32, dst: u32, now: i64): bool {
  const c = seg.ackNumber - 1;
  const irs = seg.seqNumber - 1;
  const mi = (c >> 24) & 7;
  const nowTick = <u32>(now / COOKIE_TICK);
  for (let age: u32 = 0; age < 2; age++) {
    const tick = nowTick - age;
    if ((tick & 31) == c >> 27 && cookie(sip, dst, seg.dstPort, src, seg.srcPort, irs, tick, mi) == c) return true;
  }
  return false;
}

/** Fills `syn` with the SYN that the valid cookie ACK `seg` answers (its sequence number, window and the cookie's MSS); returns it. */
export function cookieSyn(seg: TcpRepr, syn: TcpRepr): TcpRepr {
  const mi = ((seg.ackNumber - 1) >> 24) & 7;
  syn.set(seg.srcPort, seg.dstPort, seg.seqNumber - 1, 0, TCP_SYN, seg.window);
  syn.options.hasMaxSegSize = true;
  syn.options.maxSegSize = unchecked(COOKIE_MSS[mi]); // (mi < 8)
  return syn;
}
