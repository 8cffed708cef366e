// Console output: best-effort synchronous writes to a file descriptor.
import { writeSync } from "node:fs";

const RETRIES = 50;
const nap = new Int32Array(new SharedArrayBuffer(4));

/** Write all of `bytes` to `fd`, retrying EAGAIN briefly (about 50 ms in all), then dropping the rest. */
export function writeFd(fd: number, bytes: Uint8Array): void {
  let at = 0;
  let tries = 0;
  while (at < bytes.length) {
    try {
      at += writeSync(fd, bytes, at, bytes.length - at);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== "EAGAIN" || ++tries > RETRIES) return;
      Atomics.wait(nap, 0, 0, 1);
    }
  }
}

/** A sink for guest output: the caller's callback (given a copy) or the file descriptor. */
export function sink(fd: number, callback?: (b: Uint8Array) => void): (b: Uint8Array) => void {
  return callback ? (b) => callback(b.slice()) : (b) => writeFd(fd, b);
}
