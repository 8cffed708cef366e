// Every pointer parameter of every call, from the ABI table, fed ranges outside memory.
import { CALLS, RESULTS, wasmTypeOf, type Call } from "@tessera/abi";
import { describe, expect, it } from "vitest";
import { runImage } from "../src/index.js";
import { capture, guest, imports } from "./guest.js";

const PAGE = 65536;

/** Bad (ptr, len) pairs for a pointer of `size` (a length param, or a fixed byte count). */
function badRanges(fixed: number | null): [number, number][] {
  if (fixed !== null) {
    return [
      [0xffffffff, fixed],
      [PAGE, fixed],
      [PAGE - fixed + 1, fixed],
      [0xffffffff - fixed + 2, fixed], // ptr + size wraps past 2^32 to a small value
    ];
  }
  return [
    [0xffffffff, 1],
    [PAGE, 1],
    [PAGE - 1, 2],
    [1, 0xffffffff], // wraps to 0
    [16, 0xfffffff8], // wraps to 8
  ];
}

interface Case {
  call: Call;
  args: string;
  expected: number;
}

/** One call per bad range of each pointer, every other argument valid. */
function cases(): Case[] {
  const out: Case[] = [];
  for (const call of CALLS) {
    if (call.returns === "noreturn") continue; // panic: tested on its own (it exits)
    call.params.forEach((p, i) => {
      if (p.kind !== "ptr") return;
      const lenIndex = typeof p.size === "string" ? call.params.findIndex((q) => q.name === p.size) : -1;
      for (const [ptr, len] of badRanges(typeof p.size === "number" ? p.size : null)) {
        const values = call.params.map((q, k) => {
          if (k === i) return ptr;
          if (k === lenIndex) return len;
          if (q.kind === "ptr") return 256 + 64 * k;
          return call.params.some((r) => r.kind === "ptr" && r.size === q.name) ? 4 : 0;
        });
        const args = call.params.map((q, k) => `(${wasmTypeOf(q)}.const ${values[k] | 0})`).join(" ");
        out.push({ call, args, expected: call.returns === "i32" ? -RESULTS.EINVAL : RESULTS.EINVAL });
      }
    });
  }
  return out;
}

describe("pointer checks", () => {
  const all = cases();
  it("cover every call that takes a pointer", () => {
    const covered = new Set(all.map((c) => c.call.name));
    const withPtr = CALLS.filter((c) => c.returns !== "noreturn" && c.params.some((p) => p.kind === "ptr"));
    expect([...covered].sort()).toEqual(withPtr.map((c) => c.name).sort());
    expect(covered.size).toBeGreaterThanOrEqual(8);
  });

  it("return EINVAL (-2 for cmdline) and the guest carries on", async () => {
    const body = all
      .map(
        (c, n) =>
          `(if (i32.ne (call $${c.call.name} ${c.args}) (i32.const ${c.expected})) (then (call $exit (i32.const ${n % 250}))))`,
      )
      .join("\n");
    const img = guest(`(module ${imports()}
      (memory (export "memory") 1)
      (data (i32.const 0) "survived\\n")
      (func (export "_start") ${body}
        (drop (call $console_write (i32.const 0) (i32.const 9)))
        ;; after growing, a range past the first page is valid
        (drop (memory.grow (i32.const 1)))
        (if (i32.ne (call $console_write (i32.const ${PAGE}) (i32.const 1)) (i32.const 0)) (then (call $exit (i32.const 253))))
        (call $exit (i32.const 0))))`);
    const out = capture();
    const result = await runImage(img, { stdout: out.write, stdin: null });
    expect(result.status).toBe(0);
    expect(out.text()).toBe("survived\n\0");
  });

  it("panic with a message outside memory still exits 255", async () => {
    for (const [ptr, len] of badRanges(null)) {
      const img = guest(`(module ${imports("panic")} (memory (export "memory") 1)
        (func (export "_start") (call $panic (i32.const ${ptr | 0}) (i32.const ${len | 0}))))`);
      const err = capture();
      expect(await runImage(img, { stderr: err.write })).toMatchObject({ status: 255 });
      expect(err.text()).toBe("panic: <message pointer outside memory>\n");
    }
  });
});
