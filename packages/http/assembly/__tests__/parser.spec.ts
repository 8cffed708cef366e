// The request parser on real requests: captured heads, any split of the bytes, pipelining, keep-alive, lookups.

import { Method, methodNameAt } from "@tessera/http/assembly/head";
import { methodName } from "@tessera/http/assembly/router";
import { Limits, ParseState, Parser } from "@tessera/http/assembly/parser";
import { expect, runTests, test } from "@tessera/test/assembly";
import { BROWSER_GET, bytes, CURL_CHUNKED, CURL_GET, CURL_POST, drive } from "@tessera/http/assembly/__tests__/drive";

const parser = new Parser();

test("parses curl's GET", () => {
  const buf = bytes(CURL_GET);
  const n = parser.feed(changetype<usize>(buf), buf.byteLength);
  expect(n, <u32>buf.byteLength, "the whole head is consumed");
  expect(parser.state, ParseState.Head);
  const h = parser.head;
  expect(h.method, Method.Get);
  expect(h.methodIs("GET"), true);
  expect(h.methodIs("get"), false, "methods are case-sensitive");
  expect(h.target(), "/");
  expect(h.pathIs("/"), true);
  expect(h.version, 11);
  expect(h.count, 3);
  expect(h.find("HOST"), 0);
  expect(h.find("user-agent"), 1);
  expect(h.find("accept"), 2);
  expect(h.find("Accept", 3), -1);
  expect(h.find("Content-Length"), -1);
  expect(h.value("host"), "127.0.0.1:18080");
  expect(h.value("accept"), "*/*");
  expect(h.nameIs(1, "User-Agent"), true);
  expect(h.valueIs(1, "CURL/7.88.1"), true);
  expect(h.hasContentLength, false);
  expect(h.chunked, false);
  expect(parser.keepAlive, true);
  expect(parser.feed(changetype<usize>(buf) + n, 0), 0);
  expect(parser.state, ParseState.Complete, "a request without a body completes after its head");
  expect(parser.feed(0, 0), 0);
  expect(parser.state, ParseState.NeedMore);
  expect(parser.idle, true);
});

test("parses curl's form POST with its body as a span of the fed bytes", () => {
  const buf = bytes(CURL_POST);
  const base = changetype<usize>(buf);
  const n = parser.feed(base, buf.byteLength);
  expect(parser.state, ParseState.Head);
  expect(parser.head.method, Method.Post);
  expect(parser.head.hasContentLength, true);
  expect(parser.head.contentLength, 16);
  expect(parser.feed(base + n, buf.byteLength - n), 16);
  expect(parser.state, ParseState.Body);
  expect(parser.bodyPtr, base + n, "zero-copy: the span points into the fed bytes");
  expect(String.UTF8.decodeUnsafe(parser.bodyPtr, parser.bodyLen), "name=tessera&x=1");
  expect(parser.feed(base + n + 16, 0), 0);
  expect(parser.state, ParseState.Complete);
  expect(parser.bodyReceived, 16);
});

test("parses curl's chunked upload", () => {
  expect(drive(parser, CURL_CHUNKED), "head POST /up;done hello ka;");
  expect(parser.head.chunked, true);
});

test("parses a browser's navigation", () => {
  expect(drive(parser, BROWSER_GET), "head GET /index.html?lang=en&x=1;done  ka;");
  const h = parser.head;
  expect(h.count, 14);
  expect(h.pathIs("/index.html"), true);
  expect(h.pathLen(), 11);
  expect(h.value("SEC-CH-UA"), '"Not_A Brand";v="8", "Chromium";v="120", "Google Chrome";v="120"');
  expect(h.value("accept-language"), "en-US,en;q=0.9");
  expect(h.hasToken("accept-encoding", "BR"), true);
  expect(h.hasToken("accept-encoding", "zstd"), false);
  expect(h.value("x-missing") === null, true);
});

test("gives the same events for every split of the bytes", () => {
  const texts = [CURL_GET, CURL_POST, CURL_CHUNKED, BROWSER_GET, CURL_POST + CURL_CHUNKED + CURL_GET];
  for (let t = 0; t < texts.length; t++) {
    const text = texts[t];
    const whole = drive(parser, text);
    for (let step = 1; step <= 17; step++) expect(drive(parser, text, step), whole, "step " + step.toString());
  }
});

test("reports nothing until the last byte of a head fed one byte at a time", () => {
  const buf = bytes(CURL_GET);
  const base = changetype<usize>(buf);
  const last = buf.byteLength - 1;
  for (let i = 0; i < last; i++) {
    expect(parser.feed(base + i, 1), 1);
    expect(parser.state, ParseState.NeedMore, "byte " + i.toString());
    expect(parser.idle, false);
  }
  expect(parser.feed(base + last, 1), 1);
  expect(parser.state, ParseState.Head);
  expect(parser.head.value("user-agent"), "curl/7.88.1");
});

test("delivers a chunked body split across feeds as spans", () => {
  const text = "POST /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n" + "A;name=value\r\n0123456789\r\n";
  const more = "3\r\nabc\r\n0\r\nX-Trailer: skipped\r\nX-Other: too\r\n\r\n";
  expect(drive(parser, text + more), "head POST /c;done 0123456789abc ka;");
  for (let step = 1; step < 9; step++) {
    expect(drive(parser, text + more, step), "head POST /c;done 0123456789abc ka;");
  }
  expect(drive(parser, text), "head POST /c;need;", "the text ends inside the body");
  expect(parser.bodyReceived, 10);
  expect(drive(parser, more), "done abc ka;", "the rest of the body, in a later call");
});

