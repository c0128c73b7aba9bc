// The demo the README promises: with the default settings, the generator's market moves its
// windows and raises an alert within the first 10 minutes of event time. Event time runs 10x
// slower per record than `make run` (EVENT_RATE 100, not 1,000) so the test reads 60,000
// tweets instead of 600,000; window means and price changes do not depend on the tweet rate.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadConfig } from '../../src/config.js';
import { startSpeedLayer } from '../../src/pipelines/speed.js';
import { duckdb } from '../helpers/duckdb.js';
import { quietLogger } from '../helpers/runtime.js';

test('the default settings raise an alert within 10 minutes of event time, and windows vary', { timeout: 180_000 }, async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'cashtag-demo-'));
  try {
    const cfg = loadConfig({}, { DATA_DIR: dataDir, EVENTS: '60000', RATE: '0', EVENT_RATE: '100', METRICS_PORT: '0' });
    const run = await startSpeedLayer(cfg, quietLogger());
    await run.done;
    const gold = join(dataDir, 'lake', 'twitter-gold');
    const db = await duckdb();
    try {
      const alerts = await db.all(`SELECT topic, window_start, window_end, mean_sentiment, price_change FROM read_parquet('${gold}/alerts/*.parquet')`);
      assert.ok(alerts.length >= 1, 'no alert in the first 10 minutes');
      for (const a of alerts) assert.ok(Number(a.mean_sentiment) < -0.5 && Number(a.price_change) < -0.02, JSON.stringify(a, (_, v: unknown) => (typeof v === 'bigint' ? Number(v) : v)));
      const [w] = await db.all(`SELECT count(*) AS n, min(mean_sentiment) AS lo, max(mean_sentiment) AS hi FROM read_parquet('${gold}/sentiment_windows_5m/*/*.parquet', hive_partitioning = true)`);
      assert.ok(Number(w.lo) < -0.5 && Number(w.hi) > 0.3, `window means only ${String(w.lo)}..${String(w.hi)} over ${String(w.n)} windows`);
    } finally {
      db.close();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});
