// TIME-WAIT as the endpoint keeps it: once a connection enters TIME-WAIT, a small record of what
// TIME-WAIT needs (the 4-tuple, RCV.NXT and SND.NXT, the window, timestamps, when it ends) takes
// its place in the table, as Linux keeps a tcp_timewait_sock instead of the socket; the connection
// itself leaves the endpoint. The records are queued oldest first, so that the oldest can be
// reclaimed in O(1) when the table or the memory budget is full, however many there are.

import { TcpRepr, TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN } from "../wire/tcp";
import { seqGt } from "../wire/seq";
import { TcpConnection } from "./connection";
import { MAX_WINDOW } from "./control-block";
import { TcpConfig } from "./state";
import { TcpTuple } from "./tuple";

const MS: i64 = 1_000_000;

/**
 * A connection in TIME-WAIT, in the endpoint's table in place of the connection: 72 bytes of fields,
 * a 96-byte block with the runtime's headers. It answers as the connection would have (RFC 9293
 * §3.10.7.4, input.ts's `processTimeWait`): the peer's FIN again is ACKed and restarts 2 MSL, a FIN
 * at any other sequence number is ACKed and restarts nothing, a RST is ignored (RFC 1337), a SYN
 * gets a rate-limited challenge ACK (the endpoint asks `reopens` first), anything else unacceptable
 * an ACK.
 */
export class TimeWait extends TcpTuple {
  /** RCV.NXT: past the peer's FIN. */
  rcvNxt: u32;
  /** SND.NXT: past our FIN, all of it acknowledged. */
  sndNxt: u32;
  /** The receive window (bytes) our ACKs offer, and that decides which segments are acceptable. */
  rcvWnd: u32;
  /** The connection's tunables: 2 MSL, the challenge-ACK limit. */
  readonly config: TcpConfig;
  /** When TIME-WAIT ends (ns). */
  expires: i64;
  /** TS.Recent, our ACKs' TSecr (with `timestamps`). */
  tsRecent: u32;
  /** Our TSval at time 0: the connection's timestamp clock's offset (with `timestamps`). */
  tsOffset: u32;
  private challengeAt: u32 = 0; // the millisecond the current second of challenge ACKs began
  private challengeCount: u16 = 0;
  /** The shift of the windows we send (RFC 7323). */
  rcvWscale: u8;
  /** Both ends sent timestamps (RFC 7323): our ACKs carry them. */
  timestamps: bool;
  /**
   * The connection, while its application may still hear from it: its handler hears `closed` when
   * TIME-WAIT ends (`Normal`) or is cut short (`Aborted`), as before there were records. Null once
   * the connection has no handler: then the record is all that is left.
   */
  conn: TcpConnection | null = null;
  /** The endpoint's mark: the bytes its memory budget counts for this record (and `conn`, if kept). */
  charged: u32 = 0;
  /** The queue: the record that entered TIME-WAIT before this one. */
  prev: TimeWait | null = null;
  /** The queue: the record that entered TIME-WAIT after this one. */
  next: TimeWait | null = null;

  /** The record of `c`, which has just entered TIME-WAIT (its ACK of the peer's FIN sent). */
  constructor(c: TcpConnection) {
    super();
    this.localAddr = c.localAddr;
    this.localPort = c.localPort;
    this.remoteAddr = c.remoteAddr;
    this.remotePort = c.remotePort;
    this.rcvNxt = c.rcvNxt;
    this.sndNxt = c.sndMax; // (= SND.NXT = SND.UNA: our FIN is acknowledged)
    this.rcvWnd = c.recvWindow();
    this.config = c.config;
    this.expires = c.rtoDeadline;
    const ts = c.timestamps;
    this.tsRecent = ts.recent;
    this.tsOffset = ts.clock(0);
    this.rcvWscale = <u8>c.rcvWscale;
    this.timestamps = ts.ok;
  }

  /** Whether `seg` is a SYN that may end TIME-WAIT for a new connection (RFC 1122 §4.2.2.13): above RCV.NXT. */
  reopens(seg: TcpRepr): bool {
    return seg.has(TCP_SYN) && !seg.has(TCP_ACK) && seqGt(seg.seqNumber, this.rcvNxt);
  }

