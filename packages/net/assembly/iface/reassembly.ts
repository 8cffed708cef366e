// IPv4 fragment reassembly (RFC 791, RFC 815) in a fixed set of slots, all allocated at construction.
//
// Slot layout. The constructor allocates everything, once; `offer` and `expire` never allocate:
//
//   data     | slot 0: maxDatagram bytes | slot 1: maxDatagram bytes | ... | slot n-1 |
//              fragment payload bytes at their offset in the datagram
//   bitmaps  | slot 0: bitmapBytes | slot 1 | ... | slot n-1 |
//              bit (b & 7) of byte (b >> 3) set: the 8-byte block at offset b * 8 has arrived
//   slots    | Slot 0 | Slot 1 | ... | Slot n-1 |
//              key (src, dst, protocol, ident), first arrival, expiry, final end, blocks received
//
// bitmapBytes = ceil(ceil(maxDatagram / 8) / 8), 1024 for 65535. The storage is
// slots × (maxDatagram + bitmapBytes) bytes plus n small Slot objects: 4 × 66559 = 266236 bytes by default.
// Blocks are 8 bytes because every fragment but the last starts and ends on a multiple of 8; only the final
// fragment's last block may be partial, and nothing may extend past the final fragment's end.

import { Drop } from "../wire/drop";
import { Ipv4Packet } from "../wire/ipv4";

/**
 * Fragment reassembly as the interface sees it. The interface holds one of these only once
 * `Interface.reassembleFragments` has installed a `Reassembler`; images that never call it carry
 * none of the reassembler's code (the interface reaches it through these abstract methods only).
 */
export abstract class Defragmenter {
  /** The last `offer` completed a datagram, whose payload is at `payloadPtr`, `payloadLen` bytes long. */
  completed: bool = false;
  protected donePtr: usize = 0;
  protected doneLen: u32 = 0;

  /** Address of the completed datagram's payload; valid until the next `offer` or `expire`. */
  @inline payloadPtr(): usize {
    return this.donePtr;
  }

  /** Bytes of the completed datagram's payload. */
  @inline payloadLen(): u32 {
    return this.doneLen;
  }

  /** Takes one fragment (MF set or a nonzero offset) addressed to us: `Drop.Ok` if it was kept, else why not. */
  abstract offer(packet: Ipv4Packet, now: i64): Drop;
  /** Frees datagrams that have waited too long for their other fragments; returns how many. */
  abstract expire(now: i64): i32;
  /** The earliest `now` at which `expire` would free one, or i64.MAX_VALUE. */
  abstract pollAt(): i64;
}

/** The default reassembly timeout: 30 s in nanoseconds (Linux's ipfrag_time; RFC 791 suggests 15 s or more). */
export const REASSEMBLY_TIMEOUT: i64 = 30_000_000_000;

/** The largest IPv4 datagram, header included (the total length is 16 bits). */
const MAX_DATAGRAM: u32 = 65535;

// One datagram in progress. Its payload and bitmap live in the Reassembler's buffers at `index`.
class Slot {
  busy: bool = false;
  srcAddr: u32 = 0;
  dstAddr: u32 = 0;
  protocol: u32 = 0;
  ident: u32 = 0;
  /** When the first fragment arrived (ns); the oldest slot is evicted first. */
  firstAt: i64 = 0;
  /** The earliest `now` at which `expire` frees the slot; i64.MAX_VALUE for never. */
  expiresAt: i64 = 0;
  /** The final fragment (MF = 0) has arrived, and `total` is the datagram's payload length. */
  finalSeen: bool = false;
  total: u32 = 0;
  /** The highest end (offset + length) of any fragment so far. */
  highEnd: u32 = 0;
  /** Bits set in the bitmap. */
  blocks: u32 = 0;

  constructor(public index: i32) {}
}

/**
 * Reassembles fragmented IPv4 datagrams in at most `slots` buffers of `maxDatagram` bytes of payload each,
 * keyed by (source, destination, protocol, identification). It does no I/O and reads no clock: `now` (ns,
 * monotonic) is passed in. Memory is bounded by construction: `storageBytes` is allocated once, by the constructor.
 *
 * Rules, in the order `offer` applies them (each drop is the returned reason; the caller counts them):
 * - A packet that fails `check` is dropped for that reason; one that is not a fragment (MF clear and offset 0) is
 *   `Unsupported`: deliver it directly.
 * - `BadLength`: offset + length beyond `maxDatagram`, or beyond 65535 less the fragment's header.
 * - `Malformed`, state untouched: a non-final fragment (MF set) whose length is zero or not a multiple of 8.
 * - `Malformed`, and the whole datagram is discarded (`discarded` counts it): a second final fragment with a
 *   different end, a final fragment ending before data already received, a fragment extending past the final
 *   end, or overlapping bytes that differ from those already received (as RFC 5722 does for IPv6). Identical
 *   duplicates and identical overlaps are accepted (`Ok`). Later fragments of a discarded datagram start anew.
 * - A fragment of a new datagram when every slot is busy evicts the slot whose first fragment is oldest
 *   (`evicted` counts it) and is stored (`Ok`): under a flood the newest datagrams make progress, and a
 *   datagram that completes within `slots` others' arrivals is reassembled.
 * - Slots whose first fragment arrived more than `timeout` ago are freed (`timedOut`) by `expire`, which
 *   `offer` also calls first, so a stale datagram never absorbs a new fragment.
 */
