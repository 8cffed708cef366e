// The ABI calls one by one: the import object, clocks, entropy, cmdline, yield and console input.
import { CALLS, wasmResultOf } from "@tessera/abi";
import { parseManifest } from "@tessera/image";
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { DeviceTable } from "../src/devices.js";
import { createImports } from "../src/host.js";
import { runImage } from "../src/index.js";
import { capture, echoGuest, guest, imports } from "./guest.js";

async function run(text: string, opts = {}) {
  const out = capture();
  const err = capture();
  const { status } = await runImage(guest(text), { stdout: out.write, stderr: err.write, ...opts });
  return { status, out, err: err.text() };
}

describe("the import object", () => {
  it("has every call of the table, and an image importing all of them links", async () => {
    const env = {
      memory: () => new WebAssembly.Memory({ initial: 1 }),
      memoryLimit: 65536,
      cmdline: new Uint8Array(),
      stdout: () => {},
      stderr: () => {},
      input: null,
      devices: new DeviceTable(parseManifest({ version: 1, devices: [] })),
      doorbell: new Int32Array(new SharedArrayBuffer(4)),
      randomFill: null,
    };
    expect(Object.keys(createImports(env)).sort()).toEqual(CALLS.map((c) => c.name).sort());
    const r = await run(`(module ${imports()} (memory (export "memory") 1) (func (export "_start")))`, { stdin: null });
    expect(r.status).toBe(0);
  });

  it("returns i64 results as i64 (clock_monotonic increases)", async () => {
    expect(CALLS.filter((c) => wasmResultOf(c) === "i64").map((c) => c.name)).toContain("clock_monotonic");
    const r = await run(`(module ${imports("clock_monotonic", "exit")} (memory (export "memory") 1)
      (func (export "_start") (local $a i64)
        (local.set $a (call $clock_monotonic))
        (if (i64.le_u (call $clock_monotonic) (local.get $a)) (then (call $exit (i32.const 1))))))`);
    expect(r.status).toBe(0);
  });
});

describe("clock_wall", () => {
  it("is nanoseconds since the epoch", async () => {
    const before = BigInt(Date.now()) * 1_000_000n;
    const r = await run(`(module ${imports("clock_wall", "console_write")} (memory (export "memory") 1)
      (func (export "_start") (i64.store (i32.const 0) (call $clock_wall))
        (drop (call $console_write (i32.const 0) (i32.const 8)))))`);
    const after = BigInt(Date.now() + 1) * 1_000_000n;
    const ns = new DataView(r.out.bytes().buffer).getBigInt64(0, true);
    expect(ns >= before && ns <= after).toBe(true);
  });
});

describe("entropy", () => {
  const text = `(module ${imports("entropy", "console_write", "exit")} (memory (export "memory") 1)
    (func (export "_start")
      (if (i32.ne (call $entropy (i32.const 64) (i32.const 32)) (i32.const 0)) (then (call $exit (i32.const 1))))
      (drop (call $console_write (i32.const 64) (i32.const 32)))))`;
  it("fills the buffer with fresh random bytes", async () => {
    const a = (await run(text)).out.bytes();
    const b = (await run(text)).out.bytes();
    expect(a).toHaveLength(32);
    expect(a.some((x) => x !== 0)).toBe(true);
    expect(a).not.toEqual(b);
  });
});

describe("cmdline", () => {
  it("copies a truncated command line and returns its full length", async () => {
    const r = await run(
      `(module ${imports("cmdline", "console_write", "exit")} (memory (export "memory") 1)
      (func (export "_start") (local $n i32)
        (local.set $n (call $cmdline (i32.const 100) (i32.const 5)))
        (drop (call $console_write (i32.const 100) (i32.const 8)))
        (call $exit (local.get $n))))`,
      { cmdline: "name=wörld x" },
    );
    expect(r.status).toBe(13); // UTF-8 bytes, not characters
    expect(r.out.text()).toBe("name=\0\0\0");
  });
});

const echo = echoGuest(2);

describe("yield", () => {
  const sleeper = `(module ${imports("yield", "clock_monotonic", "exit")} (memory (export "memory") 1)
    (func (export "_start") (local $t i64)
      (local.set $t (call $clock_monotonic))
      (if (i64.ne (call $yield (i64.add (local.get $t) (i64.const 1000000000))) (i64.const 0)) (then (call $exit (i32.const 1))))
      (if (i64.lt_u (i64.sub (call $clock_monotonic) (local.get $t)) (i64.const 1000000000)) (then (call $exit (i32.const 2))))
      (if (i64.ne (call $yield (i64.const 0)) (i64.const 0)) (then (call $exit (i32.const 3))))))`;
  // 1 s asleep (the guest checks it slept to its deadline: exit 2 if not). A
  // behaviour bound, not a timing one: a spinning yield would burn most of
  // that second (over 300 ms even with a third of a core on a loaded 2-core
  // machine), a blocking one a few ms of fixed cost. (A bound relative to the
  // wall time would let a spinning yield pass on a loaded machine.)
  it("blocks until the deadline without spinning", async () => {
    const img = guest(sleeper);
    await runImage(img); // warm up: module loading and compilation are not yield's cost
    const cpu = process.cpuUsage();
    const r = await runImage(img);
    const used = process.cpuUsage(cpu);
    expect(r.status).toBe(0);
    // CPU time, not elapsed time: see above.
    expect((used.user + used.system) / 1000).toBeLessThan(150);
  });

  it("reports console input with bit 63, then console_read delivers it and EOF", async () => {
    const stdin = new PassThrough();
    stdin.write("abc");
    stdin.end();
    const r = await run(echo, { stdin });
    expect(r.err).toBe("");
    expect(r.out.text()).toBe("abc");
    expect(r.status).toBe(0);
  });

  it("treats stdin: null as EOF at once", async () => {
    const r = await run(echo, { stdin: null });
    expect([r.status, r.out.text()]).toEqual([0, ""]);
  });

  it("reports end of input through yield once, then sleeps until the deadline", async () => {
    // Read to EOF, then yield 30 ms: status 0 if yield slept to its deadline, 7 if it reported bit 63 again.
    const guestText = `(module ${imports("yield", "clock_monotonic", "console_read", "exit")}
      (memory (export "memory") 1)
      (func (export "_start") (local $t i64)
        (if (i64.eqz (call $yield (i64.add (call $clock_monotonic) (i64.const 1000000000)))) (then (call $exit (i32.const 4))))
        (if (call $console_read (i32.const 100) (i32.const 16) (i32.const 96)) (then (call $exit (i32.const 5))))
        (if (i32.load (i32.const 96)) (then (call $exit (i32.const 6))))
        (local.set $t (call $clock_monotonic))
        (if (i64.ne (call $yield (i64.add (local.get $t) (i64.const 30000000))) (i64.const 0)) (then (call $exit (i32.const 7))))
        (if (i64.lt_s (i64.sub (call $clock_monotonic) (local.get $t)) (i64.const 25000000)) (then (call $exit (i32.const 8))))
        (if (call $console_read (i32.const 100) (i32.const 16) (i32.const 96)) (then (call $exit (i32.const 9))))))`;
    const r = await run(guestText, { stdin: null });
    expect(r.status).toBe(0);
  });
});
