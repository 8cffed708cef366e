// The queue of outgoing Ethernet frames waiting for ARP to resolve their next hop's MAC.
//
// No I/O but `Link.send` in `release`, no clock: time (monotonic ns) is passed in. The constructor
// allocates every slot; nothing after it allocates, so a flood of unresolvable destinations cannot
// grow memory, it only drops the oldest frames.
//
//   frames   [ slot 0: frameSize bytes | slot 1 | ... | slot (slots-1) ]   one StaticArray<u8>
//   order    [ oldest waiting slot, ..., newest ]                          slot indices, `count` used
//   free     [ free slot indices ]                                         a stack, `freeCount` used
//
// Per slot: next hop, length, arrival time and arrival number. Queues are short (16 by default), so
// every operation is a linear scan; removing from `order` shifts the rest down to keep arrival order.

import { storeMac } from "../wire/bytes";
import { ETHERNET_HEADER_LEN } from "../wire/ethernet";
import { Link } from "./link";

/** Default timeout of a waiting frame: 3 s (ns), about three unanswered ARP requests. */
export const PENDING_DEFAULT_TIMEOUT: i64 = 3_000_000_000;

/**
 * A bounded queue of whole Ethernet frames whose destination MAC is not yet known, each waiting for
 * an IPv4 next hop. `push` copies a frame in; `release` fills in the MAC and sends the frames of
 * one next hop when ARP answers; `expire` drops the frames that waited too long.
 */
export class PendingQueue {
  private frames: StaticArray<u8>;
  private frameSize: u32;
  private timeout: i64;
  private hops: StaticArray<u32>;
  private lens: StaticArray<u32>;
  private times: StaticArray<i64>;
  private seqs: StaticArray<u64>;
  private order: StaticArray<i32>;
  private count: i32 = 0;
  private free: StaticArray<i32>;
  private freeCount: i32;
  private nextSeq: u64 = 0;
  private droppedCount: u64 = 0;
  private timedOutCount: u64 = 0;

  /** A queue of `slots` frames (at least 1) of up to `frameSize` bytes (at least 14), each waiting at most `timeout` ns. */
  constructor(slots: i32 = 16, frameSize: u32 = 1514, timeout: i64 = PENDING_DEFAULT_TIMEOUT) {
    const n = max(slots, 1);
    const size = max(frameSize, ETHERNET_HEADER_LEN);
    this.frameSize = size;
    this.frames = new StaticArray<u8>(n * <i32>size);
    this.timeout = max(timeout, 0);
    this.hops = new StaticArray<u32>(n);
    this.lens = new StaticArray<u32>(n);
    this.times = new StaticArray<i64>(n);
    this.seqs = new StaticArray<u64>(n);
    this.order = new StaticArray<i32>(n);
    const free = new StaticArray<i32>(n);
    for (let i = 0; i < n; i++) unchecked((free[i] = n - 1 - i)); // slot 0 is taken first
    this.free = free;
    this.freeCount = n;
  }

  /** Frames waiting. */
  get size(): i32 {
    return this.count;
  }

  /** Most frames that can wait at once. */
  get slots(): i32 {
    return this.order.length;
  }

  /** Frames refused or lost: longer than `frameSize`, shorter than an Ethernet header, or pushed out as the oldest when full. */
  get dropped(): u64 {
    return this.droppedCount;
  }

  /** Frames dropped by `expire` after waiting `timeout`. */
  get timedOut(): u64 {
    return this.timedOutCount;
  }

  /** Frames waiting for `nextHop`. */
  waiting(nextHop: u32): i32 {
    let n = 0;
    for (let i = 0; i < this.count; i++) if (unchecked(this.hops[unchecked(this.order[i])]) == nextHop) n++;
    return n;
  }

  /**
   * Copies the `len`-byte Ethernet frame at `ptr` to wait for `nextHop` (its destination MAC is
   * written by `release`). When full, drops the oldest waiting frame to make room. False, and
   * counted in `dropped`, if `len` exceeds `frameSize` or is shorter than an Ethernet header.
   */
  push(nextHop: u32, ptr: usize, len: u32, now: i64): bool {
    if (len > this.frameSize || len < ETHERNET_HEADER_LEN) {
      this.droppedCount++;
      return false;
    }
    if (this.freeCount == 0) {
      // Every slot is taken; all are waiting unless a `release` in progress is sending one.
      if (this.count == 0) {
        this.droppedCount++;
        return false;
      }
      this.freeSlot(this.removeAt(0));
      this.droppedCount++;
    }
    const slot = unchecked(this.free[--this.freeCount]);
    memory.copy(this.slotPtr(slot), ptr, len);
    unchecked((this.hops[slot] = nextHop));
    unchecked((this.lens[slot] = len));
    unchecked((this.times[slot] = now));
    unchecked((this.seqs[slot] = this.nextSeq++));
    unchecked((this.order[this.count++] = slot));
    return true;
  }

  /**
   * Writes `mac` as the destination of every frame waiting for `nextHop`, sends them through `link`
   * in arrival order and frees their slots; returns how many `link` accepted (a frame it refuses is
   * dropped, not kept). Safe if `link.send` pushes or releases: frames pushed meanwhile wait for the
   * next `release`.
   */
  release(nextHop: u32, mac: u64, link: Link): i32 {
    const before = this.nextSeq; // frames pushed from inside link.send are not sent by this call
    let sent = 0;
    let i = 0;
    while (i < this.count) {
      const slot = unchecked(this.order[i]);
      if (unchecked(this.hops[slot]) != nextHop || unchecked(this.seqs[slot]) >= before) {
        i++;
        continue;
      }
      this.removeAt(i); // out of `order` but not yet free: its bytes stay put while sent
      const ptr = this.slotPtr(slot);
      storeMac(ptr, mac);
      if (link.send(ptr, unchecked(this.lens[slot]))) sent++;
      this.freeSlot(slot);
      i = 0; // link.send may have changed `order`; earlier frames are rescanned, not resent
    }
    return sent;
  }

  /** Drops the frames that have waited `timeout` or longer at `now`; counts them in `timedOut` and returns how many. */
  expire(now: i64): i32 {
    let removed = 0;
    let i = 0;
    while (i < this.count) {
      const slot = unchecked(this.order[i]);
      if (now - unchecked(this.times[slot]) >= this.timeout) {
        this.freeSlot(this.removeAt(i));
        removed++;
      } else {
        i++;
      }
    }
    this.timedOutCount += <u64>removed;
    return removed;
  }

  /** When `expire` next has a frame to drop: the earliest arrival plus `timeout`, or `i64.MAX_VALUE` if empty. */
  pollAt(): i64 {
    let at = i64.MAX_VALUE;
    for (let i = 0; i < this.count; i++) {
      const t = unchecked(this.times[unchecked(this.order[i])]);
      const due = t + this.timeout;
      at = min(at, due < t ? i64.MAX_VALUE : due);
    }
    return at;
  }

  @inline private slotPtr(slot: i32): usize {
    return changetype<usize>(this.frames) + <usize>slot * <usize>this.frameSize;
  }

  // Takes position i out of `order`, keeping the others in arrival order; returns its slot.
  private removeAt(i: i32): i32 {
    const order = this.order;
    const slot = unchecked(order[i]);
    const last = --this.count;
    for (let j = i; j < last; j++) unchecked((order[j] = order[j + 1]));
    return slot;
  }

  private freeSlot(slot: i32): void {
    unchecked((this.free[this.freeCount++] = slot));
  }
}
