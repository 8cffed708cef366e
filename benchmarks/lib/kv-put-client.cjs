// Durable PUTs against a key-value service over HTTP/1.1 keep-alive: CLIENTS
// connections, each sending one PUT of SIZE bytes at a time (the next once
// the last was answered) to /kv/c<client>-<n mod KEYS>, for SECONDS. Prints
// one JSON line: puts, seconds, puts/s, p50 and p99 latency in ms, and the
// number of answers that were not 2xx.
//
//   node kv-put-client.cjs HOST:PORT CLIENTS SECONDS SIZE [KEYS]
"use strict";
const http = require("node:http");

const [target, clientsArg, secondsArg, sizeArg, keysArg] = process.argv.slice(2);
const [host, port] = target.split(":");
const clients = Number(clientsArg);
const seconds = Number(secondsArg);
const size = Number(sizeArg);
const keys = Number(keysArg ?? 1000);
const agent = new http.Agent({ keepAlive: true, maxSockets: clients });
const value = Buffer.alloc(size, 0x61);
const latencies = [];
let bad = 0;
let stop = false;

function put(key) {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const req = http.request(
      { host, port: Number(port || 80), method: "PUT", path: `/kv/${key}`, agent, headers: { "content-length": size } },
      (res) => {
        res.resume();
        res.on("end", () => {
          if (res.statusCode < 200 || res.statusCode > 299) bad++;
          latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
          resolve();
        });
      },
    );
    req.on("error", reject);
    req.end(value);
  });
}

async function client(c) {
  for (let n = 0; !stop; n++) {
    value.writeUInt32LE(n, 0);
    await put(`c${c}-${n % keys}`);
  }
}

(async () => {
  const t0 = process.hrtime.bigint();
  setTimeout(() => (stop = true), seconds * 1000);
  await Promise.all(Array.from({ length: clients }, (_, c) => client(c)));
  const elapsed = Number(process.hrtime.bigint() - t0) / 1e9;
  latencies.sort((a, b) => a - b);
  const q = (p) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))];
  const puts = latencies.length;
  console.log(JSON.stringify({ puts, seconds: elapsed, rate: puts / elapsed, p50: q(0.5), p99: q(0.99), bad }));
  agent.destroy();
})().catch((e) => {
  console.error(`kv-put-client: ${e.message}`);
  process.exit(1);
});
