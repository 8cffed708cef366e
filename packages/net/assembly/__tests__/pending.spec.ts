// The pending queue: frames waiting for ARP, released in order with their MAC, dropped when full, too big or too old.

import { Link } from "@tessera/net/assembly/iface/link";
import { PendingQueue } from "@tessera/net/assembly/iface/pending";
import { loadMac } from "@tessera/net/assembly/wire/bytes";
import { expect, expectBytes, runTests, test } from "@tessera/test/assembly";

const S: i64 = 1_000_000_000; // one second in ns
const HOP_A: u32 = 0x0a4d0001; // 10.77.0.1
const HOP_B: u32 = 0x0a4d00fe; // 10.77.0.254
const MAC_A: u64 = 0x020000000001;
const MAC_B: u64 = 0x0200000000fe;
const OUR_MAC: u64 = 0x020000000002;

/** A link that keeps a copy of every frame sent, and refuses them while `refuse` is set. */
class RecordingLink extends Link {
  frames: u8[][] = [];
  refuse: bool = false;

  send(ptr: usize, len: u32): bool {
    const copy = new Array<u8>(<i32>len);
    memory.copy(copy.dataStart, ptr, len);
    this.frames.push(copy);
    return !this.refuse;
  }
}

/** A link that, while sending, pushes a frame back into the queue (as a loopback stack might). */
class PushingLink extends RecordingLink {
  constructor(
    public queue: PendingQueue,
    public hop: u32,
  ) {
    super();
  }

  override send(ptr: usize, len: u32): bool {
    const frame = frameOf(<u8>(100 + this.frames.length), 60);
    this.queue.push(this.hop, frame.dataStart, frame.length, 0);
    return super.send(ptr, len);
  }
}

// An IPv4 frame of `len` bytes with a zero destination MAC, our source MAC, and `tag` in every payload byte.
function frameOf(tag: u8, len: i32): u8[] {
  const f = new Array<u8>(len);
  for (let i = 0; i < len; i++) {
    if (i >= 6 && i < 12) f[i] = <u8>(OUR_MAC >> (8 * (11 - i)));
    else if (i == 12) f[i] = 0x08;
    else if (i >= 14) f[i] = tag;
  }
  return f;
}

// What `frameOf(tag, len)` must look like once sent to `mac`.
function sentFrame(tag: u8, len: i32, mac: u64): u8[] {
  const f = frameOf(tag, len);
  for (let i = 0; i < 6; i++) f[i] = <u8>(mac >> (8 * (5 - i)));
  return f;
}

function push(q: PendingQueue, hop: u32, tag: u8, now: i64, len: i32 = 60): bool {
  const f = frameOf(tag, len);
  return q.push(hop, f.dataStart, f.length, now);
}

// The tag (first payload byte) of the frame recorded at `i`.
function tagOf(link: RecordingLink, i: i32): u8 {
  return link.frames[i][14];
}

test("release sends a next hop's frames in arrival order with the MAC written in", () => {
  const q = new PendingQueue(8, 1514, 3 * S);
  const link = new RecordingLink();
  expect(push(q, HOP_A, 1, 0, 60), true);
  expect(push(q, HOP_A, 2, 1, 1514), true);
  expect(push(q, HOP_A, 3, 2, 98), true);
  expect(q.size, 3);
  expect(q.waiting(HOP_A), 3);
  expect(q.release(HOP_A, MAC_A, link), 3);
  expect(link.frames.length, 3);
  const lens: i32[] = [60, 1514, 98];
  for (let i = 0; i < 3; i++) {
    const f = link.frames[i];
    expectBytes(f.dataStart, f.length, sentFrame(<u8>(i + 1), lens[i], MAC_A), "frame " + i.toString());
  }
  expect(q.size, 0);
  expect(q.waiting(HOP_A), 0);
  expect(q.release(HOP_A, MAC_A, link), 0, "nothing left");
  expect(link.frames.length, 3);
});

test("release sends only the frames of its next hop and keeps the rest in order", () => {
  const q = new PendingQueue(8, 1514, 3 * S);
  const link = new RecordingLink();
  push(q, HOP_A, 1, 0);
  push(q, HOP_B, 2, 0);
  push(q, HOP_A, 3, 0);
  push(q, HOP_B, 4, 0);
  push(q, HOP_B, 5, 0);
  expect(q.waiting(HOP_A), 2);
  expect(q.waiting(HOP_B), 3);
  expect(q.waiting(0x0a4d0063), 0);
  expect(q.release(0x0a4d0063, MAC_A, link), 0, "a hop nothing waits for");
  expect(q.release(HOP_B, MAC_B, link), 3);
  expect(link.frames.length, 3);
  expect(tagOf(link, 0), 2);
  expect(tagOf(link, 1), 4);
  expect(tagOf(link, 2), 5);
  for (let i = 0; i < 3; i++) expect(loadMac(link.frames[i].dataStart), MAC_B);
  expect(q.size, 2);
  expect(q.waiting(HOP_A), 2);
  expect(q.release(HOP_A, MAC_A, link), 2);
  expect(tagOf(link, 3), 1);
  expect(tagOf(link, 4), 3);
  expect(loadMac(link.frames[3].dataStart), MAC_A);
  expect(loadMac(link.frames[4].dataStart), MAC_A);
  expect(q.size, 0);
});

test("release frees the slots even of frames the link refuses, and counts only those it took", () => {
  const q = new PendingQueue(2, 1514, 3 * S);
  const link = new RecordingLink();
  push(q, HOP_A, 1, 0);
  push(q, HOP_A, 2, 0);
  link.refuse = true;
  expect(q.release(HOP_A, MAC_A, link), 0);
  expect(link.frames.length, 2, "both were offered");
  expect(q.size, 0);
  expect(push(q, HOP_B, 3, 0), true);
  expect(push(q, HOP_B, 4, 0), true);
  expect(q.dropped, 0, "two free slots again");
});

