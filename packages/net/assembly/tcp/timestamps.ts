// TCP timestamps (RFC 7323 §3-5): the TSval clock, TS.Recent, PAWS, and round-trip samples from TSecr.
//
// A plug-in: `TcpTimestamps` is timestamps turned off (no option offered, every segment accepted,
// no samples), shared by every connection of a config; `Timestamps` overrides it. Only an image
// that turns them on (`config.timestamps = new Timestamps()`) carries their code.

import { TcpOptions } from "../wire/tcp-options";
import { seqGe, seqLe, seqLt } from "../wire/seq";

const MS: i64 = 1_000_000;
const PAWS_IDLE: i64 = 24 * 24 * 3600 * 1000 * MS; // RFC 7323 §5.5: TS.Recent older than 24 days is invalid

/** Timestamps as a connection sees them: this base class is "off"; `Timestamps` turns them on. */
export class TcpTimestamps {
  /** Both ends sent the option on their SYN. */
  ok: bool = false;
  /** The peer's latest valid TSval (TS.Recent; 0 while off). */
  recent: u32 = 0;

  /** The instance for a new connection (off: this one, shared). */
  create(): TcpTimestamps {
    return this;
  }

  /** Starts the clock from `offset`. */
  start(offset: u32): void {}

  /** Our TSval at `now` (0 while off). */
  clock(now: i64): u32 {
    return 0;
  }

  /** Puts the option on our SYN (`active`) or SYN-ACK sent at `now`, if offered. */
  offer(options: TcpOptions, now: i64, active: bool): void {}

  /** The peer's SYN carried `options` at `now`. */
  synReceived(options: TcpOptions, now: i64): void {}

  /** Puts TSval and TSecr on a segment we send at `now` acknowledging up to `ack` (if `acks`); only when `ok`. */
  stamp(options: TcpOptions, now: i64, acks: bool, ack: u32): void {}

  /** PAWS (§5.3): false if a non-RST segment's TSval is older than TS.Recent (while that is valid). */
  accepts(options: TcpOptions, rst: bool, now: i64): bool {
    return true;
  }

  /** An acceptable segment at `seq` arrived: TS.Recent takes its TSval if it covers our last ACK (§4.3). */
  update(options: TcpOptions, seq: u32, now: i64): void {}

  /** A round-trip sample (ns) from the TSecr of an ACK of new data, or -1 (§4.1). */
  sample(options: TcpOptions, now: i64): i64 {
    return -1;
  }
}

/**
 * One connection's timestamps, on. The clock ticks in milliseconds from a per-connection offset
 * (RFC 7323 §5.4 wants it unpredictable: the connection passes its ISS). `ok` once both SYNs
 * carried the option; then every segment we send carries TSval and TSecr = TS.Recent, and
 * arriving segments are checked by PAWS (§5.3) and update TS.Recent only if they cover the last
 * ACK we sent (§4.3). A config's instance only makes its connections' (`create`).
 */
export class Timestamps extends TcpTimestamps {
  /** Segments PAWS rejected. */
  rejected: u64 = 0;
  private recentAt: i64 = 0; // when TS.Recent was set
  private offset: u32 = 0;
  private lastAckSent: u32 = 0;

  create(): TcpTimestamps {
    return new Timestamps();
  }

  start(offset: u32): void {
    this.offset = offset;
  }

  /** Our TSval at `now`. */
  clock(now: i64): u32 {
    return <u32>(now / MS) + this.offset;
  }

  offer(options: TcpOptions, now: i64, active: bool): void {
    if (!active && !this.ok) return;
    options.hasTimestamps = true;
    options.tsVal = this.clock(now);
    options.tsEcr = active ? 0 : this.recent;
  }

  synReceived(options: TcpOptions, now: i64): void {
    if (!options.hasTimestamps) return;
    this.ok = true;
    this.recent = options.tsVal;
    this.recentAt = now;
  }

  stamp(options: TcpOptions, now: i64, acks: bool, ack: u32): void {
    options.hasTimestamps = true;
    options.tsVal = this.clock(now);
    options.tsEcr = this.recent;
    if (acks) this.lastAckSent = ack;
  }

  accepts(options: TcpOptions, rst: bool, now: i64): bool {
    if (!this.ok || rst || !options.hasTimestamps) return true;
    if (!seqLt(options.tsVal, this.recent) || now - this.recentAt > PAWS_IDLE) return true;
    this.rejected++;
    return false;
  }

  update(options: TcpOptions, seq: u32, now: i64): void {
    if (!this.ok || !options.hasTimestamps) return;
    if (seqGe(options.tsVal, this.recent) && seqLe(seq, this.lastAckSent)) {
      this.recent = options.tsVal;
      this.recentAt = now;
    }
  }

  sample(options: TcpOptions, now: i64): i64 {
    if (!this.ok || !options.hasTimestamps || options.tsEcr == 0) return -1;
    const elapsed = this.clock(now) - options.tsEcr;
    return <i32>elapsed < 0 ? -1 : <i64>elapsed * MS;
  }
}
