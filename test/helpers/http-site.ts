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

/** How many times the hold script opens its N connections. */
export const CYCLES = 3;

/**
 * `node hold.mjs ADDR PORT N PATH CYCLES WAVES` opens N keep-alive
 * connections (one request each, then idle) in WAVES waves, each opened at
 * once and answered before the next, reads /healthz over one connection of
 * its own while they are open and after they are closed, CYCLES times, and
 * prints the numbers as JSON: the heap before, and per cycle the answers,
 * the open connections and the heap during and after.
 */
const HOLD = `
import http from "node:http";
const [host, port, n, path, cycles, waves] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4]), process.argv[5], Number(process.argv[6]), Number(process.argv[7])];
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
  const got = [], agents = [];
  for (let w = 0; w < waves; w++) {
    const size = Math.floor((n * (w + 1)) / waves) - Math.floor((n * w) / waves);
    const agent = new http.Agent({ keepAlive: true, maxSockets: size, maxFreeSockets: size }); // (one per wave: new connections, not the last wave's reused)
    agents.push(agent);
    got.push(...(await Promise.all(Array.from({ length: size }, () => get(agent, path)))));
  }
  const ok = got.filter((r) => r.status === 200).length;
  const h = await health();
  for (const agent of agents) agent.destroy();
  return { ok, open: h.open, during: h.heap };
};
const out = { before: await settle(), cycles: [] };
for (let c = 0; c < cycles; c++) {
  const a = await hold();
  out.cycles.push({ ...a, after: await settle() });
}
mon.destroy();
console.log(JSON.stringify(out));
`;

/** Writes the HOLD script into `dir` and returns its path. */
export function holdScript(dir: string): string {
  const script = join(dir, "hold.mjs");
  writeFileSync(script, HOLD);
  return script;
}

/** The hold script's arguments after its path: `n` connections to `host:port` in `waves`, `cycles` times. */
export function holdArgs(host: string, port: number, n: number, cycles = CYCLES, waves = 1): string[] {
  return [host, String(port), String(n), "/style.css", String(cycles), String(waves)];
}

/** Checks that a run of HOLD had every one of its `n` connections answered and still open, in every cycle. */
export function checkOpen(
  r: { status: number | null; stdout: Buffer | string; stderr: Buffer | string },
  n: number,
): void {
  expect(r.status, `${r.stderr}${r.stdout}`).toBe(0);
  const m = JSON.parse(r.stdout.toString()) as { cycles: { ok: number; open: number }[] };
  for (const c of m.cycles) {
    expect(c.ok, r.stdout.toString()).toBe(n);
    expect(c.open, r.stdout.toString()).toBeGreaterThanOrEqual(n);
  }
}

/** Checks what a run of HOLD with `n` connections printed. */
export function checkHold(
  r: { status: number | null; stdout: Buffer | string; stderr: Buffer | string },
  n: number,
): void {
  expect(r.status, `${r.stderr}${r.stdout}`).toBe(0);
  const m = JSON.parse(r.stdout.toString()) as {
    before: number;
    cycles: { ok: number; open: number; during: number; after: number }[];
  };
  const numbers = `heap before ${m.before}; ${m.cycles.map((c, i) => `cycle ${i + 1}: with ${n} open ${c.during}, after ${c.after}`).join("; ")}`;
  console.log(`examples/http: ${numbers}`);
  expect(m.cycles.length, numbers).toBe(CYCLES);
  const [first] = m.cycles;
  for (const c of m.cycles) {
    expect(c.ok, numbers).toBe(n);
    expect(c.open, numbers).toBeGreaterThanOrEqual(n);
  }
  expect(first.during - m.before, numbers).toBeGreaterThan(n * 10_000); // the connections did take memory
  // Back near the baseline: the TCP connections, their buffers and the HTTP
  // state are freed; the server keeps a small pool (8 connections' state,
  // about 16 KB each) and the tables keep their grown capacity.
  expect(first.after - m.before, numbers).toBeLessThan(256 * 1024);
  // Nothing more is kept after the later cycles: the pool and the tables are
  // reused, nothing leaks. The idle heap moves by a few KB at most between
  // cycles here (1.5 or 3 KB, now and then, in either cycle: a table or a
  // free list grown once more), so every cycle's must be within 8 KiB of the
  // first's. A leak of 5 bytes per connection per cycle fails this after the
  // third cycle (10 KB); the old bound (a tenth of the peak, 3.8 MB) let a
  // kilobyte per connection through.
  for (const c of m.cycles.slice(1)) expect(c.after - first.after, numbers).toBeLessThanOrEqual(8192);
  // With the connections open the heap holds what they hold, and garbage not
  // yet collected: within 64 bytes per connection of the first cycle.
  for (const c of m.cycles.slice(1)) expect(Math.abs(c.during - first.during), numbers).toBeLessThanOrEqual(n * 64);
}
