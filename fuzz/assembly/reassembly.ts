// IPv4 fragment reassembly (packages/net/assembly/iface/reassembly.ts): the input is a sequence of fragments,
// offered in turn to a Reassembler of 2 slots of 4096 bytes with the default 30 s timeout.
//
// Each record is a control byte, a 12-bit length (two bytes, little-endian) and that many bytes of IPv4 packet.
// The control byte's low 4 bits advance the clock by that many 4-second steps; with bit 4 set the packet's total
// length is made the record's length, so mutations of the rest get past `check`.
//
// After every offer: no more datagrams in progress than slots; a completed datagram ends where its final
// fragment said, is within maxDatagram, and holds the bytes of every fragment of it that was accepted since the
// last eviction, timeout or discard (which may have dropped some), the completing one included.

import { Drop } from "@tessera/net/assembly/wire/drop";
import { Ipv4Packet, IPV4_HEADER_LEN } from "@tessera/net/assembly/wire/ipv4";
import { Reassembler } from "@tessera/net/assembly/iface/reassembly";
import { check } from "./common";

export { area, areaLength, input } from "./common";

const SLOTS = 2;
const MAX: u32 = 4096;
const SECOND: i64 = 1_000_000_000;

class Accepted {
  constructor(
    public src: u32,
    public dst: u32,
    public protocol: u32,
    public ident: u32,
    public offset: u32,
    public ptr: usize,
    public len: u32,
  ) {}
}

const r = new Reassembler(SLOTS, MAX);
const view = new Ipv4Packet();

export function fuzz(ptr: usize, len: u32): void {
  let at: u32 = 0;
  let now: i64 = SECOND;
  let accepted = new Array<Accepted>();
  let lost = r.evicted + r.timedOut + r.discarded;
  while (at + 3 <= len) {
    const ctl = <u32>load<u8>(ptr + at);
    const n = min((((<u32>load<u8>(ptr + at + 2)) & 0x0f) << 8) | (<u32>load<u8>(ptr + at + 1)), len - at - 3);
    const p = ptr + at + 3;
    at += 3 + n;
    now += <i64>(ctl & 15) * 4 * SECOND;
    view.wrap(p, n);
    if (ctl & 16 && n >= IPV4_HEADER_LEN) view.setTotalLen(n);
    const result = r.offer(view, now);
    check(r.inProgress() >= 0 && r.inProgress() <= SLOTS, "at most `slots` datagrams in progress");
    const nowLost = r.evicted + r.timedOut + r.discarded;
    if (nowLost != lost) {
      accepted = new Array<Accepted>(); // some datagram was dropped: what it held is no longer known
      lost = nowLost;
    }
    if (result == Drop.Ok) {
      check(view.check() == Drop.Ok, "only checked packets are taken");
      accepted.push(
        new Accepted(
          view.srcAddr(),
          view.dstAddr(),
          view.protocol(),
          view.ident(),
          view.fragmentOffset(),
          view.payloadPtr(),
          view.payloadLen(),
        ),
      );
    }
    if (!r.completed) continue;
    check(result == Drop.Ok, "completed only by an accepted fragment");
    const total = r.payloadLen();
    check(total <= MAX, "a datagram within maxDatagram");
    check(!view.moreFragments() || view.fragmentOffset() + view.payloadLen() <= total, "the completing fragment fits");
    const data = r.payloadPtr();
    const rest = new Array<Accepted>();
    for (let i = 0; i < accepted.length; i++) {
      const f = accepted[i];
      if (f.src != r.srcAddr || f.dst != r.dstAddr || f.protocol != r.protocol || f.ident != r.ident) {
        rest.push(f);
        continue;
      }
      check(f.offset + f.len <= total, "every fragment inside the datagram");
      check(memory.compare(data + f.offset, f.ptr, f.len) == 0, "the datagram holds every accepted fragment's bytes");
    }
    accepted = rest;
  }
}

export function _start(): void {}
