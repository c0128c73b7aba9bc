// Small statistics for benchmarks: medians and quantiles from Prometheus histogram pages.

export function median(xs: number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export { metricSum } from '../src/runtime/metrics.js';

function buckets(text: string, name: string, filter: string): Map<number, number> {
  const out = new Map<number, number>();
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}_bucket{`) || !line.includes(filter)) continue;
    const le = /le="([^"]+)"/.exec(line)?.[1];
    if (!le) continue;
    const bound = le === '+Inf' ? Infinity : Number(le);
    out.set(bound, (out.get(bound) ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1)));
  }
  return out;
}

/** Quantile of the observations made between two scrapes, interpolated like histogram_quantile. */
export function histogramQuantile(q: number, before: string, after: string, name: string, filter = ''): number {
  const b0 = buckets(before, name, filter);
  const b1 = buckets(after, name, filter);
  const bounds = [...b1.keys()].sort((x, y) => x - y);
  const counts = bounds.map((b) => (b1.get(b) ?? 0) - (b0.get(b) ?? 0));
  const total = counts.at(-1) ?? 0;
  if (total <= 0) return NaN;
  const rank = q * total;
  let prevBound = 0;
  let prevCount = 0;
  for (let i = 0; i < bounds.length; i++) {
    if (counts[i] >= rank) {
      if (bounds[i] === Infinity) return prevBound;
      return prevBound + ((bounds[i] - prevBound) * (rank - prevCount)) / Math.max(1, counts[i] - prevCount);
    }
    prevBound = bounds[i];
    prevCount = counts[i];
  }
  return prevBound;
}
