// The net data path's native calls (native/frames.c) over a real
// SOCK_SEQPACKET pair: readFrames fills a frame ring until the socket has
// nothing left, drops (and counts) what does not fit, reports a hang-up;
// writeFrame sends a range of an ArrayBuffer as one frame.
import { closeSync, mkdtempSync, readSync, rmSync, writeSync } from "node:fs";
import { constants, tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { need, tapHelper } from "../../../test/helpers/require.js";
import { DROPPED, FrameRing, READ, SLOT_SIZE, WRITTEN } from "../src/net/frame-ring.js";
import { loadNative, READ_HUNG_UP, type Native } from "../src/net/native.js";

const built = need("the native frame tests", tapHelper()) === null;

let dir = "";
let native: Native;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "tessera-frames-"));
  if (built) native = loadNative("test");
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A connected SOCK_SEQPACKET pair: [the writer's end, the reader's end]. */
function pair(name: string): [number, number] {
  const path = join(dir, name);
  const listener = native.listenSeqpacket(path);
  const a = native.connectSeqpacket(path, 100);
  const b = native.acceptSeqpacket(listener);
  closeSync(listener);
  return [a, b];
}

const frame = (n: number, fill: number) => new Uint8Array(n).fill(fill);

it.skipIf(!built)("readFrames reads every waiting frame into the ring, and drops what does not fit", () => {
  const [a, b] = pair("read");
  const buffers = FrameRing.allocate(4);
  const header = new Int32Array(buffers.header);
  const args = [b, true, header, new Int32Array(buffers.lengths), new Uint8Array(buffers.data)] as const;
  expect(native.readFrames(...args, 32)).toBe(0); // nothing yet: EAGAIN, no waiting
  writeSync(a, frame(60, 1));
  writeSync(a, frame(SLOT_SIZE + 1, 2)); // larger than a slot: dropped
  writeSync(a, frame(1514, 3));
  expect(native.readFrames(...args, 32)).toBe(2);
  expect([header[WRITTEN], header[READ], header[DROPPED]]).toEqual([2, 0, 1]);
  for (let i = 0; i < 4; i++) writeSync(a, frame(100 + i, 10 + i));
  expect(native.readFrames(...args, 1)).toBe(1); // at most `max` at a time
  expect(native.readFrames(...args, 32)).toBe(1); // the ring is full: the other two are dropped
  expect([header[WRITTEN], header[DROPPED]]).toEqual([4, 3]);
  const ring = new FrameRing(buffers);
  const got: number[][] = [];
  const dst = new Uint8Array(SLOT_SIZE);
  while (ring.waiting > 0) {
    const n = ring.pop(dst);
    got.push([n, dst[0], dst[n - 1]]);
  }
  expect(got).toEqual([
    [60, 1, 1],
    [1514, 3, 3],
    [100, 10, 10],
    [101, 11, 11],
  ]);
  writeSync(a, frame(70, 7)); // the ring wraps around
  closeSync(a);
  expect(native.readFrames(...args, 32)).toBe(1 | READ_HUNG_UP);
  expect(ring.pop(dst)).toBe(70);
  closeSync(b);
});

it.skipIf(!built)("writeFrame sends one frame from a range of an ArrayBuffer", () => {
  const [a, b] = pair("write");
  const memory = new ArrayBuffer(4096);
  new Uint8Array(memory, 100, 64).fill(0xab);
  expect(native.writeFrame(a, memory, 100, 64)).toBe(0);
  const got = new Uint8Array(4096);
  expect(readSync(b, got)).toBe(64);
  expect(got.subarray(0, 64).every((x) => x === 0xab)).toBe(true);
  expect(() => native.writeFrame(a, memory, 4090, 64)).toThrow(/inside an ArrayBuffer/);
  closeSync(b);
  expect(native.writeFrame(a, memory, 0, 64)).toBe(constants.errno.EPIPE);
  closeSync(a);
});
