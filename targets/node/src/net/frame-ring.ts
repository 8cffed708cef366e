// A ring of Ethernet frames in shared memory, between the net worker (the one
// producer) and the guest's thread (the one consumer). A full ring drops the
// new frame and counts it, as a NIC's receive queue does.

/**
 * Frames a ring holds unless told otherwise (a power of two: the counters
 * wrap around as int32). The user backend's rings have this many.
 */
export const SLOTS = 256;
/**
 * Frames the receive ring of a TAP or switch device holds: Linux sends a
 * window's worth of segments in one burst (a 512 KiB window is 362 frames),
 * and a full ring drops them.
 */
export const DEVICE_SLOTS = 1024;
/** Bytes per slot: the largest frame a device with MTU 1500 can receive (1514), rounded up. */
export const SLOT_SIZE = 2048;
/** Header indices (Int32Array): frames written, frames read, frames dropped because the ring was full. */
export const WRITTEN = 0;
export const READ = 1;
export const DROPPED = 2;

/** The shared buffers of a ring, as passed to the worker; its slot count is `lengths`' (4 bytes a slot). */
export interface RingBuffers {
  header: SharedArrayBuffer;
  lengths: SharedArrayBuffer;
  data: SharedArrayBuffer;
}

/** The consumer's side of a frame ring; the producer is the net worker (worker-source.ts). */
export class FrameRing {
  private readonly header: Int32Array;
  private readonly lengths: Int32Array;
  private readonly data: Uint8Array;
  private readonly mask: number;

  constructor(readonly buffers: RingBuffers = FrameRing.allocate()) {
    this.header = new Int32Array(buffers.header);
    this.lengths = new Int32Array(buffers.lengths);
    this.data = new Uint8Array(buffers.data);
    this.mask = this.lengths.length - 1;
  }

  /** Fresh shared buffers for a ring of `slots` frames (a power of two). */
  static allocate(slots = SLOTS): RingBuffers {
    return {
      header: new SharedArrayBuffer(4 * 4),
      lengths: new SharedArrayBuffer(4 * slots),
      data: new SharedArrayBuffer(slots * SLOT_SIZE),
    };
  }

  /** Frames waiting to be read. */
  get waiting(): number {
    return (Atomics.load(this.header, WRITTEN) - Atomics.load(this.header, READ)) | 0;
  }

  /** Frames dropped because the ring was full. */
  get dropped(): number {
    return Atomics.load(this.header, DROPPED);
  }

  /** Length of the next frame, or null if none is waiting. */
  peekLength(): number | null {
    if (this.waiting === 0) return null;
    return this.lengths[Atomics.load(this.header, READ) & this.mask];
  }

  /** Copies the next frame into `dst` (which must be large enough) and consumes it; returns its length. */
  pop(dst: Uint8Array): number {
    const read = Atomics.load(this.header, READ);
    const slot = read & this.mask;
    const n = this.lengths[slot];
    dst.set(this.data.subarray(slot * SLOT_SIZE, slot * SLOT_SIZE + n));
    Atomics.store(this.header, READ, (read + 1) | 0);
    return n;
  }
}
