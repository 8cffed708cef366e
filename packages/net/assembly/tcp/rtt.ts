// The retransmission timeout of one connection (RFC 6298): RTT samples, SRTT/RTTVAR, backoff, Karn's rule.

import { seqGe } from "../wire/seq";
import { TcpConfig } from "./state";

/**
 * Times one segment per round trip (RFC 6298 §3 allows one sample per RTT) and turns the samples
 * into an RTO within [rtoMin, rtoMax]. Karn's rule: a segment that is retransmitted while timed
 * gives no sample (`cancel`). A timeout doubles the RTO (`backoff`); the next ACK of new data ends
 * the backoff, as Linux does, returning the RTO to the estimate.
 */
export class RttEstimator {
  /** The current retransmission timeout (ns). */
  rto: i64;
  /** The smoothed round-trip time (ns); meaningful once `hasSample`. */
  srtt: i64 = 0;
  /** The round-trip time variation (ns). */
  rttvar: i64 = 0;
  /** At least one sample was taken. */
  hasSample: bool = false;
  private timing: bool = false;
  private timedEnd: u32 = 0; // the ACK that completes the timed segment
  private sentAt: i64 = 0;

  constructor(private readonly config: TcpConfig) {
    this.rto = config.rtoInitial;
  }

  /** A never-sent segment ending before `end` leaves at `now`: time it unless one is already timed. */
  start(end: u32, now: i64): void {
    if (this.timing) return;
    this.timing = true;
    this.timedEnd = end;
    this.sentAt = now;
  }

  /** Karn's rule: what is timed is being retransmitted, so no sample comes from it. */
  cancel(): void {
    this.timing = false;
  }

  /**
   * SND.UNA advanced to `ack` at `now`: a sample if the timed segment is covered, or, when nothing
   * is timed (after a retransmission), from timestamps (`tsSample` ns, -1 if none, RFC 7323 §4);
   * the backoff ends.
   */
  acked(ack: u32, now: i64, tsSample: i64 = -1): void {
    if (this.timing && seqGe(ack, this.timedEnd)) {
      this.timing = false;
      this.sample(tsSample >= 0 ? tsSample : now - this.sentAt);
    } else if (!this.timing && tsSample >= 0) this.sample(tsSample);
    else this.rto = this.estimate();
  }

  /** RFC 6298 §2: folds in a round-trip sample of `rtt` ns. */
  sample(rtt: i64): void {
    if (!this.hasSample) {
      this.srtt = rtt;
      this.rttvar = rtt / 2;
      this.hasSample = true;
    } else {
      const delta = this.srtt > rtt ? this.srtt - rtt : rtt - this.srtt;
      this.rttvar = (3 * this.rttvar + delta) / 4;
      this.srtt = (7 * this.srtt + rtt) / 8;
    }
    this.rto = this.estimate();
  }

  /** RFC 6298 §5.5: the timer expired; the RTO doubles, up to rtoMax. */
  backoff(): void {
    this.timing = false;
    this.rto = min(this.rto * 2, this.config.rtoMax);
  }

  // SRTT + 4 * RTTVAR within [rtoMin, rtoMax]; rtoInitial before any sample.
  private estimate(): i64 {
    if (!this.hasSample) return this.config.rtoInitial;
    return min(max(this.srtt + 4 * this.rttvar, this.config.rtoMin), this.config.rtoMax);
  }
}
