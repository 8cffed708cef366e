// Block devices on the Node tender: `tessera disk create/inspect`, `--block
// NAME=FILE` with pread/pwrite/fdatasync, the ABI's rules for every bad call,
// and a clear refusal for every bad disk file, before the guest starts.
import { spawnSync } from "node:child_process";
import { closeSync, mkdtempSync, openSync, readSync, rmSync, truncateSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { ROOT, TESSERA, tessera } from "./helpers/cli.js";

let dir: string;
let image: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "tessera-block-"));
  const built = tessera(["build", join(ROOT, "test", "fixtures", "block-io"), "-o", dir]);
  expect(built.status, built.stderr).toBe(0);
  image = join(dir, "block-io.wasm");
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(disk: string, ...cmdline: string[]) {
  return spawnSync(process.execPath, [TESSERA, "run", image, "--block", `storage=${disk}`, "--", ...cmdline], {
    encoding: "utf8",
    timeout: 60_000,
  });
}

function create(name: string, size: string, ...more: string[]): string {
  const file = join(dir, name);
  const r = tessera(["disk", "create", file, size, ...more]);
  expect(r.status, r.stderr).toBe(0);
  return file;
}

// Byte j of block i as the fixture writes it.
function pattern(i: number, j: number, seed: number): number {
  return (i * 131 + j * 7 + seed) & 0xff;
}

describe("tessera disk", () => {
  test("create makes a sparse file with a label; inspect reads it back", () => {
    const file = create("a.img", "8M", "--block-size", "512");
    const r = tessera(["disk", "inspect", file, "--json"]);
    expect(r.status, r.stderr).toBe(0);
    const info = JSON.parse(r.stdout);
    expect(info).toMatchObject({ blockSize: 512, capacity: 8 << 20, blocks: 16384, fileBytes: (8 << 20) + 4096 });
    expect(info.allocatedBytes).toBeLessThan(1 << 20);
    expect(info.lock).toBe("free");
    expect(tessera(["disk", "inspect", file]).stdout).toContain("8 MiB (8388608 bytes): 16384 blocks of 512 bytes");
  });

  test("create refuses bad sizes and block sizes, and never overwrites a file", () => {
    const file = join(dir, "bad.img");
    for (const [args, message] of [
      [["7"], "give a whole number of 4096-byte blocks"],
      [["64Q"], "give a size such as 64M"],
      [["1M", "--block-size", "1000"], "--block-size 1000: give one of 512"],
      [["2T"], "at most 1T"],
    ] as const) {
      const r = tessera(["disk", "create", file, ...args]);
      expect(r.status).toBe(2);
      expect(r.stderr).toContain(message);
      expect(existsSync(file)).toBe(false);
    }
    const a = create("b.img", "1M");
    const again = tessera(["disk", "create", a, "1M"]);
    expect(again.status).toBe(1);
    expect(again.stderr).toContain("already exists");
  });

  test("inspect says why a file is not a disk", () => {
    const notDisk = join(dir, "text.txt");
    writeFileSync(notDisk, "hello\n");
    expect(tessera(["disk", "inspect", notDisk]).stderr).toContain("not a Tessera disk");
    expect(tessera(["disk", "inspect", join(dir, "none.img")]).stderr).toContain(
      "file not found (create it with: tessera disk create",
    );
  });
});

describe("--block NAME=FILE", () => {
  test("writes with pwrite and reads back with pread across boots, at the offsets the guest gave", () => {
    const file = create("data.img", "4M");
    const w = run(file, "write=37", "seed=9");
    expect(w.stderr).toBe("");
    expect(w.stdout).toBe("capacity=4194304 block_size=4096\nwrote 37\n");
    const v = run(file, "verify=37", "seed=9");
    expect(v.stdout).toContain("verified 37\n");
    expect(v.status).toBe(0);
    // The file holds the blocks at their offsets, and nothing past them.
    const fd = openSync(file, "r");
    const block = Buffer.alloc(4096);
    for (const i of [0, 1, 17, 36, 37]) {
      readSync(fd, block, 0, 4096, i * 4096);
      if (i === 37) expect(block.every((b) => b === 0)).toBe(true);
      else {
        expect(block.readBigInt64LE(0)).toBe(BigInt(i));
        for (const j of [8, 100, 4095]) expect(block[j]).toBe(pattern(i, j, 9));
      }
    }
    closeSync(fd);
    // The label is untouched, the lock is gone, and what the guest wrote is not taken for a store.
    const info = JSON.parse(tessera(["disk", "inspect", file, "--json"]).stdout);
    expect(info.lock).toBe("free");
    expect(info.store).toEqual({ kind: "none", why: "its first block holds something other than a store" });
    expect(existsSync(`${file}.lock`)).toBe(false);
    const wrong = run(file, "verify=37", "seed=10");
    expect(wrong.status).toBe(1);
  });

  test("every bad block call gets EINVAL and the guest carries on", () => {
    const file = create("bad-calls.img", "1M", "--block-size", "1024");
    const r = run(file, "bad");
    expect(r.stdout).toBe("capacity=1048576 block_size=1024\nbad: all refused\n");
    expect(r.status).toBe(0);
  });

  test("bad disk files are refused before the guest starts, with what to do", () => {
    const missing = run(join(dir, "missing.img"));
    expect(missing.stderr).toContain("file not found (create it with: tessera disk create");
    expect(missing.status).not.toBe(0);
    const text = join(dir, "notes.txt");
    writeFileSync(text, "x".repeat(10000));
    expect(run(text).stderr).toContain("not a Tessera disk");
    const cut = create("cut.img", "1M");
    truncateSync(cut, (1 << 20) + 4096 - 512);
    expect(run(cut).stderr).toContain("truncated or extended");
    for (const r of [missing, run(text), run(cut)]) expect(r.stdout).toBe("");
  });

  test("a disk open in a live tender is refused; a lock left by a dead one is taken over", () => {
    const file = create("locked.img", "1M");
    writeFileSync(`${file}.lock`, `${process.pid}\n`);
    const busy = run(file, "write=1");
    expect(busy.stderr).toContain(`in use by another tender (pid ${process.pid}`);
    expect(busy.stdout).toBe("");
    writeFileSync(`${file}.lock`, "2147483646\n"); // no such process
    const taken = run(file, "write=1");
    expect(taken.stdout).toContain("wrote 1");
    expect(existsSync(`${file}.lock`)).toBe(false);
  });
});
