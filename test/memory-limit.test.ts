// memory_limit on every target: an image run with --mem 8 is told the most
// its linear memory may grow to, and it can grow exactly that far. On the
// Node tender that is the 8 MiB cap itself; on spt and hvt it is the heap the
// tender carves from the 8 MiB of guest memory (less the stack, its guard
// page and the image), which this test works out from the image's segments.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseNativeImage } from "@tessera/image";
import { PAGE_SIZE, STACK_SIZE } from "../packages/image/src/native-format.js";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { tessera } from "./helpers/cli.js";
import { need, type Missing } from "./helpers/require.js";
import { buildFor, suiteTargets, type Target } from "./helpers/targets.js";

const MiB = 1 << 20;
const PAGE = 65536;
const STACK = STACK_SIZE; // TESSERA_STACK_SIZE
const GUARD = PAGE_SIZE; // the unmapped page below the stack

let dir = "";
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "tessera-memory-limit-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The heap a native tender carves from `mem` bytes for `image` (compute_layout in targets/native/host/image.c). */
function nativeHeap(image: string, mem: number): number {
  const { segments } = parseNativeImage(readFileSync(image));
  const end = Math.max(...segments.map((s) => Number(s.vaddr) + s.memSize));
  const heapBase = Math.ceil(end / PAGE) * PAGE;
  return Math.floor((mem - STACK - GUARD - heapBase) / PAGE) * PAGE;
}

describe.each(suiteTargets())("on %s", (target: Target, missing: Missing) => {
  const why = need(`the memory_limit test on ${target}`, missing);
  test.skipIf(why !== null)(
    "--mem 8: the guest sees its limit, and its memory grows to it and no further",
    () => {
      const image = buildFor("test/fixtures/memory-limit", target, join(dir, target));
      const r = tessera(["run", image, "--mem", "8"]);
      expect(r.status, r.stdout + r.stderr).toBe(0);
      const [, limit, size, headroom] = /^memory: limit (\d+) size (\d+) headroom (\d+)$/m.exec(r.stdout) ?? [];
      const want = target === "node" ? 8 * MiB : nativeHeap(image, 8 * MiB);
      console.log(`${target}: --mem 8 gives a limit of ${limit} bytes`);
      expect(Number(limit)).toBe(want);
      expect(Number(headroom)).toBe(Number(limit) - Number(size));
      expect(r.stdout).toContain(`grown: size ${limit} headroom 0\n`);
    },
    120_000,
  );
});
