// Console input through the I/O worker: a real child process reading its stdin pipe (needs the built dist).
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { echoGuest, guest, imports } from "./guest.js";

const DIST = new URL("../dist/index.js", import.meta.url).href;
const dir = mkdtempSync(join(tmpdir(), "tessera-node-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Run `image` in a child node with runFile, feeding `input`; close stdin unless `keepOpen`. */
function child(image: Uint8Array, input: Uint8Array, keepOpen = false) {
  const path = join(dir, `img${Math.random().toString(36).slice(2)}.wasm`);
  writeFileSync(path, image);
  const script = `import { runFile } from ${JSON.stringify(DIST)}; process.exitCode = (await runFile(process.argv[1])).status;`;
  const proc = spawn(process.execPath, ["--input-type=module", "-e", script, path], {
    cwd: fileURLToPath(new URL(".", import.meta.url)),
  });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  proc.stdout.on("data", (b: Buffer) => out.push(b));
  proc.stderr.on("data", (b: Buffer) => err.push(b));
  proc.stdin.on("error", () => {}); // EPIPE when the guest exits before reading everything
  proc.stdin.write(input);
  if (!keepOpen) proc.stdin.end();
  // A process that does not exit by itself is killed after 30 s (status null):
  // generous for a loaded machine, and well inside the test's timeout.
  const kill = setTimeout(() => proc.kill("SIGKILL"), 30_000);
  return new Promise<{ status: number | null; out: Buffer; err: string }>((resolve) =>
    proc.on("close", (status) => {
      clearTimeout(kill);
      proc.stdin.destroy();
      resolve({ status, out: Buffer.concat(out), err: Buffer.concat(err).toString() });
    }),
  );
}

const firstChunk =
  guest(`(module ${imports("yield", "console_read", "console_write", "exit")} (memory (export "memory") 1)
  (func (export "_start")
    (if (i64.ne (call $yield (i64.const 0x7fffffffffffffff)) (i64.const 0x8000000000000000)) (then (call $exit (i32.const 5))))
    (if (call $console_read (i32.const 100) (i32.const 64) (i32.const 96)) (then (call $exit (i32.const 6))))
    (drop (call $console_write (i32.const 100) (i32.load (i32.const 96))))))`);

describe("console input from fd 0", () => {
  it("delivers input and EOF through the worker", async () => {
    const r = await child(guest(echoGuest(4096)), new TextEncoder().encode("abc"));
    expect(r).toEqual({ status: 0, out: Buffer.from("abc"), err: "" });
  });

  it("wakes a guest blocked in yield, and the process exits while stdin stays open", async () => {
    const r = await child(firstChunk, new TextEncoder().encode("abc"), true);
    expect(r).toEqual({ status: 0, out: Buffer.from("abc"), err: "" }); // status null: it did not exit
  });

  it("exits while the worker is blocked on a full ring", async () => {
    const r = await child(firstChunk, new Uint8Array(500_000).fill(0x61), true);
    expect(r.status).toBe(0); // null: it did not exit
    expect(r.out.length).toBeGreaterThan(0);
  });

  it("never drops input larger than the ring (back-pressure)", async () => {
    const input = new Uint8Array(300_000).map((_, i) => (i * 7 + (i >> 9)) & 0xff);
    const r = await child(guest(echoGuest(1000)), input);
    expect(r.status).toBe(0);
    expect(r.out.length).toBe(input.length);
    expect(Buffer.compare(r.out, Buffer.from(input))).toBe(0);
  });
});
