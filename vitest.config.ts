// Test configuration: TypeScript tests of every package and target, and the
// cross-package tests in test/ (which include the AssemblyScript unit tests).
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["packages/*/test/**/*.test.ts", "targets/*/test/**/*.test.ts", "test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // One build cache for the run (test/helpers/build-cache.ts).
    globalSetup: ["test/helpers/build-cache.ts"],
  },
});
