// The doorbell the guest's thread sleeps on in `yield`, and which every input
// source (console input, net devices) rings.

/** Int32Array index of the ring count: a source adds 1 after it delivers, then notifies. */
export const RUNG = 0;
/**
 * Int32Array index of the sleeping flag: 1 while the guest is about to wait
 * or waiting in `yield`. A source may skip `Atomics.notify` while it is 0:
 * the guest sets it before it checks for input one last time, so it either
 * sees what was delivered or is notified (its wait also returns at once if
 * RUNG moved since it read it).
 */
export const SLEEPING = 1;

/** A fresh doorbell. */
export function newDoorbell(): Int32Array {
  return new Int32Array(new SharedArrayBuffer(8));
}
