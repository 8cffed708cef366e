// Console input from a file descriptor, read by an I/O worker into a shared ring.
import { EOF, RING_SIZE, USED, WORKER_SOURCE } from "./stdin-worker.js";
import type { ConsoleInput } from "./input.js";

/** A worker-fed ring (single producer, single consumer over SharedArrayBuffers). */
export class RingInput implements ConsoleInput {
  private readonly header = new Int32Array(new SharedArrayBuffer(8));
  private readonly ring = new Uint8Array(new SharedArrayBuffer(RING_SIZE));
  private r = 0;
  private worker: import("node:worker_threads").Worker | null = null;

  /** Start the worker on `fd`; it rings `doorbell` (index 0) whenever input or EOF arrives. */
  static async start(fd: number, doorbell: Int32Array): Promise<RingInput> {
    const { Worker } = await import("node:worker_threads");
    const input = new RingInput();
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      execArgv: [],
      workerData: { fd, header: input.header.buffer, ring: input.ring.buffer, doorbell: doorbell.buffer },
    });
    worker.on("error", () => Atomics.store(input.header, EOF, 1));
    input.worker = worker;
    return input;
  }

  /** @inheritdoc */
  ready(): boolean {
    return Atomics.load(this.header, USED) > 0 || Atomics.load(this.header, EOF) !== 0;
  }

  /** @inheritdoc */
  read(dst: Uint8Array): number | null {
    const used = Atomics.load(this.header, USED);
    if (used === 0) return Atomics.load(this.header, EOF) !== 0 ? 0 : null;
    const n = Math.min(used, dst.length);
    const first = Math.min(n, RING_SIZE - this.r);
    dst.set(this.ring.subarray(this.r, this.r + first));
    dst.set(this.ring.subarray(0, n - first), first);
    this.r = (this.r + n) % RING_SIZE;
    Atomics.sub(this.header, USED, n);
    Atomics.notify(this.header, USED);
    return n;
  }

  /** @inheritdoc */
  close(): void {
    if (!this.worker) return;
    this.worker.unref();
    void this.worker.terminate();
    this.worker = null;
  }
}
