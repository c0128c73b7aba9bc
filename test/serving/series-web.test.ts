// The dashboard's buckets (web/series.js), run in a VM context as the page runs it: an answer of
// /api/series and the live stream's rows put together, each row counted once, including rows
// the stream sends while a reload after a reconnection is on its way.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import vm from 'node:vm';

interface Bucket {
  start: number;
  ticks: number;
  volume: number;
  tweets: number;
}
interface Series {
  buckets: Map<number, Bucket>;
  load(answer: unknown): void;
  beginReload(): number | null;
  cancelReload(): void;
  addTicks(items: unknown[]): number;
  addTweets(items: unknown[]): number;
}

const source = readFileSync(new URL('../../../web/series.js', import.meta.url), 'utf8');
function newSeries(stepMs: number, spanMs: number): Series {
  const context: { cashtagSeries?: { Series: new (step: number, span: number) => Series } } = {};
  vm.runInNewContext(source, context);
  return new context.cashtagSeries!.Series(stepMs, spanMs);
}

const iso = (ms: number) => new Date(ms).toISOString();
const tick = (t: number, volume = 10) => ({ id: `p${t}`, symbol: 'AAPL', trade_timestamp: iso(t), open_price: 1, close_price: 1, volume });
const tweet = (t: number) => ({ id: `t${t}`, created_at: iso(t), sentiment_score: 0.5 });
const bucket = (start: number, ticks: number, tweets: number) => ({ start: iso(start), ticks, open: 1, high: 1, low: 1, close: ticks > 0 ? 1 : null, volume: ticks * 10, vwap: ticks > 0 ? 1 : null, tweets, mean_sentiment: tweets > 0 ? 0.5 : null });
const answer = (from: number, to: number, items: unknown[]) => ({ symbol: 'AAPL', from: iso(from), to: iso(to), step: 10, items });
const counts = (s: Series) => [...s.buckets.values()].sort((a, b) => a.start - b.start).map((b) => [b.start, b.ticks, b.tweets]);

test('series.js: a reload replaces the buckets from its `from` on; stream rows are counted once', () => {
  const s = newSeries(10_000, 1_800_000);
  s.load(answer(0, 20_000, [bucket(10_000, 2, 1)]));
  s.addTicks([tick(15_000)]); // before `to`: the answer has it
  s.addTicks([tick(25_000)]);
  s.addTweets([tweet(26_000)]);
  assert.deepEqual(counts(s), [[10_000, 2, 1], [20_000, 1, 1]]);
  assert.equal(s.beginReload(), 20_000, 'reloaded from the bucket holding `to`');
  s.load(answer(20_000, 27_000, [bucket(20_000, 1, 1)]));
  assert.deepEqual(counts(s), [[10_000, 2, 1], [20_000, 1, 1]], 'what the answer has is not counted twice');
});

test('series.js: rows the stream sends while a reload is on its way are kept when they are after its `to`', () => {
  const s = newSeries(10_000, 1_800_000);
  s.load(answer(0, 20_000, [bucket(10_000, 2, 0)]));
  s.addTicks([tick(21_000)]);
  const from = s.beginReload(); // the stream reconnected: its catch-up request goes out
  assert.equal(from, 20_000);
  // The server answers as of its newest row (22_000, so `to` is 22_001); before the answer is
  // loaded, the stream sends a row the answer has (22_000) and newer ones it does not.
  s.addTicks([tick(22_000), tick(23_000), tick(31_000)]);
  s.addTweets([tweet(24_000)]);
  s.load(answer(20_000, 22_001, [bucket(20_000, 2, 0)]));
  assert.deepEqual(counts(s), [[10_000, 2, 0], [20_000, 3, 1], [30_000, 1, 0]], 'the answer\'s 2 ticks, then the stream\'s rows after its `to`');
  s.addTicks([tick(32_000)]);
  assert.deepEqual(counts(s).at(-1), [30_000, 2, 0], 'after the load, rows go straight in again');
});

test('series.js: a failed reload holds nothing more', () => {
  const s = newSeries(10_000, 1_800_000);
  s.load(answer(0, 20_000, []));
  s.beginReload();
  s.cancelReload();
  s.addTicks([tick(21_000)]);
  s.load(answer(20_000, 21_001, [bucket(20_000, 1, 0)]));
  assert.deepEqual(counts(s), [[20_000, 1, 0]], 'a row the next answer has is not added again');
});
