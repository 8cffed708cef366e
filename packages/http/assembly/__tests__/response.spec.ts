// Response heads and chunk framing, byte for byte; status codes and reason phrases.

import {
  ResponseWriter,
  writeChunkEnd,
  writeChunkHeader,
  writeLastChunk,
  chunkOverhead,
} from "@tessera/http/assembly/response";
import { reasonPhrase, Status, statusHasBody } from "@tessera/http/assembly/status";
import { expect, runTests, test } from "@tessera/test/assembly";

const out = new StaticArray<u8>(256);
const base = changetype<usize>(out);
const w = new ResponseWriter();

// The `n` bytes written at `base`, as a string.
function written(n: u32): string {
  return String.UTF8.decodeUnsafe(base, n);
}

test("writes a head with Content-Length", () => {
  const n = w.begin(base, 256, 200).header("Content-Type", "text/plain").contentLength(2).end();
  expect(written(n), "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\n");
});

test("writes a chunked head that closes", () => {
  const n = w.begin(base, 256, Status.NotFound).chunked().close().end();
  expect(written(n), "HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n");
});

test("writes the error statuses the parser asks for", () => {
  const codes: u32[] = [400, 413, 414, 431, 501, 505];
  const lines = [
    "400 Bad Request",
    "413 Content Too Large",
    "414 URI Too Long",
    "431 Request Header Fields Too Large",
    "501 Not Implemented",
    "505 HTTP Version Not Supported",
  ];
  for (let i = 0; i < codes.length; i++) {
    const n = w.begin(base, 256, codes[i]).contentLength(0).close().end();
    expect(written(n), "HTTP/1.1 " + lines[i] + "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
  }
});

test("chooses framing and connection fields", () => {
  expect(w.begin(base, 256, 200).framing(5, true), true);
  expect(written(w.end()), "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n");
  w.begin(base, 256, 200).framing(-1, true);
  expect(written(w.end()), "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
  w.begin(base, 256, 200).framing(0, false);
  expect(written(w.end()), "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
  expect(w.begin(base, 256, 200).framing(7, true, 10), true);
  expect(written(w.end()), "HTTP/1.1 200 OK\r\nContent-Length: 7\r\nConnection: keep-alive\r\n\r\n");
  expect(w.begin(base, 256, 200).framing(-1, true, 10), false, "HTTP/1.0 cannot be sent chunked");
  expect(written(w.end()), "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n");
});

test("writes numbers and unknown statuses", () => {
  let n = w.begin(base, 256, 299).headerNumber("X-Big", 18446744073709551615).contentLength(1234567890).end();
  expect(written(n), "HTTP/1.1 299 \r\nX-Big: 18446744073709551615\r\nContent-Length: 1234567890\r\n\r\n");
  n = w.begin(base, 256, 200).contentLength(0).end();
  expect(written(n), "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
});

test("refuses heads that do not fit or would inject", () => {
  const head = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n";
  expect(w.begin(base, head.length, 200).contentLength(2).end(), <u32>head.length, "exactly fits");
  expect(
    w
      .begin(base, head.length - 1, 200)
      .contentLength(2)
      .end(),
    0,
    "one byte short",
  );
  expect(w.failed, true);
  expect(w.begin(base, 256, 200).header("X", "a\r\nSet-Cookie: x").end(), 0, "CRLF in a value");
  expect(w.begin(base, 256, 200).header("X Y", "a").end(), 0, "a space in a name");
  expect(w.begin(base, 256, 200).header("", "a").end(), 0, "an empty name");
  expect(w.begin(base, 256, 200).header("X", "caf\u00e9").end(), 0, "non-ASCII in a value");
  expect(w.begin(base, 256, 1000).end(), 0, "a status of four digits");
  expect(w.begin(base, 256, 200).header("X", "a\tb").end() > 0, true, "HTAB is allowed");
});

test("writes chunk framing", () => {
  let n = writeChunkHeader(base, 256, 5);
  expect(written(n), "5\r\n");
  n = writeChunkHeader(base, 256, 0x1a2b);
  expect(written(n), "1a2b\r\n");
  n = writeChunkHeader(base, 256, 0xffffffff);
  expect(written(n), "ffffffff\r\n");
  expect(n, 10);
  expect(writeChunkHeader(base, 3, 0x10), 0, "does not fit");
  expect(writeChunkHeader(base, 4, 0x10), 4);
  expect(written(writeChunkEnd(base, 2)), "\r\n");
  expect(writeChunkEnd(base, 1), 0);
  expect(written(writeLastChunk(base, 5)), "0\r\n\r\n");
  expect(writeLastChunk(base, 4), 0);
  expect(chunkOverhead(5), 5);
  expect(chunkOverhead(0x100), 7);
});

test("names statuses", () => {
  expect(reasonPhrase(200), "OK");
  expect(reasonPhrase(Status.RequestHeaderFieldsTooLarge), "Request Header Fields Too Large");
  expect(reasonPhrase(418), "");
  expect(statusHasBody(200), true);
  expect(statusHasBody(204), false);
  expect(statusHasBody(304), false);
  expect(statusHasBody(101), false);
});

export function _start(): void {
  runTests();
}
