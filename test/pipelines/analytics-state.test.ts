// Window and join state stay bounded: a full-rate run over 40 minutes of event time, sampling
// the state-size gauges as it goes. Past the first window length plus the allowed lateness, the
// state must stop growing (it is bounded by symbols x (window + lateness), not by the run).
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadConfig } from '../../src/config.js';
import { startSpeedLayer } from '../../src/pipelines/speed.js';
import { metricSum } from '../helpers/duckdb.js';
import { quietLogger } from '../helpers/runtime.js';

test('window panes and join state are flat over a long full-rate run', { timeout: 240_000 }, async () => {
  // 200 tweets per second of event time, 480,000 tweets: 40 minutes of event time.
  const cfg = loadConfig({}, {
    DATA_DIR: mkdtempSync(join(tmpdir(), 'cashtag-state-')), EVENTS: '480000', RATE: '0', EVENT_RATE: '200', PARTITIONS: '2',
    METRICS_PORT: '0', CHECKPOINT_INTERVAL: '5', LATE_FRACTION: '0.01', JOIN_LOOKBACK: '0.1', GENERATOR_EPOCH: '2025-12-18T14:00:00Z',
  });
  const run = await startSpeedLayer(cfg, quietLogger());
  const samples: { tweets: number; panes: number; ticks: number; pending: number }[] = [];
  let finished = false;
  void run.done.finally(() => (finished = true));
  while (!finished) {
    await new Promise((r) => setTimeout(r, 500));
    const m = await run.supervisor.metricsText().catch(() => '');
    if (!m) continue;
    samples.push({
      tweets: metricSum(m, 'cashtag_source_records_total', 'topic="tweets"'),
      panes: metricSum(m, 'cashtag_state_entries', 'store="window-panes"'),
      ticks: metricSum(m, 'cashtag_state_entries', 'store="join-ticks"'),
      pending: metricSum(m, 'cashtag_state_entries', 'store="join-tweets"'),
    });
  }
  await run.done;
  // Event time advances 1 minute per 12,000 tweets: skip the first 10 minutes of event time.
  const steady = samples.filter((s) => s.tweets >= 120_000 && s.tweets < 470_000);
  assert.ok(steady.length >= 6, `too few samples in the steady part (${steady.length} of ${samples.length})`);
  // A leak keeps everything it was given: all 8 x 40 one-minute panes, every pending tweet and
  // tick of the run. Bounded state holds what the window, the lateness, the look-back and the
  // watermark's lag behind the data need, a small fraction of that however busy the machine is
  // (on a loaded machine the lag is seconds of wall time, i.e. minutes of this run's event time).
  const bounds = { panes: (8 * 40) / 2, pending: 480_000 / 2, ticks: (480_000 * 0.2) / 2 };
  const half = Math.floor(steady.length / 2);
  for (const k of ['panes', 'ticks', 'pending'] as const) {
    const early = Math.max(...steady.slice(0, half).map((s) => s[k]));
    const late = Math.max(...steady.slice(half).map((s) => s[k]));
    assert.ok(early > 0, `${k}: no state seen`);
    assert.ok(Math.max(early, late) <= bounds[k], `${k} reached ${Math.max(early, late)}, above its bound ${bounds[k]}`);
    assert.ok(late <= early * 1.6 + 20, `${k} grew from ${early} to ${late} over the run`);
  }
});
