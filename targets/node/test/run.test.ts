// runImage: statuses, output, refusals before the guest starts, traps and memory caps.
import { describe, expect, it } from "vitest";
import { formatTrap, runImage, TenderError } from "../src/index.js";
import { capture, guest, imports } from "./guest.js";

const HELLO = guest(`(module ${imports("console_write", "exit")}
  (memory (export "memory") 1)
  (data (i32.const 16) "hi there\\n")
  (func (export "_start") (drop (call $console_write (i32.const 16) (i32.const 9))) (call $exit (i32.const 3))))`);

async function run(image: Uint8Array, opts = {}) {
  const out = capture();
  const err = capture();
  const { status } = await runImage(image, { stdout: out.write, stderr: err.write, ...opts });
  return { status, out: out.text(), err: err.text() };
}

describe("runImage", () => {
  it("captures console output and the exit status", async () => {
    expect(await run(HELLO)).toEqual({ status: 3, out: "hi there\n", err: "" });
  });

  it("returns 0 when _start returns", async () => {
    expect((await run(guest(`(module (memory (export "memory") 1) (func (export "_start")))`))).status).toBe(0);
  });

  it("reports an exit status outside 0..254 and exits 255", async () => {
    const img = guest(`(module ${imports("exit")} (memory (export "memory") 1)
      (func (export "_start") (call $exit (i32.const 300))))`);
    const r = await run(img);
    expect(r.status).toBe(255);
    expect(r.err).toBe("tessera: exit status 300 is outside 0..254; exiting with 255\n");
  });

  it("prints a panic and exits 255", async () => {
    const img = guest(`(module ${imports("panic")} (memory (export "memory") 1) (data (i32.const 0) "boom")
      (func (export "_start") (call $panic (i32.const 0) (i32.const 4))))`);
    expect(await run(img)).toEqual({ status: 255, out: "", err: "panic: boom\n" });
  });
});

describe("refusals", () => {
  const plain = `(module (memory (export "memory") 1) (func (export "_start")))`;
  it("refuses another ABI version, and says to rebuild a version-1 image", async () => {
    await expect(runImage(guest(plain, { abi: 1 }))).rejects.toThrow(
      new TenderError(
        "image was built for Tessera ABI v1; this host speaks v2 (rebuild it with this version of tessera)",
      ),
    );
    await expect(runImage(guest(plain, { abi: 3 }))).rejects.toThrow(/built for Tessera ABI v3; this host speaks v2/);
  });
  it("refuses an image without tessera.abi", async () => {
    await expect(runImage(guest(plain, { abi: null }))).rejects.toThrow(/no tessera.abi section/);
  });
  it("refuses env.abort", async () => {
    const img = guest(`(module (import "env" "abort" (func (param i32 i32 i32 i32)))
      (memory (export "memory") 1) (func (export "_start")))`);
    await expect(runImage(img)).rejects.toThrow(
      "image imports env.abort; images may import only tessera.* (build with tessera build, which routes abort to the runtime)",
    );
  });
  it("refuses bytes that are not wasm", async () => {
    await expect(runImage(new TextEncoder().encode("#!/bin/sh\n"))).rejects.toThrow(
      "not a WebAssembly module (bad magic)",
    );
  });
  const manifest = '{"version":1,"devices":[{"name":"service","kind":"net"}]}';
  it("refuses a manifest device that is not given", async () => {
    await expect(runImage(guest(plain, { manifest }))).rejects.toThrow(
      'the image needs net device "service": give it with --net service=tap:IFNAME',
    );
  });
  it("refuses a device that is not in the manifest", async () => {
    await expect(runImage(guest(plain), { block: { storage: "disk.img" } })).rejects.toThrow(
      '--block storage=disk.img: the image has no block device "storage" (its devices: none)',
    );
    await expect(
      runImage(guest(plain, { manifest }), { net: { service: "tap:tap0" }, block: { x: "f" } }),
    ).rejects.toThrow('--block x=f: the image has no block device "x" (its devices: service (net))');
  });
  it("refuses a net backend it does not know, naming the ones it does", async () => {
    await expect(runImage(guest(plain, { manifest }), { net: { service: "carrier-pigeon:coop" } })).rejects.toThrow(
      '--net service=carrier-pigeon:coop: unknown backend "carrier-pigeon" (backends: tap:IFNAME, switch:SWITCH, user)',
    );
  });
  it("refuses a TAP interface name Linux would not take", async () => {
    await expect(runImage(guest(plain, { manifest }), { net: { service: "tap:no/slash" } })).rejects.toThrow(
      '"no/slash" is not an interface name',
    );
  });
});

