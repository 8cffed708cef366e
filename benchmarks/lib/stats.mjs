// Small statistics for benchmarks: medians and percentiles of samples.

/** The q-quantile (0..1) of numbers, by linear interpolation. */
export function quantile(samples, q) {
  const s = [...samples].sort((a, b) => a - b);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
}

/** The median of numbers. */
export const median = (samples) => quantile(samples, 0.5);