export class Reassembler extends Defragmenter {
  /** Datagrams in progress at most. */
  readonly slots: i32;
  /** Bytes of payload per datagram at most (at most 65535). */
  readonly maxDatagram: u32;
  /** Nanoseconds after its first fragment that an incomplete datagram is freed. */
  readonly timeout: i64;
  /** Bytes of buffer and bitmap allocated: slots × (maxDatagram + bitmap bytes). */
  readonly storageBytes: usize;

  /** Datagrams completed by `offer`. */
  reassembled: u64 = 0;
  /** Incomplete datagrams freed by `expire` (called by `offer` too). */
  timedOut: u64 = 0;
  /** Incomplete datagrams evicted to make room for a new one. */
  evicted: u64 = 0;
  /** Datagrams discarded for a conflicting overlap or conflicting ends. */
  discarded: u64 = 0;

  // `completed`, `payloadPtr` and `payloadLen` (from Defragmenter) describe the datagram the last `offer` completed.
  /** Source address of the completed datagram, host order. */
  srcAddr: u32 = 0;
  /** Destination address of the completed datagram, host order. */
  dstAddr: u32 = 0;
  /** Protocol of the completed datagram. */
  protocol: u32 = 0;
  /** Identification of the completed datagram. */
  ident: u32 = 0;

  private readonly bitmapBytes: u32;
  private readonly data: ArrayBuffer;
  private readonly bitmaps: ArrayBuffer;
  private readonly table: StaticArray<Slot>;
  private busyCount: i32 = 0;

  /**
   * Allocates `slots` (at least 1) buffers of `maxDatagram` (at most 65535) bytes and their bitmaps;
   * incomplete datagrams are freed `timeout` ns after their first fragment (i64.MAX_VALUE: never).
   */
  constructor(slots: i32 = 4, maxDatagram: u32 = MAX_DATAGRAM, timeout: i64 = REASSEMBLY_TIMEOUT) {
    super();
    const n = max(slots, 1);
    const size = min(maxDatagram, MAX_DATAGRAM);
    const bitmapBytes = (((size + 7) >> 3) + 7) >> 3;
    this.slots = n;
    this.maxDatagram = size;
    this.timeout = max(timeout, 0);
    this.bitmapBytes = bitmapBytes;
    this.storageBytes = <usize>n * (<usize>size + <usize>bitmapBytes);
    this.data = new ArrayBuffer(n * <i32>size);
    this.bitmaps = new ArrayBuffer(n * <i32>bitmapBytes);
    this.table = new StaticArray<Slot>(n);
    for (let i = 0; i < this.slots; i++) this.table[i] = new Slot(i);
  }

  /** Datagrams in progress (at most `slots`). */
  @inline inProgress(): i32 {
    return this.busyCount;
  }

  /**
   * Takes one fragment (MF set or a nonzero offset) of a datagram addressed to us and stores its payload.
   * Returns `Drop.Ok` if it was stored (or an identical duplicate), with `completed` set if it completed its
   * datagram; otherwise why it was dropped (see the class comment for the rules).
   */
  offer(packet: Ipv4Packet, now: i64): Drop {
    this.completed = false;
    const ok = packet.check();
    if (ok != Drop.Ok) return ok;
    const more = packet.moreFragments();
    const offset = packet.fragmentOffset();
    if (!more && offset == 0) return Drop.Unsupported;
    const len = packet.payloadLen();
    const end = offset + len; // at most 65528 + 65515: no overflow
    if (end > this.maxDatagram || end > MAX_DATAGRAM - packet.headerLen()) return Drop.BadLength;
    if (more && (len == 0 || (len & 7) != 0)) return Drop.Malformed;

    this.expire(now);
    const slot = this.slotFor(packet, now);
    if (more) {
      if (slot.finalSeen && end > slot.total) return this.discard(slot);
    } else {
      if (slot.finalSeen ? end != slot.total : end < slot.highEnd) return this.discard(slot);
      slot.finalSeen = true;
      slot.total = end;
    }
    if (end > slot.highEnd) slot.highEnd = end;
    if (!this.store(slot, packet.payloadPtr(), offset, end)) return this.discard(slot);

    if (slot.finalSeen && slot.blocks == (slot.total + 7) >> 3) {
      this.release(slot);
      this.reassembled++;
      this.completed = true;
      this.srcAddr = slot.srcAddr;
      this.dstAddr = slot.dstAddr;
      this.protocol = slot.protocol;
      this.ident = slot.ident;
      this.donePtr = this.dataOf(slot);
      this.doneLen = slot.total;
    }
    return Drop.Ok;
  }

