// Prometheus (the local stack's, configured by deploy/prometheus/prometheus.yml) scrapes the
// pipeline and the producers while they run, and every PromQL expression of the Grafana
// dashboard returns data.
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { runProducer } from '../../src/pipelines/producers.js';
import { speedTopology, startSpeedLayer } from '../../src/pipelines/speed.js';
import type { GeneratorSourceOptions } from '../../src/actors/generator-source/protocol.js';
import { quietLogger } from '../helpers/runtime.js';
import { stackEnv } from '../helpers/stack.js';
import { isolatedConfig, until } from '../helpers/stack-run.js';

async function query(base: string, expr: string): Promise<unknown[]> {
  const res = await fetch(`${base}/api/v1/query?query=${encodeURIComponent(expr)}`);
  const body = (await res.json()) as { status: string; error?: string; data?: { result: unknown[] } };
  if (body.status !== 'success') throw new Error(`${expr}: ${body.error}`);
  return body.data!.result;
}

test('Prometheus scrapes pipeline and producers; every dashboard query returns data', { timeout: 240_000 }, async () => {
  const prom = stackEnv('PROMETHEUS_URL').PROMETHEUS_URL;
  // The ports deploy/prometheus/prometheus.yml scrapes.
  const { cfg } = isolatedConfig({ METRICS_PORT: '9464', RATE: '400', EVENT_RATE: '4000', ALERT_SENTIMENT_BELOW: '0.5', ALERT_PRICE_DROP: '0', COMPACT_INTERVAL: '10' });
  const log = quietLogger();
  const run = await startSpeedLayer(cfg, log);
  const abort = new AbortController();
  const generator = (speedTopology(cfg, cfg.epoch!).stages[0].options as GeneratorSourceOptions).generator;
  const topics = { partitions: cfg.kafkaPartitions, replicationFactor: 1, retentionMs: 3_600_000 };
  const producers = (['tweets', 'stock-prices'] as const).map((topic, i) =>
    runProducer({ topic, topicPrefix: cfg.kafkaTopicPrefix, brokers: cfg.kafkaBrokers, rate: topic === 'tweets' ? 400 : 100, limit: -1, source: { kind: 'generator', settings: generator }, batchSize: 100, topics, metricsPort: 9465 + i, log, signal: abort.signal }),
  );
  try {
    await until('Prometheus to see the pipeline and both producers up', async () => {
      const up = (await query(prom, 'up{job=~"cashtag-pipeline|cashtag-producers"} == 1')) as { metric: { instance: string } }[];
      return up.length >= 3;
    }, 90_000, 2_000);
    const dashboard = readFileSync(new URL('../../../grafana/dashboards/cashtag-pipeline.json', import.meta.url), 'utf8');
    const exprs = [...dashboard.matchAll(/"expr": "((?:[^"\\]|\\.)*)"/g)].map((m) => (JSON.parse(`"${m[1]}"`) as string).replaceAll('$pipeline', '.*').replaceAll('$job', '.*'));
    const empty = new Set(exprs);
    await until('every dashboard query to return data', async () => {
      for (const e of [...empty]) if ((await query(prom, e)).length > 0) empty.delete(e);
      return empty.size === 0;
    }, 120_000, 5_000).catch((e: unknown) => {
      throw new Error(`${String(e)}\nstill empty:\n  ${[...empty].join('\n  ')}`);
    });
  } finally {
    abort.abort();
    await Promise.all(producers);
    await run.stop();
  }
});
