// Layers point one way, and files stay small: no import cycles among the
// repository's own sources (TypeScript, AssemblyScript, scripts; type-only
// imports count), and no source file outside the tests over MAX_LINES lines.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { describe, expect, test } from "vitest";
import { ROOT } from "./helpers/cli.js";
import { importCycles, importGraph, sourceFiles } from "./helpers/imports.js";

/** The most lines a source file may have: past it, a file has more than one job. */
const MAX_LINES = 600;

describe("layers", () => {
  test("the checker finds a cycle through a package path and a type-only import, and none in a chain", () => {
    const dir = mkdtempSync(join(tmpdir(), "tessera-layers-"));
    try {
      mkdirSync(join(dir, "packages/low/src"), { recursive: true });
      writeFileSync(join(dir, "packages/low/package.json"), JSON.stringify({ name: "@t/low" }));
      const write = (path: string, text: string) => writeFileSync(join(dir, "packages/low/src", path), text);
      write("a.ts", 'import { b } from "./b.js";\nexport const a = b;\n');
      write("b.ts", 'import type { C } from "@t/low/src/c";\nexport const b: C = 1;\n');
      write("c.ts", 'export type C = number;\nimport "./a.js";\n');
      write("d.ts", 'import { a } from "./a.js";\nexport const d = a;\n');
      const files = sourceFiles(dir, ["packages"]);
      const cycles = importCycles(importGraph(dir, files)).map((c) => c.map((f) => relative(dir, f)));
      expect(cycles).toEqual([["packages/low/src/a.ts", "packages/low/src/b.ts", "packages/low/src/c.ts"]]);
      write("c.ts", "export type C = number;\n");
      expect(importCycles(importGraph(dir, files))).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("no import cycles among the repository's sources", () => {
    const files = sourceFiles(ROOT);
    expect(files.length).toBeGreaterThan(200);
    const cycles = importCycles(importGraph(ROOT, files)).map((c) => c.map((f) => relative(ROOT, f)).join(" ↔ "));
    expect(cycles, "files that import each other, directly or through others").toEqual([]);
  });

  test(`no source file outside the tests has more than ${MAX_LINES} lines`, () => {
    const files = sourceFiles(ROOT, undefined, /\.(ts|mts|mjs|cjs|c|h)$/).filter((f) => !/\.generated\./.test(f));
    const long = files
      .map((f) => ({ file: relative(ROOT, f), lines: readFileSync(f, "utf8").split("\n").length - 1 }))
      .filter((f) => f.lines > MAX_LINES)
      .map((f) => `${f.file}: ${f.lines} lines`);
    expect(long, "split these by responsibility").toEqual([]);
  });
});
