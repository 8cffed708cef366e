// Loss detection for the send path, from the variables alone: whether SACK recovery (RFC 6675) is
// under way and how much it may send (the pipe), when SND.UNA counts as lost (RFC 6675's IsLost,
// RFC 5827 early retransmit), when resent holes were lost again, and when the tail-loss probe
// (RFC 8985 §7) is due. What is sent again is output.ts's.

import { seqGe, seqGt, seqLt } from "../wire/seq";
import { NEVER, TcpControlBlock } from "./control-block";

const MILLISECOND: i64 = 1_000_000;
const WORST_DELAYED_ACK: i64 = 200 * MILLISECOND; // RFC 8985 §7.2's WCDelAckT: a lone segment's ACK may wait this long
const MIN_PROBE_TIMEOUT: i64 = 10 * MILLISECOND; // the shortest tail-loss probe timeout (as Linux)

/** Whether `c` is in fast recovery with SACK information to guide it. */
export function sackRecovering(c: TcpControlBlock): bool {
  return c.congestion.inRecovery && c.congestion.sack && !c.scoreboard.empty;
}

/**
 * RFC 6675's pipe, simplified: bytes in flight, less those SACKed, less the holes below the
 * highest SACKed byte (taken as lost, as FACK does), plus the holes already resent.
 */
export function pipe(c: TcpControlBlock): u32 {
  const sb = c.scoreboard;
  const una = c.sndUna;
  const high = sb.highest;
  const lost = sb.unsackedBetween(una, high);
  const resent = seqGt(c.rexmitNext, una)
    ? sb.unsackedBetween(una, seqLt(c.rexmitNext, high) ? c.rexmitNext : high)
    : 0;
  const out = c.sndMax - una;
  const gone = sb.sacked + lost;
  return (out > gone ? out - gone : 0) + resent;
}

/**
 * (Re)starts the tail-loss probe timer after new data went out or new data was ACKed: PTO =
 * 2 SRTT (plus the peer's worst delayed ACK when one segment is out), at least 10 ms, and only if
 * it comes before the retransmission timer. With SACK only (RFC 8985 §7), outside recovery and
 * timeouts, once per episode.
 */
export function armTailProbe(c: TcpControlBlock, now: i64): void {
  c.probeDeadline = NEVER;
  const flight = c.sndMax - c.sndUna;
  if (!c.sackOk || !c.rtt.hasSample || c.congestion.inRecovery || c.retries > 0) return;
  if (c.probing || flight == 0 || !c.synchronized()) return;
  let pto = 2 * c.rtt.srtt;
  if (flight <= c.segmentSize()) pto += WORST_DELAYED_ACK;
  const at = now + max(pto, MIN_PROBE_TIMEOUT);
  if (at < c.rtoDeadline) c.probeDeadline = at;
}

/**
 * SACK recovery: the peer SACKed data 3 segments past what was sent before the latest resent hole,
 * so every resent hole still missing was lost again (as RACK, RFC 8985, would find by time): walk
 * the holes once more instead of waiting for the retransmission timer.
 */
export function checkLostRetransmits(c: TcpControlBlock): void {
  if (!sackRecovering(c) || !seqGt(c.rexmitNext, c.sndUna)) return;
  if (!seqGe(c.scoreboard.highest, c.rexmitMark + 3 * c.segmentSize())) return;
  c.lostRetransmits++;
  c.rexmitNext = c.sndUna;
  c.rexmitMark = c.sndMax;
}

/**
 * RFC 6675's IsLost(SND.UNA): more than (DupThresh - 1) segments' worth SACKed above it, where
 * DupThresh is 3, or (RFC 5827 early retransmit) one less than the segments outstanding when
 * fewer than four are and the peer's window lets nothing new out.
 */
export function frontLost(c: TcpControlBlock): bool {
  if (!c.sackOk || c.scoreboard.empty) return false;
  const smss = c.segmentSize();
  const flight = c.sndMax - c.sndUna;
  const segments = (flight + smss - 1) / smss;
  let thresh: u32 = 3;
  if (segments < 4) {
    const unsent = c.sndMax - c.sndBase < c.sendBuffer.length;
    const wndEnd = c.sndUna + c.sndWnd;
    const roomy = seqGt(wndEnd, c.sndMax) && wndEnd - c.sndMax >= smss;
    if (!(unsent && roomy)) thresh = max<u32>(segments, 2) - 1;
  }
  return c.scoreboard.sacked > (thresh - 1) * smss;
}
