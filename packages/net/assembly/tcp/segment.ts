// What goes in the header of a segment a connection sends: ports, sequence and acknowledgment
// numbers, the window (scaled unless SYN), timestamps and SACK blocks; the options of our SYN or
// SYN-ACK; and the RST that answers a segment no connection takes.

import { TcpRepr, TCP_ACK, TCP_RST, TCP_SYN } from "../wire/tcp";
import { MAX_WINDOW, TcpControlBlock } from "./control-block";

/** Fills `r`'s header for a segment of `c` at `seq` with `flags`: ports, ACK, window (scaled unless SYN), timestamps, SACK blocks. */
export function header(c: TcpControlBlock, r: TcpRepr, seq: u32, flags: u32): void {
  const rst = (flags & TCP_RST) != 0;
  const syn = (flags & TCP_SYN) != 0;
  const ack = (flags & TCP_ACK) != 0;
  const shift = syn ? 0 : c.rcvWscale; // a SYN's window is never scaled
  const field = rst ? 0 : min(c.recvWindow() >> shift, MAX_WINDOW);
  r.set(c.localPort, c.remotePort, seq, ack ? c.rcvNxt : 0, flags, field);
  if (rst) return;
  c.advertisedEdge = c.rcvNxt + (field << shift);
  if (syn) return;
  if (c.timestamps.ok) c.timestamps.stamp(r.options, c.clockNow, ack, c.rcvNxt);
  if (ack && c.sackOk && !c.reassembly.empty) c.reassembly.sackBlocks(r.options);
}

/** The options of `c`'s SYN (`active`) or SYN-ACK in `c.out`: MSS, and window scale and SACK-permitted if offered (on a SYN-ACK: if the peer offered them). */
export function synOptions(c: TcpControlBlock, active: bool): void {
  const o = c.out.options;
  o.hasMaxSegSize = true;
  o.maxSegSize = c.mss;
  if (c.config.windowScaling && (active || c.peerScales)) {
    o.hasWindowScale = true;
    o.windowScale = c.wsOffer();
  }
  if (c.config.sack && (active || c.sackOk)) o.sackPermitted = true;
  c.timestamps.offer(o, c.clockNow, active);
}

/** Fills `reply` with the RST that answers `seg` when no connection takes it (RFC 9293 §3.10.7.1); false for a RST. */
export function resetFor(seg: TcpRepr, reply: TcpRepr): bool {
  if (seg.has(TCP_RST)) return false;
  if (seg.has(TCP_ACK)) reply.set(seg.dstPort, seg.srcPort, seg.ackNumber, 0, TCP_RST, 0);
  else reply.set(seg.dstPort, seg.srcPort, 0, seg.seqNumber + seg.seqLen(), TCP_RST | TCP_ACK, 0);
  return true;
}
