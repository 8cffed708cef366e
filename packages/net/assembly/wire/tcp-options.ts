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

import { load16, load32, store32 } from "./bytes";
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
const NOP_NOP: u32 = (TCP_OPT_NOP << 8) | TCP_OPT_NOP;

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
    memory.fill(changetype<usize>(this), 0, offsetof<TcpOptions>("sack")); // every field before `sack`
  }

  /** The left edge (first sequence number) of SACK block `i` (< `sackCount`). */
  sackLeft(i: u32): u32 {
    return unchecked(this.sack[2 * i]);
  }

  /** The right edge (sequence number after the last) of SACK block `i` (< `sackCount`). */
  sackRight(i: u32): u32 {
    return unchecked(this.sack[2 * i + 1]);
  }

  /** Appends the SACK block `left..right`; false if `TCP_MAX_SACK_BLOCKS` are already held. */
  addSack(left: u32, right: u32): bool {
    if (this.sackCount >= TCP_MAX_SACK_BLOCKS) return false;
    unchecked((this.sack[2 * this.sackCount] = left));
    unchecked((this.sack[2 * this.sackCount + 1] = right));
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
      if (kind == TCP_OPT_SACK) {
        const blocks = (optLen - 2) / SACK_BLOCK_LEN;
        if (blocks == 0 || blocks * SACK_BLOCK_LEN + 2 != optLen) return Drop.Malformed;
        const kept = min(blocks, TCP_MAX_SACK_BLOCKS); // (40 bytes of options hold no more)
        for (let w: u32 = 0; w < 2 * kept; w++) unchecked((this.sack[w] = load32(body + 4 * w)));
        this.sackCount = kept;
      } else if (kind == TCP_OPT_TIMESTAMPS) {
        if (optLen != TIMESTAMPS_LEN) return Drop.Malformed;
        this.hasTimestamps = true;
        this.tsVal = load32(body);
        this.tsEcr = load32(body + 4);
      } else if (kind == TCP_OPT_MSS) {
        if (optLen != MSS_LEN) return Drop.Malformed;
        this.hasMaxSegSize = syn;
        this.maxSegSize = syn ? load16(body) : 0;
      } else if (kind == TCP_OPT_WINDOW_SCALE) {
        if (optLen != WINDOW_SCALE_LEN) return Drop.Malformed;
        this.hasWindowScale = syn;
        this.windowScale = syn ? min<u32>(load<u8>(body), TCP_MAX_WINDOW_SCALE) : 0;
      } else if (kind == TCP_OPT_SACK_PERMITTED) {
        if (optLen != SACK_PERMITTED_LEN) return Drop.Malformed;
        this.sackPermitted = syn;
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
    // Each part is one or more big-endian words, kinds and lengths (and NOPs) in the first.
    let at = ptr;
    if (syn && this.hasMaxSegSize) at = word(at, (TCP_OPT_MSS << 24) | (MSS_LEN << 16) | this.maxSegSize);
    const sackPermitted = syn && this.sackPermitted;
    const sackPermittedWord = (TCP_OPT_SACK_PERMITTED << 8) | SACK_PERMITTED_LEN;
    if (this.hasTimestamps) {
      const first = sackPermitted ? sackPermittedWord << 16 : NOP_NOP << 16;
      at = word(word(word(at, first | (TCP_OPT_TIMESTAMPS << 8) | TIMESTAMPS_LEN), this.tsVal), this.tsEcr);
    } else if (sackPermitted) at = word(at, (NOP_NOP << 16) | sackPermittedWord);
    if (syn && this.hasWindowScale)
      at = word(at, (TCP_OPT_NOP << 24) | (TCP_OPT_WINDOW_SCALE << 16) | (WINDOW_SCALE_LEN << 8) | this.windowScale);
    const blocks = this.sackBlocksThatFit(<u32>(at - ptr));
    if (blocks > 0) {
      at = word(at, (NOP_NOP << 16) | (TCP_OPT_SACK << 8) | (2 + blocks * SACK_BLOCK_LEN));
      for (let b: u32 = 0; b < 2 * blocks; b++) at = word(at, unchecked(this.sack[b]));
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

// Writes the big-endian word `v` at `ptr`; returns the address after it.
function word(ptr: usize, v: u32): usize {
  store32(ptr, v);
  return ptr + 4;
}
