// IPv4 reassembly: the captured fragmented ping in every order, overlap and length rules, slots, timeouts, floods.

import { Reassembler } from "@tessera/net/assembly/iface/reassembly";
import { Drop } from "@tessera/net/assembly/wire/drop";
import { IcmpPacket } from "@tessera/net/assembly/wire/icmpv4";
import {
  Ipv4Packet,
  Ipv4Repr,
  IPV4_HEADER_LEN,
  IP_PROTOCOL_ICMP,
  IP_PROTOCOL_UDP,
} from "@tessera/net/assembly/wire/ipv4";
import { expect, expectBytes, runTests, test } from "@tessera/test/assembly";
import { atMemoryEnd, fragmentedMessage, fragmentFrame } from "@tessera/net/assembly/__tests__/captures";

const SRC: u32 = 0x0a4d0001;
const DST: u32 = 0x0a4d0002;
const SECOND: i64 = 1_000_000_000;

const wire = new Array<u8>(<i32>IPV4_HEADER_LEN + 65535); // where `fragment` builds packets
const repr = new Ipv4Repr();
const view = new Ipv4Packet();

// Byte `at` of the payload of synthetic datagram `ident`.
function datagramByte(ident: u32, at: u32): u8 {
  return <u8>(at * 7 + ident);
}

// A fragment of datagram `ident` (UDP, SRC -> DST) in `wire`: payload bytes [offset, offset + len), each xor `flip`.
function fragment(ident: u32, offset: u32, len: u32, more: bool, flip: u8 = 0): Ipv4Packet {
  repr.srcAddr = SRC;
  repr.dstAddr = DST;
  repr.protocol = IP_PROTOCOL_UDP;
  repr.ident = ident;
  repr.moreFragments = more;
  repr.fragmentOffset = offset;
  repr.payloadLen = len;
  const p = view.wrap(wire.dataStart, IPV4_HEADER_LEN + len);
  repr.emit(p);
  const payload = p.payloadPtr();
  for (let i: u32 = 0; i < len; i++) store<u8>(payload + i, datagramByte(ident, offset + i) ^ flip);
  return p;
}

// Checks that `r` just completed datagram `ident` of `len` bytes with the right payload.
function expectDatagram(r: Reassembler, ident: u32, len: u32): void {
  expect(r.completed, true, "completed");
  expect(r.ident, ident, "ident");
  expect(r.srcAddr, SRC);
  expect(r.dstAddr, DST);
  expect(r.protocol, IP_PROTOCOL_UDP);
  expect(r.payloadLen(), len, "payload length");
  const ptr = r.payloadPtr();
  let i: u32 = 0;
  while (i < len && load<u8>(ptr + i) == datagramByte(ident, i)) i++;
  if (i < len) expect(load<u8>(ptr + i), datagramByte(ident, i), "payload byte " + i.toString());
}

// Offers captured fragment `n` (0, 1 or 2) of the 3000-byte ping to `r`.
function offerCaptured(r: Reassembler, n: i32, now: i64): Drop {
  const bytes = fragmentFrame(n).slice(14);
  return r.offer(view.wrap(bytes.dataStart, bytes.length), now);
}

// Checks that `r` just completed the captured ping, and that its ICMP checksum verifies.
function expectPing(r: Reassembler): void {
  expect(r.completed, true, "completed");
  expect(r.srcAddr, SRC);
  expect(r.dstAddr, DST);
  expect(r.protocol, IP_PROTOCOL_ICMP);
  expect(r.ident, 0xbf8d);
  expect(r.payloadLen(), 3008);
  expectBytes(r.payloadPtr(), r.payloadLen(), fragmentedMessage());
  const icmp = new IcmpPacket().wrap(r.payloadPtr(), r.payloadLen());
  expect(icmp.check(), Drop.Ok);
  expect(icmp.verifyChecksum(), true, "ICMP checksum");
  expect(icmp.echoIdent(), 0x10f7);
}

test("states its storage: slots × (maxDatagram + bitmap)", () => {
  expect(new Reassembler().storageBytes, <usize>(4 * (65535 + 1024)));
  expect(new Reassembler(2, 1024).storageBytes, <usize>(2 * (1024 + 16)));
  expect(new Reassembler(1, 100).storageBytes, <usize>(100 + 2));
  const clamped = new Reassembler(0, 100000);
  expect(clamped.slots, 1);
  expect(clamped.maxDatagram, 65535);
});

