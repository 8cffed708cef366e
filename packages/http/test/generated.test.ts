// The generated tables say exactly what packages/http/tables/tables.mjs says (npm run check-generated checks the
// same), and the table's text lays out as the AssemblyScript reads it.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
// @ts-expect-error: a plain ES module without types
import { layOut, methodBytes, reasonBytes, renderAll } from "../tables/generate.mjs";
// @ts-expect-error: a plain ES module without types
import { METHODS, STATUSES, TEXT } from "../tables/tables.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));

describe("generated files are current", () => {
  for (const [rel, text] of Object.entries(renderAll() as Record<string, string>)) {
    test(rel, () => expect(readFileSync(join(root, rel), "utf8")).toBe(text));
  }
});

test("every piece of text is where its offset says", () => {
  for (const pieces of Object.values(TEXT) as Record<string, string>[]) {
    const { bytes, offsets } = layOut(pieces);
    const blob = Buffer.from(bytes as number[]).toString("latin1");
    for (const [name, text] of Object.entries(pieces)) expect(blob.substr(offsets[name], text.length), name).toBe(text);
  }
});

test("the reason and method tables end where the readers stop", () => {
  const reasons = reasonBytes() as number[];
  expect(reasons.slice(-2)).toEqual([0, 0]);
  let code = 0;
  let at = 0;
  for (const [c, phrase] of STATUSES as [number, string][]) {
    code += reasons[at];
    expect(code).toBe(c);
    expect(Buffer.from(reasons.slice(at + 2, at + 2 + reasons[at + 1])).toString()).toBe(phrase);
    at += 2 + reasons[at + 1];
  }
  expect(at).toBe(reasons.length - 2);
  const methods = methodBytes() as number[];
  expect(methods.at(-1)).toBe(0);
  expect(methods.length).toBe((METHODS as string[]).reduce((n, m) => n + 1 + m.length, 1));
});
