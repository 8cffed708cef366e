// Test helper: one TCP connection driven into any RFC 9293 state by segments made from templates
// (tcp-states.spec.ts and tcp-hostile.spec.ts). Our ISS is 1000 and the peer's IRS 5000; a
// template gives a segment's SEQ against RCV.NXT and its ACK against our send sequence space.

import { expect } from "@tessera/test/assembly";
import { TcpConnection, TcpEmitter } from "@tessera/net/assembly/tcp/connection";
import { TcpConfig, TcpState, tcpStateName } from "@tessera/net/assembly/tcp/state";
import { TcpRepr, TCP_ACK, TCP_FIN, TCP_SYN } from "@tessera/net/assembly/wire/tcp";

export const A_IP: u32 = 0x0a000001; // us
export const B_IP: u32 = 0x0a000002; // the peer
export const ISS: u32 = 1000;
export const IRS: u32 = 5000;
export const MS: i64 = 1_000_000;
export const SECOND: i64 = 1_000_000_000;

// ---- the segment builder ---------------------------------------------------

/** Where a segment's SEQ lies, against RCV.NXT. */
export enum Seq {
  /** Exactly RCV.NXT (the IRS before the peer's SYN). */
  Nxt,
  /** In the window, 100 past RCV.NXT. */
  InWindow,
  /** One below RCV.NXT: old (a retransmitted FIN, or the peer's SYN). */
  Below,
  /** Far past the window. */
  Far,
}

/** What a segment's ACK acknowledges, against our send sequence space. */
export enum Ack {
  /** No ACK bit. */
  None,
  /** SND.NXT: everything we sent. */
  Nxt,
  /** SND.UNA: nothing new (a duplicate). */
  Una,
  /** One short of SND.NXT: all but our last sequence number (all but our FIN). */
  NxtLess1,
  /** 100 past SND.NXT: something we never sent. */
  Ahead,
  /** Our ISS: what no SYN-SENT connection has outstanding. */
  Iss,
}

/** A segment template. */
export class Segment {
  constructor(
    readonly flags: u32,
    readonly seq: Seq,
    readonly ack: Ack,
    readonly payload: u32 = 0,
  ) {}
}

const data = new StaticArray<u8>(2000);

/** Fills a segment from `t` relative to `conn` (sent by the peer). */
export function build(conn: TcpConnection, t: Segment): TcpRepr {
  const r = new TcpRepr();
  r.srcPort = 80;
  r.dstPort = 40000;
  const known = conn.state != TcpState.Listen && conn.state != TcpState.SynSent;
  const nxt = known ? conn.rcvNxt : IRS;
  r.seqNumber =
    t.seq == Seq.Nxt ? nxt : t.seq == Seq.InWindow ? nxt + 100 : t.seq == Seq.Below ? nxt - 1 : nxt + 1_000_000;
  const ack = t.ack;
  r.flags = t.flags | (ack == Ack.None ? 0 : TCP_ACK);
  r.ackNumber =
    ack == Ack.None
      ? 0
      : ack == Ack.Nxt
        ? conn.sndNxt
        : ack == Ack.Una
          ? conn.sndUna
          : ack == Ack.NxtLess1
            ? conn.sndNxt - 1
            : ack == Ack.Ahead
              ? conn.sndNxt + 100
              : ISS;
  r.window = 8192;
  if (t.flags & TCP_SYN) {
    r.options.hasMaxSegSize = true;
    r.options.maxSegSize = 1460;
  }
  r.payloadPtr = changetype<usize>(data);
  r.payloadLen = t.payload;
  return r;
}

// ---- the fixtures ------------------------------------------------------------

/** Records every segment a connection emits. */
export class Recorder extends TcpEmitter {
  segments: Array<TcpRepr> = new Array<TcpRepr>();
  emit(conn: TcpConnection, segment: TcpRepr, now: i64): bool {
    const r = new TcpRepr();
    r.srcPort = segment.srcPort;
    r.dstPort = segment.dstPort;
    r.seqNumber = segment.seqNumber;
    r.ackNumber = segment.ackNumber;
    r.flags = segment.flags;
    r.window = segment.window;
    r.payloadLen = segment.payloadLen;
    this.segments.push(r);
    return true;
  }
  wake(conn: TcpConnection): void {}
}

/** A connection driven into one state at time 0, with what it sent on the way cleared. */
export class Fixture {
  rec: Recorder;
  conn: TcpConnection;
  now: i64 = 0;

  constructor(
    readonly state: TcpState,
    config: TcpConfig = new TcpConfig(),
  ) {
    config.msl = SECOND;
    const rec = new Recorder();
    this.rec = rec;
    this.conn = new TcpConnection(config, rec, 1460);
    const c = this.conn;
    if (state == TcpState.Listen || state == TcpState.SynReceived) {
      c.listen(A_IP, 40000, ISS);
      if (state == TcpState.SynReceived) this.feed(new Segment(TCP_SYN, Seq.Nxt, Ack.None));
    } else {
      c.connect(A_IP, 40000, B_IP, 80, ISS, 0);
      c.dispatch(0); // the SYN
      if (state != TcpState.SynSent) this.feed(new Segment(TCP_SYN, Seq.Nxt, Ack.Nxt)); // ESTABLISHED
      if (
        state == TcpState.FinWait1 ||
        state == TcpState.FinWait2 ||
        state == TcpState.Closing ||
        state == TcpState.TimeWait
      ) {
        c.close(0);
        c.dispatch(0); // our FIN
        if (state == TcpState.FinWait2 || state == TcpState.TimeWait) this.feed(new Segment(0, Seq.Nxt, Ack.Nxt));
        if (state == TcpState.Closing) this.feed(new Segment(TCP_FIN, Seq.Nxt, Ack.NxtLess1));
        if (state == TcpState.TimeWait) this.feed(new Segment(TCP_FIN, Seq.Nxt, Ack.Nxt));
      }
      if (state == TcpState.CloseWait || state == TcpState.LastAck) {
        this.feed(new Segment(TCP_FIN, Seq.Nxt, Ack.Nxt));
        if (state == TcpState.LastAck) {
          c.close(0);
          c.dispatch(0); // our FIN
        }
      }
    }
    expect<string>(tcpStateName(c.state), tcpStateName(state), "the fixture");
    this.rec.segments.length = 0;
  }

  /** Processes a segment from the template; returns the immediate reply, if any. */
  feed(t: Segment): TcpRepr | null {
    const reply = this.conn.process(build(this.conn, t), B_IP, A_IP, this.now);
    if (reply) this.rec.emit(this.conn, reply, this.now);
    this.conn.dispatch(this.now);
    return reply;
  }
}
