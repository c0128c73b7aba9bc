// Descriptive statistics for the batch layer's gold reports. Pure and numerically careful:
// means and deviations are two-pass (mean first, then the sum of squared deviations from it,
// with the compensating term of the "corrected two-pass" algorithm), so a column of large,
// nearly equal values does not lose its variance to cancellation.
//
// Functions take a slice [from, to) of a Float64Array so callers can work on sorted runs of a
// column without copying. Empty input gives NaN (the caller maps it to SQL NULL).

/** Hour of an epoch-millisecond instant, truncated in UTC (as SQL `date_trunc('hour', ts)`). */
export const HOUR_MS = 3_600_000;
export const hourOf = (ms: number): number => Math.floor(ms / HOUR_MS) * HOUR_MS;

/** Arithmetic mean of xs[from, to); NaN when empty. */
export function mean(xs: ArrayLike<number>, from = 0, to = xs.length): number {
  const n = to - from;
  if (n <= 0) return NaN;
  let s = 0;
  for (let i = from; i < to; i++) s += xs[i];
  const m = s / n;
  // One refinement step: the mean of the residuals is the rounding error of the first pass.
  let r = 0;
  for (let i = from; i < to; i++) r += xs[i] - m;
  return m + r / n;
}

/**
 * Sample standard deviation (divisor n − 1, as SQL `stddev_samp`) of xs[from, to);
 * NaN for fewer than 2 values. Corrected two-pass algorithm (Chan, Golub, LeVeque 1983).
 */
export function sampleStdDev(xs: ArrayLike<number>, from = 0, to = xs.length): number {
  const n = to - from;
  if (n < 2) return NaN;
  const m = mean(xs, from, to);
  let ss = 0;
  let c = 0;
  for (let i = from; i < to; i++) {
    const d = xs[i] - m;
    ss += d * d;
    c += d;
  }
  const v = (ss - (c * c) / n) / (n - 1);
  return Math.sqrt(Math.max(0, v));
}

export function min(xs: ArrayLike<number>, from = 0, to = xs.length): number {
  if (to <= from) return NaN;
  let m = xs[from];
  for (let i = from + 1; i < to; i++) if (xs[i] < m) m = xs[i];
  return m;
}

export function max(xs: ArrayLike<number>, from = 0, to = xs.length): number {
  if (to <= from) return NaN;
  let m = xs[from];
  for (let i = from + 1; i < to; i++) if (xs[i] > m) m = xs[i];
  return m;
}

/**
 * Exact percentile of an ascending-sorted slice, continuous definition: linear interpolation
 * between the closest ranks. With n values and q in [0, 1], the position is h = (n − 1)·q;
 * the result is x[⌊h⌋] + (h − ⌊h⌋)·(x[⌈h⌉] − x[⌊h⌋]) (0-based ranks). This is numpy's default
 * ('linear'), Hyndman & Fan type 7, and DuckDB's `quantile_cont`. NaN when empty.
 */
export function percentileSorted(sorted: ArrayLike<number>, q: number, from = 0, to = sorted.length): number {
  const n = to - from;
  if (n <= 0) return NaN;
  if (!(q >= 0 && q <= 1)) throw new RangeError(`percentile ${q} is outside [0, 1]`);
  const h = (n - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.ceil(h);
  const a = sorted[from + lo];
  if (lo === hi) return a;
  return a + (h - lo) * (sorted[from + hi] - a);
}

/** Percentile of unsorted values (copies and sorts them); see `percentileSorted`. */
export function percentile(xs: ArrayLike<number>, q: number): number {
  return percentileSorted(Float64Array.from(xs).sort(), q);
}

/**
 * Price volatility: the sample standard deviation of the log returns ln(c[i] / c[i−1]) of
 * consecutive closes closes[from, to), which the caller has ordered by trade time (ties by
 * record id). n closes give n − 1 returns; NaN when there are fewer than 2 returns.
 */
export function logReturnVolatility(closes: ArrayLike<number>, from = 0, to = closes.length): number {
  const n = to - from - 1;
  if (n < 2) return NaN;
  const r = new Float64Array(n);
  for (let i = 0; i < n; i++) r[i] = Math.log(closes[from + i + 1] / closes[from + i]);
  return sampleStdDev(r);
}

/**
 * Trailing moving average: out[i] = mean of xs[max(0, i − window + 1) .. i], i.e. the value
 * and the `window − 1` before it, fewer at the start (SQL `AVG(x) OVER (ORDER BY … ROWS
 * BETWEEN window−1 PRECEDING AND CURRENT ROW)`). Each window is summed afresh rather than
 * kept as a running sum, so rounding error does not accumulate along the series.
 */
export function movingAverage(xs: ArrayLike<number>, window: number, out = new Float64Array(xs.length)): Float64Array {
  if (!Number.isInteger(window) || window < 1) throw new RangeError(`window ${window} is not a whole number >= 1`);
  for (let i = 0; i < xs.length; i++) {
    const start = i - window + 1 > 0 ? i - window + 1 : 0;
    let s = 0;
    for (let j = start; j <= i; j++) s += xs[j];
    out[i] = s / (i - start + 1);
  }
  return out;
}
