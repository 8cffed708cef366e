// The two ends of a FrameRing (frame-ring.ts's layout) that the user-mode
// network needs besides FrameRing's consumer on the guest's thread: a
// producer, used by the guest's thread for frames to the gateway and by the
// gateway worker for frames to the guest, and a consumer for the worker.
import { DROPPED, READ, SLOT_SIZE, SLOTS, WRITTEN, type RingBuffers } from "./frame-ring.js";

/** One end of a frame ring over shared buffers. */
export class RingEnd {
  private readonly header: Int32Array;
  private readonly lengths: Int32Array;
  private readonly data: Uint8Array;

  constructor(buffers: RingBuffers) {
    this.header = new Int32Array(buffers.header);
    this.lengths = new Int32Array(buffers.lengths);
    this.data = new Uint8Array(buffers.data);
  }

  /** Frames waiting to be read. */
  get waiting(): number {
    return (Atomics.load(this.header, WRITTEN) - Atomics.load(this.header, READ)) | 0;
  }

  /** True if a push would find no room. */
  get full(): boolean {
    return this.waiting >= SLOTS;
  }

  /** Appends `frame` (at most SLOT_SIZE bytes); false, counted as dropped, if there is no room. */
  push(frame: Uint8Array): boolean {
    const written = Atomics.load(this.header, WRITTEN);
    if (((written - Atomics.load(this.header, READ)) | 0) >= SLOTS || frame.length > SLOT_SIZE) {
      Atomics.add(this.header, DROPPED, 1);
      return false;
    }
    const slot = written & (SLOTS - 1);
    this.data.set(frame, slot * SLOT_SIZE);
    this.lengths[slot] = frame.length;
    Atomics.store(this.header, WRITTEN, (written + 1) | 0);
    return true;
  }

  /**
   * Waits up to `ms` on the calling thread for the consumer to make room
   * (it calls `notifyRead`); true if there is room.
   */
  waitForRoom(ms: number): boolean {
    const end = performance.now() + ms;
    for (;;) {
      const read = Atomics.load(this.header, READ);
      if (((Atomics.load(this.header, WRITTEN) - read) | 0) < SLOTS) return true;
      const left = end - performance.now();
      if (left <= 0) return false;
      Atomics.wait(this.header, READ, read, left);
    }
  }

  /** The next frame, as a view into the ring (null if none): use it, then `consume` it. */
  peek(): Uint8Array | null {
    const read = Atomics.load(this.header, READ);
    if (((Atomics.load(this.header, WRITTEN) - read) | 0) === 0) return null;
    const slot = read & (SLOTS - 1);
    return this.data.subarray(slot * SLOT_SIZE, slot * SLOT_SIZE + this.lengths[slot]);
  }

  /** Frees the frame `peek` returned; the producer may overwrite it from now on. */
  consume(): void {
    Atomics.store(this.header, READ, (Atomics.load(this.header, READ) + 1) | 0);
  }

  /** Wakes a producer waiting in `waitForRoom`. */
  notifyRead(): void {
    Atomics.notify(this.header, READ);
  }

  /** Frames dropped because the ring was full. */
  get dropped(): number {
    return Atomics.load(this.header, DROPPED);
  }
}
