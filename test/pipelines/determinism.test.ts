// Same input, same answer: the embedded pipeline run on the same records with different thread
// counts, batch sizes, linger, watermark interval and checkpoint interval — and once stopped
// mid-run and resumed — writes identical rows to every lake table (bronze, silver, gold, late
// events, dead letters). `ingest_timestamp` (processing time: when the source read a record) is
// the one column left out. Then a finished run started again rewrites nothing.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadConfig } from '../../src/config.js';
import { startSpeedLayer } from '../../src/pipelines/speed.js';
import { compareLakes, diffSnapshots, snapshotLake } from '../chaos/lake-compare.js';
import { metricSum } from '../helpers/duckdb.js';
import { endOrStopAfter, quietLogger } from '../helpers/runtime.js';

const DATA = {
  EVENTS: '40000', PARTITIONS: '4', RATE: '0', EVENT_RATE: '20', SEED: '7', GENERATOR_EPOCH: '2025-12-18T14:00:00Z',
  LATE_FRACTION: '0.02', OUT_OF_ORDER_FRACTION: '0.1', MALFORMED_FRACTION: '0.01', PRICES_PER_TWEET: '0.5',
  SYMBOLS: 'AAPL,TSLA,MSFT,NVDA,AMZN', ALERT_SENTIMENT_BELOW: '-0.05', ALERT_PRICE_DROP: '0.001', METRICS_PORT: '0', SERVE: 'off',
};

async function runToEnd(dataDir: string, env: Record<string, string>, stopAfterCheckpoints = 0): Promise<string> {
  const cfg = loadConfig({}, { ...DATA, DATA_DIR: dataDir, ...env });
  const run = await startSpeedLayer(cfg, quietLogger());
  await endOrStopAfter(run, stopAfterCheckpoints);
  return run.supervisor.metricsText();
}

test('same records, different threads, batches, timing and a stop and resume: identical lake tables', { timeout: 300_000 }, async () => {
  const a = mkdtempSync(join(tmpdir(), 'cashtag-det-a-'));
  const b = mkdtempSync(join(tmpdir(), 'cashtag-det-b-'));
  const c = mkdtempSync(join(tmpdir(), 'cashtag-det-c-'));
  const metricsA = await runToEnd(a, { ACTOR_THREADS: '2', SCORE_THREADS: '2', BATCH_SIZE: '512', LINGER_MS: '20', WATERMARK_INTERVAL: '200', CHECKPOINT_INTERVAL: '1' });
  await runToEnd(b, { ACTOR_THREADS: '1', SCORE_THREADS: '1', BATCH_SIZE: '37', LINGER_MS: '1', WATERMARK_INTERVAL: '0', CHECKPOINT_INTERVAL: '0.3' });
  // Stopped (drained) after its second checkpoint, then resumed to the end.
  await runToEnd(c, { ACTOR_THREADS: '2', BATCH_SIZE: '128', CHECKPOINT_INTERVAL: '0.5' }, 2);
  await runToEnd(c, { ACTOR_THREADS: '2', BATCH_SIZE: '128', CHECKPOINT_INTERVAL: '0.5' });
  assert.ok(metricSum(metricsA, 'cashtag_late_records_total') > 100, 'the input has late records');

  for (const t of await compareLakes([join(a, 'lake'), join(b, 'lake'), join(c, 'lake')])) {
    assert.ok(t.rows[0] > 0, `${t.table.path}: no rows`);
    t.diffs.forEach((d, i) => assert.equal(d.onlyFirst + d.onlyOther, 0, `${t.table.path}: rows differ between run a and run ${'bc'[i]}: ${d.samples.join('; ')}`));
  }

  // A finished run started again resumes after its last record: it rewrites nothing.
  const before = snapshotLake(join(a, 'lake'));
  await runToEnd(a, { CHECKPOINT_INTERVAL: '1' });
  assert.deepEqual(diffSnapshots(before, snapshotLake(join(a, 'lake'))), { added: [], removed: [], changed: [], rewritten: [] }, 'a rerun of a finished run changed the lake');
});
