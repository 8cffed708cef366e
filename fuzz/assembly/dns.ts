// DNS messages (packages/net/assembly/wire/dns.ts, dns-repr.ts): DnsRepr.parse over the input as a UDP payload.
//
// A message that parses has names of at most 255 bytes, at most DNS_MAX_ADDRESSES addresses and
// DNS_MAX_CNAMES hops; its question, emitted as a query and parsed again, gives back the same question and flags;
// its names convert to strings.

import { Drop } from "@tessera/net/assembly/wire/drop";
import { DNS_NAME_MAX, DnsPacket } from "@tessera/net/assembly/wire/dns";
import { DNS_MAX_ADDRESSES, DNS_MAX_CNAMES, DnsRepr } from "@tessera/net/assembly/wire/dns-repr";
import { check } from "./common";

export { area, areaLength, input } from "./common";

const packet = new DnsPacket();
const repr = new DnsRepr();
const again = new DnsRepr();
const out = new DnsPacket();
const buffer = new StaticArray<u8>(12 + 255 + 4);

function sameBytes(a: usize, b: usize, n: u32): bool {
  return memory.compare(a, b, n) == 0;
}

export function fuzz(ptr: usize, len: u32): void {
  const r = repr.parse(packet.wrap(ptr, len));
  if (r != Drop.Ok) return;
  check(repr.nameLength <= DNS_NAME_MAX && repr.targetLength <= DNS_NAME_MAX, "names of at most 255 bytes");
  check(repr.addressCount >= 0 && repr.addressCount <= DNS_MAX_ADDRESSES, "addresses within DNS_MAX_ADDRESSES");
  check(repr.cnameCount >= 0 && repr.cnameCount <= DNS_MAX_CNAMES, "hops within DNS_MAX_CNAMES");
  if (repr.nameLength == 0) return;
  repr.nameToString();
  repr.targetToString();
  const n = repr.bufferLen();
  check(n <= <u32>buffer.length, "bufferLen fits a header and one question");
  repr.emit(out.wrap(changetype<usize>(buffer), n));
  check(again.parse(out.wrap(changetype<usize>(buffer), n)) == Drop.Ok, "the emitted query parses");
  check(again.id == repr.id && again.opcode == repr.opcode && again.rcode == repr.rcode, "same id, opcode, rcode");
  check(again.response == repr.response && again.truncated == repr.truncated, "same QR and TC");
  check(again.recursionDesired == repr.recursionDesired, "same RD");
  check(again.questionType == repr.questionType && again.questionClass == repr.questionClass, "same question");
  check(again.nameLength == repr.nameLength, "same name length");
  check(sameBytes(changetype<usize>(again.name), changetype<usize>(repr.name), repr.nameLength), "same name");
  check(again.sameQuestion(repr), "sameQuestion");
}

export function _start(): void {}
