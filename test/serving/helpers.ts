// Shared set-up of the serving tests: a speed-layer run to completion on a fixed seed with
// analytics (windows and alerts), optionally the batch layer over its bronze, then the API
// server on an ephemeral port over the same data directory.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type Config } from '../../src/config.js';
import { runBatch } from '../../src/pipelines/batch.js';
import { startServer, type ServingServer } from '../../src/pipelines/serving/server.js';
import type { HttpSettings } from '../../src/pipelines/serving/guards.js';
import { lakeSettings, startSpeedLayer, storeSettings } from '../../src/pipelines/speed.js';
import type { Clock } from '../../src/runtime/clock.js';
import { quietLogger } from '../helpers/runtime.js';

export const EPOCH = '2025-12-18T14:00:00Z';

/** A finished embedded run: EVENT_RATE 20 makes `events` tweets span events/20 s of event time. */
export async function finishedRun(opts: { events: number; batch: boolean }): Promise<{ cfg: Config; dataDir: string }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'cashtag-serving-'));
  const cfg = loadConfig({}, {
    DATA_DIR: dataDir, EVENTS: String(opts.events), PARTITIONS: '2', RATE: '0', EVENT_RATE: '20', SEED: '7', GENERATOR_EPOCH: EPOCH,
    LATE_FRACTION: '0', OUT_OF_ORDER_FRACTION: '0.1', MALFORMED_FRACTION: '0.01', PRICES_PER_TWEET: '0.5', METRICS_PORT: '0', CHECKPOINT_INTERVAL: '1',
    SYMBOLS: 'AAPL,TSLA,MSFT,BRK.B', ALERT_SENTIMENT_BELOW: '-0.05', ALERT_PRICE_DROP: '0.001', STORE_RETENTION: '0', ACTOR_THREADS: '1', SCORE_THREADS: '1',
  });
  const run = await startSpeedLayer(cfg, quietLogger());
  await run.done;
  if (opts.batch) await runBatch({ lake: lakeSettings(cfg), threads: 1, log: quietLogger(), progress: () => undefined });
  return { cfg, dataDir };
}

/**
 * The server over a finished run. These tests send thousands of requests a minute from one
 * address, so the per-client rate limit is off unless `http` sets it (guards.test.ts tests it).
 */
export function serve(cfg: Config, extra: { liveIntervalMs?: number; http?: Partial<HttpSettings>; clock?: Clock } = {}): Promise<ServingServer> {
  return startServer({ store: storeSettings(cfg), lake: lakeSettings(cfg), port: 0, host: '127.0.0.1', log: quietLogger(), liveIntervalMs: extra.liveIntervalMs ?? 200, clock: extra.clock, http: { rateLimitPerMinute: 0, ...extra.http } });
}

export async function getJson(base: string, path: string): Promise<{ status: number; type: string; body: Record<string, unknown> }> {
  const res = await fetch(base + path);
  const text = await res.text();
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new Error(`${path}: ${res.status} with a body that is not JSON: ${text.slice(0, 200)}`);
  }
  return { status: res.status, type: res.headers.get('content-type') ?? '', body };
}
