// The timer heap: ordering by deadline, ties in arming order, removal and growth.

import { Timer, TimerHeap } from "@tessera/runtime/assembly/heap";
import { expect, runTests, test } from "@tessera/test/assembly";

class Tag extends Timer {
  constructor(public id: i32) {
    super();
  }
  fire(_now: i64): void {}
}

function tag(id: i32, deadline: i64): Tag {
  const t = new Tag(id);
  t.deadline = deadline;
  return t;
}

function popTag(heap: TimerHeap): Tag {
  return changetype<Tag>(heap.pop());
}

test("pops random deadlines in order, growing past its capacity", () => {
  const heap = new TimerHeap(2);
  let state: u32 = 12345;
  for (let i = 0; i < 500; i++) {
    state = state * 1103515245 + 12345; // a fixed LCG: the same "random" deadlines every run
    heap.push(tag(i, <i64>((state >> 8) % 1000)));
  }
  expect(heap.size, 500);
  let last: i64 = -1;
  for (let i = 0; i < 500; i++) {
    const t = popTag(heap);
    assert(t.deadline >= last, "deadlines out of order");
    expect(t.armed, false, "a popped timer is disarmed");
    last = t.deadline;
  }
  expect(heap.size, 0);
  expect(heap.pop() === null, true, "an empty heap pops null");
});

test("breaks ties in arming order", () => {
  const heap = new TimerHeap();
  for (let i = 0; i < 20; i++) heap.push(tag(i, <i64>(i % 3)));
  let expected = [0, 3, 6, 9, 12, 15, 18, 1, 4, 7, 10, 13, 16, 19, 2, 5, 8, 11, 14, 17];
  for (let i = 0; i < expected.length; i++) expect(popTag(heap).id, expected[i], "pop " + i.toString());
});

test("removes from the middle and keeps order", () => {
  const heap = new TimerHeap();
  const timers = new Array<Tag>();
  for (let i = 0; i < 50; i++) {
    const t = tag(i, <i64>((i * 37) % 50));
    timers.push(t);
    heap.push(t);
  }
  for (let i = 0; i < 50; i += 3) timers[i].cancel();
  expect(heap.size, 33);
  timers[3].cancel(); // already removed: nothing
  expect(heap.size, 33);
  let last: i64 = -1;
  while (heap.size) {
    const t = popTag(heap);
    assert(t.id % 3 != 0, "a cancelled timer came out");
    assert(t.deadline > last, "deadlines out of order");
    last = t.deadline;
  }
});

test("re-pushing a timer moves it and gives it a later tie position", () => {
  const heap = new TimerHeap();
  const a = tag(1, 10);
  const b = tag(2, 10);
  heap.push(a);
  heap.push(b);
  heap.push(a); // same deadline, now after b
  expect(heap.size, 2);
  expect(popTag(heap).id, 2);
  expect(popTag(heap).id, 1);
  a.deadline = 5;
  heap.push(a);
  const other = new TimerHeap();
  other.push(a); // moves between heaps
  expect(heap.size, 0);
  expect(other.size, 1);
});

export function _start(): void {
  runTests();
}
