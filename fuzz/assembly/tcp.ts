// TCP segments and their options (packages/net/assembly/wire/tcp.ts, tcp-options.ts).
//
// Byte 0's low bit says SYN for the options. The rest is read twice:
// - as option bytes (at most 40): options that parse emit `bufferLen` bytes (a multiple of 4, at most 40) that
//   parse again to the same options (SACK blocks that do not fit may be left out, last first);
// - as a segment from 10.0.0.2 to 10.0.0.1, its checksum filled in first so that the rest is reached: a segment
//   that parses lies inside the input, and emitted and parsed again gives back every field and the payload.

import { Drop } from "@tessera/net/assembly/wire/drop";
import { TcpOptions, TCP_MAX_OPTIONS_LEN } from "@tessera/net/assembly/wire/tcp-options";
import { TcpPacket, TcpRepr, TCP_SYN } from "@tessera/net/assembly/wire/tcp";
import { byteAt, check } from "./common";

export { area, areaLength, input } from "./common";

const SRC: u32 = 0x0a000002;
const DST: u32 = 0x0a000001;
const options = new TcpOptions();
const optionsAgain = new TcpOptions();
const segment = new TcpPacket();
const repr = new TcpRepr();
const reprAgain = new TcpRepr();
const out = new TcpPacket();
const buffer = new StaticArray<u8>(65536 + 60);

function sameOptions(a: TcpOptions, b: TcpOptions, syn: bool): void {
  check(a.hasMaxSegSize == b.hasMaxSegSize && a.maxSegSize == b.maxSegSize, "same MSS");
  check(a.hasWindowScale == b.hasWindowScale && a.windowScale == b.windowScale, "same window scale");
  check(a.sackPermitted == b.sackPermitted, "same SACK-permitted");
  check(a.hasTimestamps == b.hasTimestamps && a.tsVal == b.tsVal && a.tsEcr == b.tsEcr, "same timestamps");
  check(b.sackCount <= a.sackCount, "no SACK blocks added");
  for (let i: u32 = 0; i < b.sackCount; i++)
    check(a.sackLeft(i) == b.sackLeft(i) && a.sackRight(i) == b.sackRight(i), "the same SACK blocks, first first");
}

function fuzzOptions(ptr: usize, len: u32, syn: bool): void {
  const n = min(len, TCP_MAX_OPTIONS_LEN);
  if (options.parse(ptr + len - n, n, syn) != Drop.Ok) return;
  check(!syn ? !options.hasMaxSegSize && !options.hasWindowScale && !options.sackPermitted : true, "SYN-only options");
  check(options.windowScale <= 14, "window scale at most 14");
  const size = options.bufferLen(syn);
  check(size <= TCP_MAX_OPTIONS_LEN && (size & 3) == 0, "bufferLen: a multiple of 4, at most 40");
  const at = changetype<usize>(buffer);
  check(options.emit(at, syn) == size, "emit writes bufferLen bytes");
  check(optionsAgain.parse(at, size, syn) == Drop.Ok, "emitted options parse");
  sameOptions(options, optionsAgain, syn);
}

function fuzzSegment(ptr: usize, len: u32): void {
  segment.wrap(ptr, len);
  if (segment.check() != Drop.Ok) return;
  segment.fillChecksum(SRC, DST);
  if (repr.parse(segment, SRC, DST) != Drop.Ok) return;
  check(repr.payloadPtr >= ptr && repr.payloadPtr + repr.payloadLen == ptr + len, "the payload is the segment's end");
  const size = repr.bufferLen();
  check(size <= <u32>buffer.length, "bufferLen fits");
  repr.emit(out.wrap(changetype<usize>(buffer), size), SRC, DST);
  check(reprAgain.parse(out.wrap(changetype<usize>(buffer), size), SRC, DST) == Drop.Ok, "the emitted segment parses");
  check(reprAgain.srcPort == repr.srcPort && reprAgain.dstPort == repr.dstPort, "same ports");
  check(reprAgain.seqNumber == repr.seqNumber && reprAgain.ackNumber == repr.ackNumber, "same sequence numbers");
  check(reprAgain.flags == repr.flags && reprAgain.window == repr.window, "same flags and window");
  check(reprAgain.urgentPointer == repr.urgentPointer, "same urgent pointer");
  check(reprAgain.payloadLen == repr.payloadLen, "same payload length");
  check(memory.compare(reprAgain.payloadPtr, repr.payloadPtr, repr.payloadLen) == 0, "same payload");
  sameOptions(repr.options, reprAgain.options, (repr.flags & TCP_SYN) != 0);
}

export function fuzz(ptr: usize, len: u32): void {
  if (len < 1) return;
  const syn = (byteAt(ptr, len, 0) & 1) != 0;
  fuzzOptions(ptr + 1, len - 1, syn);
  fuzzSegment(ptr + 1, len - 1);
}

export function _start(): void {}
