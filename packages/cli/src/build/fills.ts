/**
 * Turns runs of zero stores into `memory.fill`.
 *
 * The allocator of asc's `minimal` runtime hands out memory as it was, so a
 * constructor stores each field's initial value, zeros included: a few
 * dozen `store offset=N (local.get $this) (const 0)` in a row for a class
 * with many counters. Consecutive statements of a block that store zero
 * through the same local at offsets that together cover one run of bytes
 * become one `memory.fill` of that run: the same bytes written, in fewer
 * bytes of code. (A fill from `local + offset` adds the offset with i32.add;
 * offsets are kept below 1024, where the first KiB of memory is unused, the
 * assumption binaryen makes when it folds such additions into offsets.)
 *
 * @module
 */
import type binaryenType from "binaryen";

type Binaryen = typeof binaryenType;
type Module = InstanceType<Binaryen["Module"]>;
// binaryen.js has these helpers at the top level; its typings put them elsewhere.
type Helpers = {
  Block: { getChildren(e: number): number[]; setChildren(e: number, children: number[]): void };
};

interface ZeroStore {
  local: number;
  offset: number;
  bytes: number;
  /** Bytes of its encoding, about. */
  cost: number;
}

function lebLength(n: number): number {
  let len = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 128);
    len++;
  }
  return len;
}

/** Rewrites `module` in place; returns how many stores were replaced. */
export function zeroFills(binaryen: Binaryen, module: Module): number {
  const { Block } = binaryen as unknown as Helpers;
  let replaced = 0;

  const zeroStore = (expr: number): ZeroStore | null => {
    if (binaryen.getExpressionId(expr) !== binaryen.StoreId) return null;
    const info = binaryen.getExpressionInfo(expr) as binaryenType.StoreInfo;
    if (info.isAtomic || binaryen.getExpressionId(info.ptr) !== binaryen.LocalGetId) return null;
    if (binaryen.getExpressionId(info.value) !== binaryen.ConstId) return null;
    const type = binaryen.getExpressionType(info.value);
    if (type !== binaryen.i32 && type !== binaryen.i64) return null;
    // binaryen.js gives an i64 constant as a bigint.
    const value = (binaryen.getExpressionInfo(info.value) as unknown as { value: unknown }).value;
    if (value !== 0 && value !== BigInt(0)) return null;
    const local = (binaryen.getExpressionInfo(info.ptr) as binaryenType.LocalGetInfo).index;
    return { local, offset: info.offset, bytes: info.bytes, cost: 6 + lebLength(info.offset) };
  };

  // The statements for a run of zero stores through one local (`exprs`): fills where they are smaller.
  const fillRun = (run: ZeroStore[], exprs: number[]): number[] => {
    const order = run.map((_, i) => i).sort((a, b) => run[a].offset - run[b].offset);
    const out: number[] = [];
    let g = 0;
    while (g < order.length) {
      let h = g + 1;
      let end = run[order[g]].offset + run[order[g]].bytes;
      while (h < order.length && run[order[h]].offset === end) end += run[order[h++]].bytes;
      const group = order.slice(g, h);
      const start = run[order[g]].offset;
      const stores = group.reduce((n, i) => n + run[i].cost, 0);
      const fill = 2 + (start ? 2 + lebLength(start) : 0) + 2 + 1 + lebLength(end - start) + 3;
      if (group.length > 1 && fill < stores && start < 1024) {
        const local = run[order[g]].local;
        const base = module.local.get(local, binaryen.i32);
        const dest = start ? module.i32.add(base, module.i32.const(start)) : base;
        out.push(module.memory.fill(dest, module.i32.const(0), module.i32.const(end - start)));
        replaced += group.length;
      } else for (const i of group) out.push(exprs[i]);
      g = h;
    }
    return out;
  };

  // The fields of an expression's info that hold its children, by expression id (what asc's code has).
  const childFields = new Map<number, string[]>([
    [binaryen.IfId, ["condition", "ifTrue", "ifFalse"]],
    [binaryen.LoopId, ["body"]],
    [binaryen.LocalSetId, ["value"]],
    [binaryen.GlobalSetId, ["value"]],
    [binaryen.DropId, ["value"]],
    [binaryen.ReturnId, ["value"]],
    [binaryen.BreakId, ["condition", "value"]],
    [binaryen.SwitchId, ["condition", "value"]],
    [binaryen.CallId, ["operands"]],
    [binaryen.CallIndirectId, ["target", "operands"]],
    [binaryen.SelectId, ["ifTrue", "ifFalse", "condition"]],
    [binaryen.StoreId, ["ptr", "value"]],
    [binaryen.LoadId, ["ptr"]],
    [binaryen.UnaryId, ["value"]],
    [binaryen.BinaryId, ["left", "right"]],
    [binaryen.MemoryFillId, ["dest", "value", "size"]],
    [binaryen.MemoryCopyId, ["dest", "source", "size"]],
    [binaryen.MemoryGrowId, ["delta"]],
  ]);

  const walk = (expr: number): void => {
    if (!expr) return;
    const id = binaryen.getExpressionId(expr);
    if (id === binaryen.BlockId) {
      const children = Block.getChildren(expr);
      const next: number[] = [];
      let changed = false;
      for (let i = 0; i < children.length;) {
        const first = zeroStore(children[i]);
        if (!first) {
          walk(children[i]);
          next.push(children[i++]);
          continue;
        }
        const run = [first];
        const exprs = [children[i]];
        let j = i + 1;
        for (; j < children.length; j++) {
          const s = zeroStore(children[j]);
          if (!s || s.local !== first.local) break;
          run.push(s);
          exprs.push(children[j]);
        }
        const filled = fillRun(run, exprs);
        if (filled.length !== exprs.length || filled.some((e, k) => e !== exprs[k])) changed = true;
        next.push(...filled);
        i = j;
      }
      if (changed) Block.setChildren(expr, next);
      return;
    }
    const fields = childFields.get(id);
    if (!fields) return;
    const info = binaryen.getExpressionInfo(expr) as unknown as Record<string, number | number[]>;
    for (const f of fields) {
      const child = info[f];
      if (Array.isArray(child)) child.forEach(walk);
      else walk(child);
    }
  };

  for (let i = 0, n = module.getNumFunctions(); i < n; i++) {
    const func = module.getFunctionByIndex(i);
    walk(binaryen.getFunctionInfo(func).body);
  }
  return replaced;
}
