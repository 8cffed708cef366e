// The build cache's store: entries written whole and read back, and the
// least recently used going first once the cache passes its limit.
import { mkdtempSync, readdirSync, rmSync, utimesSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { digest, openCache, prune, readEntry, treeDigest, writeEntry } from "../src/build/cache.js";

const dir = mkdtempSync(join(tmpdir(), "tessera-cache-unit-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("the build cache's store", () => {
  test("an entry reads back as written, all of its files or nothing", () => {
    const cache = { dir: join(dir, "a") };
    const key = digest("k1");
    expect(readEntry(cache, "wasm", key, [".wasm", ".json"])).toBeNull();
    writeEntry(cache, "wasm", key, [
      [".wasm", new Uint8Array([0, 97, 115, 109])],
      [".json", Buffer.from("{}")],
    ]);
    const got = readEntry(cache, "wasm", key, [".wasm", ".json"]);
    expect(got?.map((b) => [...b])).toEqual([[0, 97, 115, 109], [...Buffer.from("{}")]]);
    // A suffix it does not have: no entry (never half of one).
    expect(readEntry(cache, "wasm", key, [".wasm", ".elf"])).toBeNull();
  });

  test("past the limit the least recently used files go, the recent ones stay", () => {
    const cache = { dir: join(dir, "b") };
    const keys = ["old", "mid", "new"].map((k) => digest(k));
    keys.forEach((key, i) => {
      writeEntry(cache, "native", key, [[".image", new Uint8Array(1000)]]);
      const file = join(cache.dir, "native", key.slice(0, 2), `${key}.image`);
      const when = new Date(Date.UTC(2026, 0, 1, 0, i)); // old, mid, new: a minute apart
      utimesSync(file, when, when);
    });
    prune(cache, 2500);
    const left = readdirSync(join(cache.dir, "native")).flatMap((d) => readdirSync(join(cache.dir, "native", d)));
    expect(left.sort()).toEqual([`${keys[1]}.image`, `${keys[2]}.image`].sort());
  });

  test("digests: lists that differ only in where one part ends differ; a tree's digest follows its files", () => {
    expect(digest("ab", "c")).not.toBe(digest("a", "bc"));
    expect(treeDigest(join(dir, "b"))).toBe(treeDigest(join(dir, "b")));
    expect(treeDigest(join(dir, "b"))).not.toBe(treeDigest(join(dir, "a")));
    expect(treeDigest(join(dir, "nothing here"))).toBe("");
  });

  test("TESSERA_CACHE=off and --no-cache turn it off; TESSERA_CACHE_DIR moves it", () => {
    const saved = { off: process.env.TESSERA_CACHE, dir: process.env.TESSERA_CACHE_DIR };
    try {
      process.env.TESSERA_CACHE_DIR = join(dir, "c");
      delete process.env.TESSERA_CACHE;
      expect(openCache(false)).toEqual({ dir: join(dir, "c") });
      expect(openCache(true)).toBeNull();
      process.env.TESSERA_CACHE = "off";
      expect(openCache(false)).toBeNull();
    } finally {
      if (saved.off === undefined) delete process.env.TESSERA_CACHE;
      else process.env.TESSERA_CACHE = saved.off;
      if (saved.dir === undefined) delete process.env.TESSERA_CACHE_DIR;
      else process.env.TESSERA_CACHE_DIR = saved.dir;
    }
  });
});
