// Garbage collection under the `minimal` runtime (the default): the event loop
// collects between turns. The fixture makes 80 MB of garbage from timers, on
// the main loop and on a second loop that only a local holds, and checks at
// every firing that the objects the loops still reach are intact.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { ROOT, TESSERA, tessera } from "./helpers/cli.js";

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "tessera-gc-"));
  const built = tessera(["build", join(ROOT, "test", "fixtures", "gc-loop"), "-o", dir]);
  expect(built.status, built.stderr).toBe(0);
  expect(built.stderr).toContain("runtime minimal");
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("the event loop's collector (minimal runtime)", () => {
  test("reclaims garbage between turns and frees nothing a loop still reaches", () => {
    const run = spawnSync(process.execPath, [TESSERA, "run", join(dir, "gc-loop.wasm")], {
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    const m = /^collections=(\d+) pages=(\d+) checked=(\d+)\n$/.exec(run.stdout);
    expect(m, run.stdout).not.toBeNull();
    const [collections, pages, checked] = m!.slice(1).map(Number);
    // 1,250 firings of 64 KiB each: 80 MB of garbage in all.
    expect(checked).toBe(1250);
    expect(collections).toBeGreaterThan(100);
    // Without collection the heap would need over 1,250 pages of 64 KiB; it stays far below.
    expect(pages).toBeLessThanOrEqual(320);
  });

  test("near its memory limit it collects after every busy turn: slow collections do not let garbage run it out", () => {
    // 300,000 live objects make each collection take milliseconds, so the
    // time budget alone (one part in 20) would collect every tens of
    // milliseconds, while each firing (every millisecond) leaves 1 MiB of
    // garbage: in 16 MiB that traps in the allocator without the pressure rule.
    const run = spawnSync(
      process.execPath,
      [TESSERA, "run", join(dir, "gc-loop.wasm"), "--mem", "16", "--", "ticks=400", "kib=1024", "live=300000"],
      { encoding: "utf8", timeout: 120_000 },
    );
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    const m = /^collections=(\d+) pages=(\d+) checked=(\d+)\n$/.exec(run.stdout);
    expect(m, run.stdout).not.toBeNull();
    expect(Number(m![3])).toBe(500);
    expect(Number(m![2])).toBeLessThanOrEqual(256);
  });

  test("a bad argument stops the image with a message naming it", () => {
    const run = spawnSync(process.execPath, [TESSERA, "run", join(dir, "gc-loop.wasm"), "--", "ticks=many"], {
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(run.stderr).toContain("ticks=many: give a whole number from 4 to 1000000");
    expect(run.status).toBe(255);
  });
});
