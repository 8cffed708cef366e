// examples/kv on the Node tender through --publish (no root): the HTTP API and
// its limits, durability across a kill -9 in the middle of a storm of PUTs, a
// full store, and disk files that are damaged, of the wrong size or of the
// wrong block size.
import { randomBytes } from "node:crypto";
import {
  closeSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { Agent, request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { ROOT, tessera } from "./helpers/cli.js";
import { BackgroundTessera } from "./helpers/netns.js";

let dir = "";
let image = "";

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "tessera-kv-"));
  const built = tessera(["build", join(ROOT, "examples", "kv"), "-o", dir]);
  expect(built.status, built.stderr).toBe(0);
  image = join(dir, "kv.wasm");
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function disk(name: string, size = "16M", blockSize = "4096"): string {
  const file = join(dir, name);
  const r = tessera(["disk", "create", file, size, "--block-size", blockSize]);
  expect(r.status, r.stderr).toBe(0);
  return file;
}

/** A running kv service on `file`, and the host port it is published on. */
async function boot(file: string): Promise<{ kv: BackgroundTessera; port: number }> {
  const kv = new BackgroundTessera(["run", image, "--block", `storage=${file}`, "--publish", "127.0.0.1:0:80"]);
  const up = await kv.waitFor(/serving on port 80[\s\S]*dhcp: /, 20_000);
  expect(up, kv.output).toBe(true);
  const port = Number(/publishing http:\/\/127\.0\.0\.1:(\d+)/.exec(kv.output)![1]);
  return { kv, port };
}

interface Reply {
  status: number;
  body: Buffer;
}

const agent = new Agent({ keepAlive: true, maxSockets: 8 });

function call(port: number, method: string, path: string, body?: Uint8Array): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, method, path, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (d: Buffer) => chunks.push(d));
      res.on("end", () => resolve({ status: res.statusCode!, body: Buffer.concat(chunks) }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.setTimeout(20_000, () => req.destroy(new Error(`${method} ${path}: no answer in 20 s`)));
    req.end(body);
  });
}

describe("examples/kv through --publish", () => {
  let file = "";
  let kv: BackgroundTessera;
  let port = 0;

  beforeAll(async () => {
    file = disk("api.img");
    ({ kv, port } = await boot(file));
  });

  afterAll(async () => kv?.stop());

  test("PUT answers 201 for a new key and 204 for a replaced one; GET and DELETE; 404 after", async () => {
    expect((await call(port, "PUT", "/kv/greeting", Buffer.from("hello"))).status).toBe(201);
    expect((await call(port, "PUT", "/kv/greeting", Buffer.from("hello again"))).status).toBe(204);
    const got = await call(port, "GET", "/kv/greeting");
    expect(got.status).toBe(200);
    expect(got.body.toString()).toBe("hello again");
    expect((await call(port, "DELETE", "/kv/greeting")).status).toBe(204);
    expect((await call(port, "GET", "/kv/greeting")).status).toBe(404);
    expect((await call(port, "DELETE", "/kv/greeting")).status).toBe(404);
  });

  test("keys are percent-decoded bytes; values are bytes, up to 1 MiB; ?prefix= lists keys in order", async () => {
    const value = randomBytes(1 << 20);
    expect((await call(port, "PUT", "/kv/bin%00%FF%2Fkey", value)).status).toBe(201);
    expect((await call(port, "GET", "/kv/bin%00%ff%2fkey")).body.equals(value)).toBe(true);
    for (const k of ["list/b", "list/a", "list/c d", "other"])
      expect((await call(port, "PUT", `/kv/${encodeURIComponent(k)}`, Buffer.from(k))).status).toBe(201);
    const listed = await call(port, "GET", "/kv?prefix=list%2F");
    expect(listed.status).toBe(200);
    expect(listed.body.toString()).toBe("list/a\nlist/b\nlist/c%20d\n");
  });

  test("limits: 413 for a value over 1 MiB, 414 for a key over 1 KiB, 400 for a bad escape or no key", async () => {
    expect((await call(port, "PUT", "/kv/big", randomBytes((1 << 20) + 1))).status).toBe(413);
    expect((await call(port, "PUT", `/kv/${"k".repeat(1025)}`, Buffer.from("v"))).status).toBe(414);
    expect((await call(port, "PUT", `/kv/${"k".repeat(1024)}`, Buffer.from("v"))).status).toBe(201);
    expect((await call(port, "PUT", "/kv/bad%zz", Buffer.from("v"))).status).toBe(400);
    expect((await call(port, "PUT", "/kv/", Buffer.from("v"))).status).toBe(400);
    expect((await call(port, "GET", "/kv/big")).status).toBe(404);
  });
});

