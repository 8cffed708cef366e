// The request parser on bad input: every limit and its status, malformed heads, Content-Length and chunked framing.

import { Limits, ParseState, Parser } from "@tessera/http/assembly/parser";
import { expect, runTests, test } from "@tessera/test/assembly";
import { bytes, drive } from "@tessera/http/assembly/__tests__/drive";

const parser = new Parser();
const HEAD = "POST / HTTP/1.1\r\nHost: h\r\n";

// The events of `text` fed whole, checked to be the same fed a byte at a time and in 7-byte pieces.
function events(text: string): string {
  const whole = drive(parser, text);
  parser.reset();
  const what = text.length > 120 ? text.slice(0, 120) + "..." : text;
  expect(drive(parser, text, 1), whole, "fed a byte at a time: " + what);
  parser.reset();
  expect(drive(parser, text, 7), whole, "fed in 7-byte pieces: " + what);
  parser.reset();
  return whole;
}

// A request with `n` fields `X-<i>: v`.
function withFields(n: i32): string {
  let s = "GET / HTTP/1.1\r\nHost: h\r\n";
  for (let i = 1; i < n; i++) s += "X-" + i.toString() + ": v\r\n";
  return s + "\r\n";
}

test("limits the head to 8 KiB (431)", () => {
  const fixed = "GET / HTTP/1.1\r\nHost: h\r\nX: \r\n\r\n".length;
  const fits = "GET / HTTP/1.1\r\nHost: h\r\nX: " + "a".repeat(8192 - fixed) + "\r\n\r\n";
  expect(fits.length, 8192);
  expect(events(fits), "head GET /;done  ka;");
  expect(events(fits.replace("X: a", "X: aa")), "error 431;");
});

test("limits the fields to 64 (431)", () => {
  expect(events(withFields(64)), "head GET /;done  ka;");
  expect(parser.head.count, 0, "reset after events()");
  drive(parser, withFields(64));
  expect(parser.head.count, 64);
  expect(events(withFields(65)), "error 431;");
});

test("limits the target to 2 KiB (414), as soon as it is too long", () => {
  const ok = "GET /" + "a".repeat(2047) + " HTTP/1.1\r\nHost: h\r\n\r\n";
  expect(events(ok).startsWith("head GET /aaa"), true);
  expect(events(ok.replace("/a", "/aa")), "error 414;");
  const partial = bytes("GET /" + "b".repeat(3000));
  const used = parser.feed(changetype<usize>(partial), partial.byteLength);
  expect(parser.state, ParseState.Error, "no need to wait for the end of the line");
  expect(parser.status, 414);
  expect(used, <u32>partial.byteLength);
  expect(parser.feed(changetype<usize>(partial), 1), 0, "an error is sticky");
  expect(parser.keepAlive, false);
  parser.reset();
  expect(events("GET / HTTP/1.1\r\nHost: h\r\n\r\n"), "head GET /;done  ka;", "reset recovers");
});

test("limits the body to 1 MiB (413)", () => {
  expect(drive(parser, HEAD + "Content-Length: 1048576\r\n\r\n"), "head POST /;need;");
  parser.reset();
  expect(events(HEAD + "Content-Length: 1048577\r\n\r\n"), "error 413;");
  expect(events(HEAD + "Content-Length: 18446744073709551615\r\n\r\n"), "error 413;");
  expect(events(HEAD + "Transfer-Encoding: chunked\r\n\r\n100000\r\n"), "head POST /;need;");
  expect(events(HEAD + "Transfer-Encoding: chunked\r\n\r\n100001\r\n"), "head POST /;error 413;");
  const twoChunks = HEAD + "Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\nFFFFD\r\n"; // 3 + 0xffffd = 1 MiB
  expect(events(twoChunks), "head POST /;need;");
  expect(events(twoChunks.replace("FFFFD", "FFFFE")), "head POST /;error 413;", "limits the sum of the chunks");
});

