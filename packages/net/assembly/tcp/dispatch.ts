// What a connection does at `now` (`dispatch`) and when it next has to (`pollAt`): the timers that
// fire (TIME-WAIT's end, FIN-WAIT-2 and keepalive probes, the retransmission timeout, zero-window
// probes), then a RST owed, retransmissions, new data, a tail-loss probe and an ACK owed, sent
// through output.ts. The timers are listed in control-block.ts.

import { TCP_ACK, TCP_RST } from "../wire/tcp";
import { enterClosed, NEVER, TcpControlBlock } from "./control-block";
import { emit, resendHoles, sendAt, sendOne, sendProbe, tailProbe } from "./output";
import { sackRecovering } from "./recovery";
import { header } from "./segment";
import { CloseReason, TcpState } from "./state";

/** The earliest time `dispatch` has something to do for `c` (`i64.MAX_VALUE`: nothing until a segment or a call). */
export function pollAt(c: TcpControlBlock): i64 {
  if (c.ackNow || c.rstDue || c.retransmitDue) return 0;
  let t = min(c.rtoDeadline, min(c.ackDeadline, c.persistDeadline));
  return min(min(t, c.probeDeadline), min(keepAliveAt(c), finWait2At(c)));
}

function keepAliveAt(c: TcpControlBlock): i64 {
  const s = c.state;
  if (c.keepAliveIdle <= 0 || (s != TcpState.Established && s != TcpState.CloseWait)) return NEVER;
  if (c.sndUna != c.sndMax || c.persistDeadline != NEVER) return NEVER; // the RTO or probes watch the peer
  return c.lastHeard + c.keepAliveIdle + <i64>c.keepProbes * c.keepAliveInterval;
}

// FIN-WAIT-2: `finWait2Timeout` after the peer last spoke, then probes with backoff until one is answered.
function finWait2At(c: TcpControlBlock): i64 {
  const t = c.config.finWait2Timeout;
  if (c.state != TcpState.FinWait2 || t <= 0) return NEVER;
  return c.finProbes == 0 ? c.lastHeard + t : c.finProbeAt;
}

/** Sends what is due for `c` at `now` (SYN, data, FIN, ACK, retransmissions, probes, RST); returns segments sent. */
export function dispatch<C extends TcpControlBlock>(c: C, now: i64): u32 {
  c.clockNow = now;
  if (c.rstDue) {
    c.rstDue = false;
    header(c, c.out, c.sndMax, TCP_RST); // SND.MAX: what the peer most likely expects (RFC 5961 wants it exact)
    c.emitSegment(c.out, now);
    return 1;
  }
  const s = c.state;
  if (s == TcpState.Closed || s == TcpState.Listen) return 0;
  if (s == TcpState.TimeWait && now >= c.rtoDeadline) {
    enterClosed(c, CloseReason.Normal, now);
    return 0;
  }
  const finWait2 = now >= finWait2At(c);
  if (finWait2 && c.finProbes < c.config.maxRetransmissions) {
    // Silent too long in FIN-WAIT-2: is the peer there? A live one answers (a lossy one may take several probes).
    c.finProbes++;
    c.finProbeAt = now + min(c.rtt.rto << min<u32>(c.finProbes - 1, 16), c.config.rtoMax);
    return sendProbe(c, now);
  }
  const unanswered = c.keepProbes >= c.keepAliveCount && now >= keepAliveAt(c);
  if (finWait2 || unanswered) {
    c.rstDue = true; // the peer went quiet: FIN-WAIT-2 probes or keepalive probes unanswered
    enterClosed(c, CloseReason.TimedOut, now);
    return dispatch(c, now);
  }
  if (now >= c.rtoDeadline && !retransmissionTimeout(c, now)) return dispatch(c, now);
  let sent: u32 = 0;
  if (c.retransmitDue) {
    c.retransmitDue = false;
    if (sendAt(c, c.sndUna, now, c.scoreboard.holeLength(c.sndUna, u32.MAX_VALUE))) sent++;
  }
  if (sackRecovering(c)) sent += resendHoles(c, now);
  while (sendOne(c, now)) sent++;
  if (now >= c.probeDeadline) sent += tailProbe(c, now);
  sent += probe(c, now);
  if (c.ackNow || now >= c.ackDeadline) {
    if (s != TcpState.SynSent && s != TcpState.SynReceived) {
      // SND.MAX, not SND.NXT: after a timeout SND.NXT is back at SND.UNA, below the peer's RCV.NXT,
      // and an ACK carrying it would be unacceptable there (its ACK field ignored: both ends stall).
      header(c, c.out, c.sndMax, TCP_ACK);
      if (emit(c, now)) sent++;
    }
  }
  return sent;
}

// The retransmission timer expired: back off and go back to SND.UNA; false if the connection gave up.
function retransmissionTimeout<C extends TcpControlBlock>(c: C, now: i64): bool {
  const s = c.state;
  if (c.retries >= c.config.maxRetransmissions) {
    c.rstDue = s != TcpState.SynSent;
    const unreachable = s == TcpState.SynSent && c.softError != 0;
    enterClosed(c, unreachable ? CloseReason.Unreachable : CloseReason.TimedOut, now);
    return false;
  }
  c.timeouts++;
  if (c.retries == 0) c.congestion.onTimeout(c.sndMax - c.sndUna, c.sndMax);
  else c.congestion.cwnd = c.segmentSize(); // RFC 5681 §3.1: ssthresh is set once per lost segment
  c.retries++;
  c.sndNxt = c.sndUna; // go back N; ACKs of data the peer held move SND.NXT forward again
  c.retransmitDue = false;
  c.scoreboard.clear(); // the peer may have dropped what it SACKed (RFC 2018 §8)
  c.rexmitNext = c.sndUna;
  c.probeDeadline = NEVER;
  c.probing = false;
  c.rtt.backoff();
  c.rtoDeadline = NEVER; // rearmed by the first segment sent
  return true;
}

// A zero-window probe (RFC 9293 §3.8.6.1) or keepalive probe when due; returns segments sent.
function probe<C extends TcpControlBlock>(c: C, now: i64): u32 {
  const s = c.state;
  const sends = c.synchronized() && s != TcpState.FinWait2 && s != TcpState.TimeWait;
  // Blocked: data waits at SND.NXT, the window is zero, and no retransmission timer watches the
  // peer (nothing in flight, or a timeout went back to SND.UNA and nothing could be resent).
  const blocked = sends && c.sndWnd == 0 && c.rtoDeadline == NEVER && c.sndNxt - c.sndBase < c.sendBuffer.length;
  if (!blocked) {
    c.persistDeadline = NEVER;
    c.persistBackoff = 0;
    c.probesUnanswered = 0;
  } else if (c.persistDeadline == NEVER) {
    if (c.persistBackoff == 0) c.persistBackoff = c.rtt.rto;
    c.persistDeadline = now + c.persistBackoff;
  } else if (now >= c.persistDeadline) {
    if (c.probesUnanswered >= c.config.maxRetransmissions) {
      c.rstDue = true; // the peer stopped answering (a peer that answers, even with zero, is never timed out)
      enterClosed(c, CloseReason.TimedOut, now);
      return dispatch(c, now); // the RST
    }
    c.probesUnanswered++;
    c.windowProbes++;
    c.persistBackoff = min(c.persistBackoff * 2, c.config.rtoMax);
    c.persistDeadline = now + c.persistBackoff;
    return sendProbe(c, now);
  }
  if (now >= keepAliveAt(c)) {
    c.keepProbes++;
    c.keepAliveProbes++;
    return sendProbe(c, now);
  }
  return 0;
}
