// The net worker's lifetime: started once for all net devices, stopped when the guest ends.
import type { Worker } from "node:worker_threads";
import type { NetDevice } from "./device.js";
import { nativePath } from "./native.js";
import { NET_WORKER_SOURCE, STOP } from "./worker-source.js";

/** Receives frames for `devices` on a worker thread until `stop()`. */
export class NetIo {
  private readonly control = new Int32Array(new SharedArrayBuffer(4));

  private constructor(private worker: Worker | null) {}

  /** Starts the worker; frames arrive in each device's ring and ring `doorbell`. */
  static async start(devices: NetDevice[], doorbell: Int32Array): Promise<NetIo> {
    const { Worker } = await import("node:worker_threads");
    const io = new NetIo(null);
    io.worker = new Worker(NET_WORKER_SOURCE, {
      eval: true,
      execArgv: [],
      workerData: {
        addon: nativePath(),
        doorbell: doorbell.buffer,
        control: io.control.buffer,
        devices: devices.map((d) => ({ fd: d.fd, socket: /^switch(:|$)/.test(d.spec), ...d.ring.buffers })),
      },
    });
    io.worker.unref();
    return io;
  }

  /**
   * Stops the worker and waits until it has (within one poll interval), so
   * that the devices' fds can be closed without the worker reading a reused fd.
   */
  async stop(): Promise<void> {
    if (!this.worker) return;
    Atomics.store(this.control, STOP, 1);
    await this.worker.terminate();
    this.worker = null;
  }
}