test("applies configured limits", () => {
  const limits = new Limits();
  limits.maxHeaderBytes = 64;
  limits.maxHeaders = 2;
  limits.maxUri = 8;
  limits.maxBody = 4;
  const small = new Parser(limits);
  expect(drive(small, "GET /1234567 HTTP/1.1\r\nHost: h\r\nA: b\r\n\r\n"), "head GET /1234567;done  ka;");
  expect(drive(small, "GET /12345678 HTTP/1.1\r\n"), "error 414;");
  small.reset();
  expect(drive(small, "GET / HTTP/1.1\r\nHost: h\r\nA: b\r\nC: d\r\n\r\n"), "error 431;");
  small.reset();
  expect(drive(small, "GET / HTTP/1.1\r\nHost: h\r\nA: " + "b".repeat(40) + "\r\n\r\n"), "error 431;");
  small.reset();
  expect(drive(small, "PUT / HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\n\r\nabcd"), "head PUT /;done abcd ka;");
  expect(drive(small, "PUT / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nabcde"), "error 413;");
});

test("a method longer than the URI limit is 400 however the line is split (found by fuzz/http-request)", () => {
  const limits = new Limits();
  limits.maxUri = 16;
  const small = new Parser(limits);
  const long = "Trhn$sahhhhhhhrET / HTTP/1.0\n\n"; // a 17-byte method token
  expect(drive(small, long), "error 400;", "whole");
  small.reset();
  expect(drive(small, long, 1), "error 400;", "a byte at a time");
  small.reset();
  expect(
    drive(small, "Trhn$sahhhhhhhrE / HTTP/1.0\n\n", 1),
    "head Trhn$sahhhhhhhrE /;done  close;",
    "16 bytes are allowed",
  );
});

test("rejects malformed request lines (400) and other versions (505)", () => {
  expect(events("GET  / HTTP/1.1\r\nHost: h\r\n\r\n"), "error 400;");
  expect(events("GET / HTTP/1.1 \r\nHost: h\r\n\r\n"), "error 400;");
  expect(events("GET /\r\n\r\n"), "error 400;", "HTTP/0.9 is not spoken");
  expect(events("GET / http/1.1\r\nHost: h\r\n\r\n"), "error 400;");
  expect(events("GET / HTTP/1.1x\r\nHost: h\r\n\r\n"), "error 400;");
  expect(events("GET / HTTP/1.x\r\nHost: h\r\n\r\n"), "error 400;");
  expect(events("G(T / HTTP/1.1\r\nHost: h\r\n\r\n"), "error 400;");
  expect(events("GET /a\x01b HTTP/1.1\r\nHost: h\r\n\r\n"), "error 400;");
  expect(events("GET /\0 HTTP/1.1\r\nHost: h\r\n\r\n"), "error 400;");
  expect(events(" GET / HTTP/1.1\r\nHost: h\r\n\r\n"), "error 400;");
  expect(events("GET / HTTP/2.0\r\nHost: h\r\n\r\n"), "error 505;");
  expect(events("GET / HTTP/1.2\r\nHost: h\r\n\r\n"), "error 505;");
  expect(events("GET / HTTP/0.9\r\nHost: h\r\n\r\n"), "error 505;");
});

