// examples/http's site and the 1,000-connection check, shared by the tests
// that serve it: through --publish (test/http-example.test.ts) and through
// TAP on every target (test/targets/http.test.ts).
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { expect } from "vitest";
import { ROOT } from "./cli.js";

export const SITE = join(ROOT, "examples/http/site");
/** Issue 4's budget for the image (docs/benchmarks.md#image-size says where the bytes go). */
export const BUDGET = 64 * 1024;

/** Every file of the site: URL path -> bytes. */
export function siteFiles(): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (!name.startsWith(".")) files.set("/" + relative(SITE, p), readFileSync(p));
    }
  };
  walk(SITE);
  return files;
}

export const TYPES: Record<string, string> = {
  html: "text/html; charset=utf-8",
  css: "text/css; charset=utf-8",
  svg: "image/svg+xml",
};

/**
 * `node hold.mjs ADDR PORT N PATH` opens N keep-alive
 * connections at once (one request each, then idle), reads /healthz over one
 * connection of its own while they are open and after they are closed, twice,
 * and prints the numbers as JSON.
 */
const HOLD = `
import { spawn } from "node:child_process";
import http from "node:http";
const [host, port, n, path] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4]), process.argv[5]];
const get = (agent, p) => new Promise((resolve, reject) => {
  const req = http.get({ host, port, path: p, agent }, (res) => {
    const chunks = [];
    res.on("data", (d) => chunks.push(d));
    res.on("end", () => resolve({ status: res.statusCode, body: Buffer.concat(chunks) }));
  });
  req.setTimeout(30000, () => req.destroy(new Error(p + ": no answer in 30 s")));
  req.on("error", reject);
});
const mon = new http.Agent({ keepAlive: true, maxSockets: 1 });
const health = async () => {
  const text = (await get(mon, "/healthz")).body.toString();
  return Object.fromEntries([...text.matchAll(/(\\w+)=(\\d+)/g)].map((m) => [m[1], Number(m[2])]));
};
// Until only the monitor's connection is open (in HTTP and in TCP, TIME-WAIT aside) and the heap has not shrunk for a second.
const settle = async () => {
  let h = await health(), low = h.heap, still = 0;
  for (let i = 0; i < 200 && (h.open > 1 || h.tcp - h.timewait > 1 || still < 5); i++) {
    await new Promise((r) => setTimeout(r, 200));
    h = await health();
    if (h.heap < low) (low = h.heap), (still = 0);
    else still++;
  }
  if (h.open > 1 || h.tcp - h.timewait > 1) throw new Error("connections still open 40 s after the client closed them: " + JSON.stringify(h));
  return h.heap;
};
const hold = async () => {
  const agent = new http.Agent({ keepAlive: true, maxSockets: n, maxFreeSockets: n });
  const got = await Promise.all(Array.from({ length: n }, () => get(agent, path)));
  const ok = got.filter((r) => r.status === 200).length;
  const h = await health();
  agent.destroy();
  return { ok, open: h.open, heap: h.heap };
};
const out = { before: await settle() };
const a = await hold();
Object.assign(out, { ok1: a.ok, open1: a.open, during1: a.heap, after1: await settle() });
const b = await hold();
Object.assign(out, { ok2: b.ok, open2: b.open, during2: b.heap, after2: await settle() });
mon.destroy();
console.log(JSON.stringify(out));
`;

/** Writes the HOLD script into `dir` and returns its path. */
export function holdScript(dir: string): string {
  const script = join(dir, "hold.mjs");
  writeFileSync(script, HOLD);
  return script;
}

/** Checks what a run of HOLD with 1,000 connections printed. */
export function checkHold(r: { status: number | null; stdout: Buffer | string; stderr: Buffer | string }): void {
  expect(r.status, `${r.stderr}${r.stdout}`).toBe(0);
  const m = JSON.parse(r.stdout.toString()) as Record<string, number>;
  const numbers = `heap before ${m.before}, with 1000 open ${m.during1}, after ${m.after1}; again ${m.during2}, after ${m.after2}`;
  console.log(`examples/http: ${numbers}`);
  expect(m.ok1, numbers).toBe(1000);
  expect(m.ok2, numbers).toBe(1000);
  expect(m.open1, numbers).toBeGreaterThanOrEqual(1000);
  const peak = m.during1 - m.before;
  expect(peak, numbers).toBeGreaterThan(1000 * 10_000); // the connections did take memory
  // Back to the baseline: the TCP connections, their buffers and the HTTP
  // state are freed; the server keeps a small pool (8 connections' state,
  // about 16 KB each) and the tables keep their grown capacity.
  expect(m.after1 - m.before, numbers).toBeLessThan(256 * 1024);
  // Nothing more is kept the second time: the pool is reused, nothing leaks.
  expect(Math.abs(m.during2 - m.during1), numbers).toBeLessThan(peak / 10);
  expect(Math.abs(m.after2 - m.after1), numbers).toBeLessThan(peak / 10);
}
