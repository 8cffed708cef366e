// TCP options (RFC 9293 §3.2, RFC 7323, RFC 2018): parsed from and emitted into the bytes
// between the fixed 20-byte header and the payload.
//
//  kind 0  end of list       [0]                                    the rest is padding
//  kind 1  no-operation      [1]                                    aligns the next option
//  kind 2  max segment size  [2, 4, mss:16]                         SYN only
//  kind 3  window scale      [3, 3, shift:8]                        SYN only; shift > 14 used as 14
//  kind 4  SACK permitted    [4, 2]                                 SYN only
//  kind 5  SACK blocks       [5, 2 + 8n, (left:32, right:32) * n]   n = 1..4
//  kind 8  timestamps        [8, 10, tsVal:32, tsEcr:32]
//
// Every other option is [kind, length, ...] and skipped. Options that are valid only on a SYN are
// length-checked but ignored on other segments (as RFC 7323 §2.2 says of window scale), and `emit`
// leaves them out there too, so that parsing what was emitted gives back the same options.
//
// `emit` uses the layouts Linux sends, so captured segments re-emit byte for byte:
//   SYN:   MSS, SACK-permitted, timestamps, NOP, window scale
//   other: NOP, NOP, timestamps, NOP, NOP, SACK blocks
// (without timestamps, SACK-permitted is sent as NOP, NOP, SACK-permitted). Each part is a
// multiple of 4 bytes, so no padding is needed; SACK blocks that would not fit in the 40 bytes
// of option space are left out, last first.

import { load16, load32, store16, store32 } from "./bytes";
import { Drop } from "./drop";

/** Option kind: end of the option list. */
export const TCP_OPT_END: u32 = 0;
/** Option kind: no-operation (one byte of padding). */
export const TCP_OPT_NOP: u32 = 1;
/** Option kind: maximum segment size. */
export const TCP_OPT_MSS: u32 = 2;
/** Option kind: window scale. */
export const TCP_OPT_WINDOW_SCALE: u32 = 3;
/** Option kind: SACK permitted. */
export const TCP_OPT_SACK_PERMITTED: u32 = 4;
/** Option kind: SACK blocks. */
export const TCP_OPT_SACK: u32 = 5;
/** Option kind: timestamps. */
export const TCP_OPT_TIMESTAMPS: u32 = 8;

/** Bytes of option space at most: a 60-byte header less the fixed 20. */
export const TCP_MAX_OPTIONS_LEN: u32 = 40;
/** SACK blocks one option can carry (2 + 4 * 8 bytes fill the option space). */
export const TCP_MAX_SACK_BLOCKS: u32 = 4;
/** The largest window scale shift (RFC 7323 §2.3); larger received shifts are clamped to it. */
export const TCP_MAX_WINDOW_SCALE: u32 = 14;

const MSS_LEN: u32 = 4;
const WINDOW_SCALE_LEN: u32 = 3;
const SACK_PERMITTED_LEN: u32 = 2;
const TIMESTAMPS_LEN: u32 = 10;
const SACK_BLOCK_LEN: u32 = 8;

/**
 * The options of one TCP segment. `parse` fills it from the option bytes (rejecting malformed
 * ones), `bufferLen` and `emit` write it back. Nothing here allocates after construction.
 */
export class TcpOptions {
  /** A maximum segment size was sent (SYN only). */
  hasMaxSegSize: bool = false;
  /** The maximum segment size the sender can receive, in bytes. */
  maxSegSize: u32 = 0;
  /** A window scale was sent (SYN only). */
  hasWindowScale: bool = false;
  /** The sender's window scale shift, 0..14. */
  windowScale: u32 = 0;
  /** The sender can receive SACK blocks (SYN only). */
  sackPermitted: bool = false;
  /** Timestamps were sent. */
  hasTimestamps: bool = false;
  /** The sender's timestamp value (TSval). */
  tsVal: u32 = 0;
  /** The timestamp echoed back (TSecr). */
  tsEcr: u32 = 0;
  /** SACK blocks held, 0..`TCP_MAX_SACK_BLOCKS`. */
  sackCount: u32 = 0;
  private sack: StaticArray<u32> = new StaticArray<u32>(2 * TCP_MAX_SACK_BLOCKS);

  /** Forgets every option. */
  clear(): void {
    this.hasMaxSegSize = false;
    this.maxSegSize = 0;
    this.hasWindowScale = false;
    this.windowScale = 0;
    this.sackPermitted = false;
    this.hasTimestamps = false;
    this.tsVal = 0;
    this.tsEcr = 0;
    this.sackCount = 0;
  }

  /** The left edge (first sequence number) of SACK block `i` (< `sackCount`). */
  sackLeft(i: u32): u32 {
    return this.sack[2 * i];
  }

  /** The right edge (sequence number after the last) of SACK block `i` (< `sackCount`). */
  sackRight(i: u32): u32 {
    return this.sack[2 * i + 1];
  }

  /** Appends the SACK block `left..right`; false if `TCP_MAX_SACK_BLOCKS` are already held. */
  addSack(left: u32, right: u32): bool {
    if (this.sackCount >= TCP_MAX_SACK_BLOCKS) return false;
    this.sack[2 * this.sackCount] = left;
    this.sack[2 * this.sackCount + 1] = right;
    this.sackCount++;
    return true;
  }