  /** Handles a segment for this 4-tuple (not one that `reopens` it); returns the reply to send, built in `reply`, or null. */
  arrives(seg: TcpRepr, now: i64, reply: TcpRepr): TcpRepr | null {
    if (seg.has(TCP_RST)) return null;
    if (seg.has(TCP_SYN)) return this.challenge(now) ? this.ack(reply, now) : null;
    if (seg.has(TCP_FIN)) {
      // Their FIN again (it ends at RCV.NXT: our ACK was lost) restarts 2 MSL; no other does, so
      // that an off-path attacker cannot keep the record alive.
      if (seg.seqNumber + seg.payloadLen + 1 == this.rcvNxt) this.expires = now + 2 * this.config.msl;
      return this.ack(reply, now);
    }
    // RFC 9293 §3.10.7.4's acceptability test (input.ts's `acceptable`); the window is below 2^31.
    const off = seg.seqNumber - this.rcvNxt;
    const len = seg.seqLen();
    const wnd = this.rcvWnd;
    const ok = len == 0 ? off < max<u32>(wnd, 1) : off < wnd || off + len - 1 < wnd;
    return ok ? null : this.ack(reply, now);
  }

  // At most `challengeAckLimit` challenge ACKs a second (RFC 5961 §7).
  private challenge(now: i64): bool {
    const ms = <u32>(now / MS);
    if (this.challengeCount == 0 || ms - this.challengeAt >= 1000) {
      this.challengeAt = ms;
      this.challengeCount = 0;
    }
    if (<u32>this.challengeCount >= this.config.challengeAckLimit) return false;
    this.challengeCount++;
    return true;
  }

  // Our ACK: SND.NXT, RCV.NXT, the window, and timestamps if both ends sent them.
  private ack(r: TcpRepr, now: i64): TcpRepr {
    const shift = <u32>this.rcvWscale;
    r.set(this.localPort, this.remotePort, this.sndNxt, this.rcvNxt, TCP_ACK, min(this.rcvWnd >> shift, MAX_WINDOW));
    if (this.timestamps) {
      const o = r.options;
      o.hasTimestamps = true;
      o.tsVal = <u32>(now / MS) + this.tsOffset;
      o.tsEcr = this.tsRecent;
    }
    return r;
  }
}

/**
 * What a record costs the endpoint's memory budget: its block (its fields, the runtime's 16-byte
 * object header and 4-byte block header, in 16-byte steps) and its share of the table's 4-byte
 * slots (the table at most half full and grown by doubling: up to 16 bytes).
 */
export const TCP_TIME_WAIT_BYTES: u32 = ((<u32>offsetof<TimeWait>() + 20 + 15) & ~15) + 16;

/**
 * The records in the order they entered TIME-WAIT, doubly linked through the records (`next`,
 * `prev`): the endpoint pushes one as its connection enters TIME-WAIT and removes it as it leaves
 * the table (expired, reopened, reclaimed), in O(1) either way, so the queue holds nothing that has
 * gone (a record kept in TIME-WAIT longer, by its peer's FIN again or a longer MSL, holds up
 * nothing behind it).
 */
export class TimeWaitQueue {
  /** The record longest in TIME-WAIT, or null. */
  oldest: TimeWait | null = null;
  private newest: TimeWait | null = null;
  /** Records queued. */
  size: i32 = 0;

  /** `r` has just entered TIME-WAIT. */
  push(r: TimeWait): void {
    const t = this.newest;
    r.prev = t;
    if (t) t.next = r;
    else this.oldest = r;
    this.newest = r;
    this.size++;
  }

  /** Takes `r` off the queue, if it is on it. */
  remove(r: TimeWait): void {
    const p = r.prev;
    const n = r.next;
    if (!p && this.oldest !== r) return;
    if (p) p.next = n;
    else this.oldest = n;
    if (n) n.prev = p;
    else this.newest = p;
    r.prev = null;
    r.next = null;
    this.size--;
  }
}
