// The I/O worker's source: reads a file descriptor into a shared ring and rings the doorbell.

/** Ring header slots (Int32Array indices): bytes waiting, EOF flag. */
export const USED = 0;
/** Set to 1 by the worker at EOF (or on a read error). */
export const EOF = 1;
/** Bytes of the ring; the worker stops reading while it is full (back-pressure, nothing dropped). */
export const RING_SIZE = 64 * 1024;

/**
 * Source run with `new Worker(source, { eval: true })` (CommonJS or ESM alike: it loads
 * built-ins with process.getBuiltinModule). It reads the fd
 * with the worker's own event loop (a socket/pipe/tty stream, or a file stream),
 * so terminate() always works, even while no input arrives.
 */
export const WORKER_SOURCE = `
const load = (m) => process.getBuiltinModule(m);
const { workerData } = load("node:worker_threads");
const fs = load("node:fs"), net = load("node:net"), tty = load("node:tty");
const hdr = new Int32Array(workerData.header), ring = new Uint8Array(workerData.ring);
const bell = new Int32Array(workerData.doorbell), fd = workerData.fd, CAP = ring.length;
let w = 0, stream;
function ding() { Atomics.add(bell, 0, 1); Atomics.notify(bell, 0); }
function finish() { Atomics.store(hdr, ${EOF}, 1); ding(); }
function push(chunk) {
  const n = Math.min(CAP - Atomics.load(hdr, ${USED}), chunk.length);
  for (let off = 0; off < n; ) {
    const k = Math.min(n - off, CAP - w);
    ring.set(chunk.subarray(off, off + k), w);
    w = (w + k) % CAP;
    off += k;
  }
  if (n > 0) { Atomics.add(hdr, ${USED}, n); ding(); }
  return chunk.subarray(n);
}
// Back-pressure: while the ring is full, block this worker (not the guest) until the reader takes some.
// The wait is bounded so that terminate() is honoured promptly.
function pump(chunk) {
  for (chunk = push(chunk); chunk.length > 0; chunk = push(chunk)) Atomics.wait(hdr, ${USED}, CAP, 50);
}
try {
  const st = fs.fstatSync(fd);
  if (st.isFIFO() || st.isSocket()) stream = new net.Socket({ fd, readable: true, writable: false });
  else if (tty.isatty(fd)) stream = new tty.ReadStream(fd);
  else stream = fs.createReadStream("", { fd, autoClose: false });
  stream.on("data", (c) => pump(new Uint8Array(c.buffer, c.byteOffset, c.length)));
  stream.on("end", finish);
  stream.on("error", finish);
} catch { finish(); }
`;
