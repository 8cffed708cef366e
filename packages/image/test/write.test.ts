// The rewrites: custom sections, memory maximum, names sidecar.
import { describe, expect, it } from "vitest";
import {
  addCustomSection,
  ImageError,
  makeNamesFile,
  parseImage,
  parseNames,
  Reader,
  setMemoryMaximum,
  sleb128,
  takeCustomSection,
} from "../src/index.js";
import { u32le, wat } from "./wat.js";

const MOD = `(module (memory (export "memory") 2) (func $grow (export "_start") (result i32) (memory.grow (i32.const 100))))`;

describe("addCustomSection", () => {
  it("appends a section and replaces one of the same name", () => {
    const once = addCustomSection(wat(MOD), "tessera.abi", u32le(7));
    expect(parseImage(once).abiVersion).toBe(7);
    const twice = addCustomSection(once, "tessera.abi", u32le(1));
    const img = parseImage(twice);
    expect(img.abiVersion).toBe(1);
    expect(img.sections.filter((s) => s.name === "tessera.abi")).toHaveLength(1);
    expect(new WebAssembly.Module(twice)).toBeInstanceOf(WebAssembly.Module);
  });
  it("handles an empty payload", () => {
    const img = parseImage(
      addCustomSection(addCustomSection(wat(MOD), "x", new Uint8Array()), "x", new Uint8Array([1])),
    );
    expect(img.sections.filter((s) => s.name === "x").map((s) => s.size)).toEqual([1]);
  });
});

describe("setMemoryMaximum", () => {
  it("caps growth of a real instance", () => {
    const capped = setMemoryMaximum(wat(MOD), 50);
    expect(parseImage(capped).memory).toEqual({ initial: 2, maximum: 50, exported: true, imported: false });
    const inst = new WebAssembly.Instance(new WebAssembly.Module(capped));
    expect((inst.exports._start as () => number)()).toBe(-1);
    const free = new WebAssembly.Instance(new WebAssembly.Module(setMemoryMaximum(wat(MOD), 200)));
    expect((free.exports._start as () => number)()).toBe(2);
  });
  it("refuses a maximum below the initial size, or no memory", () => {
    expect(() => setMemoryMaximum(wat(MOD), 1)).toThrow(ImageError);
    expect(() => setMemoryMaximum(wat(`(module)`), 1)).toThrow("image defines no memory");
  });
});

describe("names", () => {
  it("reads names from an image and from a sidecar", () => {
    const bytes = wat(`(module (func $alpha) (func $beta))`);
    expect(parseNames(bytes)).toEqual(
      new Map([
        [0, "alpha"],
        [1, "beta"],
      ]),
    );
    const section = parseImage(bytes).sections.find((s) => s.name === "name");
    if (!section) throw new Error("no name section");
    const sidecar = makeNamesFile(bytes.subarray(section.offset, section.offset + section.size));
    expect(WebAssembly.validate(sidecar)).toBe(true);
    expect(parseNames(sidecar).get(1)).toBe("beta");
  });
});

describe("takeCustomSection", () => {
  it("cuts the section out and returns its payload; the rest still parses", () => {
    const base = wat(`(module (func $f) (export "f" (func $f)))`);
    const withNote = addCustomSection(base, "note", new Uint8Array([1, 2, 3]));
    const { bytes, payload } = takeCustomSection(withNote, "note");
    expect([...payload!]).toEqual([1, 2, 3]);
    expect(bytes).toEqual(base);
    expect(parseImage(bytes).exports.map((e) => e.name)).toEqual(["f"]);
  });

  it("without such a section it returns the module unchanged and a null payload", () => {
    const base = wat(`(module)`);
    const { bytes, payload } = takeCustomSection(base, "note");
    expect(payload).toBeNull();
    expect(bytes).toBe(base);
  });
});

describe("sleb128 and Reader.s32", () => {
  it("round-trip the edges of i32, and refuse what is not one", () => {
    for (const n of [0, 1, -1, 63, 64, -64, -65, 8191, -8192, 0x10000, 2 ** 31 - 1, -(2 ** 31)]) {
      const bytes = Uint8Array.from(sleb128(n));
      const r = new Reader(bytes);
      expect(r.s32()).toBe(n);
      expect(r.done).toBe(true);
    }
    expect(sleb128(64)).toEqual([0xc0, 0x00]); // 64 needs a second byte: its bit 6 would read as the sign
    expect(() => sleb128(2 ** 31)).toThrow(RangeError);
    expect(() => new Reader(Uint8Array.of(0x80, 0x80)).s32()).toThrow(ImageError);
  });
});
