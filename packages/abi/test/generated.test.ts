// The generated bindings say exactly what the table says, and the C header
// compiles with the layouts the table gives.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { gcc, need } from "../../../test/helpers/require.js";
import { renderAll } from "../src/generate.js";
import { CALLS, STRUCTS } from "../src/table.js";

const root = fileURLToPath(new URL("..", import.meta.url));

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
