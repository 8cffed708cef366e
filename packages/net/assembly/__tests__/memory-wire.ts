// Test helper: interfaces joined by an in-memory wire. Frames sent are copied
// into a queue and delivered, in order, when the test pumps the wire.

import { Interface } from "@tessera/net/assembly/iface/interface";
import { Link } from "@tessera/net/assembly/iface/link";

/** One end of a wire: frames sent here are queued for `peer`. */
export class WireEnd extends Link {
  peer: Interface | null = null;

  constructor(private readonly wire: MemoryWire) {
    super();
  }

  send(ptr: usize, len: u32): bool {
    return this.wire.carry(ptr, len, this.peer!);
  }
}

/** A wire with a queue of frames in flight; it can lose every n-th frame. */
export class MemoryWire {
  /** Copies of the frames in flight, and where each goes. */
  readonly frames: Array<StaticArray<u8>> = new Array<StaticArray<u8>>();
  readonly targets: Array<Interface> = new Array<Interface>();
  /** Lose every n-th frame when > 0. */
  loseEvery: i32 = 0;
  /** Frames offered to the wire. */
  carried: i32 = 0;

  /** Queues a copy of the frame for `to`. */
  carry(ptr: usize, len: u32, to: Interface): bool {
    this.carried++;
    if (this.loseEvery > 0 && this.carried % this.loseEvery == 0) return true; // lost on the way
    const copy = new StaticArray<u8>(<i32>len);
    memory.copy(changetype<usize>(copy), ptr, len);
    this.frames.push(copy);
    this.targets.push(to);
    return true;
  }

  /** Delivers frames until none are in flight (at most 10,000); returns how many it delivered. */
  pump(now: i64): i32 {
    let n = 0;
    while (this.frames.length > 0 && n < 10_000) {
      const frame = this.frames.shift();
      this.targets.shift().receive(changetype<usize>(frame), <u32>frame.length, now);
      n++;
    }
    return n;
  }

  /** Takes the oldest frame in flight off the wire without delivering it. */
  take(): StaticArray<u8> {
    this.targets.shift();
    return this.frames.shift();
  }
}

/** Two interfaces, 10.0.0.1 (a) and 10.0.0.2 (b) on 10.0.0.0/24, joined by one wire. */
export class Pair {
  readonly wire: MemoryWire;
  readonly a: Interface;
  readonly b: Interface;

  constructor() {
    const wire = new MemoryWire();
    const endA = new WireEnd(wire);
    const endB = new WireEnd(wire);
    this.wire = wire;
    this.a = new Interface(endA, 0x020000000001, 1500);
    this.b = new Interface(endB, 0x020000000002, 1500);
    endA.peer = this.b;
    endB.peer = this.a;
    this.a.config.cidr.addr = 0x0a000001;
    this.a.config.cidr.prefixLen = 24;
    this.b.config.cidr.addr = 0x0a000002;
    this.b.config.cidr.prefixLen = 24;
  }
}
