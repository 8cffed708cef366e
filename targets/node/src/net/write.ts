// Sending one frame: a whole-frame write to the device's fd, dropped (like a
// NIC's full queue) rather than blocking the guest when the device is busy.
import { RESULTS } from "@tessera/abi";
import { writeSync } from "node:fs";
import { constants } from "node:os";
import { loadNative, type Native } from "./native.js";

const { EAGAIN, ENOBUFS } = constants.errno;
let native: Native | null = null;

/** Writes `frame` to `fd`: OK when sent or dropped under pressure, EUNSPEC on a device error. */
export function writeFrame(fd: number, frame: Uint8Array): number {
  try {
    writeSync(fd, frame);
    return RESULTS.OK;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return code === "EAGAIN" || code === "ENOBUFS" ? RESULTS.OK : RESULTS.EUNSPEC;
  }
}

/**
 * Writes the frame at `memory[ptr, ptr + len)` (a range the caller checked)
 * to `fd`, as `writeFrame` does, but with one native call: no view, no
 * exception and no garbage per frame. Only fd-backed devices (tap:, switch:)
 * get here, and those were opened by the native helper.
 */
export function writeFrameAt(fd: number, memory: ArrayBufferLike, ptr: number, len: number): number {
  if (!(memory instanceof ArrayBuffer)) return writeFrame(fd, new Uint8Array(memory, ptr, len));
  native ??= loadNative("net_write");
  const err = native.writeFrame(fd, memory, ptr, len);
  return err === 0 || err === EAGAIN || err === ENOBUFS ? RESULTS.OK : RESULTS.EUNSPEC;
}
