// The net worker's source: waits on every device's fd with poll(2), reads
// every frame a ready device has into its ring (natively: readFrames in
// native/frames.c) and rings the doorbell.

import { RUNG, SLEEPING } from "../doorbell.js";
import { READ_FAILED, READ_HUNG_UP } from "./native.js";

/** Control word indices (Int32Array): set STOP to 1 to end the worker's loop. */
export const STOP = 0;

/** How long one poll(2) waits, in ms: the worst-case delay before the worker sees STOP or terminate(). */
export const POLL_MS = 100;

/**
 * Frames read from one device before the doorbell is rung: the guest starts
 * on a burst while the worker reads the rest of it.
 */
export const BATCH = 32;

/**
 * Source run with `new Worker(source, { eval: true })`. workerData:
 * `{ addon, doorbell, control, devices: [{ fd, socket, header, lengths, data }] }`.
 * The loop blocks in poll(2) (native, bounded by POLL_MS), so the worker
 * never spins and terminate() takes effect within POLL_MS. A ready device is
 * read until it has nothing left (EAGAIN), BATCH frames at a time, with one
 * system call per frame and no JavaScript per frame. The doorbell is rung
 * once per batch, and notified only if the guest is sleeping (or about to).
 */
export const NET_WORKER_SOURCE = `
const { workerData } = process.getBuiltinModule("node:worker_threads");
const native = { exports: {} };
process.dlopen(native, workerData.addon);
const { pollMany, readFrames } = native.exports;
const fds = Int32Array.from(workerData.devices.map((d) => d.fd));
const rings = workerData.devices.map((d) => ({
  socket: d.socket, header: new Int32Array(d.header), lengths: new Int32Array(d.lengths), data: new Uint8Array(d.data),
}));
const bell = new Int32Array(workerData.doorbell);
const sleepAware = bell.length > ${SLEEPING};
const control = new Int32Array(workerData.control);
const ready = new Uint8Array(fds.length);
function ring() {
  Atomics.add(bell, ${RUNG}, 1);
  if (!sleepAware || Atomics.load(bell, ${SLEEPING}) !== 0) Atomics.notify(bell, ${RUNG});
}
while (Atomics.load(control, ${STOP}) === 0) {
  if (pollMany(fds, ready, ${POLL_MS}) === 0) continue;
  for (let more = true; more; ) {
    more = false;
    let delivered = 0;
    for (let i = 0; i < fds.length; i++) {
      if (ready[i] === 0) continue;
      const r = rings[i];
      const got = readFrames(fds[i], r.socket, r.header, r.lengths, r.data, ${BATCH});
      delivered += got & 0xffffff;
      if (got & ${READ_HUNG_UP}) fds[i] = -1; // the peer hung up (a switch that stopped): poll(2) skips it from now on
      if ((got & 0xffffff) === ${BATCH}) more = true; // there may be more: read on without polling
      else ready[i] = 0;
      if (got & ${READ_FAILED}) Atomics.wait(control, ${STOP}, 0, 10); // a device in error: do not spin on it
    }
    if (delivered > 0) ring();
  }
}
`;
