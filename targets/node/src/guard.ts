// Generic argument checks from the ABI table: unsigned conversion, pointer ranges, handles.
import { RESULTS, type Call } from "@tessera/abi";

/** A host function as wasm calls it: i32 as number, i64 as bigint. */
export type HostFn = (...args: (number | bigint)[]) => number | bigint | void;

/** What a guard needs from the running guest. */
export interface GuardEnv {
  /** Current byte length of guest memory (it can grow: asked on every call). */
  memorySize(): number;
  /** True if handle `h` is acquired and belongs to device group `group`. */
  owns(h: number, group: string): boolean;
  /** Called instead of `panic` when its message is outside memory; never returns. */
  badPanic(): never;
}

/** True if `[ptr, ptr+len)` lies inside `size` bytes (unsigned, no overflow: JS numbers are exact here). */
export function inRange(ptr: number, len: number, size: number): boolean {
  return ptr <= size && len <= size - ptr;
}

/**
 * Wrap `impl` so that, before it runs, every u32/ptr/handle argument is made
 * unsigned, every pointer range (from the table's `size`) is inside memory and
 * every handle is acquired. A bad argument returns EINVAL (-EINVAL for `i32`
 * calls such as cmdline); a bad `panic` message still panics.
 */
export function guard(call: Call, impl: HostFn, env: GuardEnv): HostFn {
  const unsigned: number[] = [];
  const ranges: [number, number | string][] = [];
  const handles: number[] = [];
  call.params.forEach((p, i) => {
    if (p.kind === "u32" || p.kind === "ptr" || p.kind === "handle") unsigned.push(i);
    if (p.kind === "handle") handles.push(i);
    if (p.kind === "ptr") ranges.push([i, p.size]);
  });
  const checks = ranges.map(([i, size]): [number, number, number] => {
    if (typeof size === "number") return [i, -1, size];
    const j = call.params.findIndex((q) => q.name === size);
    if (j < 0) throw new Error(`ABI table: ${call.name}.${call.params[i].name} sized by unknown ${size}`);
    return [i, j, 0];
  });
  const fail = failure(call, env);
  if (unsigned.length === 0) return impl;
  return (...args) => {
    for (const i of unsigned) args[i] = (args[i] as number) >>> 0;
    const size = env.memorySize();
    for (const [i, j, fixed] of checks) {
      if (!inRange(args[i] as number, j < 0 ? fixed : (args[j] as number), size)) return fail();
    }
    for (const i of handles) if (!env.owns(args[i] as number, call.group)) return fail();
    return impl(...args);
  };
}

function failure(call: Call, env: GuardEnv): () => number {
  switch (call.returns) {
    case "result":
      return () => RESULTS.EINVAL;
    case "i32":
      return () => -RESULTS.EINVAL;
    case "noreturn":
      return () => env.badPanic();
    default:
      return () => {
        throw new Error(`ABI table: ${call.name} takes pointers but cannot report EINVAL`);
      };
  }
}
