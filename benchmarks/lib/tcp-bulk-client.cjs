// TCP bulk client for benchmarks/tcp-bulk.mjs. `up HOST BYTES`: sends BYTES to
// HOST's discard port (9) and half-closes; `down HOST BYTES`: asks HOST's
// source port (19) for BYTES ("BYTES\n") and reads them. Either way it waits
// for the connection to close and prints {"bytes":N,"ms":T,"error":null}.
const net = require("node:net");
const [mode, host, bytesArg] = process.argv.slice(2);
const total = Number(bytesArg);
const chunk = Buffer.alloc(256 * 1024, 0x5a);
let sent = 0;
let received = 0;
let error = null;
let t0 = 0;
const s = net.connect({ host, port: mode === "up" ? 9 : 19 }, () => {
  t0 = performance.now();
  if (mode === "down") s.write(`${total}\n`);
  else pump();
});
function pump() {
  while (sent < total) {
    const n = Math.min(chunk.length, total - sent);
    sent += n;
    if (!s.write(n === chunk.length ? chunk : chunk.subarray(0, n))) return void s.once("drain", pump);
  }
  s.end();
}
s.on("data", (d) => (received += d.length));
s.on("error", (e) => (error = e.code || e.message));
s.on("close", () => {
  const bytes = mode === "up" ? sent : received;
  console.log(JSON.stringify({ bytes, ms: performance.now() - t0, error }));
});
