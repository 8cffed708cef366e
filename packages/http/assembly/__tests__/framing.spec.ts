// The parser against RFC 9112's framing rules and published request-smuggling cases, as a table: each request,
// where it comes from, and what the parser must make of it (the framing it reads, or the status it answers).
//
// Sources: RFC 9112 (§2.2 line endings, §3 request line and targets, §5 fields, §6 message body, §7.1 chunked);
// PortSwigger's request smuggling cases (CL.TE, TE.CL, TE.TE obfuscations); the HTTP Garden's list of parser
// bugs it found in servers (github.com/narfindustries/http-garden, TROPHIES.md, "Garden n" below); node's
// llhttp and its test of hackerone.com/reports/735748 (test-http-invalid-te.js).

import { Parser } from "@tessera/http/assembly/parser";
import { expect, runTests, test } from "@tessera/test/assembly";
import { drive } from "@tessera/http/assembly/__tests__/drive";

const parser = new Parser();

class Case {
  constructor(
    readonly source: string,
    readonly request: string,
    readonly outcome: string,
  ) {}
}

const cases = new Array<Case>();

// Adds a case: `outcome` as `drive` logs events ("head M /t;done <body> ka|close;", "error <status>;").
function when(source: string, request: string, outcome: string): void {
  cases.push(new Case(source, request, outcome));
}

const POST = "POST / HTTP/1.1\r\nHost: a\r\n";
const TE = POST + "Transfer-Encoding: chunked\r\n\r\n";
const HEAD400 = "error 400;";
const BODY400 = "head POST /;error 400;";
const SMUGGLED = "GET /admin HTTP/1.1\r\nHost: a\r\n\r\n";