test("rejects malformed fields (400)", () => {
  expect(events("GET / HTTP/1.1\r\nHost: h\r\nX-A: 1\r\n  folded\r\n\r\n"), "error 400;", "obs-fold");
  expect(events("GET / HTTP/1.1\r\n Host: h\r\n\r\n"), "error 400;", "whitespace before the first field");
  expect(events("GET / HTTP/1.1\r\nHost : h\r\n\r\n"), "error 400;", "space before the colon");
  expect(events("GET / HTTP/1.1\r\nHost\t: h\r\n\r\n"), "error 400;", "tab before the colon");
  expect(events("GET / HTTP/1.1\r\nHost: h\r\nNo colon\r\n\r\n"), "error 400;");
  expect(events("GET / HTTP/1.1\r\nHost: h\r\n: empty name\r\n\r\n"), "error 400;");
  expect(events("GET / HTTP/1.1\r\nHost: h\r\nX-A: a\0b\r\n\r\n"), "error 400;", "NUL in a value");
  expect(events("GET / HTTP/1.1\r\nHost: h\r\nX-A: a\x1bb\r\n\r\n"), "error 400;", "ESC in a value");
  expect(events("GET / HTTP/1.1\r\nHost: h\r\nX-A: a\x7fb\r\n\r\n"), "error 400;", "DEL in a value");
  expect(events("GET / HTTP/1.1\r\nHost: h\r\nX\x01A: b\r\n\r\n"), "error 400;", "a control in a name");
  expect(events("GET / HTTP/1.1\r\nHost: h\r\nX-A: a\rb\r\n\r\n"), "error 400;", "a bare CR");
  expect(events("GET / HTTP/1.1\r\nHost: h\r\r\n\r\n"), "error 400;", "CR CR LF");
  expect(events("GET / HTTP/1.1\r\nHost: h\r\nX-A: caf\xe9\r\n\r\n"), "head GET /;done  ka;", "obs-text is allowed");
});

test("ignores at most 4 empty lines before a request line (400); after one the parser is no longer idle", () => {
  const get = "GET / HTTP/1.1\r\nHost: h\r\n\r\n";
  expect(events("\r\n\n\r\n\n" + get), "head GET /;done  ka;");
  expect(events("\r\n\r\n\r\n\r\n\r\n" + get), "error 400;");
  expect(events("\n\n\n\n\n"), "error 400;", "without waiting for the request line");
  expect(drive(parser, "\r\n"), "need;", "an empty line is part of the next request");
  parser.reset();
});

test("requires exactly one Host in HTTP/1.1 (400)", () => {
  expect(events("GET / HTTP/1.1\r\n\r\n"), "error 400;");
  expect(events("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"), "error 400;");
  expect(events("GET / HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n"), "error 400;");
});

test("reads Content-Length strictly (400)", () => {
  expect(events(HEAD + "Content-Length: -1\r\n\r\n"), "error 400;", "negative");
  expect(events(HEAD + "Content-Length: +1\r\n\r\n"), "error 400;", "signed");
  expect(events(HEAD + "Content-Length: 0x10\r\n\r\n"), "error 400;", "hex");
  expect(events(HEAD + "Content-Length: 1a\r\n\r\n"), "error 400;");
  expect(events(HEAD + "Content-Length: 1 2\r\n\r\n"), "error 400;");
  expect(events(HEAD + "Content-Length: 1.0\r\n\r\n"), "error 400;");
  expect(events(HEAD + "Content-Length:\r\n\r\n"), "error 400;", "empty");
  expect(events(HEAD + "Content-Length: 3,\r\n\r\n"), "error 400;", "an empty list element");
  expect(events(HEAD + "Content-Length: 18446744073709551616\r\n\r\n"), "error 400;", "over 64 bits");
  expect(events(HEAD + "Content-Length: 99999999999999999999999999\r\n\r\n"), "error 400;", "overlong");
  expect(events(HEAD + "Content-Length: 3\r\nContent-Length: 4\r\n\r\n"), "error 400;", "conflicting");
  expect(events(HEAD + "Content-Length: 3, 4\r\n\r\n"), "error 400;", "a conflicting list");
  expect(events(HEAD + "Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n"), "error 400;", "with chunked");
});

test("accepts only chunked as a transfer coding", () => {
  expect(events(HEAD + "Transfer-Encoding: CHUNKED\r\n\r\n0\r\n\r\n"), "head POST /;done  ka;");
  expect(events(HEAD + "Transfer-Encoding: gzip\r\n\r\n"), "error 501;");
  expect(events(HEAD + "Transfer-Encoding: gzip, chunked\r\n\r\n"), "error 501;");
  expect(events(HEAD + "Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n"), "error 501;");
  expect(events(HEAD + "Transfer-Encoding: chunked, chunked\r\n\r\n"), "error 400;");
  expect(events(HEAD + "Transfer-Encoding:\r\n\r\n"), "error 400;");
  expect(events("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"), "error 400;", "not in 1.0");
});

