// The tender's native helper (native/tap.c, unix.c and frames.c): found, loaded once, explained when missing.
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { TenderError } from "../errors.js";

/** What native/tap.c, unix.c and frames.c export. */
export interface Native {
  /** Attaches to (or creates) TAP device `name`; returns its fd. Throws with the OS's reason. */
  openTap(name: string): number;
  /** A non-blocking SOCK_SEQPACKET socket listening at `path`. Throws with `code` (e.g. EADDRINUSE). */
  listenSeqpacket(path: string): number;
  /** A blocking SOCK_SEQPACKET socket connected to `path`, whose writes wait at most `sendTimeoutMs`. Throws with `code` (e.g. ENOENT). */
  connectSeqpacket(path: string, sendTimeoutMs: number): number;
  /** A new non-blocking connection on listening socket `fd`, or -1 if none is waiting. */
  acceptSeqpacket(fd: number): number;
  /** Waits up to `timeoutMs` for one of `fds` (at most 1024) to be readable; sets `ready[i]` to 1 or 0; returns how many are. */
  pollMany(fds: Int32Array, ready: Uint8Array, timeoutMs: number): number;
  /** Sets O_NONBLOCK on `fd`. */
  setNonBlocking(fd: number): void;
  /**
   * Reads up to `max` frames from `fd` (a SOCK_SEQPACKET socket if `socket`,
   * else a non-blocking TAP fd) into a frame ring's arrays until none is left;
   * a frame that does not fit a slot or finds the ring full is dropped and
   * counted. Returns the frames delivered, with READ_HUNG_UP set if the peer
   * hung up and READ_FAILED on another error.
   */
  readFrames(
    fd: number,
    socket: boolean,
    header: Int32Array,
    lengths: Int32Array,
    data: Uint8Array,
    max: number,
  ): number;
  /** One write(2) of `memory[offset, offset + length)` to `fd`; 0, or the errno. */
  writeFrame(fd: number, memory: ArrayBuffer, offset: number, length: number): number;
}

/** readFrames' flags, besides the count of frames delivered (bits 0-23). */
export const READ_HUNG_UP = 1 << 24;
export const READ_FAILED = 1 << 25;

let loaded: Native | null = null;

/** Path of the compiled helper (built by `npm run build` with gcc). */
export function nativePath(): string {
  return createRequire(import.meta.url).resolve("@tessera/node/native/tessera_tap.node");
}

/** Loads the native helper, or throws a TenderError saying how to build it. */
export function loadNative(what: string): Native {
  if (loaded) return loaded;
  let path = "";
  try {
    path = nativePath();
  } catch {
    /* not built */
  }
  if (!path || !existsSync(path))
    throw new TenderError(
      `${what}: the Node tender's native helper is not built (it needs gcc and Node's headers: install them, then run npm run build)`,
    );
  const module = { exports: {} as Native };
  process.dlopen(module, path);
  loaded = module.exports;
  return loaded;
}