  /** Frees the slots whose first fragment arrived more than `timeout` before `now`; returns how many. */
  expire(now: i64): i32 {
    let freed = 0;
    for (let i = 0; i < this.slots; i++) {
      const slot = unchecked(this.table[i]);
      if (slot.busy && slot.expiresAt != i64.MAX_VALUE && now >= slot.expiresAt) {
        this.release(slot);
        freed++;
      }
    }
    this.timedOut += <u64>freed;
    return freed;
  }

  /** The earliest `now` at which `expire` would free a slot, or i64.MAX_VALUE if none would. */
  pollAt(): i64 {
    let at = i64.MAX_VALUE;
    for (let i = 0; i < this.slots; i++) {
      const slot = unchecked(this.table[i]);
      if (slot.busy && slot.expiresAt < at) at = slot.expiresAt;
    }
    return at;
  }

  // The slot of the packet's datagram: the one in progress, else a free one, else the oldest, evicted.
  private slotFor(packet: Ipv4Packet, now: i64): Slot {
    const src = packet.srcAddr();
    const dst = packet.dstAddr();
    const protocol = packet.protocol();
    const ident = packet.ident();
    let free: Slot | null = null;
    let oldest = unchecked(this.table[0]);
    for (let i = 0; i < this.slots; i++) {
      const slot = unchecked(this.table[i]);
      if (!slot.busy) {
        if (free === null) free = slot;
        continue;
      }
      if (slot.srcAddr == src && slot.dstAddr == dst && slot.protocol == protocol && slot.ident == ident) return slot;
      if (!oldest.busy || slot.firstAt < oldest.firstAt) oldest = slot;
    }
    let slot: Slot;
    if (free !== null) {
      slot = free;
    } else {
      slot = oldest;
      this.release(slot);
      this.evicted++;
    }
    slot.busy = true;
    slot.srcAddr = src;
    slot.dstAddr = dst;
    slot.protocol = protocol;
    slot.ident = ident;
    slot.firstAt = now;
    // Saturate: a huge timeout means never.
    slot.expiresAt = now > i64.MAX_VALUE - 1 - this.timeout ? i64.MAX_VALUE : now + this.timeout + 1;
    slot.finalSeen = false;
    slot.total = 0;
    slot.highEnd = 0;
    slot.blocks = 0;
    memory.fill(this.bitmapOf(slot), 0, this.bitmapBytes);
    this.busyCount++;
    return slot;
  }

  // Copies the payload at `src` to [offset, end) of the slot block by block; false if it conflicts with a block
  // already received. `offset` is a multiple of 8, and so is `end` unless this is the final fragment.
  private store(slot: Slot, src: usize, offset: u32, end: u32): bool {
    const data = this.dataOf(slot);
    const bitmap = this.bitmapOf(slot);
    for (let at = offset; at < end; at += 8) {
      const block = at >> 3;
      const bits = bitmap + (block >> 3);
      const bit: u32 = 1 << (block & 7);
      const from = src + (at - offset);
      const to = data + at;
      const n = min(end - at, 8);
      if (((<u32>load<u8>(bits)) & bit) != 0) {
        if (memory.compare(to, from, n) != 0) return false;
      } else {
        memory.copy(to, from, n);
        store<u8>(bits, <u8>(load<u8>(bits) | bit));
        slot.blocks++;
      }
    }
    return true;
  }

  private discard(slot: Slot): Drop {
    this.release(slot);
    this.discarded++;
    return Drop.Malformed;
  }

  private release(slot: Slot): void {
    if (!slot.busy) return;
    slot.busy = false;
    this.busyCount--;
  }

  @inline private dataOf(slot: Slot): usize {
    return changetype<usize>(this.data) + <usize>slot.index * <usize>this.maxDatagram;
  }

  @inline private bitmapOf(slot: Slot): usize {
    return changetype<usize>(this.bitmaps) + <usize>slot.index * <usize>this.bitmapBytes;
  }
}
