// The generated bindings and formats say exactly what their tables say, a hand
// edit of any generated file is caught by the check CI runs, and the C headers
// compile with the layouts the tables give.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { gcc, need } from "../../../test/helpers/require.js";
import { DISK_BLOCK, MAX_DISK_BYTES } from "../../image/src/manifest.js";
import {
  BLOCK_SIZES,
  DEFAULT_BLOCK_SIZE,
  LABEL_FIELDS,
  LABEL_MAGIC,
  LABEL_SIZE,
  MAX_CAPACITY,
} from "../src/disk-label.js";
import { bootMagic, checkLayout, renderFormats } from "../src/generate-formats.js";
import { renderAll } from "../src/generate.js";
import { BOOT, LAYOUT, NOTE_DEVICE, TARGETS, TRAP_ARGS, TRAP_REASONS } from "../src/native-format.js";
import { CALLS, STRUCTS } from "../src/table.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const cli = join(root, "dist/generate-cli.js");

describe("generated files are current", () => {
  for (const [rel, text] of Object.entries(renderAll())) {
    test(rel, () => expect(readFileSync(join(root, rel), "utf8")).toBe(text));
  }
});

test("every call is declared once in each binding", () => {
  const files = renderAll();
  for (const c of CALLS) {
    expect(files["assembly/index.ts"]).toContain(`@external("tessera", "${c.name}")`);
    expect(files["include/tessera_abi.h"]).toContain(`struct tessera_args_${c.name} {`);
    expect(files["include/tessera_abi.h"]).toContain(`TESSERA_CALL_${c.name.toUpperCase()} = ${CALLS.indexOf(c)},`);
    expect(files["src/host.ts"]).toMatch(new RegExp(`\\n  ${c.name}\\(`));
  }
});

