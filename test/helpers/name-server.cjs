// A DNS server and an HTTP server for the HTTP client's tests by name, in the
// namespace the test makes: the DNS server on ADDR:53 answers A queries for
// NAME with ADDR (TTL 60) and NXDOMAIN for every other name; the HTTP server
// on ADDR:8080 serves /data ("hello by name\n") and echoes any other request's
// body. It prints "listening" once both are up, then one line per query
// ("query NAME") and per request ("host HOST") for the test to check.
//
//   node name-server.cjs ADDR NAME
"use strict";
const dgram = require("node:dgram");
const http = require("node:http");

const [addr, served] = process.argv.slice(2);
const octets = addr.split(".").map(Number);
let up = 0;
const ready = () => ++up === 2 && console.log("listening");

http
  .createServer((req, res) => {
    console.log(`host ${req.headers.host}`);
    if (req.url === "/data") res.end("hello by name\n");
    else req.pipe(res);
  })
  .listen(8080, addr, ready);

const dns = dgram.createSocket("udp4");
dns.on("message", (query, from) => {
  // The question's name, label by label, after the 12-byte header.
  const labels = [];
  let i = 12;
  while (i < query.length && query[i] !== 0) {
    labels.push(query.subarray(i + 1, i + 1 + query[i]).toString("latin1"));
    i += query[i] + 1;
  }
  const name = labels.join(".");
  console.log(`query ${name}`);
  const question = query.subarray(12, i + 5); // the name, its zero byte, type and class
  const found = name === served;
  // id, QR+RD, RA and NOERROR or NXDOMAIN, one question, one answer or none
  const header = Buffer.from([query[0], query[1], 0x81, found ? 0x80 : 0x83, 0, 1, 0, found ? 1 : 0, 0, 0, 0, 0]);
  // the answer: a pointer to the question's name, A, IN, TTL 60, 4 bytes of address
  const answer = found ? Buffer.from([0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, ...octets]) : Buffer.alloc(0);
  dns.send(Buffer.concat([header, question, answer]), from.port, from.address);
});
dns.bind(53, addr, ready);