describe("group commit", () => {
  test("16 clients PUTting at once share flushes, and every PUT answered is there", async () => {
    const file = disk("group.img", "32M");
    const { kv, port } = await boot(file);
    const wide = new Agent({ keepAlive: true, maxSockets: 16 });
    const health = async () => {
      const text = (await call(port, "GET", "/healthz")).body.toString();
      const m = /writes=(\d+) flushes=(\d+)/.exec(text);
      expect(m, text).not.toBeNull();
      return { writes: Number(m![1]), flushes: Number(m![2]) };
    };
    const put = (key: string, value: Buffer) =>
      new Promise<number>((resolve, reject) => {
        const req = request({ host: "127.0.0.1", port, method: "PUT", path: `/kv/${key}`, agent: wide }, (res) => {
          res.resume();
          res.on("end", () => resolve(res.statusCode!));
        });
        req.on("error", reject);
        req.end(value);
      });
    try {
      const before = await health();
      const values = new Map<string, Buffer>();
      await Promise.all(
        Array.from({ length: 16 }, async (_, w) => {
          for (let i = 0; i < 25; i++) {
            const key = `g${w}-${i}`;
            const value = randomBytes(1024);
            expect(await put(key, value), key).toBe(201);
            values.set(key, value);
          }
        }),
      );
      const after = await health();
      const writes = after.writes - before.writes;
      const flushes = after.flushes - before.flushes;
      console.log(`16 clients, 400 PUTs of 1 KiB: ${flushes} flushes (${(writes / flushes).toFixed(1)} PUTs a flush)`);
      expect(writes).toBe(400);
      expect(flushes).toBeLessThanOrEqual(writes / 2);
      for (const [k, v] of values) expect((await call(port, "GET", `/kv/${k}`)).body.equals(v), k).toBe(true);
    } finally {
      wide.destroy();
      await kv.stop();
    }
  });
});

describe("tessera disk inspect", () => {
  test("reads the store's superblocks and region headers: blank, then a store with its active region", async () => {
    const file = disk("inspect.img", "1M");
    const info = () => JSON.parse(tessera(["disk", "inspect", file, "--json"]).stdout).store;
    expect(info()).toEqual({ kind: "blank" });
    const { kv, port } = await boot(file);
    expect((await call(port, "PUT", "/kv/a", Buffer.from("b"))).status).toBe(201);
    await kv.stop();
    const store = info();
    expect(store).toMatchObject({ kind: "store", version: 1, superblocks: { a: true, b: true } });
    expect(store.active).toMatchObject({ region: 0, generation: 1 });
    expect(tessera(["disk", "inspect", file]).stdout).toMatch(/contents {3}a key-value store, format 1: two regions/);
  });
});

describe("durability", () => {
  test("kill -9 during a storm of PUTs: every PUT that got its 2xx is there with its value", async () => {
    const file = disk("storm.img", "32M");
    const acked = new Map<string, Buffer>();
    for (let round = 0; round < 3; round++) {
      const { kv, port } = await boot(file);
      // Every PUT acknowledged before is still there after the restart.
      for (const [k, v] of acked) {
        const got = await call(port, "GET", `/kv/${k}`);
        expect(got.status, `round ${round}: ${k}`).toBe(200);
        expect(got.body.equals(v), `round ${round}: ${k}`).toBe(true);
      }
      let stop = false;
      let n = 0;
      const writer = async (w: number) => {
        while (!stop) {
          const key = `r${round}-w${w}-${n++}`;
          const value = randomBytes(64 + ((n * 977) % 4000));
          try {
            const r = await call(port, "PUT", `/kv/${key}`, value);
            if (r.status === 201) acked.set(key, value);
          } catch {
            return; // the tender is gone
          }
        }
      };
      const writers = Array.from({ length: 6 }, (_, w) => writer(w));
      await new Promise((r) => setTimeout(r, 700 + round * 300));
      kv.child.kill("SIGKILL");
      stop = true;
      await Promise.all(writers);
      await new Promise((r) => kv.child.once("exit", r));
      agent.destroy();
    }
    expect(acked.size).toBeGreaterThan(100);
    console.log(`kill -9 three times during PUTs from 6 clients: ${acked.size} acknowledged PUTs, all there after`);
    const { kv, port } = await boot(file);
    try {
      for (const [k, v] of acked) expect((await call(port, "GET", `/kv/${k}`)).body.equals(v), k).toBe(true);
    } finally {
      await kv.stop();
    }
  });

  test("a full store answers 507 and stays intact", async () => {
    const file = disk("small.img", "256K");
    const { kv, port } = await boot(file);
    try {
      const kept = new Map<string, Buffer>();
      let full = 0;
      for (let i = 0; i < 200 && full === 0; i++) {
        const v = randomBytes(8000);
        const r = await call(port, "PUT", `/kv/k${i}`, v);
        if (r.status === 201) kept.set(`k${i}`, v);
        else if (r.status === 507) full = i;
        else throw new Error(`PUT k${i}: ${r.status} ${r.body}`);
      }
      expect(full).toBeGreaterThan(0);
      for (const [k, v] of kept) expect((await call(port, "GET", `/kv/${k}`)).body.equals(v)).toBe(true);
      // Deleting makes room again (a store keeps an eighth of its log free, so delete more than one value).
      for (const k of ["k0", "k1", "k2"]) expect((await call(port, "DELETE", `/kv/${k}`)).status).toBe(204);
      expect((await call(port, "PUT", `/kv/again`, Buffer.from("fits"))).status).toBe(201);
    } finally {
      await kv.stop();
    }
  });
});

