// parseImage on real modules (built with wabt) and on hand-crafted malformed bytes.
import { describe, expect, it } from "vitest";
import { ImageError, parseImage } from "../src/index.js";
import { tessera, wat } from "./wat.js";

const HELLO = `(module
  (type $w (func (param i32 i32) (result i32)))
  (import "tessera" "console_write" (func $cw (type $w)))
  (memory (export "memory") 2 10)
  (data (i32.const 16) "hello\\n")
  (data (i32.const 64) "abc")
  (func $main (export "_start") (drop (call $cw (i32.const 16) (i32.const 6))))
  (func $helper (result i32) (i32.add (i32.const 1) (i32.const 2))))`;

describe("parseImage", () => {
  it("reads imports, exports, functions, memory, data and names", () => {
    const img = parseImage(tessera(wat(HELLO), 1, '{"version":1,"devices":[{"name":"service","kind":"net"}]}'));
    expect(img.imports).toEqual([
      { module: "tessera", name: "console_write", kind: "func", type: { params: ["i32", "i32"], results: ["i32"] } },
    ]);
    expect(img.exports).toEqual([
      { name: "memory", kind: "memory", index: 0 },
      { name: "_start", kind: "func", index: 1 },
    ]);
    expect(img.importedFunctionCount).toBe(1);
    expect(img.functionCount).toBe(2);
    expect([...img.functionBodySizes.keys()]).toEqual([1, 2]);
    expect(img.functionBodySizes.get(1)).toBeGreaterThan(5);
    expect(img.memory).toEqual({ initial: 2, maximum: 10, exported: true, imported: false });
    expect(img.dataSegments).toBe(2);
    expect(img.dataSize).toBe(9);
    expect(img.functionNames.get(0)).toBe("cw");
    expect(img.functionNames.get(1)).toBe("main");
    expect(img.functionNames.get(2)).toBe("helper");
    expect(img.abiVersion).toBe(1);
    expect(JSON.parse(img.manifestText ?? "")).toEqual({ version: 1, devices: [{ name: "service", kind: "net" }] });
    const ids = img.sections.map((s) => s.id);
    expect(ids).toContain(10);
    expect(img.sections.filter((s) => s.id === 0).map((s) => s.name)).toEqual([
      "name",
      "tessera.abi",
      "tessera.manifest",
    ]);
  });

  it("reports no abi/manifest when the sections are absent", () => {
    const img = parseImage(wat(`(module (memory 1) (func (export "_start")))`));
    expect(img.abiVersion).toBeNull();
    expect(img.manifestText).toBeNull();
    expect(img.memory).toEqual({ initial: 1, maximum: null, exported: false, imported: false });
  });

  it("reads an imported memory", () => {
    const img = parseImage(wat(`(module (import "env" "memory" (memory 3)))`));
    expect(img.memory).toEqual({ initial: 3, maximum: null, exported: false, imported: true });
  });
});

const HEADER = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
const bad = (bytes: number[]) => () => parseImage(new Uint8Array(bytes));

describe("parseImage on malformed input", () => {
  it("rejects bad magic", () => {
    expect(bad([0x7f, 0x45, 0x4c, 0x46, 1, 0, 0, 0])).toThrow(new ImageError("not a WebAssembly module (bad magic)"));
    expect(bad([0, 0x61])).toThrow(/bad magic/);
  });
  it("rejects a bad version", () => {
    expect(bad([0x00, 0x61, 0x73, 0x6d, 0x02, 0, 0, 0])).toThrow(/unsupported WebAssembly binary version 2/);
  });
  it("rejects a section whose size runs past the end", () => {
    expect(bad([...HEADER, 1, 0x10, 0])).toThrow(/type section claims 16 bytes but only 1 are left/);
  });
  it("rejects a section whose size is shorter than its content", () => {
    // type section of size 2 claiming 1 type but holding nothing more
    expect(bad([...HEADER, 1, 2, 1, 0x60])).toThrow(ImageError);
  });
  it("rejects trailing bytes inside a section", () => {
    expect(bad([...HEADER, 1, 2, 0, 0])).toThrow(/unread bytes/);
  });
  it("rejects a truncated module", () => {
    const good = wat(HELLO);
    for (const n of [9, 20, good.length - 1]) {
      expect(() => parseImage(good.subarray(0, n))).toThrow(ImageError);
    }
  });
  it("rejects bad LEB128", () => {
    expect(bad([...HEADER, 1, 0xff, 0xff, 0xff, 0xff, 0x7f])).toThrow(/bad LEB128/);
    expect(bad([...HEADER, 1, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00])).toThrow(/bad LEB128/);
    expect(bad([...HEADER, 1, 0x80])).toThrow(/unexpected end/);
  });
  it("rejects unknown section ids, duplicates and lying vector counts", () => {
    expect(bad([...HEADER, 0x20, 0])).toThrow(/unknown section id 32/);
    expect(bad([...HEADER, 1, 1, 0, 1, 1, 0])).toThrow(/duplicate type section/);
    expect(bad([...HEADER, 1, 2, 0xff, 0x01])).toThrow(/vector of 255 items/);
  });
  it("rejects a custom section name running past the section", () => {
    expect(bad([...HEADER, 0, 2, 5, 0x61])).toThrow(ImageError);
  });
  it("rejects a tessera.abi section of the wrong size", () => {
    const name = [...new TextEncoder().encode("tessera.abi")];
    expect(bad([...HEADER, 0, 1 + name.length + 2, name.length, ...name, 1, 0])).toThrow(/must be 4 bytes/);
  });
  it("rejects a code section that does not match the function section", () => {
    // type () -> (); one function declared; empty code section
    expect(bad([...HEADER, 1, 4, 1, 0x60, 0, 0, 3, 2, 1, 0, 10, 1, 0])).toThrow(/0 function bodies for 1/);
  });
});