test("a full queue drops the oldest frame", () => {
  const q = new PendingQueue(3, 1514, 3 * S);
  const link = new RecordingLink();
  push(q, HOP_A, 1, 0);
  push(q, HOP_B, 2, 1);
  push(q, HOP_A, 3, 2);
  expect(q.dropped, 0);
  expect(push(q, HOP_A, 4, 3), true);
  expect(q.dropped, 1);
  expect(q.size, 3);
  expect(q.waiting(HOP_A), 2, "frame 1 went");
  expect(push(q, HOP_A, 5, 4), true);
  expect(q.dropped, 2);
  expect(q.waiting(HOP_B), 0, "then frame 2");
  expect(q.release(HOP_A, MAC_A, link), 3);
  expect(tagOf(link, 0), 3);
  expect(tagOf(link, 1), 4);
  expect(tagOf(link, 2), 5);
});

test("refuses a frame longer than frameSize or shorter than an Ethernet header", () => {
  const q = new PendingQueue(4, 100, 3 * S);
  const link = new RecordingLink();
  expect(push(q, HOP_A, 1, 0, 101), false, "101 bytes");
  expect(q.dropped, 1);
  expect(push(q, HOP_A, 2, 0, 13), false, "13 bytes");
  expect(q.dropped, 2);
  expect(q.size, 0);
  expect(push(q, HOP_A, 3, 0, 100), true, "exactly frameSize");
  expect(push(q, HOP_A, 4, 0, 14), true, "a bare header");
  expect(q.dropped, 2);
  expect(q.release(HOP_A, MAC_A, link), 2);
  expect(link.frames[0].length, 100);
  expect(link.frames[1].length, 14);
  expect(loadMac(link.frames[1].dataStart), MAC_A);
});

test("expire drops frames that waited timeout or longer, and pollAt says when", () => {
  const q = new PendingQueue(8, 1514, 3 * S);
  const link = new RecordingLink();
  expect(q.pollAt(), i64.MAX_VALUE, "empty");
  push(q, HOP_A, 1, 1 * S);
  push(q, HOP_B, 2, 2 * S);
  push(q, HOP_A, 3, 3 * S);
  expect(q.pollAt(), 4 * S);
  expect(q.expire(4 * S - 1), 0);
  expect(q.timedOut, 0);
  expect(q.expire(4 * S), 1, "frame 1 at exactly its timeout");
  expect(q.timedOut, 1);
  expect(q.pollAt(), 5 * S);
  expect(q.expire(6 * S - 1), 1, "frame 2");
  expect(q.timedOut, 2);
  expect(q.size, 1);
  expect(q.pollAt(), 6 * S);
  expect(q.release(HOP_A, MAC_A, link), 1);
  expect(tagOf(link, 0), 3);
  expect(q.pollAt(), i64.MAX_VALUE);
  expect(q.expire(100 * S), 0);
  expect(q.dropped, 0, "timeouts are not drops");
});

test("frames pushed while releasing wait for the next release", () => {
  const q = new PendingQueue(4, 1514, 3 * S);
  const link = new PushingLink(q, HOP_A);
  push(q, HOP_A, 1, 0);
  push(q, HOP_A, 2, 0);
  expect(q.release(HOP_A, MAC_A, link), 2);
  expect(link.frames.length, 2);
  expect(tagOf(link, 0), 1);
  expect(tagOf(link, 1), 2);
  expect(q.waiting(HOP_A), 2, "the two pushed from send");
  expect(q.dropped, 0);
});

test("pushing into a full queue while releasing does not lose the frame being sent", () => {
  const q = new PendingQueue(2, 1514, 3 * S);
  const link = new PushingLink(q, HOP_B);
  push(q, HOP_A, 1, 0);
  push(q, HOP_A, 2, 0);
  expect(q.release(HOP_A, MAC_A, link), 1);
  expect(link.frames.length, 1);
  expect(tagOf(link, 0), 1, "frame 1 was sent whole");
  expect(loadMac(link.frames[0].dataStart), MAC_A);
  expect(q.dropped, 1, "frame 2, the oldest waiting, made room for the frame pushed from send");
  expect(q.waiting(HOP_A), 0);
  expect(q.waiting(HOP_B), 1);
});

test("a storm of 100,000 frames to random next hops keeps size and memory bounded", () => {
  const q = new PendingQueue(16, 1514, 3 * S);
  const link = new RecordingLink();
  const frame = frameOf(7, 1514);
  const total = 100_000;
  let pages: i32 = 0;
  let seed: u32 = 0x12345678;
  for (let i = 0; i < total; i++) {
    if (i == 1000) pages = memory.size();
    seed ^= seed << 13;
    seed ^= seed >> 17;
    seed ^= seed << 5;
    const len = 14 + (seed % 1600); // some too big
    expect(q.push(seed & 0xff, frame.dataStart, len, <i64>i * 1000), len <= 1514);
    if (q.size > 16) expect(q.size, 16, "size after push " + i.toString());
    if (i % 1000 == 999) q.expire(<i64>i * 1000);
  }
  expect(memory.size(), pages, "memory pages after warm-up");
  expect(q.size, 16);
  let released = 0;
  for (let hop: u32 = 0; hop < 256; hop++) released += q.release(hop, MAC_A, link);
  expect(released, 16);
  expect(link.frames.length, 16);
  expect(q.size, 0);
});

export function _start(): void {
  runTests();
}
