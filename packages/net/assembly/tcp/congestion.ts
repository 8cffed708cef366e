// NewReno congestion control (RFC 5681, RFC 6582): slow start, congestion avoidance, fast retransmit and recovery.

import { seqGe } from "../wire/seq";

const CWND_MAX: u32 = 0x40000000; // far above any window (1 GiB): keeps the arithmetic from wrapping

/**
 * The congestion window of one connection, in bytes. The connection reports each ACK of new data
 * (`onAck`), each duplicate ACK (`onDupAck`) and each retransmission timeout (`onTimeout`); the
 * answers say when to retransmit the first unacknowledged segment.
 *
 * - Initial window: RFC 6928, min(10 * MSS, max(2 * MSS, 14600)) for 10 segments.
 * - Slow start (cwnd < ssthresh): cwnd grows by the bytes acknowledged, at most 2 * MSS per ACK
 *   (RFC 3465 appropriate byte counting with L = 2, which keeps growth per RTT doubling when the
 *   receiver delays its ACKs); congestion avoidance: one MSS per cwnd of bytes acknowledged.
 * - The third duplicate ACK (RFC 5681 §3.2) starts fast retransmit and recovery if the ACK covers
 *   more than `recover` (RFC 6582 §3.2 step 2): ssthresh = max(FlightSize / 2, 2 * MSS),
 *   cwnd = ssthresh + 3 * MSS, each further duplicate inflates cwnd by one MSS. A partial ACK
 *   retransmits the next hole and deflates cwnd by the bytes it acknowledged (plus one MSS if that
 *   was at least one MSS); a full ACK sets cwnd = min(ssthresh, max(FlightSize, MSS) + MSS).
 * - With SACK (`sack`), recovery follows RFC 6675 instead: cwnd = ssthresh, no inflation or
 *   deflation; the connection sends while its pipe estimate is below cwnd, holes first.
 * - Limited transmit (RFC 3042): the first two duplicate ACKs each let one new segment out (never
 *   old data, as after a timeout).
 * - With SACK, recovery may start before the third duplicate when the scoreboard shows SND.UNA lost
 *   (RFC 6675 IsLost; RFC 5827 early retransmit for flights under four segments).
 * - A timeout: ssthresh = max(FlightSize / 2, 2 * MSS), cwnd = 1 MSS (the loss window), and
 *   `recover` = the highest sequence number sent, so duplicate ACKs of older data cannot start a
 *   fast retransmit.
 */
export class NewReno {
  /** The congestion window (bytes). */
  cwnd: u32 = 0;
  /** The slow-start threshold (bytes); "arbitrarily high" at first (RFC 5681 §3.1). */
  ssthresh: u32 = CWND_MAX;
  /** Duplicate ACKs in a row. */
  dupAcks: u32 = 0;
  /** In fast recovery. */
  inRecovery: bool = false;
  /** One past the highest sequence number sent when recovery (or the timeout) began. */
  recover: u32 = 0;
  /** Fast retransmits started (third duplicate ACKs). */
  fastRetransmits: u64 = 0;
  /**
   * The peer's SACK blocks drive recovery (RFC 6675): cwnd is ssthresh throughout and the sender
   * fills it by its pipe estimate, resending holes first, instead of inflating and deflating.
   */
  sack: bool = false;
  private mss: u32 = 536;
  private avoided: u32 = 0; // bytes acknowledged in congestion avoidance toward the next MSS

  /** Starts a connection whose segments carry `mss` bytes, with initial sequence number `iss`. */
  start(mss: u32, iss: u32, initialSegments: u32): void {
    this.mss = mss;
    this.cwnd = max(min(initialSegments * mss, max(2 * mss, 14600)), mss);
    this.ssthresh = CWND_MAX;
    this.recover = iss;
    this.dupAcks = 0;
    this.inRecovery = false;
    this.avoided = 0;
  }

  /** The MSS shrank (path MTU discovery): the window keeps its size in segments. */
  resize(mss: u32): void {
    if (mss >= this.mss) return;
    this.cwnd = max<u32>(<u32>((<u64>this.cwnd * mss) / this.mss), mss);
    this.mss = mss;
  }

  /**
   * Bytes that may be in flight now: cwnd, plus, when `newData` (RFC 3042 sends only data never
   * sent before), one MSS per early duplicate ACK (limited transmit).
   */
  window(newData: bool = true): u32 {
    if (newData && !this.inRecovery && this.dupAcks > 0) return this.cwnd + min<u32>(this.dupAcks, 2) * this.mss;
    return this.cwnd;
  }

  /**
   * An ACK of `acked` new bytes up to `ack`, leaving `flight` bytes outstanding. True if it is a
   * partial ACK in recovery: the caller retransmits the segment at the new SND.UNA.
   */
  onAck(ack: u32, acked: u32, flight: u32): bool {
    const mss = this.mss;
    let cwnd = this.cwnd;
    this.dupAcks = 0;
    if (this.inRecovery) {
      if (seqGe(ack, this.recover)) {
        this.inRecovery = false; // a full ACK: deflate
        this.cwnd = min(this.ssthresh, max(flight, mss) + mss);
        this.avoided = 0;
        return false;
      }
      if (this.sack) return false; // the sender resends holes by its scoreboard
      this.cwnd = max((cwnd > acked ? cwnd - acked : 0) + (acked >= mss ? mss : 0), mss);
      return true;
    }
    if (cwnd < this.ssthresh) {
      cwnd += min(acked, 2 * mss); // slow start
    } else {
      let avoided = this.avoided + acked; // congestion avoidance: about one MSS per RTT
      if (avoided >= cwnd) {
        avoided -= cwnd;
        cwnd += mss;
      }
      this.avoided = avoided;
    }
    this.cwnd = min(cwnd, CWND_MAX);
    return false;
  }

  /**
   * A duplicate ACK of `ack` with `flight` bytes outstanding, `sndMax` one past the highest sent;
   * `lost`: the SACK scoreboard already shows SND.UNA lost (RFC 6675 IsLost, or RFC 5827 early
   * retransmit), so recovery need not wait for the third duplicate. True: fast retransmit now.
   */
  onDupAck(ack: u32, flight: u32, sndMax: u32, lost: bool = false): bool {
    const mss = this.mss;
    const dupAcks = ++this.dupAcks;
    if (this.inRecovery) {
      if (!this.sack) this.cwnd = min(this.cwnd + mss, CWND_MAX); // another segment left the network
      return false;
    }
    if (!(dupAcks == 3 || (lost && dupAcks < 3)) || !seqGe(ack, this.recover)) return false;
    const ssthresh = max(flight / 2, 2 * mss);
    this.ssthresh = ssthresh;
    this.cwnd = this.sack ? ssthresh : ssthresh + 3 * mss;
    this.recover = sndMax;
    this.inRecovery = true;
    this.fastRetransmits++;
    return true;
  }

  /** The retransmission timer expired with `flight` bytes outstanding; `sndMax` one past the highest sent. */
  onTimeout(flight: u32, sndMax: u32): void {
    this.ssthresh = max(flight / 2, 2 * this.mss);
    this.cwnd = this.mss;
    this.recover = sndMax;
    this.inRecovery = false;
    this.dupAcks = 0;
    this.avoided = 0;
  }
}
