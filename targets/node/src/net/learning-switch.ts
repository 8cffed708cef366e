// The virtual switch's forwarding decisions, with no I/O and no clock (the
// time is passed in): an Ethernet learning switch. It learns which port each
// source MAC address was last seen on (entries age out after `ageMs`), sends a
// frame for a known unicast address out of that one port, and floods
// broadcast, multicast and unknown unicast frames to every other port. A frame
// never goes back out of the port it came in on, and a port's addresses are
// forgotten when it leaves, so a frame is never sent to a port that has gone.

/** Ethernet header length: destination, source, EtherType. */
export const ETH_HEADER = 14;
/** The largest frame the switch forwards: MTU 1500, the header, and a VLAN tag. */
export const MAX_FRAME = 1518;

/** What the switch has decided, frame by frame. */
export interface ForwardStats {
  /** Frames sent out of the one port their destination was learned on. */
  unicast: number;
  /** Frames sent to every other port (broadcast, multicast, unknown destination). */
  flooded: number;
  /** Frames for a destination on the port they came from: sent nowhere. */
  filtered: number;
  /** Frames too short or too long, or from a multicast source address: sent nowhere. */
  bad: number;
}

interface Entry {
  port: number;
  seen: number;
}

/** A MAC address at `offset` of `frame` as a number (48 bits fit a double exactly). */
export function macAt(frame: Uint8Array, offset: number): number {
  return (
    frame[offset] * 0x10000000000 +
    frame[offset + 1] * 0x100000000 +
    frame[offset + 2] * 0x1000000 +
    ((frame[offset + 3] << 16) | (frame[offset + 4] << 8) | frame[offset + 5])
  );
}

/** An Ethernet learning switch's MAC table and forwarding rule. */
export class LearningSwitch {
  /** Counters of the decisions made so far. */
  readonly stats: ForwardStats = { unicast: 0, flooded: 0, filtered: 0, bad: 0 };
  private readonly ports: number[] = [];
  private readonly table = new Map<number, Entry>();
  private readonly out: number[] = [];

  constructor(
    /** How long a learned address is trusted without being seen again, in ms (IEEE 802.1D: 300 s). */
    readonly ageMs = 300_000,
    /** The most addresses the table holds; past that, new addresses are not learned (their frames flood). */
    readonly maxEntries = 4096,
  ) {}

  /** The ports, in the order they joined. */
  get portIds(): readonly number[] {
    return this.ports;
  }

  /** How many addresses are learned (including ones that have aged but not yet been swept). */
  get learned(): number {
    return this.table.size;
  }

  /** Adds port `id` (a no-op if it is already there). */
  addPort(id: number): void {
    if (!this.ports.includes(id)) this.ports.push(id);
  }

  /** Removes port `id` and forgets every address learned on it. */
  removePort(id: number): void {
    const i = this.ports.indexOf(id);
    if (i >= 0) this.ports.splice(i, 1);
    for (const [mac, e] of this.table) if (e.port === id) this.table.delete(mac);
  }

  /** The port address `mac` was learned on, if it has not aged out by `now`; else null. */
  lookup(mac: number, now: number): number | null {
    const e = this.table.get(mac);
    return e && now - e.seen <= this.ageMs ? e.port : null;
  }

  /** Forgets every address not seen within `ageMs` of `now`; returns how many went. */
  expire(now: number): number {
    let n = 0;
    for (const [mac, e] of this.table)
      if (now - e.seen > this.ageMs) {
        this.table.delete(mac);
        n++;
      }
    return n;
  }

  /**
   * Learns from `frame`, which came in on port `ingress` at time `now` (ms),
   * and returns the ports to send it out of: never `ingress`, and empty for a
   * frame to drop. The array is reused by the next call.
   */
  forward(ingress: number, frame: Uint8Array, now: number): readonly number[] {
    const out = this.out;
    out.length = 0;
    if (frame.length < ETH_HEADER || frame.length > MAX_FRAME || frame[6] & 1 || !this.ports.includes(ingress)) {
      this.stats.bad++;
      return out;
    }
    this.learn(macAt(frame, 6), ingress, now);
    const port = frame[0] & 1 ? null : this.lookup(macAt(frame, 0), now);
    if (port === ingress) {
      this.stats.filtered++;
    } else if (port !== null) {
      out.push(port);
      this.stats.unicast++;
    } else {
      for (const p of this.ports) if (p !== ingress) out.push(p);
      this.stats.flooded++;
    }
    return out;
  }

  private learn(mac: number, port: number, now: number): void {
    const e = this.table.get(mac);
    if (e) {
      e.port = port; // a station that moved is found on its new port at once
      e.seen = now;
      return;
    }
    if (this.table.size >= this.maxEntries && this.expire(now) === 0) return;
    this.table.set(mac, { port, seen: now });
  }
}
