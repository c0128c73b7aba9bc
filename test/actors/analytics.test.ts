// The window and join actors with a fake context: records parse flagged late are left out (parse
// wrote them to the late events); a record older than the stage's watermark that parse let
// through (an idle partition resumed) is left out, counted and sent to the late output with the
// watermark it missed; on-time ones reach windows and joins.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import createJoin from '../../src/actors/join/actor.js';
import createWindows from '../../src/actors/windows/actor.js';
import type { JoinedRow, LateRow, PriceRow, TweetRow, WindowRow } from '../../src/domain/records.js';
import { DEFAULT_ALERT_RULE } from '../../src/domain/alerts.js';
import { DEFAULT_WINDOW } from '../../src/domain/windows.js';
import { fakeContext } from '../helpers/fake-context.js';

const MIN = 60_000;
const T0 = Date.UTC(2025, 11, 18, 14, 0, 0);
const tweet = (id: string, topic: string, t: number, score: number): TweetRow => ({ kind: 'tweet-row', id, topic, partition: 0, offset: 0, createdAt: t, ingestTs: t, text: id, userId: 'u', sentimentScore: score, late: false });
const tick = (id: string, symbol: string, t: number, open: number, close: number): PriceRow => ({ kind: 'price', id, symbol, partition: 0, offset: 0, tradeTs: t, ingestTs: t, openPrice: open, closePrice: close, volume: 100, late: false });
const info = { link: 'l', fromStage: 'x', fromPartition: 0 };

test('windows actor: late records go to the late output with the watermark they missed; alerts fire', async () => {
  const f = fakeContext('windows');
  const a = await createWindows({ pipeline: 't', window: DEFAULT_WINDOW, alerts: DEFAULT_ALERT_RULE }, f.ctx.self);
  await a.init!(f.ctx);
  await a.handle!([tweet('t1', 'AAPL', T0 + 30_000, -0.9), tick('p1', 'AAPL', T0 + 10_000, 100, 100), tick('p2', 'AAPL', T0 + 50_000, 100, 95), tweet('n', 'NONE', T0, 0.5)], info);
  await a.onWatermark!(T0 + 3 * MIN);
  await a.handle!([tweet('late', 'AAPL', T0 + 2 * MIN, 0.1), tweet('ok', 'AAPL', T0 + 3 * MIN, 0.1)], info);
  const late = f.out<LateRow>('late');
  assert.deepEqual(late.map((l) => [l.id, l.eventTime, l.watermark, l.recordKind, l.stage]), [['late', T0 + 2 * MIN, T0 + 3 * MIN, 'tweet', 'windows']]);
  await a.onWatermark!(T0 + 10 * MIN);
  const windows = f.out<WindowRow>();
  assert.ok(windows.every((w) => w.symbol === 'AAPL'), 'NONE takes no part in windows');
  assert.ok(windows.every((w) => w.tweetCount <= 2), 'the late tweet is in no window');
  assert.deepEqual(windows.map((w) => w.seq), windows.map((_, i) => i), 'seq numbers the output in order');
  const alerts = f.out<{ symbol: string; windowEnd: number }>('alerts');
  assert.ok(alerts.length > 0 && alerts[0].symbol === 'AAPL', 'mean -0.9 and a 5 % drop raise an alert');
});

test('join actor: late ticks and tweets are left out; tweets are released joined when the watermark passes', async () => {
  const f = fakeContext('join');
  const a = await createJoin({ pipeline: 't', lookbackMs: 24 * 60 * MIN }, f.ctx.self);
  await a.init!(f.ctx);
  await a.handle!([tick('p1', 'TSLA', T0, 1, 200), tweet('t1', 'TSLA', T0 + MIN, 0.3)], info);
  assert.deepEqual(f.out<JoinedRow>(), [], 'held until the watermark passes the tweet');
  await a.onWatermark!(T0 + 2 * MIN);
  await a.handle!([tick('late-tick', 'TSLA', T0 + MIN, 1, 999), tweet('late-tweet', 'TSLA', T0, 0)], info);
  const joined = f.out<JoinedRow>();
  assert.deepEqual(joined.map((j) => [j.id, j.priceId, j.closePrice]), [['t1', 'p1', 200]]);
  assert.deepEqual(f.out<LateRow>('late').map((l) => l.id).sort(), ['late-tick', 'late-tweet']);
});

test('windows and join actors: records parse flagged late take no part and are not reported again', async () => {
  const w = fakeContext('windows');
  const windows = await createWindows({ pipeline: 't', window: DEFAULT_WINDOW, alerts: DEFAULT_ALERT_RULE }, w.ctx.self);
  await windows.init!(w.ctx);
  const j = fakeContext('join');
  const join = await createJoin({ pipeline: 't', lookbackMs: 24 * 60 * MIN }, j.ctx.self);
  await join.init!(j.ctx);
  const records = [tweet('t1', 'AAPL', T0 + 30_000, 0.5), { ...tweet('t2', 'AAPL', T0 + 40_000, -0.9), late: true }, tick('p1', 'AAPL', T0, 100, 100), { ...tick('p2', 'AAPL', T0 + 35_000, 100, 50), late: true }];
  for (const a of [windows, join]) {
    await a.handle!(records, info);
    await a.onWatermark!(T0 + 10 * MIN);
  }
  const rows = w.out<WindowRow>();
  assert.ok(rows.length > 0 && rows.every((r) => r.tweetCount === 1 && r.tickCount === 1 && r.close === 100), 'the flagged tweet and tick are in no window');
  assert.deepEqual(j.out<JoinedRow>().map((r) => [r.id, r.priceId]), [['t1', 'p1']], 'the flagged tweet is not joined, the flagged tick not used');
  assert.deepEqual([...w.out('late'), ...j.out('late')], [], 'parse reported them already');
});
