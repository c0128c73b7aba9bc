// The windows actor with a fake context: records parse flagged late are left out (parse wrote
// them to the late events); a record older than the stage's watermark that parse let through (an
// idle partition resumed) is left out, counted and sent to the late output with the watermark it
// missed; on-time ones reach the windows, which are emitted once the watermark passes their end.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import createWindows from '../../src/actors/windows/actor.js';
import type { LateRow, WindowRow } from '../../src/domain/records.js';
import { DEFAULT_ALERT_RULE } from '../../src/domain/alerts.js';
import { DEFAULT_WINDOW } from '../../src/domain/windows.js';
import { fakeContext } from '../helpers/fake-context.js';
import { info, MIN, T0, tick, tweet } from '../helpers/analytics-rows.js';

const options = { pipeline: 't', window: DEFAULT_WINDOW, alerts: DEFAULT_ALERT_RULE };

async function started() {
  const f = fakeContext('windows');
  const a = await createWindows(options, f.ctx.self);
  await a.init!(f.ctx);
  return { f, a };
}

test('windows actor: late records go to the late output with the watermark they missed; alerts fire', async () => {
  const { f, a } = await started();
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

test('windows actor: records parse flagged late take no part and are not reported again', async () => {
  const { f, a } = await started();
  await a.handle!([tweet('t1', 'AAPL', T0 + 30_000, 0.5), { ...tweet('t2', 'AAPL', T0 + 40_000, -0.9), late: true }, tick('p1', 'AAPL', T0, 100, 100), { ...tick('p2', 'AAPL', T0 + 35_000, 100, 50), late: true }], info);
  await a.onWatermark!(T0 + 10 * MIN);
  const rows = f.out<WindowRow>();
  assert.ok(rows.length > 0 && rows.every((r) => r.tweetCount === 1 && r.tickCount === 1 && r.close === 100), 'the flagged tweet and tick are in no window');
  assert.deepEqual(f.out('late'), [], 'parse reported them already');
});

test('windows actor: restored from a snapshot, it emits exactly the windows an uninterrupted one does', async () => {
  const first = [tweet('a', 'AAPL', T0 + 10_000, 0.4), tick('p1', 'AAPL', T0 + 5_000, 100, 101), tweet('b', 'TSLA', T0 + 70_000, -0.2)];
  const second = [tweet('c', 'AAPL', T0 + 2 * MIN, -0.6), tick('p2', 'AAPL', T0 + 2 * MIN + 1, 101, 99)];
  const whole = await started();
  await whole.a.handle!(first, info);
  await whole.a.onWatermark!(T0 + 4 * MIN); // the first windows close before the snapshot
  await whole.a.handle!(second, info);
  await whole.a.onWatermark!(T0 + 12 * MIN);

  const before = await started();
  await before.a.handle!(first, info);
  await before.a.onWatermark!(T0 + 4 * MIN);
  const snapshot = structuredClone(before.a.snapshot!());
  const after = await started();
  after.a.restore!(snapshot);
  // The replay after a restore starts again from nothing: an older watermark moves nothing.
  await after.a.onWatermark!(T0 + MIN);
  await after.a.handle!(second, info);
  await after.a.onWatermark!(T0 + 12 * MIN);
  const emitted = [...before.f.out<WindowRow>(), ...after.f.out<WindowRow>()];
  assert.ok(whole.f.out<WindowRow>().length >= 8, 'windows were emitted');
  assert.deepEqual(emitted, whole.f.out<WindowRow>(), 'same windows, same seq, none twice or missing');
});