test("rejects malformed chunked framing (400)", () => {
  const te = HEAD + "Transfer-Encoding: chunked\r\n\r\n";
  expect(events(te + "3;ext=1;other\r\nabc\r\n0 ;last\r\nT: x\r\n\r\n"), "head POST /;done abc ka;");
  expect(events(te + "g\r\n"), "head POST /;error 400;", "not hex");
  expect(events(te + "\r\n"), "head POST /;error 400;", "no size");
  expect(events(te + "-1\r\n"), "head POST /;error 400;");
  expect(events(te + "0x3\r\nabc\r\n"), "head POST /;error 400;");
  expect(events(te + "3\nabc\r\n"), "head POST /;error 400;", "a bare LF after the size");
  expect(events(te + "3\r\nabcd\r\n"), "head POST /;error 400;", "data longer than the size");
  expect(events(te + "3\r\nabc\n0\r\n\r\n"), "head POST /;error 400;", "a bare LF after the data");
  expect(events(te + "3;a\0\r\nabc\r\n"), "head POST /;error 400;", "NUL in an extension");
  expect(events(te + "3;" + "e".repeat(1025) + "\r\n"), "head POST /;error 400;", "an overlong extension");
  expect(events(te + "00000000000000003\r\nabc\r\n"), "head POST /;error 400;", "17 digits");
  expect(events(te + "0000000000000003\r\nabc\r\n0\r\n\r\n"), "head POST /;done abc ka;", "16 digits");
  expect(events(te + "0\r\nT: x\n\r\n"), "head POST /;error 400;", "a bare LF in the trailers");
  expect(events(te + "0\r\nT: " + "x".repeat(8192) + "\r\n\r\n"), "head POST /;error 431;", "overlong trailers");
});

test("reads chunk-size lines and trailers by RFC 9112's grammar: BWS only before ';' and around '='", () => {
  const te = HEAD + "Transfer-Encoding: chunked\r\n\r\n";
  const ok = [
    "3;a=b",
    "3 ;a",
    "3\t; \ta \t= \tb",
    "3;a;b=c;d",
    '3;a="x;y"',
    '3;a="q \\" ; \\\\"',
    '3;a=""',
    "3;a=b ;c",
    "3;" + "e".repeat(1023),
  ];
  for (let i = 0; i < ok.length; i++) {
    expect(events(te + ok[i] + "\r\nabc\r\n0\r\n\r\n"), "head POST /;done abc ka;", ok[i]);
  }
  const bad = [
    "3 4",
    "3 ",
    "3\t",
    "3;",
    "3;a=",
    "3;a= ",
    "3;a=b c",
    "3;a b",
    "3;a ",
    "3;=b",
    "3;a=b;",
    "3;a=b ",
    "3,4",
    "3\x0b",
    " 3",
    "3\r",
    '3;a="x',
    '3;a="x"y',
    '3;a="\x01"',
    "3;a=@",
    "3;a@b",
    "3;a=b=c",
    "3;;a",
  ];
  for (let i = 0; i < bad.length; i++) {
    expect(events(te + bad[i] + "\r\nabc\r\n0\r\n\r\n"), "head POST /;error 400;", bad[i]);
  }
  const trailers = ["T: x", "T:", "T:\tx y\t", "T: caf\xe9"];
  for (let i = 0; i < trailers.length; i++) {
    expect(events(te + "0\r\n" + trailers[i] + "\r\n\r\n"), "head POST /;done  ka;", trailers[i]);
  }
  const badTrailers = ["T x", " T: x", "T : x", ": x", "T\x01: x", "T: a\x01b", "T: x\rx"];
  for (let i = 0; i < badTrailers.length; i++) {
    expect(events(te + "0\r\n" + badTrailers[i] + "\r\n\r\n"), "head POST /;error 400;", badTrailers[i]);
  }
  expect(events(te + "0\r\n\n"), "head POST /;error 400;", "a bare LF ends the trailers");
  expect(events(te + "0\r\n\r\r\n"), "head POST /;error 400;");
});

export function _start(): void {
  runTests();
}
