// checkImage: the checks every host makes before running an image.
import { describe, expect, it } from "vitest";
import { checkImage, parseImage } from "../src/index.js";
import { tessera, wat } from "./wat.js";

const body = (imports: string, start = `(func (export "_start"))`) =>
  `(module ${imports} (memory (export "memory") 1) ${start})`;
const check = (bytes: Uint8Array) => () => checkImage(parseImage(bytes));

describe("checkImage", () => {
  it("accepts a good image and returns its manifest", () => {
    const img = tessera(
      wat(
        body(`(import "tessera" "exit" (func (param i32))) (import "tessera" "yield" (func (param i64) (result i64)))`),
      ),
      undefined,
      '{"version":1,"devices":[{"name":"disk","kind":"block"}]}',
    );
    expect(checkImage(parseImage(img)).devices).toEqual([{ name: "disk", kind: "block" }]);
  });
  it("refuses another ABI version or none", () => {
    expect(check(tessera(wat(body("")), 1))).toThrow(
      "image was built for Tessera ABI v1; this host speaks v2 (rebuild it with this version of tessera)",
    );
    expect(check(tessera(wat(body("")), 3))).toThrow(/built for Tessera ABI v3; this host speaks v2/);
    expect(check(wat(body("")))).toThrow(/no tessera.abi section/);
  });
  it("refuses a bad manifest", () => {
    expect(check(tessera(wat(body("")), undefined, '{"version":1,"devices":[{"name":"A","kind":"net"}]}'))).toThrow(
      /must match/,
    );
  });
  it("refuses imports outside tessera, unknown calls and wrong signatures", () => {
    expect(check(tessera(wat(body(`(import "env" "abort" (func (param i32 i32 i32 i32)))`))))).toThrow(
      "image imports env.abort; images may import only tessera.* (build with tessera build, which routes abort to the runtime)",
    );
    expect(check(tessera(wat(body(`(import "tessera" "fork" (func))`))))).toThrow(
      "image imports tessera.fork, which Tessera ABI v2 does not have",
    );
    expect(check(tessera(wat(body(`(import "tessera" "exit" (func (param i64)))`))))).toThrow(
      "image imports tessera.exit as (i64) -> (); Tessera ABI v2 says (i32) -> ()",
    );
    expect(check(tessera(wat(body(`(import "tessera" "console_write" (func (param i32 i32)))`))))).toThrow(
      /says \(i32, i32\) -> i32/,
    );
  });
  it("requires memory and _start: () -> ()", () => {
    expect(check(tessera(wat(`(module (func (export "_start")))`)))).toThrow(/does not export its memory/);
    expect(check(tessera(wat(`(module (memory (export "memory") 1))`)))).toThrow(/does not export a `_start`/);
    expect(check(tessera(wat(body("", `(func (export "_start") (result i32) (i32.const 0))`))))).toThrow(
      "image exports _start as () -> i32; it must be () -> ()",
    );
  });
});