test("reassembles the captured ping in order", () => {
  const r = new Reassembler();
  expect(offerCaptured(r, 0, 0), Drop.Ok);
  expect(r.completed, false);
  expect(r.inProgress(), 1);
  expect(offerCaptured(r, 1, 1), Drop.Ok);
  expect(r.completed, false);
  expect(offerCaptured(r, 2, 2), Drop.Ok);
  expectPing(r);
  expect(r.inProgress(), 0);
  expect(r.reassembled, 1);
  expect(r.pollAt(), i64.MAX_VALUE);
});

test("reassembles the captured ping in reverse and in every shuffled order", () => {
  const orders: i32[] = [2, 1, 0, 1, 2, 0, 2, 0, 1, 0, 2, 1, 1, 0, 2];
  const r = new Reassembler();
  for (let o = 0; o < orders.length; o += 3) {
    for (let k = 0; k < 3; k++) {
      const n = orders[o + k];
      expect(offerCaptured(r, n, 0), Drop.Ok);
      expect(r.completed, k == 2, "order " + (o / 3).toString() + " step " + k.toString());
    }
    expectPing(r);
  }
  expect(r.reassembled, 5);
  expect(r.inProgress(), 0);
});

test("accepts duplicate fragments without counting them twice", () => {
  const r = new Reassembler();
  // 185 + 185 + 6 blocks would complete the 376-block datagram if duplicates counted.
  expect(offerCaptured(r, 0, 0), Drop.Ok);
  expect(offerCaptured(r, 0, 0), Drop.Ok);
  expect(offerCaptured(r, 2, 0), Drop.Ok);
  expect(r.completed, false);
  expect(offerCaptured(r, 2, 0), Drop.Ok);
  expect(r.completed, false);
  expect(r.inProgress(), 1);
  expect(offerCaptured(r, 1, 0), Drop.Ok);
  expectPing(r);
  expect(r.discarded, 0);
});

test("accepts overlapping fragments whose common bytes agree", () => {
  const r = new Reassembler();
  expect(r.offer(fragment(7, 8, 16, true), 0), Drop.Ok);
  expect(r.offer(fragment(7, 0, 16, true), 0), Drop.Ok); // overlaps 8..16
  expect(r.offer(fragment(7, 16, 13, false), 0), Drop.Ok); // overlaps 16..24, ends at 29
  expectDatagram(r, 7, 29);
  expect(r.discarded, 0);
});

test("discards a datagram whose overlapping bytes differ", () => {
  const r = new Reassembler();
  expect(r.offer(fragment(1, 0, 16, true), 0), Drop.Ok);
  expect(r.offer(fragment(1, 8, 16, true, 0x01), 0), Drop.Malformed);
  expect(r.discarded, 1);
  expect(r.inProgress(), 0);
  // The rest of it starts a new datagram, which lacks the first fragment.
  expect(r.offer(fragment(1, 24, 5, false), 0), Drop.Ok);
  expect(r.completed, false);
  expect(r.inProgress(), 1);
  // A conflict in the final fragment's partial last block counts too.
  expect(r.offer(fragment(1, 24, 5, false, 0x80), 0), Drop.Malformed);
  expect(r.discarded, 2);
  expect(r.inProgress(), 0);
  expect(r.reassembled, 0);
});

test("rejects a datagram larger than maxDatagram or than 65535 less the header", () => {
  const r = new Reassembler(2, 1024);
  expect(r.offer(fragment(3, 1016, 16, false), 0), Drop.BadLength);
  expect(r.offer(fragment(3, 1024, 8, true), 0), Drop.BadLength);
  expect(r.offer(fragment(3, 0, 1032, true), 0), Drop.BadLength);
  expect(r.inProgress(), 0, "nothing stored");
  expect(r.offer(fragment(3, 1016, 8, false), 0), Drop.Ok);
  expect(r.offer(fragment(3, 0, 1016, true), 0), Drop.Ok);
  expectDatagram(r, 3, 1024);
  const big = new Reassembler(1);
  expect(big.offer(fragment(4, 65512, 4, false), 0), Drop.BadLength, "65516 > 65535 - 20");
  expect(big.offer(fragment(4, 65512, 3, false), 0), Drop.Ok, "65515 = 65535 - 20");
});

test("rejects a non-final fragment whose length is not a positive multiple of 8", () => {
  const r = new Reassembler();
  expect(r.offer(fragment(5, 0, 12, true), 0), Drop.Malformed);
  expect(r.offer(fragment(5, 8, 1, true), 0), Drop.Malformed);
  expect(r.offer(fragment(5, 8, 0, true), 0), Drop.Malformed);
  expect(r.inProgress(), 0);
  expect(r.discarded, 0, "no datagram was discarded");
  // A final fragment may have any length.
  expect(r.offer(fragment(5, 8, 3, false), 0), Drop.Ok);
  expect(r.offer(fragment(5, 0, 8, true), 0), Drop.Ok);
  expectDatagram(r, 5, 11);
});

