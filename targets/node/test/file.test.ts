// runFile: missing files and the `.names` sidecar.
import { makeNamesFile, parseImage } from "@tessera/image";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runFile, TenderError } from "../src/index.js";
import { capture, guest } from "./guest.js";

const dir = mkdtempSync(join(tmpdir(), "tessera-file-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const TRAP = `(module (memory (export "memory") 1) (func $deep_inside unreachable) (func (export "_start") (call $deep_inside)))`;

describe("runFile", () => {
  it("says when the file is missing", async () => {
    await expect(runFile(join(dir, "hello.wasm"))).rejects.toThrow(
      new TenderError(`${join(dir, "hello.wasm")}: file not found`),
    );
  });

  it("reads function names from the .names sidecar", async () => {
    const named = guest(TRAP);
    const section = parseImage(named).sections.find((s) => s.name === "name");
    if (!section) throw new Error("no name section");
    const path = join(dir, "trap.wasm");
    writeFileSync(path, guest(TRAP, { names: false }));
    const err = capture();
    expect(await runFile(path, { stderr: err.write })).toMatchObject({ status: 255 });
    expect(err.text()).toBe("tessera: trap: unreachable in wasm-function[0]\n");
    writeFileSync(`${path}.names`, makeNamesFile(named.subarray(section.offset, section.offset + section.size)));
    const err2 = capture();
    await runFile(path, { stderr: err2.write });
    expect(err2.text()).toBe("tessera: trap: unreachable in deep_inside\n");
  });
});
