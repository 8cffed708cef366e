// HTTP/1.1 requests (packages/http/assembly/parser.ts and head.ts): the input is the bytes of a connection.
//
// Byte 0 picks the head-buffer limit and byte 1 the size of the pieces the rest is fed in (as TCP might deliver
// it). The rest is parsed twice, once in one piece and once in those pieces, and what the parser reported must be
// the same: the heads, the body bytes and whether it failed (a request the input cuts short may fail earlier in
// pieces). Each feed consumes no more than it was given and
// always makes progress; body spans lie inside the bytes fed; head spans inside the head buffer; an error is one
// of the statuses the parser documents and stops it.

import { Limits, ParseState, Parser } from "@tessera/http/assembly/parser";
import { byteAt, check } from "./common";

export { area, areaLength, input } from "./common";

/** What one parse reported. */
class Summary {
  heads: u32 = 0;
  completes: u32 = 0;
  bodyBytes: u64 = 0;
  bodyHash: u32 = 0x811c9dc5;
  failed: bool = false;
  /** Ended inside a request (it might still fail once the rest of it arrives). */
  pending: bool = false;
}

function limitsFor(sel: u32): Limits {
  const l = new Limits();
  l.maxHeaderBytes = 64 << (sel & 7); // 64 .. 8192
  l.maxHeaders = 1 + ((sel >> 3) & 3) * 21; // 1 .. 64
  l.maxUri = 16 << ((sel >> 5) & 7); // 16 .. 2048
  l.maxBody = 4096;
  return l;
}

function checkHead(p: Parser): void {
  const h = p.head;
  const n = h.len;
  check(n <= <u32>h.buf.length, "head.len <= the head buffer");
  check(h.methodStart + h.methodLen <= n && h.targetStart + h.targetLen <= n, "request line spans inside the head");
  check(h.count >= 0 && <u32>h.count <= p.limits.maxHeaders, "field count within the limit");
  for (let i = 0; i < h.count; i++) {
    const name = h.namePtr(i) - h.base;
    const value = h.valuePtr(i) - h.base;
    check(name + h.nameLen(i) <= n && value + h.valueLen(i) <= n, "field spans inside the head");
  }
  check(h.targetLen <= p.limits.maxUri, "target within maxUri");
  if (!h.chunked) check(h.contentLength <= p.limits.maxBody, "a Content-Length body within maxBody");
}

function parse(limits: Limits, ptr: usize, len: u32, step: u32): Summary {
  const p = new Parser(limits);
  const s = new Summary();
  let at: u32 = 0;
  let rounds: u32 = 0;
  while (at < len) {
    const end = step == 0 ? len : min(len, at + step);
    // Feed [at, end) until the piece is used up and the parser wants more (after Head or Body it is fed again, even
    // with nothing left, as the parser's callers do: it may report Complete without consuming anything).
    for (;;) {
      const last = p.state;
      if (at == end && (last == ParseState.NeedMore || last == ParseState.Complete)) break;
      check(++rounds <= 4 * len + 64, "the parser makes progress");
      const n = end - at;
      const used = p.feed(ptr + at, n);
      check(used <= n, "a feed consumes at most what it is given");
      const state = p.state;
      if (state == ParseState.Error) {
        const st = p.status;
        check(st == 400 || st == 413 || st == 414 || st == 431 || st == 501 || st == 505, "a documented status");
        check(p.feed(ptr + at + used, n - used) == 0 && p.state == ParseState.Error, "an error stops the parser");
        s.failed = true;
        return s;
      }
      if (state == ParseState.Head) {
        s.heads++;
        checkHead(p);
      } else if (state == ParseState.Body) {
        check(
          p.bodyLen > 0 && p.bodyPtr >= ptr + at && p.bodyPtr + p.bodyLen <= ptr + at + used,
          "body inside the feed",
        );
        for (let i: u32 = 0; i < p.bodyLen; i++) s.bodyHash = (s.bodyHash ^ load<u8>(p.bodyPtr + i)) * 16777619;
        s.bodyBytes += p.bodyLen;
        check(p.bodyReceived <= limits.maxBody, "body within maxBody");
      } else if (state == ParseState.Complete) {
        s.completes++;
        if (!p.head.chunked) check(p.bodyReceived == p.head.contentLength, "a Content-Length body is whole");
      } else {
        check(used == n, "NeedMore only once the piece is used up");
      }
      at += used;
    }
  }
  s.pending = !p.idle;
  return s;
}

export function fuzz(ptr: usize, len: u32): void {
  if (len < 2) return;
  const limits = limitsFor(byteAt(ptr, len, 0));
  const step = byteAt(ptr, len, 1) & 63;
  const whole = parse(limits, ptr + 2, len - 2, 0);
  const pieces = parse(limits, ptr + 2, len - 2, step == 0 ? 1 : step);
  // A request cut short may fail early in pieces (a line already too long) where whole it is still incomplete.
  if (whole.failed != pieces.failed) check(whole.failed ? pieces.pending : whole.pending, "the same outcome");
  if (whole.failed || pieces.failed) return;
  check(whole.heads == pieces.heads && whole.completes == pieces.completes, "the same requests whole and in pieces");
  check(whole.bodyBytes == pieces.bodyBytes && whole.bodyHash == pieces.bodyHash, "the same body whole and in pieces");
}

export function _start(): void {}
