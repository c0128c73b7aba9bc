// The join actor with a fake context: each tweet is released joined with the latest tick of its
// symbol at or before it once the watermark passes it; records late for the stage go to the late
// output, records parse flagged late take no part.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import createJoin from '../../src/actors/join/actor.js';
import type { JoinedRow, LateRow } from '../../src/domain/records.js';
import { fakeContext } from '../helpers/fake-context.js';
import { info, MIN, T0, tick, tweet } from '../helpers/analytics-rows.js';

async function started() {
  const f = fakeContext('join');
  const a = await createJoin({ pipeline: 't', lookbackMs: 24 * 60 * MIN }, f.ctx.self);
  await a.init!(f.ctx);
  return { f, a };
}

test('join actor: late ticks and tweets are left out; tweets are released joined when the watermark passes', async () => {
  const { f, a } = await started();
  await a.handle!([tick('p1', 'TSLA', T0, 1, 200), tweet('t1', 'TSLA', T0 + MIN, 0.3)], info);
  assert.deepEqual(f.out<JoinedRow>(), [], 'held until the watermark passes the tweet');
  await a.onWatermark!(T0 + 2 * MIN);
  await a.handle!([tick('late-tick', 'TSLA', T0 + MIN, 1, 999), tweet('late-tweet', 'TSLA', T0, 0)], info);
  const joined = f.out<JoinedRow>();
  assert.deepEqual(joined.map((j) => [j.id, j.priceId, j.closePrice]), [['t1', 'p1', 200]]);
  assert.deepEqual(f.out<LateRow>('late').map((l) => l.id).sort(), ['late-tick', 'late-tweet']);
});

test('join actor: records parse flagged late take no part and are not reported again', async () => {
  const { f, a } = await started();
  await a.handle!([tweet('t1', 'AAPL', T0 + 30_000, 0.5), { ...tweet('t2', 'AAPL', T0 + 40_000, -0.9), late: true }, tick('p1', 'AAPL', T0, 100, 100), { ...tick('p2', 'AAPL', T0 + 35_000, 100, 50), late: true }], info);
  await a.onWatermark!(T0 + 10 * MIN);
  assert.deepEqual(f.out<JoinedRow>().map((r) => [r.id, r.priceId]), [['t1', 'p1']], 'the flagged tweet is not joined, the flagged tick not used');
  assert.deepEqual(f.out('late'), [], 'parse reported them already');
});
