// Watermark alignment (runtime/alignment.ts): which sources are held, and on real threads, that a
// fast partition stays within the allowed drift of a slow one, with every record still delivered
// once and in order.
import assert from 'node:assert/strict';
import { beforeEach, test } from 'node:test';
import { IDLE_WATERMARK, WatermarkAlignment } from '../../src/runtime/alignment.js';
import type { TopologySpec } from '../../src/runtime/topology.js';
import { collected } from '../fixtures/actors/collect-sink.js';
import { pipeline, supervisor } from '../helpers/runtime.js';

beforeEach(() => {
  collected.length = 0;
});

const topology: TopologySpec = {
  name: 't',
  stages: [
    { name: 'source', module: '', parallelism: 3, source: true },
    { name: 'parse', module: '', parallelism: 3 },
    { name: 'windows', module: '', parallelism: 3 },
    { name: 'shuffle', module: '', parallelism: 3, source: true },
  ],
  edges: [
    { from: 'source', to: 'parse', route: { kind: 'forward' } },
    { from: 'parse', to: 'windows', route: { kind: 'hash' } },
    { from: 'shuffle', to: 'windows', route: { kind: 'forward' } },
  ],
};

test('the sources feeding an instance more than the drift ahead of its stage\'s slowest are held; idle and ended instances hold no one back', () => {
  const a = new WatermarkAlignment(topology, 1_000);
  assert.deepEqual(a.held(), [], 'nothing reported, nothing held');
  a.report([['parse/0', 10_000]]);
  a.report([['parse/1', 11_000]]);
  a.report([['parse/2', 11_001]]);
  assert.deepEqual(a.held(), ['source/2'], 'parse/2 is 1,001 ms ahead of parse/0: its source waits');
  a.report([['parse/0', IDLE_WATERMARK]]);
  assert.deepEqual(a.held(), [], 'parse/0 went idle: parse/1 is now the slowest');
  a.report([['parse/0', 9_000]]);
  assert.deepEqual(a.held(), ['source/1', 'source/2']);
  a.ended('parse/0');
  assert.deepEqual(a.held(), []);
  // A source that generates watermarks itself is held itself; a hash edge is not followed.
  a.report([['shuffle/0', 0]]);
  a.report([['shuffle/1', 5_000]]);
  assert.deepEqual(a.held(), ['shuffle/1']);
  a.report([['windows/0', 0]]);
  a.report([['windows/1', 5_000]]);
  assert.deepEqual(a.held(), ['shuffle/1'], 'windows is fed by parse only through a hash edge, and by shuffle, already held');
});

/** The largest gap between the two partitions' newest event times, over the sink's arrivals. */
function maxSkew(): number {
  const newest = [-1, -1];
  let skew = 0;
  for (const r of collected) {
    newest[r.p] = Math.max(newest[r.p], r.n);
    if (newest[0] >= 0 && newest[1] >= 0) skew = Math.max(skew, Math.abs(newest[0] - newest[1]));
    else skew = Math.max(skew, newest[r.p]);
  }
  return skew;
}

async function run(alignmentMs: number): Promise<number> {
  // Partition 0 passes 100 records per >= 1 ms, partition 1 per >= 10 ms; n is the event time.
  const t = pipeline({ limit: 30_000, partitions: 2, batch: 100 });
  t.stages[1] = { name: 'map', module: new URL('../fixtures/actors/stamper.js', import.meta.url).href, parallelism: 2, options: { delayMs: [1, 10] } };
  const sup = supervisor(t, { settings: { watermarkAlignmentMs: alignmentMs } });
  await sup.start();
  await sup.done;
  await sup.shutdown();
  for (const p of [0, 1]) {
    const ns = collected.filter((r) => r.p === p).map((r) => r.n);
    assert.deepEqual(ns, Array.from({ length: 30_000 }, (_, i) => i), `partition ${p}: every record once, in order`);
  }
  return maxSkew();
}

test('a fast partition is held within the drift of a slow one (plus what one report interval lets through); without alignment it runs away', { timeout: 60_000 }, async (t) => {
  const aligned = await run(3_000);
  collected.length = 0;
  const free = await run(0);
  t.diagnostic(`largest skew: aligned ${aligned}, unaligned ${free} (ms of event time)`);
  // Unaligned, partition 0 ends (>= 0.3 s) while partition 1 is near 3,000: a skew of ~27,000.
  assert.ok(free > 24_000, `without alignment the skew reaches ${free}`);
  // Aligned: 3,000 of drift plus at most ~100 records/ms for a report interval (100 ms) and the hold's latency.
  assert.ok(aligned < 18_000, `aligned skew ${aligned} (unaligned ${free})`);
});