  /**
   * Fills the options from `len` bytes at `ptr`, of a segment with SYN set or not. `Malformed`
   * if an option other than END or NOP has no length byte, a length below 2 or running past
   * `len`, or the wrong length for its kind (SACK: not 2 + 8n with n = 1..4); unknown kinds are
   * skipped, and END ends the list. The last of repeated options wins.
   */
  parse(ptr: usize, len: u32, syn: bool): Drop {
    this.clear();
    let i: u32 = 0;
    while (i < len) {
      const kind = <u32>load<u8>(ptr + i);
      if (kind == TCP_OPT_END) break;
      if (kind == TCP_OPT_NOP) {
        i++;
        continue;
      }
      if (len - i < 2) return Drop.Malformed; // no room for the length byte
      const optLen = <u32>load<u8>(ptr + i + 1);
      if (optLen < 2 || optLen > len - i) return Drop.Malformed;
      const body = ptr + i + 2;
      if (kind == TCP_OPT_MSS) {
        if (optLen != MSS_LEN) return Drop.Malformed;
        if (syn) {
          this.hasMaxSegSize = true;
          this.maxSegSize = load16(body);
        }
      } else if (kind == TCP_OPT_WINDOW_SCALE) {
        if (optLen != WINDOW_SCALE_LEN) return Drop.Malformed;
        if (syn) {
          const shift = <u32>load<u8>(body);
          this.hasWindowScale = true;
          this.windowScale = shift > TCP_MAX_WINDOW_SCALE ? TCP_MAX_WINDOW_SCALE : shift;
        }
      } else if (kind == TCP_OPT_SACK_PERMITTED) {
        if (optLen != SACK_PERMITTED_LEN) return Drop.Malformed;
        if (syn) this.sackPermitted = true;
      } else if (kind == TCP_OPT_SACK) {
        const blocks = (optLen - 2) / SACK_BLOCK_LEN;
        if (blocks == 0 || blocks * SACK_BLOCK_LEN + 2 != optLen) return Drop.Malformed;
        this.sackCount = 0;
        for (let b: u32 = 0; b < blocks; b++) {
          this.addSack(load32(body + b * SACK_BLOCK_LEN), load32(body + b * SACK_BLOCK_LEN + 4));
        }
      } else if (kind == TCP_OPT_TIMESTAMPS) {
        if (optLen != TIMESTAMPS_LEN) return Drop.Malformed;
        this.hasTimestamps = true;
        this.tsVal = load32(body);
        this.tsEcr = load32(body + 4);
      }
      i += optLen;
    }
    return Drop.Ok;
  }

  /** Bytes `emit` writes for a segment with SYN set or not: a multiple of 4, at most 40. */
  bufferLen(syn: bool): u32 {
    const fixed = this.fixedLen(syn);
    const blocks = this.sackBlocksThatFit(fixed);
    return blocks == 0 ? fixed : fixed + 4 + blocks * SACK_BLOCK_LEN;
  }

  /** Writes the options for a segment with SYN set or not at `ptr` (`bufferLen(syn)` bytes); returns that length. */
  emit(ptr: usize, syn: bool): u32 {
    let at = ptr;
    if (syn && this.hasMaxSegSize) {
      store<u8>(at, <u8>TCP_OPT_MSS);
      store<u8>(at + 1, <u8>MSS_LEN);
      store16(at + 2, this.maxSegSize);
      at += 4;
    }
    const sackPermitted = syn && this.sackPermitted;
    if (sackPermitted) {
      if (!this.hasTimestamps) at = nops(at, 2);
      store<u8>(at, <u8>TCP_OPT_SACK_PERMITTED);
      store<u8>(at + 1, <u8>SACK_PERMITTED_LEN);
      at += 2;
    }
    if (this.hasTimestamps) {
      if (!sackPermitted) at = nops(at, 2);
      store<u8>(at, <u8>TCP_OPT_TIMESTAMPS);
      store<u8>(at + 1, <u8>TIMESTAMPS_LEN);
      store32(at + 2, this.tsVal);
      store32(at + 6, this.tsEcr);
      at += TIMESTAMPS_LEN;
    }
    if (syn && this.hasWindowScale) {
      at = nops(at, 1);
      store<u8>(at, <u8>TCP_OPT_WINDOW_SCALE);
      store<u8>(at + 1, <u8>WINDOW_SCALE_LEN);
      store<u8>(at + 2, <u8>this.windowScale);
      at += WINDOW_SCALE_LEN;
    }
    const blocks = this.sackBlocksThatFit(<u32>(at - ptr));
    if (blocks > 0) {
      at = nops(at, 2);
      store<u8>(at, <u8>TCP_OPT_SACK);
      store<u8>(at + 1, <u8>(2 + blocks * SACK_BLOCK_LEN));
      at += 2;
      for (let b: u32 = 0; b < blocks; b++) {
        store32(at, this.sackLeft(b));
        store32(at + 4, this.sackRight(b));
        at += SACK_BLOCK_LEN;
      }
    }
    return <u32>(at - ptr);
  }

  // Bytes of the options other than SACK blocks, as `emit` lays them out.
  private fixedLen(syn: bool): u32 {
    let n: u32 = 0;
    if (syn && this.hasMaxSegSize) n += 4;
    if (this.hasTimestamps)
      n += 12; // SACK-permitted and timestamps, or NOP, NOP, timestamps
    else if (syn && this.sackPermitted) n += 4;
    if (syn && this.hasWindowScale) n += 4;
    return n;
  }

  // SACK blocks that fit after `used` bytes of other options, behind two NOPs and kind and length.
  private sackBlocksThatFit(used: u32): u32 {
    const room = (TCP_MAX_OPTIONS_LEN - used - 4) / SACK_BLOCK_LEN; // used is at most 20
    return this.sackCount < room ? this.sackCount : room;
  }
}

// Writes `n` NOPs at `ptr`; returns the address after them.
function nops(ptr: usize, n: u32): usize {
  for (let i: u32 = 0; i < n; i++) store<u8>(ptr + i, <u8>TCP_OPT_NOP);
  return ptr + n;
}