describe("bad disk files", () => {
  // Runs the service on `file` until it serves or exits; returns its output.
  async function attempt(file: string): Promise<{ output: string; served: boolean }> {
    const kv = new BackgroundTessera(["run", image, "--block", `storage=${file}`, "--publish", "127.0.0.1:0:80"]);
    const served = await kv.waitFor(/serving on port 80/, 20_000);
    await kv.stop();
    return { output: kv.output, served };
  }

  test("random bytes flipped: the store mounts to a state it was in or is refused with a message, never a trap", async () => {
    const file = disk("flip.img", "1M");
    const { kv, port } = await boot(file);
    const values = new Map<string, Buffer>();
    for (let i = 0; i < 40; i++) {
      const v = randomBytes(500);
      values.set(`k${i}`, v);
      expect((await call(port, "PUT", `/kv/k${i}`, v)).status).toBe(201);
    }
    await kv.stop();
    const pristine = readFileSync(file);
    let x = 0x9e3779b9; // xorshift32: the same flips run after run
    const next = () => ((x ^= x << 13), (x ^= x >>> 17), (x ^= x << 5), x >>> 0);
    let mounted = 0;
    let refused = 0;
    for (let trial = 0; trial < 6; trial++) {
      const copy = join(dir, `flip-${trial}.img`);
      const bytes = Buffer.from(pristine);
      for (let i = 0; i < 1 + trial * 3; i++) bytes[next() % (40 * 600)] ^= 1 + (next() % 255); // in the written part
      writeFileSync(copy, bytes);
      const kv2 = new BackgroundTessera(["run", image, "--block", `storage=${copy}`, "--publish", "127.0.0.1:0:80"]);
      const served = await kv2.waitFor(/serving on port 80[\s\S]*dhcp: /, 20_000);
      if (served) {
        mounted++;
        const p = Number(/publishing http:\/\/127\.0\.0\.1:(\d+)/.exec(kv2.output)![1]);
        // What is there is what was written: a key is whole or absent, never another value.
        for (const [k, v] of values) {
          const got = await call(p, "GET", `/kv/${k}`);
          if (got.status === 200) expect(got.body.equals(v), `trial ${trial}: ${k}`).toBe(true);
          else expect(got.status).toBe(404);
        }
      } else {
        refused++;
        expect(kv2.output).toMatch(/kv: cannot mount the store: /);
      }
      await kv2.stop();
      agent.destroy();
      expect(kv2.output).not.toMatch(/trap|panic/);
    }
    console.log(`flipped bytes: ${mounted} of 6 copies mounted, ${refused} refused with a message`);
  });

  test("a file of the wrong size, or relabelled with another block size, is refused with a message", async () => {
    const file = disk("grown.img", "1M");
    const fd = openSync(file, "r+");
    writeSync(fd, Buffer.alloc(4096), 0, 4096, statSync(file).size); // grown by a block after the label
    closeSync(fd);
    const grown = await attempt(file);
    expect(grown.served).toBe(false);
    expect(grown.output).toContain("truncated or extended");

    // A store made on 4096-byte blocks, given as a disk of 512-byte blocks (the same bytes, another label).
    const made = disk("made.img", "1M", "4096");
    const { kv, port } = await boot(made);
    expect((await call(port, "PUT", "/kv/a", Buffer.from("b"))).status).toBe(201);
    await kv.stop();
    const other = disk("other.img", "1M", "512");
    const label = Buffer.alloc(4096);
    const ofd = openSync(other, "r");
    readSync(ofd, label, 0, 4096, 1 << 20);
    closeSync(ofd);
    const mfd = openSync(made, "r+");
    writeSync(mfd, label, 0, 4096, 1 << 20);
    closeSync(mfd);
    const relabelled = await attempt(made);
    expect(relabelled.served).toBe(false);
    expect(relabelled.output).toMatch(/kv: cannot mount the store: the store was made with a different block size/);
  });
});
