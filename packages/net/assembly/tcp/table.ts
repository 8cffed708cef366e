// The endpoint's connections and TIME-WAIT records (time-wait.ts) by 4-tuple: open addressing
// with linear probing on a keyed hash (SipHash) of the 4-tuple, grown by doubling (at most half
// full), entries removed by backward shifting (no tombstones). A lookup allocates nothing, and a
// peer that does not know the key cannot aim its 4-tuples at one run.

import { SipHash } from "./siphash";
import { TcpTuple } from "./tuple";

/** Connections and TIME-WAIT records by 4-tuple: a power-of-two number of slots, at most half used. */
export class TcpTable {
  private slots: StaticArray<TcpTuple | null> = new StaticArray<TcpTuple | null>(64);
  /** Entries in the table. */
  size: i32 = 0;

  constructor(
    /** The key (shared with the endpoint): `rekeyed` must follow a new one. */
    private readonly sip: SipHash,
  ) {}

  private home(localAddr: u32, localPort: u32, remoteAddr: u32, remotePort: u32): i32 {
    return (<i32>this.sip.tuple(localAddr, localPort, remoteAddr, remotePort, 0)) & (this.slots.length - 1);
  }

  /** The entry with this 4-tuple, or null. */
  find(localAddr: u32, localPort: u32, remoteAddr: u32, remotePort: u32): TcpTuple | null {
    const slots = this.slots;
    const mask = slots.length - 1;
    for (let i = this.home(localAddr, localPort, remoteAddr, remotePort), n = 0; n <= mask; i = (i + 1) & mask, n++) {
      const c = unchecked(slots[i]);
      if (!c) return null;
      if (
        c.localPort == localPort &&
        c.remotePort == remotePort &&
        c.remoteAddr == remoteAddr &&
        c.localAddr == localAddr
      )
        return c;
    }
    return null;
  }

  /** Adds an entry whose 4-tuple is set and not in the table. */
  add(conn: TcpTuple): void {
    if ((this.size + 1) * 2 > this.slots.length) this.rehash(this.slots.length * 2);
    this.place(conn);
    this.size++;
  }

  /** Takes `conn` out; false if it was not in the table. */
  remove(conn: TcpTuple): bool {
    const i = this.slotOf(conn);
    if (i < 0) return false;
    unchecked((this.slots[i] = null));
    this.size--;
    this.shiftBack(i);
    return true;
  }

  /** Puts `entry`, with the same 4-tuple, in the place of `old`, which is in the table. */
  replace(old: TcpTuple, entry: TcpTuple): void {
    unchecked((this.slots[this.slotOf(old)] = entry));
  }

  // The slot that holds `conn`, or -1.
  private slotOf(conn: TcpTuple): i32 {
    const slots = this.slots;
    const mask = slots.length - 1;
    let i = this.home(conn.localAddr, conn.localPort, conn.remoteAddr, conn.remotePort);
    for (let c = unchecked(slots[i]); c; c = unchecked(slots[i])) {
      if (c === conn) return i;
      i = (i + 1) & mask;
    }
    return -1; // not here
  }

  // Backward shift: moves later entries of the run into the hole at `i` unless their home lies after it.
  private shiftBack(i: i32): void {
    const slots = this.slots;
    const mask = slots.length - 1;
    for (let j = (i + 1) & mask; ; j = (j + 1) & mask) {
      const c = unchecked(slots[j]);
      if (!c) return;
      const k = this.home(c.localAddr, c.localPort, c.remoteAddr, c.remotePort);
      const stays = i <= j ? i < k && k <= j : i < k || k <= j;
      if (stays) continue;
      unchecked((slots[i] = c));
      unchecked((slots[j] = null));
      i = j;
    }
  }

  /** The key changed: every entry moves to its new slot. */
  rekeyed(): void {
    this.rehash(this.slots.length);
  }

  private place(conn: TcpTuple): void {
    const slots = this.slots;
    const mask = slots.length - 1;
    let i = this.home(conn.localAddr, conn.localPort, conn.remoteAddr, conn.remotePort);
    while (unchecked(slots[i])) i = (i + 1) & mask;
    unchecked((slots[i] = conn));
  }

  private rehash(size: i32): void {
    const old = this.slots;
    this.slots = new StaticArray<TcpTuple | null>(size);
    for (let i = 0, n = old.length; i < n; i++) {
      const c = unchecked(old[i]);
      if (c) this.place(c);
    }
  }
}
