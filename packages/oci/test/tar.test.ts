import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { tar, tarHeader, untar } from "../src/tar.js";

const bytes = (s: string) => new TextEncoder().encode(s);

describe("tar", () => {
  test("a header's checksum is the sum of its bytes with the checksum field as spaces", () => {
    const h = tarHeader({ name: "a.txt", mode: 0o644, data: bytes("hi") }, 0);
    const field = new TextDecoder().decode(h.subarray(148, 154));
    const spaced = h.slice();
    spaced.fill(0x20, 148, 156);
    expect(parseInt(field, 8)).toBe(spaced.reduce((a, b) => a + b, 0));
    expect(h[154]).toBe(0);
    expect(new TextDecoder().decode(h.subarray(257, 265))).toBe("ustar\u000000");
  });

  test("entries are padded to 512 bytes and the archive ends with two zero blocks", () => {
    const out = tar([{ name: "f", mode: 0o644, data: new Uint8Array(513).fill(7) }]);
    expect(out.length).toBe(512 + 1024 + 1024);
    expect(out.subarray(512 + 513, out.length).every((b) => b === 0)).toBe(true);
  });

  test("reads back: names, modes, data, owner 0:0, the one modification time", () => {
    const entries = [
      { name: "data/", mode: 0o755 },
      { name: "hello.spt", mode: 0o644, data: bytes("image") },
      { name: "tessera-spt", mode: 0o755, data: new Uint8Array(1000).fill(1) },
    ];
    const back = untar(tar(entries, 12345));
    expect(back.map((e) => [e.name, e.mode, e.uid, e.gid, e.mtime])).toEqual([
      ["data/", 0o755, 0, 0, 12345],
      ["hello.spt", 0o644, 0, 0, 12345],
      ["tessera-spt", 0o755, 0, 0, 12345],
    ]);
    expect(back[0].data).toBeUndefined();
    expect(back[2].data).toEqual(entries[2].data);
  });

  test("GNU tar extracts it: the files, their modes and bytes", () => {
    const dir = mkdtempSync(join(tmpdir(), "tessera-tar-"));
    try {
      const data = new Uint8Array(70_000).map((_, i) => i % 251);
      writeFileSync(
        join(dir, "a.tar"),
        tar([
          { name: "d/", mode: 0o700 },
          { name: "d/x.bin", mode: 0o751, data },
        ]),
      );
      const r = spawnSync("tar", ["-xf", "a.tar"], { cwd: dir, encoding: "utf8" });
      expect(r.status, r.stderr).toBe(0);
      expect(new Uint8Array(readFileSync(join(dir, "d/x.bin")))).toEqual(data);
      expect(statSync(join(dir, "d/x.bin")).mode & 0o777).toBe(0o751);
      expect(statSync(join(dir, "d")).mode & 0o777).toBe(0o700);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("refuses what it cannot write: a long name, a directory with data, a name twice", () => {
    expect(() => tar([{ name: "x".repeat(101), mode: 0o644, data: bytes("") }])).toThrow(/1 to 100 bytes/);
    expect(() => tar([{ name: "d/", mode: 0o755, data: bytes("x") }])).toThrow(/directory/);
    expect(() =>
      tar([
        { name: "a", mode: 0o644, data: bytes("") },
        { name: "a", mode: 0o644, data: bytes("") },
      ]),
    ).toThrow(/twice/);
  });
});