const noGcc = need("the C header test", gcc());
test.skipIf(noGcc !== null)(
  "the C header compiles as C11 with -Wall -Wextra -Werror and its structs have the table's layout",
  () => {
    const dir = mkdtempSync(join(tmpdir(), "tessera-abi-"));
    try {
      const checks = STRUCTS.flatMap((s) =>
        s.fields.map(
          (f) => `_Static_assert(offsetof(struct tessera_${s.name}, ${f.name}) == ${f.offset}, "${s.name}.${f.name}");`,
        ),
      );
      const src = join(dir, "check.c");
      writeFileSync(
        src,
        `#include <stddef.h>\n#include "tessera_abi.h"\n${checks.join("\n")}\nint main(void) { return 0; }\n`,
      );
      execFileSync("gcc", [
        "-std=c11",
        "-Wall",
        "-Wextra",
        "-Werror",
        "-I",
        join(root, "include"),
        "-c",
        src,
        "-o",
        join(dir, "check.o"),
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

describe("a hand edit of a generated file is caught", () => {
  // A copy of every generated file, laid out as in the repository, checked with the CLI that npm run check-generated
  // runs; then each one edited by hand in turn (a line changed, as someone fixing a number in place would).
  const files = renderAll();
  const copy = () => {
    const dir = mkdtempSync(join(tmpdir(), "tessera-generated-"));
    const abi = join(dir, "packages/abi");
    for (const [rel, text] of Object.entries(files)) {
      mkdirSync(dirname(join(abi, rel)), { recursive: true });
      writeFileSync(join(abi, rel), text);
    }
    return { dir, abi };
  };
  const check = (abi: string) => spawnSync(process.execPath, [cli, "--check", "--root", abi], { encoding: "utf8" });

  test("the copy as generated passes", () => {
    const { dir, abi } = copy();
    try {
      const r = check(abi);
      expect(r.stderr).toBe("");
      expect(r.status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  for (const rel of Object.keys(files)) {
    test(rel, () => {
      const { dir, abi } = copy();
      try {
        const file = join(abi, rel);
        const lines = readFileSync(file, "utf8").split("\n");
        const at = lines.findIndex((l) => /\d/.test(l) && !l.includes("Generated from"));
        lines[at] = lines[at].replace(/\d+/, (n) => String(Number(n) + 1));
        writeFileSync(file, lines.join("\n"));
        const r = check(abi);
        expect(r.status).toBe(1);
        const shown = relative(dir, file);
        expect(r.stderr).toBe(
          `tessera-abi: ${shown} differs from its table: it is generated, so edit the table and run: npm run generate -w @tessera/abi\n`,
        );
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});

test("every generated format file says it is generated and from which table", () => {
  for (const [rel, text] of Object.entries(renderFormats())) {
    expect(text.split("\n").slice(0, 8).join("\n"), rel).toMatch(
      /Generated from packages\/abi\/src\/(native-format|disk-label)\.ts by `npm run generate -w @tessera\/abi`\. Do not edit\./,
    );
  }
});

test("the format tables hold together", () => {
  for (const s of [TRAP_ARGS, BOOT, NOTE_DEVICE]) expect(() => checkLayout(s.name, s.fields, s.size)).not.toThrow();
  expect(() => checkLayout("label", LABEL_FIELDS)).not.toThrow();
  expect(() => checkLayout("bad", [{ name: "x", type: "u64", offset: 4, doc: "" }])).toThrow(/at 4 in the table, 0/);
  expect(bootMagic()).toBe(0x31544f4f42535354n);
  expect(new Set(TARGETS.map((t) => t.number)).size).toBe(TARGETS.length);
  expect(TRAP_REASONS.at(-1)).toEqual({ code: "EXHAUSTION", reason: "call stack exhausted" });
  expect(LABEL_MAGIC).toHaveLength(8);
  expect(LABEL_SIZE).toBe(4096);
  expect(BLOCK_SIZES).toContain(4096);
});

test.skipIf(noGcc !== null)(
  "tessera_native.h and disk_label.h compile as C11 with -Wall -Wextra -Werror, with the tables' layouts",
  () => {
    const dir = mkdtempSync(join(tmpdir(), "tessera-formats-"));
    try {
      const formats = renderFormats();
      const header = (name: string) => Object.entries(formats).find(([rel]) => rel.endsWith(`/${name}`))![1];
      writeFileSync(join(dir, "tessera_native.h"), header("tessera_native.h"));
      writeFileSync(join(dir, "disk_label.h"), header("disk_label.h"));
      const label = LABEL_FIELDS.map(
        (f) => `_Static_assert(LABEL_${f.name.toUpperCase()}_AT == ${f.offset}, "label ${f.name}");`,
      );
      const src = join(dir, "check.c");
      writeFileSync(
        src,
        [
          '#include "tessera_native.h"',
          '#include "disk_label.h"',
          ...label,
          `_Static_assert(LABEL_SIZE == ${LABEL_SIZE}, "label size");`,
          `_Static_assert(sizeof(LABEL_MAGIC) == ${LABEL_MAGIC.length + 1}, "magic");`,
          `_Static_assert(TESSERA_BOOT_MAGIC == 0x${bootMagic().toString(16)}ull, "boot magic");`,
          ...TARGETS.map(
            (t) =>
              `_Static_assert(TESSERA_TARGET_${t.name.toUpperCase().replace(/-/g, "_")} == ${t.number}, "${t.name}");`,
          ),
          "int main(void) { return 0; }",
          "",
        ].join("\n"),
      );
      execFileSync("gcc", [
        "-std=c11",
        "-Wall",
        "-Wextra",
        "-Werror",
        "-I",
        dir,
        "-c",
        src,
        "-o",
        join(dir, "check.o"),
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

test("the linker script places a native image where the table's IMAGE_BASE says", () => {
  // A linker script cannot include the header: it is checked against the table instead.
  const base = LAYOUT.find((c) => c.name === "IMAGE_BASE")!.value;
  const script = readFileSync(join(root, "../../targets/native/guest/image.ld"), "utf8");
  expect(script).toContain(`  . = 0x${base.toString(16)};\n`);
});

test("a manifest's disk sizes are whole blocks of the label's default size, up to its largest capacity", () => {
  // @tessera/image cannot import the Node tender's generated label: it is checked against the table instead.
  expect(DISK_BLOCK).toBe(DEFAULT_BLOCK_SIZE);
  expect(MAX_DISK_BYTES).toBe(MAX_CAPACITY);
});
