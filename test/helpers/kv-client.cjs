// A kv client to run inside a test's network namespace (node kv-client.cjs MODE HOST ...).
// Values are derived from their keys, so a checker needs only the keys.
//   storm HOST MS WRITERS PREFIX   PUTs from WRITERS connections for MS ms, or until the server is gone;
//                                  prints each key that got its 201, one per line
//   verify HOST                    reads keys from stdin, GETs each and prints {"checked":N,"bad":[...]}
const http = require("node:http");
const crypto = require("node:crypto");

const [mode, host, ...rest] = process.argv.slice(2);
const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
// The test stops a storm with SIGTERM once it has killed the server; every
// key printed so far is out (writes to a pipe are synchronous on Linux).
process.on("SIGTERM", () => process.exit(0));

function valueOf(key) {
  const seed = crypto.createHash("sha256").update(key).digest();
  const len = 64 + (seed.readUInt16LE(0) % 4000);
  const out = Buffer.alloc(len);
  for (let i = 0; i < len; i += 32) seed.copy(out, i, 0, Math.min(32, len - i));
  return out;
}

function call(method, path, body) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host, port: 80, method, path, agent }, (res) => {
      const chunks = [];
      res.on("data", (d) => chunks.push(d));
      res.on("end", () => resolve({ status: res.statusCode, body: Buffer.concat(chunks) }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.setTimeout(15000, () => req.destroy(new Error(`${method} ${path}: no answer in 15 s`)));
    req.end(body);
  });
}

async function storm(ms, writers, prefix) {
  const end = Date.now() + ms;
  let n = 0;
  const writer = async (w) => {
    while (Date.now() < end) {
      const key = `${prefix}-w${w}-${n++}`;
      try {
        const r = await call("PUT", `/kv/${key}`, valueOf(key));
        if (r.status === 201) process.stdout.write(key + "\n");
      } catch {
        return; // the server is gone
      }
    }
  };
  await Promise.all(Array.from({ length: writers }, (_, w) => writer(w)));
}

async function verify() {
  const keys = require("node:fs").readFileSync(0, "utf8").split("\n").filter(Boolean);
  const bad = [];
  for (const key of keys) {
    const r = await call("GET", `/kv/${key}`);
    if (r.status !== 200 || !r.body.equals(valueOf(key))) bad.push(`${key}: ${r.status}`);
  }
  console.log(JSON.stringify({ checked: keys.length, bad: bad.slice(0, 20) }));
}

(mode === "storm" ? storm(Number(rest[0]), Number(rest[1]), rest[2]) : verify()).then(
  () => agent.destroy(),
  (e) => {
    console.error(e.message);
    process.exit(1);
  },
);
