// The in-memory table: byte order, set and remove with their live-byte count, rollback, against a model.

import { entrySize } from "@tessera/block/assembly/format/frame";
import { compareBytes, copyBytes, Table, Undo } from "@tessera/block/assembly/table";
import { Random } from "@tessera/block/assembly/testing/random";
import { expect, runTests, test } from "@tessera/test/assembly";

function b(s: string): Uint8Array {
  return Uint8Array.wrap(String.UTF8.encode(s));
}

function cmp(x: string, y: string): i32 {
  const a = b(x);
  const c = b(y);
  return compareBytes(a.dataStart, a.length, c.dataStart, c.length);
}

function keysOf(t: Table): string {
  let s = "";
  for (let i = 0; i < t.size; i++) s += String.UTF8.decodeUnsafe(t.at(i).key.dataStart, t.at(i).key.length) + ",";
  return s;
}

test("bytes compare as memcmp, then the shorter first", () => {
  expect(cmp("a", "b") < 0, true);
  expect(cmp("b", "a") > 0, true);
  expect(cmp("ab", "ab"), 0);
  expect(cmp("a", "ab") < 0, true);
  expect(cmp("", "a") < 0, true);
  const hi = new Uint8Array(1);
  hi[0] = 0xff;
  const lo = b("z");
  expect(compareBytes(lo.dataStart, 1, hi.dataStart, 1) < 0, true, "unsigned bytes");
});

test("keys stay in byte order; set returns what it replaced, remove what it removed", () => {
  const t = new Table();
  expect(t.set(b("m"), b("1")), null);
  t.set(b("a"), b("2"));
  t.set(b("z"), b("3"));
  t.set(b("ma"), b("4"));
  expect(keysOf(t), "a,m,ma,z,");
  const old = t.set(b("m"), b("5"))!;
  expect(String.UTF8.decodeUnsafe(old.dataStart, old.length), "1");
  expect(t.size, 4);
  const gone = t.remove(b("a").dataStart, 1)!;
  expect(gone[0], 0x32);
  expect(t.remove(b("a").dataStart, 1), null);
  expect(keysOf(t), "m,ma,z,");
  expect(t.lowerBound(b("m0").dataStart, 2), 1);
  expect(t.find(b("q").dataStart, 1), -1);
});

test("live bytes follow every set and remove", () => {
  const t = new Table();
  t.set(b("key"), b("value"));
  expect(t.liveBytes, entrySize(3, 5));
  t.set(b("key"), b("v"));
  expect(t.liveBytes, entrySize(3, 1));
  t.set(b("k2"), new Uint8Array(0));
  expect(t.liveBytes, entrySize(3, 1) + entrySize(2, 0));
  t.remove(b("key").dataStart, 3);
  t.remove(b("k2").dataStart, 2);
  expect(t.liveBytes, 0);
});

test("rollback puts back what a list of changes did, newest first", () => {
  const t = new Table();
  t.set(b("a"), b("1"));
  t.set(b("b"), b("2"));
  const before = keysOf(t);
  const bytes = t.liveBytes;
  const undo: Undo[] = [];
  undo.push(new Undo(b("a"), t.set(b("a"), b("changed"))));
  undo.push(new Undo(b("c"), t.set(b("c"), b("new"))));
  undo.push(new Undo(b("b"), t.remove(b("b").dataStart, 1)));
  undo.push(new Undo(b("a"), t.set(b("a"), b("twice"))));
  undo.push(new Undo(b("x"), t.remove(b("x").dataStart, 1)));
  t.rollback(undo);
  expect(keysOf(t), before);
  expect(t.liveBytes, bytes);
  expect(t.get(b("a").dataStart, 1)![0], 0x31);
});

test("matches a Map over 20,000 random sets and removes, order included", () => {
  const random = new Random(99);
  const t = new Table();
  const model = new Map<string, string>();
  for (let i = 0; i < 20000; i++) {
    const k = "k" + random.below(500).toString();
    if (random.oneIn(3)) {
      const had = model.has(k);
      model.delete(k);
      expect(t.remove(b(k).dataStart, b(k).length) !== null, had);
    } else {
      const v = i.toString();
      model.set(k, v);
      t.set(copyBytes(b(k).dataStart, b(k).length), b(v));
    }
  }
  expect(t.size, model.size);
  for (let i = 1; i < t.size; i++) {
    const x = t.at(i - 1).key;
    const y = t.at(i).key;
    expect(compareBytes(x.dataStart, x.length, y.dataStart, y.length) < 0, true);
  }
  const keys = model.keys();
  for (let i = 0; i < keys.length; i++) {
    const v = t.get(b(keys[i]).dataStart, b(keys[i]).length)!;
    expect(String.UTF8.decodeUnsafe(v.dataStart, v.length), model.get(keys[i]));
  }
});

export function _start(): void {
  runTests();
}
