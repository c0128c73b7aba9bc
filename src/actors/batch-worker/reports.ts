// One lake partition's gold reports from its bronze columns. Pure: columns in, columns out.
//
// Order: event time, ties broken by record id compared bytewise (what SQL's ORDER BY
// created_at, record_id does on VARCHAR). Hours: event time truncated to the hour in UTC.
// Hours with price ticks but no tweets are reported with count 0, null sentiment statistics and
// their volatility, so that the statistics table holds every hour the symbol traded in.

import { HOUR_MS, hourOf, logReturnVolatility, max, mean, min, movingAverage, percentileSorted, sampleStdDev } from '../../domain/stats.js';
import type { Utf8Column } from '../../io/parquet/gold-parquet-read.js';
import type { TopicStatistics, Trend } from '../../io/parquet/gold-schemas.js';

export interface TweetColumns {
  recordId: Utf8Column;
  createdAt: Float64Array;
  ingestTs: Float64Array;
  score: Float64Array;
}

export interface PriceColumns {
  recordId: Utf8Column;
  tradeTs: Float64Array;
  close: Float64Array;
}

export const MOVING_WINDOW = 10;

function compareBytes(c: Utf8Column, a: number, b: number): number {
  const { offsets, data } = c;
  let i = offsets[a];
  let j = offsets[b];
  const ea = offsets[a + 1];
  const eb = offsets[b + 1];
  for (; i < ea && j < eb; i++, j++) if (data[i] !== data[j]) return data[i] - data[j];
  return ea - i - (eb - j);
}

/**
 * The first 6 bytes of each id as one exact number (48 bits, zero-padded): comparing these keys
 * orders ids as comparing their bytes does, up to ties that the full comparison then breaks.
 */
function prefixKeys(c: Utf8Column): Float64Array {
  const keys = new Float64Array(c.offsets.length - 1);
  for (let i = 0; i < keys.length; i++) {
    let k = 0;
    const start = c.offsets[i];
    const end = c.offsets[i + 1];
    for (let j = 0; j < 6; j++) k = k * 256 + (start + j < end ? c.data[start + j] : 0);
    keys[i] = k;
  }
  return keys;
}

/**
 * Row indices in (time, record id) order. Times (integer ms) and row numbers are packed into one
 * exact number when the span allows, so the bulk of the work is a native numeric sort; only runs
 * of equal times are then ordered by id with a comparator. Otherwise a comparator sorts it all.
 */
export function eventOrder(times: Float64Array, ids: Utf8Column): Uint32Array {
  const n = times.length;
  const keys = prefixKeys(ids);
  const byId = (a: number, b: number) => keys[a] - keys[b] || compareBytes(ids, a, b);
  let lo = Infinity;
  let hi = -Infinity;
  let integral = true;
  for (let i = 0; i < n; i++) {
    const t = times[i];
    if (t < lo) lo = t;
    if (t > hi) hi = t;
    if (!Number.isInteger(t)) integral = false;
  }
  const slots = 2 ** Math.ceil(Math.log2(n + 1));
  const idx = new Uint32Array(n);
  if (n === 0 || !integral || (hi - lo + 1) * slots > Number.MAX_SAFE_INTEGER) {
    for (let i = 0; i < n; i++) idx[i] = i;
    return idx.sort((a, b) => times[a] - times[b] || byId(a, b));
  }
  const packed = new Float64Array(n);
  for (let i = 0; i < n; i++) packed[i] = (times[i] - lo) * slots + i;
  packed.sort();
  for (let i = 0; i < n; i++) idx[i] = packed[i] % slots;
  for (let i = 0; i < n; ) {
    let j = i + 1;
    while (j < n && times[idx[j]] === times[idx[i]]) j++;
    if (j - i > 1) idx.subarray(i, j).sort(byId);
    i = j;
  }
  return idx;
}

const gather = (xs: Float64Array, order: Uint32Array): Float64Array => {
  const out = new Float64Array(order.length);
  for (let i = 0; i < order.length; i++) out[i] = xs[order[i]];
  return out;
};

/** Runs of equal hours in ascending times: [start, end) index pairs. */
function hourRuns(sortedTimes: Float64Array): { hour: number; from: number; to: number }[] {
  const runs: { hour: number; from: number; to: number }[] = [];
  for (let i = 0; i < sortedTimes.length; ) {
    const hour = hourOf(sortedTimes[i]);
    let j = i + 1;
    while (j < sortedTimes.length && sortedTimes[j] < hour + HOUR_MS) j++;
    runs.push({ hour, from: i, to: j });
    i = j;
  }
  return runs;
}

export function trend(t: TweetColumns, order: Uint32Array): Trend {
  const score = gather(t.score, order);
  return {
    recordId: { offsets: t.recordId.offsets, data: t.recordId.data, order },
    createdAt: gather(t.createdAt, order),
    ingestTs: gather(t.ingestTs, order),
    score,
    movingAvg10: movingAverage(score, MOVING_WINDOW),
  };
}

/** Hourly sentiment statistics and price volatility of one symbol. */
export function topicStatistics(sortedTweets: Pick<Trend, 'createdAt' | 'score'>, prices: PriceColumns): TopicStatistics {
  const priceOrder = eventOrder(prices.tradeTs, prices.recordId);
  const closes = gather(prices.close, priceOrder);
  const volatility = new Map<number, number>();
  for (const r of hourRuns(gather(prices.tradeTs, priceOrder))) volatility.set(r.hour, logReturnVolatility(closes, r.from, r.to));

  const tweetRuns = hourRuns(sortedTweets.createdAt);
  const hours = [...new Set([...tweetRuns.map((r) => r.hour), ...volatility.keys()])].sort((a, b) => a - b);
  const n = hours.length;
  const s: TopicStatistics = {
    hour: Float64Array.from(hours),
    count: new Float64Array(n),
    mean: new Float64Array(n).fill(NaN),
    stddev: new Float64Array(n).fill(NaN),
    p50: new Float64Array(n).fill(NaN),
    p95: new Float64Array(n).fill(NaN),
    min: new Float64Array(n).fill(NaN),
    max: new Float64Array(n).fill(NaN),
    volatility: Float64Array.from(hours, (h) => volatility.get(h) ?? NaN),
  };
  const row = new Map(hours.map((h, i) => [h, i]));
  for (const r of tweetRuns) {
    const i = row.get(r.hour)!;
    const xs = sortedTweets.score.subarray(r.from, r.to);
    s.count[i] = xs.length;
    s.mean[i] = mean(xs);
    s.stddev[i] = sampleStdDev(xs);
    s.min[i] = min(xs);
    s.max[i] = max(xs);
    const sorted = Float64Array.from(xs).sort();
    s.p50[i] = percentileSorted(sorted, 0.5);
    s.p95[i] = percentileSorted(sorted, 0.95);
  }
  return s;
}
