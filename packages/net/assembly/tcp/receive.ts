// The data and FIN of an acceptable segment (RFC 9293 §3.10.7.4, steps 7 and 8): in order into the
// receive ring, out of order into the ring past its tail with its range remembered (reassembly.ts),
// the ACK owed (at once or delayed, RFC 5681 §4.2), and the peer's FIN.

import { TcpRepr, TCP_FIN } from "../wire/tcp";
import { seqGt } from "../wire/seq";
import { NEVER, TcpControlBlock } from "./control-block";
import { TcpState } from "./state";

/** Takes the data and FIN of `seg`, which was acceptable, at `now`. */
export function receiveData<C extends TcpControlBlock>(c: C, seg: TcpRepr, now: i64): void {
  const seq = seg.seqNumber;
  let payload = seg.payloadPtr;
  let len = seg.payloadLen;
  const fin = seg.has(TCP_FIN);
  if (len > c.rcvMss) c.rcvMss = min(len, c.mss);
  if (seqGt(seq, c.rcvNxt)) return receiveOutOfOrder(c, seq, payload, len, fin);
  const skip = c.rcvNxt - seq; // bytes already received
  if (skip > len) {
    payload += len; // only the FIN is new
    len = 0;
  } else {
    payload += skip;
    len -= skip;
  }
  const holes = !c.reassembly.empty;
  let taken: u32 = 0;
  let gained: u32 = 0;
  if (len > 0 && c.receivesData()) {
    taken = c.recvBuffer.writeAt(0, payload, len);
    let end = c.rcvNxt + taken;
    if (holes) end = c.reassembly.advance(end); // data held past the hole joins
    gained = c.recvBuffer.commit(end - c.rcvNxt);
    c.rcvNxt = end;
  }
  // Delayed ACK (RFC 5681 §4.2): every second full-sized segment, or at the deadline; at once for
  // the connection's first segments, for a segment that fills a hole, and for a FIN.
  c.rcvUnacked += taken;
  if (holes || fin || taken < len || c.quickAcksLeft > 0 || c.rcvUnacked >= 2 * c.rcvMss) {
    c.ackNow = true;
    if (c.quickAcksLeft > 0) c.quickAcksLeft--;
  } else if (c.ackDeadline == NEVER) c.ackDeadline = now + c.config.ackDelay;
  if ((fin && taken == len) || (c.finHeld && c.rcvNxt == c.finSeqHeld)) {
    if (!c.finReceived) receiveFin(c, now);
  }
  if (gained > 0 || c.finReceived) c.notifyReadable(now);
}

// A segment past RCV.NXT: its data goes into the receive ring at its offset and its range is
// remembered, if a range is free; a duplicate ACK (with SACK blocks) goes out at once.
function receiveOutOfOrder(c: TcpControlBlock, seq: u32, payload: usize, len: u32, fin: bool): void {
  c.outOfOrder++;
  c.ackNow = true;
  if (!c.receivesData()) return;
  const n = len > 0 ? c.recvBuffer.writeAt(seq - c.rcvNxt, payload, len) : 0;
  if (n > 0 && !c.reassembly.add(seq, seq + n)) return;
  if (fin && n == len) {
    c.finHeld = true;
    c.finSeqHeld = seq + len;
  }
}

function receiveFin(c: TcpControlBlock, now: i64): void {
  c.finReceived = true;
  c.rcvNxt += 1;
  c.finHeld = false;
  c.ackNow = true;
  const s = c.state;
  if (s == TcpState.SynReceived || s == TcpState.Established) c.state = TcpState.CloseWait;
  else if (s == TcpState.FinWait1) {
    if (c.finAcked()) c.enterTimeWait(now);
    else c.state = TcpState.Closing;
  } else if (s == TcpState.FinWait2) c.enterTimeWait(now);
}
