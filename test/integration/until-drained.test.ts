// `cashtag run --until-drained` against the real servers: a backlog produced beforehand is
// drained completely, the run stops by itself with exit 0, every record is in bronze once, the
// group's committed offsets are the ends seen at start, and a second run writes nothing new.
// Analytics on (windows and join see the end of the stream, one process owns every partition)
// and off (tasks mode, checkpoints per task).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import kafkajs from 'kafkajs';
import type { Config } from '../../src/config.js';
import { topicNames } from '../../src/io/kafka/client.js';
import { runProducer } from '../../src/pipelines/producers.js';
import { speedTopology } from '../../src/pipelines/speed.js';
import type { GeneratorSourceOptions } from '../../src/actors/generator-source/protocol.js';
import { countBy, parquetRows, s3Client } from '../helpers/stack-read.js';
import { expectedFrom, isolatedConfig, startPipeline } from '../helpers/stack-run.js';
import { quietLogger } from '../helpers/runtime.js';

const TWEETS = 4_000;
const PRICES = 800;

async function produceBacklog(cfg: Config): Promise<void> {
  const generator = (speedTopology(cfg, cfg.epoch!).stages[0].options as GeneratorSourceOptions).generator;
  const topics = { partitions: cfg.kafkaPartitions, replicationFactor: 1, retentionMs: 3_600_000 };
  const base = { topicPrefix: cfg.kafkaTopicPrefix, brokers: cfg.kafkaBrokers, rate: 0, source: { kind: 'generator' as const, settings: generator }, batchSize: 500, topics, metricsPort: 0, log: quietLogger() };
  const sent = await Promise.all([runProducer({ ...base, topic: 'tweets', limit: TWEETS }), runProducer({ ...base, topic: 'stock-prices', limit: PRICES })]);
  assert.deepEqual(sent.map((s) => s.sent), [TWEETS, PRICES], 'the backlog is in Kafka');
}

/** Per input topic: the group's committed offsets and the partitions' ends, by partition. */
async function committedAndEnds(cfg: Config): Promise<{ committed: string[]; ends: string[] }> {
  const admin = new kafkajs.Kafka({ brokers: cfg.kafkaBrokers, logLevel: kafkajs.logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const committed: string[] = [];
    const ends: string[] = [];
    for (const topic of [topicNames(cfg.kafkaTopicPrefix).tweets, topicNames(cfg.kafkaTopicPrefix).prices]) {
      const [c] = await admin.fetchOffsets({ groupId: cfg.kafkaGroupId, topics: [topic] });
      for (const e of (await admin.fetchTopicOffsets(topic)).sort((a, b) => a.partition - b.partition)) {
        ends.push(`${topic}/${e.partition}:${e.high}`);
        const o = c.partitions.find((p) => p.partition === e.partition)?.offset ?? '-1';
        committed.push(`${topic}/${e.partition}:${o === '-1' ? e.low : o}`);
      }
    }
    return { committed, ends };
  } finally {
    await admin.disconnect();
  }
}

/** Every lake object (bronze, silver, gold) with its size and ETag: what a rerun must leave alone. */
async function lakeObjects(cfg: Config): Promise<string[]> {
  const s3 = s3Client(cfg);
  const out: string[] = [];
  for (const bucket of ['twitter-bronze', 'twitter-silver', 'twitter-gold']) {
    const name = `${cfg.lakeBucketPrefix}${bucket}`;
    for await (const o of s3.listObjectsV2(name, '', true) as AsyncIterable<{ name: string; size: number; etag: string }>) out.push(`${bucket}/${o.name} ${o.size} ${o.etag}`);
  }
  return out.sort();
}

async function drainOnce(name: string, env: Record<string, string>): Promise<string> {
  const p = await startPipeline(name, env, { UNTIL_DRAINED: 'on' });
  const timer = setTimeout(() => p.proc.kill('SIGKILL'), 150_000);
  const code = await p.exited;
  clearTimeout(timer);
  assert.equal(code, 0, `${name}: --until-drained exits 0 by itself:\n${p.output().slice(-3_000)}`);
  assert.match(p.output(), /stopped cleanly/, `${name}: it says it stopped cleanly`);
  return p.output();
}

for (const analytics of ['on', 'off'] as const) {
  test(`--until-drained, analytics ${analytics}: the backlog is drained once, exit 0, and a rerun writes nothing`, { timeout: 420_000 }, async () => {
    const { cfg, env } = isolatedConfig({ ANALYTICS: analytics, MALFORMED_FRACTION: '0.02', EVENT_RATE: '2', CHECKPOINT_INTERVAL: '2' });
    await produceBacklog(cfg);
    await drainOnce('first', env);

    const tweets = expectedFrom(cfg, 'tweets', TWEETS);
    const prices = expectedFrom(cfg, 'stock-prices', PRICES);
    const rows = await parquetRows(cfg, 'twitter-bronze', 'tweets_v2/');
    assert.deepEqual(countBy(rows, ['NONE']), Object.fromEntries(tweets.perSymbol), 'bronze tweets per symbol');
    const ids = rows.map((r) => `${r.partition}:${String(r.row.source_partition)}:${String(r.row.source_offset)}`);
    assert.equal(new Set(ids).size, ids.length, 'no tweet twice in bronze');
    const tweetRecords = new Set(rows.map((r) => `${String(r.row.source_partition)}:${String(r.row.source_offset)}`));
    assert.equal(tweetRecords.size, tweets.validTweets, 'every valid tweet in bronze');
    assert.deepEqual(countBy(await parquetRows(cfg, 'twitter-bronze', 'stock_prices/')), Object.fromEntries(prices.perSymbol), 'bronze ticks per symbol');
    assert.deepEqual(countBy(await parquetRows(cfg, 'twitter-bronze', 'dead_letters/')), { 'tweets': tweets.dead, 'stock-prices': prices.dead }, 'dead letters in bronze');
    const offsets = await committedAndEnds(cfg);
    assert.deepEqual(offsets.committed, offsets.ends, 'the final checkpoint committed the end of every partition');
    if (analytics === 'on') {
      // The end of the stream brings the watermark to the furthest one seen (newest event time
      // minus ALLOWED_LATENESS): windows before it are emitted; later ones stay open in the final
      // checkpoint, for a run that reads more.
      const windows = await parquetRows(cfg, 'twitter-gold', 'sentiment_windows_5m/');
      assert.ok(windows.length > 0, 'windows were written');
      const lastEvent = Math.max(...rows.map((r) => new Date(r.row.created_at as Date).getTime()));
      const lastWindowEnd = Math.max(...windows.map((r) => new Date(r.row.window_end as Date).getTime()));
      assert.ok(lastWindowEnd <= lastEvent - cfg.allowedLateness * 1000, 'no window past the final watermark was emitted');
      assert.ok(lastWindowEnd > lastEvent - cfg.allowedLateness * 1000 - 5 * 60_000, `windows up to the final watermark were emitted (last window end ${new Date(lastWindowEnd).toISOString()}, last tweet ${new Date(lastEvent).toISOString()})`);
    }

    const before = await lakeObjects(cfg);
    await drainOnce('second', env);
    assert.deepEqual(await lakeObjects(cfg), before, 'the second --until-drained run wrote nothing new');
    const after = await committedAndEnds(cfg);
    assert.deepEqual(after.committed, offsets.ends, 'the offsets stay at the ends');
  });
}
