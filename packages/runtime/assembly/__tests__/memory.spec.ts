// memoryLimit, memoryHeadroom and memoryRoom: the host's limit on the linear memory, what is left of it, and the
// largest allocation that fits now.

import { memoryHeadroom, memoryLimit, memoryRoom } from "@tessera/runtime/assembly";
import { expect, runTests, test } from "@tessera/test/assembly";

function size(): u64 {
  return (<u64>memory.size()) << 16;
}

test("the limit is at least what memory holds, and is the test harness's 64 MiB", () => {
  expect(memoryLimit() >= size(), true, "limit >= memory.size()");
  // test/helpers/spec.ts runs specs with the Node tender's default --mem 64,
  // and asc gives the memory no maximum of its own.
  expect(memoryLimit(), (<u64>64) << 20);
  expect(memoryLimit(), memoryLimit(), "the same on every call");
});

test("the headroom is the limit less what memory holds, and shrinks as memory grows", () => {
  expect(memoryHeadroom(), memoryLimit() - size());
  const before = memoryHeadroom();
  expect(memory.grow(2) >= 0, true, "memory grows");
  expect(memoryHeadroom(), before - 2 * 65536);
});

test("the room is at least the headroom; once memory cannot grow, the allocator's largest free block", () => {
  expect(memoryRoom() >= memoryHeadroom(), true, "room >= headroom");
  const freed = heap.alloc(1 << 20);
  heap.free(freed); // a free block of at least 1 MiB
  expect(
    memory.grow(<i32>(memoryHeadroom() >> 16)) >= 0,
    true,
    "memory grown to its limit (the allocator does not know)",
  );
  expect(memoryHeadroom(), <u64>0);
  const room = memoryRoom();
  expect(room >= <u64>(1 << 20), true, "the freed MiB is room");
  expect(room <= size(), true, "no more than memory holds");
  // Half the room is always allocatable (the allocator looks one size class up); it takes the freed block.
  const taken = heap.alloc(<usize>(room / 2));
  expect(memoryRoom() < room || room > <u64>(2 << 20), true, "taking it leaves less room");
  heap.free(taken);
});

test("memory grows to the limit and no further", () => {
  const pages = <i32>(memoryHeadroom() >> 16);
  expect(memory.grow(pages + 1), -1, "one page past the limit");
  expect(memory.grow(pages) >= 0, true, "exactly to the limit");
  expect(memoryHeadroom(), <u64>0);
  expect(size(), memoryLimit());
  expect(memory.grow(1), -1, "full");
});

export function _start(): void {
  runTests();
}
