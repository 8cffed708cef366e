// Runs of zero stores become fills (also in a block that is a value): fewer bytes, and the same memory after the code runs over memory that was not
// zero.
import { describe, expect, test } from "vitest";
import binaryen from "binaryen";
import wabtInit from "wabt";
import { zeroFills } from "../src/build/fills.js";

const WAT = `(module
  (memory (export "memory") 1)
  (func (export "init") (param $p i32)
    (i32.store offset=4 (local.get $p) (i32.const 0))
    (i64.store offset=8 (local.get $p) (i64.const 0))
    (i32.store offset=16 (local.get $p) (i32.const 0))
    (i32.store8 offset=20 (local.get $p) (i32.const 0))
    (i32.store offset=24 (local.get $p) (i32.const 7))
    (i64.store (local.get $p) (i64.const 0))
    (i64.store offset=40 (local.get $p) (i64.const 0))
    (if (local.get $p) (then
      (i32.store offset=100 (local.get $p) (i32.const 0))
      (i32.store offset=104 (local.get $p) (i32.const 0))
      (i32.store offset=108 (local.get $p) (i32.const 0))
      (i32.store offset=112 (local.get $p) (i32.const 0))))
    (drop (block (result i32)
      (i64.store offset=200 (local.get $p) (i64.const 0))
      (i64.store offset=208 (local.get $p) (i64.const 0))
      (i32.const 1)))))`;

const wabt = await wabtInit();

function wat(text: string): Uint8Array {
  const mod = wabt.parseWat("test.wat", text);
  try {
    return new Uint8Array(mod.toBinary({}).buffer);
  } finally {
    mod.destroy();
  }
}

async function run(bytes: Uint8Array): Promise<Uint8Array> {
  const { instance } = await WebAssembly.instantiate(bytes);
  const memory = new Uint8Array((instance.exports.memory as WebAssembly.Memory).buffer);
  memory.fill(0xa5);
  (instance.exports.init as (p: number) => void)(1000);
  return memory.slice();
}

describe("zeroFills", () => {
  test("replaces runs of adjacent zero stores through one local, and the memory comes out the same", async () => {
    const module = binaryen.readBinary(wat(WAT));
    module.setFeatures(binaryen.Features.MVP | binaryen.Features.BulkMemory | binaryen.Features.BulkMemoryOpt);
    const before = module.emitBinary();
    expect(zeroFills(binaryen, module)).toBe(10);
    expect(module.validate()).toBeTruthy();
    const after = module.emitBinary();
    module.dispose();
    expect(after.length).toBeLessThan(before.length);
    expect(await run(after)).toEqual(await run(before));
  });
});
