// Compaction inside a running pipeline: the same records run with compaction off, with
// compaction every half second (two files at a time, so it merges at nearly every pass), and
// with compaction stopped mid-run and resumed: every lake table holds the same rows (DuckDB,
// `ingest_timestamp` left out), and the compacted lakes hold fewer files.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadConfig } from '../../src/config.js';
import { supersededKeys } from '../../src/io/parquet/compaction.js';
import { startSpeedLayer } from '../../src/pipelines/speed.js';
import { compareLakes } from '../chaos/lake-compare.js';
import { metricSum } from '../helpers/duckdb.js';
import { endOrStopAfter, quietLogger } from '../helpers/runtime.js';

const DATA = {
  EVENTS: '40000', PARTITIONS: '4', RATE: '4000', EVENT_RATE: '20', SEED: '11', GENERATOR_EPOCH: '2025-12-18T14:00:00Z',
  LATE_FRACTION: '0.02', OUT_OF_ORDER_FRACTION: '0.1', MALFORMED_FRACTION: '0.01', PRICES_PER_TWEET: '0.5',
  SYMBOLS: 'AAPL,TSLA,MSFT,NVDA,AMZN', METRICS_PORT: '0', SERVE: 'off', CHECKPOINT_INTERVAL: '0.3',
  // Small files whatever the checkpoint cadence (few checkpoints complete on a loaded machine).
  FILE_MAX_ROWS: '150',
};

/**
 * Run to the end; with `compactAt`, also compact (one pass now, besides the timer's) once that
 * many checkpoints are done, while the pipeline runs: a loaded machine may complete few
 * checkpoints before the end, and the test must not depend on timing.
 */
async function runToEnd(dataDir: string, env: Record<string, string>, stopAfterCheckpoints = 0, compactAt = 0): Promise<string> {
  const cfg = loadConfig({}, { ...DATA, DATA_DIR: dataDir, ...env });
  const run = await startSpeedLayer(cfg, quietLogger());
  let passes = Promise.resolve();
  if (compactAt > 0) {
    let next = compactAt;
    const poll = setInterval(() => {
      if (run.supervisor.lastCheckpoint >= next) {
        next += 2;
        passes = passes.then(() => run.compactor.pass());
      }
    }, 5);
    void run.done.finally(() => clearInterval(poll));
  }
  await endOrStopAfter(run, stopAfterCheckpoints);
  await passes;
  return run.supervisor.metricsText();
}

const files = (lake: string): string[] => readdirSync(lake, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.parquet') && !f.startsWith('.scratch'));

test('a pipeline compacting as it runs (and stopped and resumed) writes the same rows in fewer files', { timeout: 300_000 }, async () => {
  const a = mkdtempSync(join(tmpdir(), 'cashtag-cmp-a-'));
  const b = mkdtempSync(join(tmpdir(), 'cashtag-cmp-b-'));
  const c = mkdtempSync(join(tmpdir(), 'cashtag-cmp-c-'));
  await runToEnd(a, { COMPACT_INTERVAL: '0' });
  const metricsB = await runToEnd(b, { COMPACT_INTERVAL: '0.5', COMPACT_MIN_FILES: '2' }, 0, 2);
  await runToEnd(c, { COMPACT_INTERVAL: '0.5', COMPACT_MIN_FILES: '2' }, 5, 2);
  await runToEnd(c, { COMPACT_INTERVAL: '0.5', COMPACT_MIN_FILES: '2' }, 0, 1);

  const merged = metricSum(metricsB, 'cashtag_compaction_files_merged_total');
  assert.ok(merged > 0, 'compaction merged files while the pipeline ran');
  assert.ok(metricSum(metricsB, 'cashtag_compaction_rows_total') > 0);
  // The test's passes and the timer's took turns: none found another of this process holding the lease.
  assert.equal(metricSum(metricsB, 'cashtag_compaction_passes_total', 'outcome="busy"'), 0);
  for (const t of await compareLakes([join(a, 'lake'), join(b, 'lake'), join(c, 'lake')])) {
    assert.ok(t.rows[0] > 0 || t.table.path.endsWith('alerts'), `${t.table.path}: no rows`);
    t.diffs.forEach((d, i) => assert.equal(d.onlyFirst + d.onlyOther, 0, `${t.table.path}: rows differ between run a and run ${'bc'[i]}: ${d.samples.join('; ')}`));
  }
  const [fa, fb, fc] = [a, b, c].map((d) => files(join(d, 'lake')));
  assert.ok(fb.length < fa.length && fc.length < fa.length, `files: ${fa.length} uncompacted, ${fb.length} and ${fc.length} compacted`);
  // A clean stop lets the merge in progress finish: nothing superseded is left for a plain glob.
  for (const d of [b, c]) assert.equal(supersededKeys(files(join(d, 'lake')).map((key) => ({ key, size: 0 }))).size, 0);
  console.log(`files: ${fa.length} uncompacted, ${fb.length} compacted (${merged} merged), ${fc.length} compacted with a stop and resume`);
});