describe("traps", () => {
  it("names the function that hit unreachable", async () => {
    const img = guest(`(module (memory (export "memory") 1)
      (func $explode_here unreachable) (func $main (export "_start") (call $explode_here)))`);
    expect(await run(img)).toEqual({ status: 255, out: "", err: "tessera: trap: unreachable in explode_here\n" });
  });
  it("uses opts.names when the image has no name section, else wasm-function[N]", async () => {
    const text = `(module ${imports("exit")} (memory (export "memory") 1)
      (func (export "_start") (drop (i32.load (i32.const 70000)))))`;
    const img = guest(text, { names: false });
    expect((await run(img, { names: new Map([[1, "from_sidecar"]]) })).err).toBe(
      "tessera: trap: memory access out of bounds in from_sidecar\n",
    );
    expect((await run(img)).err).toBe("tessera: trap: memory access out of bounds in wasm-function[1]\n");
  });
  it("reports stack exhaustion", async () => {
    const img = guest(`(module (memory (export "memory") 1)
      (func $recurse (param i32) (result i32) (i32.add (call $recurse (local.get 0)) (i32.const 1)))
      (func (export "_start") (drop (call $recurse (i32.const 0)))))`);
    expect(await run(img)).toEqual({ status: 255, out: "", err: "tessera: trap: call stack exhausted in recurse\n" });
  });
  it("formatTrap handles errors without a wasm frame", () => {
    expect(formatTrap(new WebAssembly.RuntimeError("divide by zero"))).toBe(
      "tessera: trap: divide by zero in an unknown function",
    );
  });
});

describe("--mem", () => {
  const grower = guest(`(module ${imports("exit")} (memory (export "memory") 1)
    (func (export "_start")
      (if (i32.ne (memory.grow (i32.const 16)) (i32.const -1)) (then (call $exit (i32.const 9))))
      (if (i32.ne (memory.grow (i32.const 15)) (i32.const 1)) (then (call $exit (i32.const 8))))
      (call $exit (i32.const 7))))`);
  it("refuses an image whose initial memory does not fit", async () => {
    const big = guest(`(module (memory (export "memory") 20) (func (export "_start")))`);
    await expect(runImage(big, { memMiB: 1 })).rejects.toThrow(
      new TenderError("--mem 1: the image needs at least 2 MiB of memory (its initial size); give --mem 2 or more"),
    );
    expect(await runImage(big, { memMiB: 2 })).toMatchObject({ status: 0 });
  });
  it("caps memory.grow at the limit", async () => {
    expect((await runImage(grower, { memMiB: 1 })).status).toBe(7);
    expect((await runImage(grower, { memMiB: 2 })).status).toBe(9);
  });
  it("tells the guest its limit with memory_limit: the cap, or the image's own lower maximum", async () => {
    // Exits with the limit in 64 KiB pages (the statuses 0..254 hold up to 254 of them).
    const limit = (memory: string) =>
      guest(`(module ${imports("memory_limit", "exit")} (memory (export "memory") ${memory})
        (func (export "_start") (call $exit (i32.wrap_i64 (i64.shr_u (call $memory_limit) (i64.const 16))))))`);
    expect((await runImage(limit("1"), { memMiB: 8 })).status).toBe(8 * 16);
    expect((await runImage(limit("1"), { memMiB: 2 })).status).toBe(2 * 16);
    expect((await runImage(limit("1 3"), { memMiB: 8 })).status).toBe(3);
    expect((await runImage(limit("5 5"), { memMiB: 8 })).status).toBe(5);
  });
  it("refuses a nonsense --mem", async () => {
    await expect(runImage(grower, { memMiB: 0 })).rejects.toThrow("--mem 0: give a whole number of MiB, 1 or more");
  });
});
