// The two clocks: monotonic from hrtime, wall from Date.now() refined to ns with hrtime.

/** Nanoseconds on a monotonic clock. */
export function monotonic(): bigint {
  return process.hrtime.bigint();
}

/** A wall clock in ns since the epoch: Date.now() plus sub-millisecond precision from hrtime. */
export function wallClock(): () => bigint {
  let baseWall = BigInt(Date.now()) * 1_000_000n;
  let baseMono = process.hrtime.bigint();
  return () => {
    const ms = BigInt(Date.now()) * 1_000_000n;
    const mono = process.hrtime.bigint();
    const est = baseWall + (mono - baseMono);
    if (est >= ms && est < ms + 1_000_000n) return est;
    // The wall clock moved against hrtime (or a new ms began): re-anchor.
    baseWall = ms;
    baseMono = mono;
    return ms;
  };
}
