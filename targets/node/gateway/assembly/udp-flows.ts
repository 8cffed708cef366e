// The gateway's outbound UDP: each flow of the guest's datagrams (its port, and the address and port
// it sends to) gets a UDP socket of the host's, opened by the host on the flow's first datagram
// (host.udp_send) and closed when the flow has been idle for its timeout (host.udp_close). Replies to
// that socket come back (gw_udp_in) as datagrams from the address the guest sent to. The table is
// bounded: a datagram for a new flow when it is full is dropped, and counted.
//
// A flow to the resolver (10.0.2.3:53) goes to the nameservers instead: the first, then the next each
// time the guest asks again before an answer came (its retry), and any nameserver's answer comes
// back from 10.0.2.3:53.

/** One flow: the guest's end, where it sent to, and where the host sends. */
export class Flow {
  /** The guest's address and port. */
  guestAddr: u32 = 0;
  guestPort: u32 = 0;
  /** The address and port the guest sent to (replies come from them). */
  addr: u32 = 0;
  port: u32 = 0;
  /** The host's side of `addr:port` (10.0.2.2 is the host's 127.0.0.1; the resolver's is a nameserver). */
  hostAddr: u32 = 0;
  hostPort: u32 = 0;
  /** When the flow last carried a datagram either way (ns). */
  lastUsed: i64 = 0;
  /** How long it may stay idle (ns). */
  idle: i64 = 0;
  /** To the resolver: which nameserver, and whether the last query was answered. */
  resolver: bool = false;
  server: i32 = 0;
  answered: bool = true;

  constructor(
    /** The flow's id: the host's socket for it. */
    readonly id: i32,
  ) {}
}

/** The flows, by id; found by (guest port, address, port) by a walk (a table of a few hundred at most). */
export class FlowTable {
  /** Flows opened. */
  opened: u64 = 0;
  /** Datagrams dropped because the table was full. */
  full: u64 = 0;
  /** Replies from an address the flow did not send to, dropped. */
  strangers: u64 = 0;

  private readonly byId: Array<Flow | null> = new Array<Flow | null>();
  private readonly freeIds: Array<i32> = new Array<i32>();
  private live: i32 = 0;

  constructor(
    /** The most flows at once. */
    readonly max: i32,
  ) {}

  /** Flows open now. */
  get size(): i32 {
    return this.live;
  }

  /** The flow of the guest's `guestPort` to `addr:port`, or null. */
  find(guestPort: u32, addr: u32, port: u32): Flow | null {
    const fs = this.byId;
    for (let i = 0, n = fs.length; i < n; i++) {
      const f = unchecked(fs[i]);
      if (f && f.guestPort == guestPort && f.addr == addr && f.port == port) return f;
    }
    return null;
  }

  /** The flow with this id, or null. */
  get(id: i32): Flow | null {
    return id >= 0 && id < this.byId.length ? unchecked(this.byId[id]) : null;
  }

  /** A new flow (its fields to be filled), or null (counted) when the table is full. */
  add(guestPort: u32, addr: u32, port: u32): Flow | null {
    if (this.live >= this.max) {
      this.full++;
      return null;
    }
    const id = this.freeIds.length > 0 ? this.freeIds.pop() : this.byId.length;
    const f = new Flow(id);
    f.guestPort = guestPort;
    f.addr = addr;
    f.port = port;
    if (id == this.byId.length) this.byId.push(f);
    else unchecked((this.byId[id] = f));
    this.live++;
    this.opened++;
    return f;
  }

  /** Forgets `f`; its id may be given again. */
  remove(f: Flow): void {
    unchecked((this.byId[f.id] = null));
    this.freeIds.push(f.id);
    this.live--;
  }

  /** The ids of the flows idle past their timeout at `now`, removed from the table. */
  expire(now: i64, out: Array<i32>): void {
    const fs = this.byId;
    for (let i = 0, n = fs.length; i < n; i++) {
      const f = unchecked(fs[i]);
      if (f && now - f.lastUsed >= f.idle) {
        out.push(f.id);
        this.remove(f);
      }
    }
  }

  /** When the next flow's idle timeout ends (i64.MAX_VALUE: no flow). */
  expiresAt(): i64 {
    let at = i64.MAX_VALUE;
    const fs = this.byId;
    for (let i = 0, n = fs.length; i < n; i++) {
      const f = unchecked(fs[i]);
      if (f) at = min(at, f.lastUsed + f.idle);
    }
    return at;
  }
}
