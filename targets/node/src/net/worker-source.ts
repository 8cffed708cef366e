// The net worker's source: waits on every device's fd with poll(2), reads
// frames into the devices' rings and rings the doorbell.

import { DROPPED, READ, SLOT_SIZE, SLOTS, WRITTEN } from "./frame-ring.js";

/** Control word indices (Int32Array): set STOP to 1 to end the worker's loop. */
export const STOP = 0;

/** How long one poll(2) waits, in ms: the worst-case delay before the worker sees STOP or terminate(). */
export const POLL_MS = 100;

/**
 * Source run with `new Worker(source, { eval: true })`. workerData:
 * `{ addon, doorbell, control, devices: [{ fd, header, lengths, data }] }`.
 * The loop blocks in poll(2) (native, bounded by POLL_MS), so the worker
 * never spins and terminate() takes effect within POLL_MS.
 */
export const NET_WORKER_SOURCE = `
const { workerData } = process.getBuiltinModule("node:worker_threads");
const fs = process.getBuiltinModule("node:fs");
const native = { exports: {} };
process.dlopen(native, workerData.addon);
const { pollMany } = native.exports;
const fds = Int32Array.from(workerData.devices.map((d) => d.fd));
const rings = workerData.devices.map((d) => ({
  header: new Int32Array(d.header), lengths: new Int32Array(d.lengths), data: new Uint8Array(d.data),
}));
const bell = new Int32Array(workerData.doorbell);
const control = new Int32Array(workerData.control);
const frame = new Uint8Array(65536);
const ready = new Uint8Array(fds.length);
function push(ring, n) {
  const written = Atomics.load(ring.header, ${WRITTEN});
  if (((written - Atomics.load(ring.header, ${READ})) | 0) >= ${SLOTS} || n > ${SLOT_SIZE}) {
    Atomics.add(ring.header, ${DROPPED}, 1);
    return false;
  }
  const slot = written & ${SLOTS - 1};
  ring.data.set(frame.subarray(0, n), slot * ${SLOT_SIZE});
  ring.lengths[slot] = n;
  Atomics.store(ring.header, ${WRITTEN}, (written + 1) | 0);
  return true;
}
while (Atomics.load(control, ${STOP}) === 0) {
  pollMany(fds, ready, ${POLL_MS});
  let delivered = false;
  for (let i = 0; i < fds.length; i++) {
    if (ready[i] === 0) continue;
    let n = 0;
    try {
      n = fs.readSync(fds[i], frame, 0, frame.length, null);
    } catch {
      Atomics.wait(control, ${STOP}, 0, 10); // a device in error: do not spin on it
      continue;
    }
    if (n === 0) fds[i] = -1; // the peer hung up (a switch that stopped): poll(2) skips it from now on
    else if (push(rings[i], n)) delivered = true;
  }
  if (delivered) {
    Atomics.add(bell, 0, 1);
    Atomics.notify(bell, 0);
  }
}
`;