// Content-Length and Transfer-Encoding (RFC 9112 §6.1, §6.3).
when("CL.TE (PortSwigger)", POST + "Content-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nG", HEAD400);
when(
  "TE.CL (PortSwigger)",
  POST + "Transfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n8\r\nSMUGGLED\r\n0\r\n\r\n",
  HEAD400,
);
when(
  "TE.TE: chunked, then another TE (PortSwigger)",
  POST + "Transfer-Encoding: chunked\r\nTransfer-Encoding: x\r\n\r\n",
  HEAD400,
);
when("TE: chunked, gzip: chunked not last (§6.3)", POST + "Transfer-Encoding: chunked, gzip\r\n\r\n", HEAD400);
when("TE: chunked, identity", POST + "Transfer-Encoding: chunked, identity\r\n\r\n", HEAD400);
when("TE: gzip, chunked: a coding we lack (501)", POST + "Transfer-Encoding: gzip, chunked\r\n\r\n", "error 501;");
when(
  "TE: eee, chunked with CL (hackerone 735748)",
  POST + "Content-Length: 10\r\nTransfer-Encoding: eee, chunked\r\n\r\n",
  HEAD400,
);
when("TE: xchunked (PortSwigger)", POST + "Transfer-Encoding: xchunked\r\n\r\n", "error 501;");
when(
  "TE: chunked1 after chunked (PortSwigger)",
  POST + "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked1\r\n\r\n",
  HEAD400,
);
when('TE: "chunked"', POST + 'Transfer-Encoding: "chunked"\r\n\r\n', "error 501;");
when(
  "TE: chunked twice (Garden 11)",
  POST + "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nZ\r\n0\r\n\r\n",
  HEAD400,
);
when(
  "TE: ,chunked is chunked (Garden 21: empty list elements)",
  POST + "Transfer-Encoding: ,chunked\r\n\r\n1\r\nZ\r\n0\r\n\r\n",
  "head POST /;done Z ka;",
);
when("TE: CHUNKED (case-insensitive)", POST + "Transfer-Encoding: CHUNKED\r\n\r\n0\r\n\r\n", "head POST /;done  ka;");
when("TE: HTAB before the value (OWS)", POST + "Transfer-Encoding:\tchunked\r\n\r\n0\r\n\r\n", "head POST /;done  ka;");
when(
  "TE: obs-text around chunked is not trimmed (Garden 12)",
  POST + "Transfer-Encoding: \xa0chunked\xa0\r\n\r\n",
  "error 501;",
);
when("TE: VT before chunked (PortSwigger)", POST + "Transfer-Encoding:\x0bchunked\r\n\r\n", HEAD400);
when("TE: space before the colon (PortSwigger)", POST + "Transfer-Encoding : chunked\r\n\r\n", HEAD400);
when("TE: obs-fold (§5.2)", POST + "Transfer-Encoding:\r\n chunked\r\n\r\n", HEAD400);
when("TE: split name (Garden 37)", POST + "Transfer-\r\nEncoding: chunked\r\n\r\n", HEAD400);
when("TE in HTTP/1.0 (§6.1)", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", HEAD400);
when("TE: empty", POST + "Transfer-Encoding:\r\n\r\n", HEAD400);
when(
  "CL: 5, 5 (§6.3 allows a list of one value)",
  POST + "Content-Length: 5, 5\r\n\r\nhello",
  "head POST /;done hello ka;",
);
when("CL twice, the same", POST + "Content-Length: 5\r\nContent-Length: 5\r\n\r\nhello", "head POST /;done hello ka;");
when("CL: 1 then 0 (Garden 23)", POST + "Content-Length: 1\r\nContent-Length: 0\r\n\r\nZ", HEAD400);
when("CL: 0 then 1 (Garden 33)", POST + "Content-Length: 0\r\nContent-Length: 1\r\n\r\nZ", HEAD400);
when("CL: 5, 6", POST + "Content-Length: 5, 6\r\n\r\n", HEAD400);
when("CL: +5", POST + "Content-Length: +5\r\n\r\n", HEAD400);
when("CL: -48 (Garden 26)", POST + "Content-Length: -48\r\n\r\n", HEAD400);
when("CL: +1_0 (Garden 10)", POST + "Content-Length: +1_0\r\n\r\n", HEAD400);
when("CL: 0x5", POST + "Content-Length: 0x5\r\n\r\n", HEAD400);
when("CL: 1Z (Garden 29)", POST + "Content-Length: 1Z\r\n\r\nZ", HEAD400);
when("CL: empty (Garden 16, 38)", POST + "Content-Length: \r\n\r\n" + SMUGGLED, HEAD400);
when(
  "CL: 010 is ten, decimal (Garden 32)",
  POST + "Content-Length: 010\r\n\r\n0123456789",
  "head POST /;done 0123456789 ka;",
);
when("CL: NUL after the digits", POST + "Content-Length: 5\x00\r\n\r\n", HEAD400);
when("CL: over 64 bits", POST + "Content-Length: 18446744073709551616\r\n\r\n", HEAD400);
when("CL without a colon (Garden 28)", POST + "Content-Length 10\r\n\r\n0123456789", HEAD400);
when("CL: obs-text in the name (Garden 20)", POST + "Content-Length\x85: 10\r\n\r\n0123456789", HEAD400);
when("CL: space before the colon (Garden 3)", POST + "Content-Length : 34\r\n\r\n", HEAD400);
when(
  "CL: HTAB before the first field (Garden 4)",
  "POST / HTTP/1.1\r\n\tContent-Length: 1\r\nHost: a\r\n\r\nX",
  HEAD400,
);
when(
  "CL: 0, then a request after the head is the next one",
  POST + "Content-Length: 0\r\n\r\n" + SMUGGLED,
  "head POST /;done  ka;head GET /admin;done  ka;",
);
when(
  "CL on a GET frames its body",
  "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\nhi",
  "head GET /;done hi ka;",
);

// Chunked framing (§7.1).
when("chunk-size 0_2e (Garden 1, 22)", TE + "0_2e\r\n\r\n" + SMUGGLED, BODY400);
when("chunk-size 0x5 (Garden 25)", TE + "0x5\r\nhello\r\n0\r\n\r\n", BODY400);
when("chunk-size +5, -5", TE + "+5\r\nhello\r\n", BODY400);
when("chunk-size empty (Garden 17)", TE + "\r\n\r\n", BODY400);
when("chunk-size then a bare CR (Garden 31)", TE + "5\r\r;ABCD\r\n34\r\nE\r\n0\r\n\r\n", BODY400);
when("CR in a chunk-ext's BWS (Garden 36)", TE + "41;a=b\r\rXX\r\n0\r\n\r\n", BODY400);
when("chunk-size 5 6", TE + "5 6\r\nhello\r\n0\r\n\r\n", BODY400);
when("chunk-size with a space before CRLF", TE + "5 \r\nhello\r\n0\r\n\r\n", BODY400);
when("chunk-size with BWS before ;", TE + "5 ;a=b\r\nhello\r\n0\r\n\r\n", "head POST /;done hello ka;");
when("chunk-size 17 digits", TE + "00000000000000005\r\nhello\r\n0\r\n\r\n", BODY400);
when("chunk-size of 64 bits: over maxBody", TE + "FFFFFFFFFFFFFFFF\r\n", "head POST /;error 413;");
when("LF-only chunk lines (§7.1)", TE + "5\nhello\n0\n\n", BODY400);
when("chunk data longer than its size", TE + "5\r\nhelloX\r\n0\r\n\r\n", BODY400);
when("a trailer is a field, not the end (Garden 39)", TE + "0\r\nX:POST / HTTP/1.1\r\n\r\n", "head POST /;done  ka;");
when("a trailer without a colon", TE + "0\r\nX\r\n\r\n", BODY400);
when(
  "a Content-Length trailer changes nothing",
  TE + "1\r\nZ\r\n0\r\nContent-Length: 5\r\n\r\n" + SMUGGLED,
  "head POST /;done Z ka;head GET /admin;done  ka;",
);

// The request line (§3) and fields (§5).
when("two spaces in the request line", "GET  / HTTP/1.1\r\nHost: a\r\n\r\n", HEAD400);
when("HTAB between method and target", "GET\t/ HTTP/1.1\r\nHost: a\r\n\r\n", HEAD400);
when("a space after the version", "GET / HTTP/1.1 \r\nHost: a\r\n\r\n", HEAD400);
when("HTTP/0.9 with LF (Garden 9)", "GET /\nHTTP/1.1\r\n\r\n", HEAD400);
when("version 1.32 (Garden 5)", "GET / HTTP/1.32\r\nHost: a\r\n\r\n", HEAD400);
when("version 4294967295.255 (Garden 24)", "GET / HTTP/4294967295.255\r\nHost: a\r\n\r\n", HEAD400);
when("version HTTP/2.0 (505)", "GET / HTTP/2.0\r\nHost: a\r\n\r\n", "error 505;");
when("a method that is not a token (Garden 6)", 'G=":<>(e),[T];?" /get HTTP/1.1\r\nHost: a\r\n\r\n', HEAD400);
when("NUL as the method (Garden 40)", "\x00 / HTTP/1.1\r\nHost: a\r\n\r\n", HEAD400);
when("a target that is no form of §3.2 (Garden 7)", "GET ! HTTP/1.1\r\nHost: a\r\n\r\n", HEAD400);
when("asterisk-form for OPTIONS", "OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n", "head OPTIONS *;done  ka;");
when("asterisk-form for GET", "GET * HTTP/1.1\r\nHost: a\r\n\r\n", HEAD400);
when(
  "absolute-form: routed by its path (§3.2.2)",
  "GET http://a/x?y HTTP/1.1\r\nHost: a\r\n\r\n",
  "head GET /x?y;done  ka;",
);
when("absolute-form with https and case", "GET HTTPS://a:443/ HTTP/1.1\r\nHost: a\r\n\r\n", "head GET /;done  ka;");
when("absolute-form of another scheme", "GET ftp://a/x HTTP/1.1\r\nHost: a\r\n\r\n", HEAD400);
when("authority-form outside CONNECT", "GET a:80 HTTP/1.1\r\nHost: a\r\n\r\n", HEAD400);
when("no Host in HTTP/1.1 (§3.2)", "GET / HTTP/1.1\r\n\r\n", HEAD400);
when("two Hosts", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", HEAD400);
when("a Host with a space (§3.2)", "GET / HTTP/1.1\r\nHost: a b\r\n\r\n", HEAD400);
when("a Host with a path", "GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", HEAD400);
when("a Host with userinfo", "GET / HTTP/1.1\r\nHost: u@a\r\n\r\n", HEAD400);
when("a Host with a port and an IPv6 literal", "GET / HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n", "head GET /;done  ka;");
when("an empty Host", "GET / HTTP/1.1\r\nHost:\r\n\r\n", "head GET /;done  ka;");
when("NUL in a value (Garden 2, 35)", "GET / HTTP/1.1\r\nHost: a\r\nX: v\x00alue\r\n\r\n", HEAD400);
when("a bare CR in a value (Garden 13, 34)", "GET / HTTP/1.1\r\nHost: a\r\nVisible: :/\rSmuggled: :)\r\n\r\n", HEAD400);
when(
  "CR then a byte ends no head (Garden 30)",
  "GET / HTTP/1.1\r\nHost: a\r\n\rZGET /evil: HTTP/1.1\r\nHost: a\r\n\r\n",
  HEAD400,
);
when("an empty name (Garden 18, 27)", "GET / HTTP/1.1\r\n: ignored\r\nHost: a\r\n\r\n", HEAD400);
when(
  "controls and separators in a name (Garden 14)",
  "GET / HTTP/1.1\r\nHost: a\r\n\x01(),/;<=>?@: v\r\n\r\n",
  HEAD400,
);
when("obs-text in a name (Garden 8)", "GET / HTTP/1.1\r\nHost: a\r\n\xefoo: bar\r\n\r\n", HEAD400);
when(
  "a bare LF ends a line in the head (§2.2)",
  "GET / HTTP/1.1\nHost: a\nUseless:\n\n" + SMUGGLED,
  "head GET /;done  ka;head GET /admin;done  ka;",
);
when("5 empty lines before a request line (§2.2)", "\r\n\r\n\r\n\r\n\r\n" + SMUGGLED, HEAD400);
when("4 empty lines before a request line", "\r\n\r\n\r\n\r\n" + SMUGGLED, "head GET /admin;done  ka;");

test("every framing case gets its outcome, fed whole, a byte at a time and in 5-byte pieces", () => {
  const steps: i32[] = [0, 1, 5];
  let failures = "";
  for (let i = 0; i < cases.length; i++) {
    const c = cases[i];
    for (let k = 0; k < steps.length; k++) {
      parser.reset();
      const got = drive(parser, c.request, steps[k]);
      if (got == c.outcome) continue;
      failures += "\n" + c.source + " (step " + steps[k].toString() + "): " + got;
      break;
    }
  }
  expect(failures, "");
  expect(cases.length > 80, true, cases.length.toString() + " cases");
});

export function _start(): void {
  runTests();
}