test("rejects what is not a checked fragment", () => {
  const r = new Reassembler();
  expect(r.offer(fragment(6, 0, 40, false), 0), Drop.Unsupported, "a whole datagram");
  const p = fragment(6, 0, 40, true);
  p.len = 50;
  expect(r.offer(p, 0), Drop.Truncated);
  expect(r.inProgress(), 0);
});

test("discards a datagram with two final fragments that disagree, or data past its end", () => {
  const r = new Reassembler();
  expect(r.offer(fragment(8, 0, 8, true), 0), Drop.Ok);
  expect(r.offer(fragment(8, 16, 4, false), 0), Drop.Ok);
  expect(r.offer(fragment(8, 16, 4, false), 0), Drop.Ok, "the same final fragment again");
  expect(r.offer(fragment(8, 24, 4, false), 0), Drop.Malformed, "a second end");
  expect(r.discarded, 1);
  expect(r.inProgress(), 0);
  // A final fragment ending before data already received.
  expect(r.offer(fragment(9, 16, 8, true), 0), Drop.Ok);
  expect(r.offer(fragment(9, 8, 4, false), 0), Drop.Malformed);
  expect(r.discarded, 2);
  // A fragment past the final end.
  expect(r.offer(fragment(10, 8, 4, false), 0), Drop.Ok);
  expect(r.offer(fragment(10, 8, 8, true), 0), Drop.Malformed);
  expect(r.discarded, 3);
  expect(r.inProgress(), 0);
  expect(r.reassembled, 0);
});

test("reassembles interleaved datagrams, told apart by ident, protocol and addresses", () => {
  const r = new Reassembler(4);
  expect(r.offer(fragment(20, 0, 24, true), 0), Drop.Ok);
  expect(r.offer(fragment(21, 16, 5, false), 0), Drop.Ok);
  // Same ident 20, but another protocol, then another source: two more datagrams.
  const other = fragment(20, 24, 8, false);
  other.setProtocol(IP_PROTOCOL_ICMP);
  expect(r.offer(other, 0), Drop.Ok);
  const stranger = fragment(20, 24, 8, false);
  stranger.setSrcAddr(0x0a4d0009);
  expect(r.offer(stranger, 0), Drop.Ok);
  expect(r.inProgress(), 4);
  expect(r.completed, false);
  expect(r.offer(fragment(21, 0, 16, true), 0), Drop.Ok);
  expectDatagram(r, 21, 21);
  expect(r.offer(fragment(20, 24, 6, false), 0), Drop.Ok);
  expectDatagram(r, 20, 30);
  expect(r.inProgress(), 2);
  expect(r.reassembled, 2);
  expect(r.evicted, 0);
});

test("evicts the oldest datagram when every slot is busy", () => {
  const r = new Reassembler(2);
  expect(r.offer(fragment(1, 0, 8, true), 100), Drop.Ok);
  expect(r.offer(fragment(2, 0, 8, true), 200), Drop.Ok);
  expect(r.offer(fragment(2, 8, 8, true), 50), Drop.Ok); // a later fragment does not renew datagram 2
  expect(r.offer(fragment(3, 0, 8, true), 300), Drop.Ok);
  expect(r.evicted, 1);
  expect(r.inProgress(), 2);
  // Datagram 1 was evicted: its last fragment starts anew, evicting datagram 2, and completes nothing.
  expect(r.offer(fragment(1, 8, 3, false), 400), Drop.Ok);
  expect(r.completed, false);
  expect(r.evicted, 2);
  // Datagram 3 survived.
  expect(r.offer(fragment(3, 8, 2, false), 500), Drop.Ok);
  expectDatagram(r, 3, 10);
  expect(r.inProgress(), 1);
});

test("expires incomplete datagrams after the timeout, when pollAt says", () => {
  const r = new Reassembler(4, 65535, 1000);
  expect(r.pollAt(), i64.MAX_VALUE);
  expect(r.offer(fragment(1, 0, 8, true), 100), Drop.Ok);
  expect(r.pollAt(), 1101);
  expect(r.offer(fragment(2, 0, 8, true), 500), Drop.Ok);
  expect(r.offer(fragment(2, 16, 8, false), 1000), Drop.Ok);
  expect(r.pollAt(), 1101, "the first fragment sets the deadline");
  expect(r.expire(1100), 0, "exactly the timeout has not passed");
  expect(r.inProgress(), 2);
  expect(r.expire(1101), 1);
  expect(r.timedOut, 1);
  expect(r.inProgress(), 1);
  expect(r.pollAt(), 1501);
  // A fragment of datagram 2 after its deadline: `offer` expires it first, so nothing completes.
  expect(r.offer(fragment(2, 8, 8, true), 1600), Drop.Ok);
  expect(r.completed, false);
  expect(r.timedOut, 2);
  expect(r.inProgress(), 1);
  expect(r.pollAt(), 2601);
  expect(r.expire(i64.MAX_VALUE), 1);
  expect(r.inProgress(), 0);
  expect(r.pollAt(), i64.MAX_VALUE);
  const never = new Reassembler(1, 64, i64.MAX_VALUE);
  expect(never.offer(fragment(1, 0, 8, true), 5), Drop.Ok);
  expect(never.pollAt(), i64.MAX_VALUE);
  expect(never.expire(i64.MAX_VALUE), 0);
  expect(never.inProgress(), 1);
});

