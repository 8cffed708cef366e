// vitest's global setup: one build cache for the whole run. Every test file
// that builds the same app for the same target from the same sources gets
// the bytes the first build wrote (the CLI's own cache, packages/cli's
// build/cache.ts), instead of compiling again; the cache starts empty and is
// removed at the end, so each run still compiles each image once from source
// and leaves nothing in the home directory.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export default function setup(): () => void {
  const dir = mkdtempSync(join(tmpdir(), "tessera-test-cache-"));
  process.env.TESSERA_CACHE_DIR = dir;
  return () => rmSync(dir, { recursive: true, force: true });
}
