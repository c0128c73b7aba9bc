// Set-up shared by the integration tests that run the speed layer against the real servers:
// settings isolated per run (topic, bucket and keyspace prefixes, consumer group), expected
// results computed from the generator, and polling helpers.
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { extractCashtags, UNTAGGED_TOPIC } from '../../src/domain/cashtags.js';
import { validatePrice, validateTweet } from '../../src/domain/payloads.js';
import { loadConfig, type Config } from '../../src/config.js';
import { generated, type Message } from '../../src/pipelines/producers.js';
import { speedTopology } from '../../src/pipelines/speed.js';
import type { GeneratorSourceOptions } from '../../src/actors/generator-source/protocol.js';
import { stackEnv } from './stack.js';

export function isolatedConfig(extra: Record<string, string> = {}): { cfg: Config; id: string; env: Record<string, string> } {
  const s = stackEnv();
  const id = randomBytes(4).toString('hex');
  const env: Record<string, string> = {
    KAFKA_BROKERS: s.KAFKA_BROKERS,
    KAFKA_TOPIC_PREFIX: `it${id}-`,
    KAFKA_GROUP_ID: `it-${id}`,
    KAFKA_PARTITIONS: '3',
    CASSANDRA_CONTACT_POINTS: s.CASSANDRA_CONTACT_POINTS,
    CASSANDRA_LOCAL_DC: s.CASSANDRA_LOCAL_DC,
    CASSANDRA_KEYSPACE: `it_${id}`,
    S3_ENDPOINT: s.S3_ENDPOINT,
    S3_ACCESS_KEY: s.S3_ACCESS_KEY,
    S3_SECRET_KEY: s.S3_SECRET_KEY,
    LAKE_BUCKET_PREFIX: `it${id}-`,
    DATA_DIR: mkdtempSync(join(tmpdir(), `cashtag-it-${id}-`)),
    METRICS_PORT: '0',
    CHECKPOINT_INTERVAL: '1',
    SEED: '9',
    GENERATOR_EPOCH: '2025-12-18T14:00:00Z',
    EVENT_RATE: '50',
    SYMBOLS: 'AAPL,TSLA,MSFT,NVDA',
    PARTITIONS: '4',
    LOG_LEVEL: 'warn',
    ...extra,
  };
  return { cfg: loadConfig({}, env), id, env };
}

/** The first n messages the producer sends for a topic, and what the pipeline should make of them. */
export function expectedFrom(cfg: Config, topic: 'tweets' | 'stock-prices', n: number) {
  const settings = (speedTopology(cfg, cfg.epoch ?? 0).stages[0].options as GeneratorSourceOptions).generator;
  const it = generated(topic, settings);
  const messages: Message[] = [];
  for (let i = 0; i < n; i++) messages.push(it.next().value as Message);
  const perSymbol = new Map<string, number>();
  let dead = 0;
  let validTweets = 0;
  for (const m of messages) {
    if (topic === 'tweets') {
      const v = validateTweet(m.value);
      if (!v.ok) {
        dead++;
        continue;
      }
      validTweets++;
      for (const s of extractCashtags(v.value.text)) perSymbol.set(s, (perSymbol.get(s) ?? 0) + 1);
    } else {
      const v = validatePrice(m.value);
      if (!v.ok) dead++;
      else perSymbol.set(v.value.symbol, (perSymbol.get(v.value.symbol) ?? 0) + 1);
    }
  }
  perSymbol.delete(UNTAGGED_TOPIC);
  return { messages, perSymbol, dead, validTweets };
}

export async function until<T>(what: string, fn: () => Promise<T | null | undefined | false>, timeoutMs: number, everyMs = 500): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