let seed: u32 = 0x2545f491;

// xorshift32: a fixed sequence, so that a failure reproduces.
function random(): u32 {
  seed ^= seed << 13;
  seed ^= seed >> 17;
  seed ^= seed << 5;
  return seed;
}

const drops = new StaticArray<i32>(<i32>Drop.Count);

test("endless fragments keep memory and slots bounded and are counted", () => {
  const r = new Reassembler(4, 65535, SECOND / 10);
  let ident: u32 = 0;
  let now: i64 = 0;
  let pages: i32 = 0;
  let offered = 0;
  for (let round = 0; round < 6; round++) {
    for (let i = 0; i < 2000; i++) {
      // Mostly new idents, sometimes one still in progress (overlapping, maybe conflicting): never complete.
      const reuse = (random() & 3) == 0;
      const id = reuse ? ident - (random() & 3) : ++ident;
      const offset = (random() % 8000) << 3;
      const len = min(((random() % 185) + 1) << 3, 65512 - offset);
      const flip = <u8>(random() & 1);
      const reason = r.offer(fragment(id & 0xffff, offset, len, true, flip), now);
      drops[reason]++;
      offered++;
      expect(r.inProgress() <= r.slots, true);
      expect(r.completed, false);
      now += 10 * 1_000_000 * <i64>(random() & 7); // 0 to 70 ms
    }
    if (round == 0) pages = memory.size();
    else expect(memory.size(), pages, "pages after a round");
  }
  let total = 0;
  for (let k = 0; k < <i32>Drop.Count; k++) total += drops[k];
  expect(total, offered);
  expect(drops[Drop.Ok] + drops[Drop.Malformed], offered, "only stored or discarded");
  expect(<u64>drops[Drop.Malformed], r.discarded, "every Malformed here is a conflicting overlap");
  expect(r.reassembled, 0);
  expect(r.evicted > 1000, true);
  expect(r.timedOut > 0, true);
  expect(r.discarded > 0, true, "some reused idents conflicted");
  // Each new ident took a slot, which was evicted, expired or discarded, or is still in use.
  expect(r.evicted + r.timedOut + r.discarded + <u64>r.inProgress() >= <u64>ident, true, "every datagram accounted");
  const left = r.inProgress();
  expect(r.expire(now + SECOND), left);
  expect(r.inProgress(), 0);
});

test("stores a fragment at the very end of the largest datagram, and rejects one past it", () => {
  const r = new Reassembler(1);
  // Offset 65528, the largest: even an empty final fragment ends past 65535 - 20.
  for (let len: u32 = 0; len < 8; len++) {
    fragment(1, 65528, len, false);
    const p = view.wrap(atMemoryEnd(wire, <i32>(IPV4_HEADER_LEN + len)), IPV4_HEADER_LEN + len);
    expect(r.offer(p, 0), Drop.BadLength, "offset 65528 length " + len.toString());
  }
  expect(r.inProgress(), 0);
  // The last three bytes that fit, read from the end of memory, then the rest in two fragments.
  fragment(1, 65512, 3, false);
  expect(r.offer(view.wrap(atMemoryEnd(wire, 23), 23), 0), Drop.Ok);
  expect(r.offer(fragment(1, 65504, 8, true), 0), Drop.Ok);
  expect(r.offer(fragment(1, 0, 65504, true), 0), Drop.Ok);
  expectDatagram(r, 1, 65515);
  // A maxDatagram that is not a multiple of 8: the last block is partial.
  const odd = new Reassembler(1, 100);
  expect(odd.offer(fragment(2, 96, 5, false), 0), Drop.BadLength);
  expect(odd.offer(fragment(2, 96, 8, true), 0), Drop.BadLength);
  expect(odd.offer(fragment(2, 96, 4, false), 0), Drop.Ok);
  expect(odd.offer(fragment(2, 0, 96, true), 0), Drop.Ok);
  expectDatagram(odd, 2, 100);
});

export function _start(): void {
  runTests();
}
