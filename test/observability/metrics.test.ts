// The /metrics page of a running pipeline: merged from every thread, valid for Prometheus
// (checked with promtool from Debian's prometheus package), and the dashboard only asks for
// metrics that cashtag exports.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import client from 'prom-client';
import { loadConfig } from '../../src/config.js';
import { startSpeedLayer } from '../../src/pipelines/speed.js';
import { createProducerMetrics } from '../../src/pipelines/producers.js';
// Every family the pipelines register (actors' analytics, compaction), as `cashtag run` has them.
import '../../src/pipelines/metric-families.js';
import { createMetrics } from '../../src/runtime/metrics.js';
import { metricSum } from '../helpers/duckdb.js';
import { quietLogger } from '../helpers/runtime.js';

test('/metrics merges every thread and passes promtool check metrics', { timeout: 60_000 }, async () => {
  const port = 20_000 + Math.floor(Math.random() * 20_000);
  const cfg = loadConfig({}, { DATA_DIR: mkdtempSync(join(tmpdir(), 'cashtag-metrics-')), METRICS_PORT: String(port), RATE: '2000', CHECKPOINT_INTERVAL: '0.5', ACTOR_THREADS: '2' });
  const run = await startSpeedLayer(cfg, quietLogger());
  try {
    // Wait (bounded) until a checkpoint has completed, so every metric family has samples.
    let text = '';
    for (let i = 0; i < 100 && metricSum(text, 'cashtag_checkpoints_completed_total') === 0; i++) {
      await new Promise((r) => setTimeout(r, 200));
      const res = await fetch(`http://127.0.0.1:${port}/metrics`);
      assert.equal(res.status, 200);
      text = await res.text();
    }
    // Parse and sinks run on worker threads: their counters must be in the merged page.
    assert.ok(metricSum(text, 'cashtag_records_in_total', 'actor="parse"') > 0, 'worker-thread metrics missing');
    assert.ok(metricSum(text, 'cashtag_sink_rows_written_total', 'sink="store"') > 0);
    assert.ok(metricSum(text, 'cashtag_end_to_end_latency_seconds_count') > 0);
    assert.ok(metricSum(text, 'cashtag_checkpoints_completed_total') > 0);
    assert.match(text, /^process_resident_memory_bytes /m);
    // Each thread's heap, main and both actor threads (the default metrics describe main's only).
    const heaps = [...text.matchAll(/^cashtag_thread_heap_bytes\{thread="([^"]+)",kind="used"\} (\d+)/gm)];
    assert.equal(heaps.filter((m) => m[1] === 'main').length, 1, 'the main thread\'s heap');
    assert.equal(heaps.filter((m) => /^worker-\d+$/.test(m[1])).length, 2, 'each actor thread\'s heap');
    assert.ok(heaps.every((m) => Number(m[2]) > 1_000_000), 'heaps in bytes, as V8 reports them');
    const check = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    assert.equal(check.error, undefined, `promtool not runnable (make test installs Debian's prometheus package): ${check.error?.message}`);
    assert.equal(check.status, 0, `promtool check metrics:\n${check.stdout}${check.stderr}`);
  } finally {
    await run.stop();
  }
});

test('every metric the Grafana dashboard queries is one cashtag exports', () => {
  const registry = new client.Registry();
  createMetrics(registry);
  const producers = new client.Registry();
  createProducerMetrics(producers);
  client.collectDefaultMetrics({ register: registry });
  const exported = new Set([...registry.getMetricsAsArray(), ...producers.getMetricsAsArray()].map((m) => m.name));
  const dashboard = readFileSync(new URL('../../../grafana/dashboards/cashtag-pipeline.json', import.meta.url), 'utf8');
  const exprs = [...dashboard.matchAll(/"expr": "((?:[^"\\]|\\.)*)"/g)].map((m) => JSON.parse(`"${m[1]}"`) as string);
  assert.ok(exprs.length >= 20, 'dashboard has too few queries');
  for (const expr of exprs) {
    for (const [name] of expr.matchAll(/\b(?:cashtag|process|nodejs)_[a-z0-9_]+/g)) {
      const base = name.replace(/_(bucket|sum|count)$/, '');
      assert.ok(exported.has(name) || exported.has(base), `dashboard queries ${name}, which is not exported (in: ${expr})`);
    }
  }
});
