// What runImage takes and returns.

/** Options of runImage and runFile. */
export interface RunOptions {
  /** The boot command line the guest reads with `cmdline`. Default: empty. */
  cmdline?: string;
  /** Memory cap in MiB: the initial memory must fit and growth stops there. Default 64. */
  memMiB?: number;
  /** Net devices by manifest name, value = backend (e.g. `tap:tap0`, `switch:lan`, `user`). */
  net?: Record<string, string>;
  /**
   * Published ports (`[ADDR:]HOSTPORT:GUESTPORT`, see parsePublish): host TCP
   * connections to each reach the guest's port through user-mode networking.
   * They go to the net device given `user`, or to the image's one net device
   * if no --net names it.
   */
  publish?: string[];
  /** How long a connection to a published port waits for the guest to have an address, in ms. Default 10000. */
  publishWaitMs?: number;
  /**
   * The hosts file the user-mode network's resolver (10.0.2.3) answers names from. Default /etc/hosts
   * (none if it is missing); a file given here must be readable.
   */
  hostsFile?: string;
  /** The resolv.conf whose nameservers the resolver forwards other names to. Default /etc/resolv.conf. */
  resolvConf?: string;
  /** Block devices by manifest name, value = file. */
  block?: Record<string, string>;
  /** Receives console output; default: written to fd 1. The bytes are a copy. */
  stdout?: (b: Uint8Array) => void;
  /** Receives panic and trap reports; default: written to fd 2. The bytes are a copy. */
  stderr?: (b: Uint8Array) => void;
  /**
   * Console input, used only if the image imports `console_read`. Default: fd 0.
   * A number or a stream with a file descriptor is read by an I/O worker; any other
   * stream is drained synchronously (only what it has already buffered). null: no input (EOF).
   */
  stdin?: NodeJS.ReadableStream | number | null;
  /** Function names (e.g. from a `.names` sidecar), used when the image has no name section. */
  names?: Map<number, string>;
}

/** When each step of a run happened, as `process.hrtime.bigint()` readings (ns). */
export interface Timings {
  /** runImage was called. */
  started: bigint;
  /** The image was checked and compiled. */
  compiled: bigint;
  /** The instance was created; `_start` is called next. */
  instantiated: bigint;
  /** The guest exited, returned, panicked or trapped. */
  ended: bigint;
}

/** How the guest ended. */
export interface RunResult {
  /** 0..254 from `exit` (0 when `_start` returns), 255 after a panic, a trap or a bad exit status. */
  status: number;
  /** When each step happened, for benchmarks. */
  timings: Timings;
}
