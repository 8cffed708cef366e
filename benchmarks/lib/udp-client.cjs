// A UDP round-trip client for the benchmarks: sends one datagram, waits for
// its echo, repeats; prints JSON with round trips per second and RTT
// percentiles. Run inside a network namespace:
//   node udp-client.cjs HOST PORT COUNT SIZE
"use strict";
const dgram = require("node:dgram");
const [host, port, count, size] = [
  process.argv[2],
  Number(process.argv[3]),
  Number(process.argv[4]),
  Number(process.argv[5] || 64),
];
const socket = dgram.createSocket("udp4");
const payload = Buffer.alloc(size, 0x61);
const rtts = [];
let sent = 0;
let lost = 0;
let t0 = 0n;
let timer = null;
const started = process.hrtime.bigint();

function next() {
  if (sent === count) return finish();
  sent++;
  t0 = process.hrtime.bigint();
  socket.send(payload, port, host);
  timer = setTimeout(() => {
    lost++;
    next();
  }, 1000);
}

socket.on("message", (msg) => {
  if (msg.length !== size) return;
  clearTimeout(timer);
  rtts.push(Number(process.hrtime.bigint() - t0) / 1000);
  next();
});

function finish() {
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  rtts.sort((a, b) => a - b);
  const q = (p) => rtts[Math.min(rtts.length - 1, Math.floor(p * rtts.length))];
  console.log(JSON.stringify({ count, lost, perSecond: rtts.length / seconds, p50us: q(0.5), p99us: q(0.99) }));
  socket.close();
}

socket.bind(0, () => next());
