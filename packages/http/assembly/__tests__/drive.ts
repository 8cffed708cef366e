// Helpers for the parser specs: captured request heads, and a driver that feeds text in pieces and logs the events.

import { ParseState, Parser } from "@tessera/http/assembly/parser";

/** `curl http://127.0.0.1:18080/` (curl 7.88.1), captured by a Node TCP server on 127.0.0.1. */
export const CURL_GET = "GET / HTTP/1.1\r\nHost: 127.0.0.1:18080\r\nUser-Agent: curl/7.88.1\r\nAccept: */*\r\n\r\n";

/** `curl -X POST -d 'name=tessera&x=1' http://127.0.0.1:18080/form`, captured likewise (head and body). */
export const CURL_POST =
  "POST /form HTTP/1.1\r\nHost: 127.0.0.1:18080\r\nUser-Agent: curl/7.88.1\r\nAccept: */*\r\n" +
  "Content-Length: 16\r\nContent-Type: application/x-www-form-urlencoded\r\n\r\nname=tessera&x=1";

/** `curl -H 'Transfer-Encoding: chunked' --data-binary hello http://127.0.0.1:18080/up`, captured likewise. */
export const CURL_CHUNKED =
  "POST /up HTTP/1.1\r\nHost: 127.0.0.1:18080\r\nUser-Agent: curl/7.88.1\r\nAccept: */*\r\n" +
  "Transfer-Encoding: chunked\r\nContent-Type: application/x-www-form-urlencoded\r\n\r\n5\r\nhello\r\n0\r\n\r\n";

/** A Chrome 120 navigation on Linux, written from its known shape (14 fields). */
export const BROWSER_GET =
  "GET /index.html?lang=en&x=1 HTTP/1.1\r\n" +
  "Host: localhost:8080\r\n" +
  "Connection: keep-alive\r\n" +
  'sec-ch-ua: "Not_A Brand";v="8", "Chromium";v="120", "Google Chrome";v="120"\r\n' +
  "sec-ch-ua-mobile: ?0\r\n" +
  'sec-ch-ua-platform: "Linux"\r\n' +
  "Upgrade-Insecure-Requests: 1\r\n" +
  "User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36\r\n" +
  "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8," +
  "application/signed-exchange;v=b3;q=0.7\r\n" +
  "Sec-Fetch-Site: none\r\n" +
  "Sec-Fetch-Mode: navigate\r\n" +
  "Sec-Fetch-User: ?1\r\n" +
  "Sec-Fetch-Dest: document\r\n" +
  "Accept-Encoding: gzip, deflate, br\r\n" +
  "Accept-Language: en-US,en;q=0.9\r\n\r\n";

/** The UTF-8 bytes of `s` (ASCII in these specs) as a buffer of their own. */
export function bytes(s: string): ArrayBuffer {
  return String.UTF8.encode(s);
}

/**
 * Feeds `text` to `p` in pieces of `step` bytes (0: all at once), draining each piece, and returns the events:
 * `head <method> <target>;` at each head, `done <body> ka|close;` at each end (the body joined from its spans),
 * `error <status>;` at an error (then stops), and `need;` if the text ended inside a request.
 */
export function drive(p: Parser, text: string, step: i32 = 0): string {
  const buf = bytes(text);
  const base = changetype<usize>(buf);
  const total = <u32>buf.byteLength;
  let log = "";
  let body = "";
  let off: u32 = 0;
  while (off < total) {
    const end = step == 0 ? total : min<u32>(off + <u32>step, total);
    for (;;) {
      const n = p.feed(base + off, end - off);
      assert(n <= end - off, "feed consumed more than it was given");
      off += n;
      const s = p.state;
      if (s == ParseState.NeedMore) {
        assert(off == end, "NeedMore before the bytes given were consumed");
        break;
      }
      if (s == ParseState.Head) {
        log += "head " + String.UTF8.decodeUnsafe(p.head.base + p.head.methodStart, p.head.methodLen);
        log += " " + p.head.target() + ";";
      } else if (s == ParseState.Body) {
        assert(p.bodyLen > 0, "an empty body span");
        body += String.UTF8.decodeUnsafe(p.bodyPtr, p.bodyLen);
      } else if (s == ParseState.Complete) {
        log += "done " + body + (p.keepAlive ? " ka;" : " close;");
        body = "";
        if (off == total) break; // leave the head readable: the next feed would start the next request
      } else {
        return log + "error " + p.status.toString() + ";";
      }
    }
  }
  if (!p.idle) log += "need;";
  return log;
}
