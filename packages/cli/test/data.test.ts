// Merging data segments: fewer bytes, the same memory after instantiation, and nothing done to data it does
// not expect.
import { describe, expect, test } from "vitest";
import wabtInit from "wabt";
import { mergeDataSegments } from "../src/build/data.js";

const wabt = await wabtInit();

function wat(text: string): Uint8Array {
  const mod = wabt.parseWat("test.wat", text, { bulk_memory: true });
  try {
    return new Uint8Array(mod.toBinary({}).buffer);
  } finally {
    mod.destroy();
  }
}

async function memoryOf(bytes: Uint8Array): Promise<Uint8Array> {
  const { instance } = await WebAssembly.instantiate(bytes);
  return new Uint8Array((instance.exports.memory as WebAssembly.Memory).buffer);
}

describe("mergeDataSegments", () => {
  test("joins segments a few bytes apart, keeps those far apart, and the memory is the same", async () => {
    const bytes = wat(`(module (memory (export "memory") 1)
      (data (i32.const 9000) "abc") (data (i32.const 1024) "ab") (data (i32.const 1026) "cd")
      (data (i32.const 1030) "\\01") (data (i32.const 2000) "far") (data (i32.const 2004) "\\ff\\fe")
      (func (export "f") (result i32) (i32.load8_u (i32.const 1027))))`);
    const merged = mergeDataSegments(bytes);
    expect(merged.length).toBeLessThan(bytes.length);
    expect(WebAssembly.validate(merged)).toBe(true);
    expect(await memoryOf(merged)).toEqual(await memoryOf(bytes));
    expect(mergeDataSegments(merged)).toBe(merged); // nothing more to do
  });

  test("leaves passive segments and modules without data alone", () => {
    const passive = wat(`(module (memory 1) (data "ab") (data (i32.const 16) "cd") (data (i32.const 18) "ef"))`);
    expect(mergeDataSegments(passive)).toBe(passive);
    const none = wat(`(module (memory 1))`);
    expect(mergeDataSegments(none)).toBe(none);
  });
});