test("answers pipelined requests in order, stopping after each event", () => {
  const text = CURL_GET.replace("GET / ", "GET /a ") + CURL_POST + CURL_GET.replace("GET / ", "GET /c ");
  expect(drive(parser, text), "head GET /a;done  ka;head POST /form;done name=tessera&x=1 ka;head GET /c;done  ka;");
  const buf = bytes(text);
  const base = changetype<usize>(buf);
  const first = parser.feed(base, buf.byteLength);
  expect(first, <u32>CURL_GET.length + 1, "the first head only");
  expect(parser.head.pathIs("/a"), true);
  expect(parser.feed(base + first, buf.byteLength - first), 0);
  expect(parser.state, ParseState.Complete);
  const second = parser.feed(base + first, buf.byteLength - first);
  expect(parser.state, ParseState.Head);
  expect(parser.head.pathIs("/form"), true, "the second head replaces the first");
  expect(second, <u32>CURL_POST.length - 16);
});

test("ignores empty lines before a request line", () => {
  expect(drive(parser, "\r\n\r\n\n" + CURL_GET), "head GET /;done  ka;");
});

test("keeps HTTP/1.1 connections alive unless told to close", () => {
  expect(drive(parser, "GET / HTTP/1.1\r\nHost: h\r\n\r\n"), "head GET /;done  ka;");
  expect(drive(parser, "GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"), "head GET /;done  close;");
  expect(drive(parser, "GET / HTTP/1.1\r\nHost: h\r\nConnection: Upgrade, CLOSE\r\n\r\n"), "head GET /;done  close;");
  expect(drive(parser, "GET / HTTP/1.1\r\nHost: h\r\nConnection: keep-alive\r\n\r\n"), "head GET /;done  ka;");
  expect(drive(parser, "GET / HTTP/1.1\r\nHost: h\r\nConnection: closed\r\n\r\n"), "head GET /;done  ka;");
});

test("closes HTTP/1.0 connections unless asked to keep them", () => {
  expect(drive(parser, "GET / HTTP/1.0\r\n\r\n"), "head GET /;done  close;", "Host is optional in 1.0");
  expect(parser.head.version, 10);
  expect(drive(parser, "GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n"), "head GET /;done  ka;");
  expect(
    drive(parser, "GET / HTTP/1.0\r\nConnection: keep-alive\r\nConnection: close\r\n\r\n"),
    "head GET /;done  close;",
  );
});

test("accepts bare LF line endings in the head", () => {
  expect(drive(parser, "GET /lf HTTP/1.1\nHost: h\nContent-Length: 2\n\nok"), "head GET /lf;done ok ka;");
  expect(parser.head.value("host"), "h");
});

test("trims whitespace around field values and keeps it inside", () => {
  expect(drive(parser, "GET / HTTP/1.1\r\nHost:h\r\nX-A: \t a  b \t\r\nX-Empty:\r\n\r\n"), "head GET /;done  ka;");
  expect(parser.head.value("x-a"), "a  b");
  expect(parser.head.value("x-empty"), "");
  expect(parser.head.value("host"), "h");
});

test("recognises methods and keeps unknown ones", () => {
  expect(drive(parser, "DELETE /x HTTP/1.1\r\nHost: h\r\n\r\n"), "head DELETE /x;done  ka;");
  expect(parser.head.method, Method.Delete);
  expect(drive(parser, "PROPFIND /x HTTP/1.1\r\nHost: h\r\n\r\n"), "head PROPFIND /x;done  ka;");
  expect(parser.head.method, Method.Other);
  expect(parser.head.methodIs("PROPFIND"), true);
  expect(drive(parser, "OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n"), "head OPTIONS *;done  ka;");
  expect(parser.head.method, Method.Options);
});

test("names the methods; Method.Other and values out of range have an empty name, read from inside the table", () => {
  expect(methodName(Method.Get), "GET");
  expect(methodName(Method.Delete), "DELETE");
  expect(methodName(Method.Trace), "TRACE");
  expect(methodName(Method.Other), "", "an unknown method");
  expect(methodName(<Method>10), "", "one past the last");
  expect(methodName(<Method>200), "", "far out of range");
  expect(methodName(<Method>-1), "", "negative");
  expect(load<u8>(methodNameAt(Method.Other)), 0, "a zero length byte");
  expect(methodNameAt(Method.Other), methodNameAt(<Method>-7), "the same empty name");
});

test("accepts identical duplicate Content-Lengths and lists of them", () => {
  expect(
    drive(parser, "PUT / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\ncontent-length: 3\r\n\r\nabc"),
    "head PUT /;done abc ka;",
  );
  expect(drive(parser, "PUT / HTTP/1.1\r\nHost: h\r\nContent-Length: 3, 3\r\n\r\nabc"), "head PUT /;done abc ka;");
  expect(drive(parser, "PUT / HTTP/1.1\r\nHost: h\r\nContent-Length: 0003\r\n\r\nabc"), "head PUT /;done abc ka;");
  expect(drive(parser, "PUT / HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n"), "head PUT /;done  ka;");
});

test("allocates no new head buffer per request", () => {
  const base = parser.head.base;
  for (let i = 0; i < 3; i++) drive(parser, CURL_POST + BROWSER_GET);
  expect(parser.head.base, base);
  const own = new Parser(new Limits());
  expect(own.head.buf.length, 8192);
  expect(own.head.table.length, 64 * 4);
});

export function _start(): void {
  runTests();
}
