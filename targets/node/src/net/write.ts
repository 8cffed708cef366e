// Sending one frame: a whole-frame write to the device's fd, dropped (like a
// NIC's full queue) rather than blocking the guest when the device is busy.
import { RESULTS } from "@tessera/abi";
import { writeSync } from "node:fs";

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
