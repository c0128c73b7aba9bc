// Scale-out against the real servers (DESIGN.md §5): two replicas of `cashtag run` share the
// consumer group with ANALYTICS_SHUFFLE=kafka. The second joins mid-run (tasks move to it and are
// restored from the first one's checkpoints), then the first is killed with SIGKILL (its tasks
// move back, restored from its last committed checkpoints). Read afterwards with clients other
// than the pipeline's own code: every tweet and tick exactly once in Cassandra and in bronze,
// every sliding window emitted once with exactly the tweets bronze holds for it, no joined
// tweet twice, and offsets committed at the end of every topic.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import kafkajs from 'kafkajs';
import type { GeneratorSourceOptions } from '../../src/actors/generator-source/protocol.js';
import { UNTAGGED_TOPIC } from '../../src/domain/cashtags.js';
import { runProducer } from '../../src/pipelines/producers.js';
import { speedTopology } from '../../src/pipelines/speed.js';
import { quietLogger } from '../helpers/runtime.js';
import { cassandraCounts as countsIn, parquetRows } from '../helpers/stack-read.js';
import { expectedFrom, isolatedConfig, pipelineMetric, sleep, startPipeline as startReplica, until, type PipelineProcess as Replica } from '../helpers/stack-run.js';

const ownedTasks = (r: Replica) => pipelineMetric(r, 'cashtag_owned_tasks');

const ms = (v: unknown) => (v instanceof Date ? v.getTime() : Number(v));

test('two replicas share the consumer group: a replica joining and one killed lose and repeat nothing', { timeout: 600_000 }, async () => {
  const TWEETS = 4_000;
  const PRICES = 800;
  const { cfg, env } = isolatedConfig({
    ANALYTICS_SHUFFLE: 'kafka',
    KAFKA_PARTITIONS: '4',
    KAFKA_SESSION_TIMEOUT: '6',
    SYMBOLS: 'AAPL,TSLA,MSFT,NVDA,AMZN,META,GOOGL,AMD',
    EVENT_RATE: '10', // 4,000 tweets span 400 s of event time: windows close while the run goes on
    IDLE_TIMEOUT: '20',
    CHECKPOINT_INTERVAL: '1',
    ACTOR_THREADS: '1',
    SCORE_THREADS: '1',
  });
  const generator = (speedTopology(cfg, cfg.epoch!).stages[0].options as GeneratorSourceOptions).generator;
  const topics = { partitions: cfg.kafkaPartitions, replicationFactor: 1, retentionMs: 3_600_000 };
  const produce = (topic: 'tweets' | 'stock-prices', rate: number, limit: number) =>
    runProducer({ topic, topicPrefix: cfg.kafkaTopicPrefix, brokers: cfg.kafkaBrokers, rate, limit, source: { kind: 'generator', settings: generator }, batchSize: 50, topics, metricsPort: 0, log: quietLogger(), signal: new AbortController().signal });

  const replicas: Replica[] = [];
  try {
    const a = await startReplica('a', env);
    replicas.push(a);
    await until('replica a to own every task', async () => (await ownedTasks(a)) === 4, 90_000);
    const producing = Promise.all([produce('tweets', 100, TWEETS), produce('stock-prices', 20, PRICES)]);
    await sleep(8_000);
    const b = await startReplica('b', env);
    replicas.push(b);
    await until('the tasks to be shared by both replicas', async () => (await ownedTasks(a)) === 2 && (await ownedTasks(b)) === 2, 90_000);
    await sleep(10_000);
    a.proc.kill('SIGKILL');
    await a.exited;
    await until('replica b to take every task over', async () => (await ownedTasks(b)) === 4, 90_000);
    const [sentTweets, sentPrices] = await producing;
    assert.equal(sentTweets.sent, TWEETS);
    assert.equal(sentPrices.sent, PRICES);

    const tweets = expectedFrom(cfg, 'tweets', TWEETS);
    const prices = expectedFrom(cfg, 'stock-prices', PRICES);
    const expectTweets = Object.fromEntries(tweets.perSymbol);
    await until('every tweet in Cassandra', async () => JSON.stringify(await countsIn(cfg, 'tweets', tweets.perSymbol.keys())) === JSON.stringify(expectTweets), 180_000, 2_000).catch(async (e: unknown) => {
      assert.deepEqual(await countsIn(cfg, 'tweets', tweets.perSymbol.keys()), expectTweets, String(e));
    });
    assert.deepEqual(await countsIn(cfg, 'market_data', prices.perSymbol.keys()), Object.fromEntries(prices.perSymbol), 'ticks per symbol in Cassandra');
    await sleep(3_000); // a few checkpoints: the lake files are committed at each
    b.proc.kill('SIGTERM');
    assert.equal(await b.exited, 0, 'replica b stops cleanly');

    // The lake, read with the minio client and parquetjs.
    const bronze = await parquetRows(cfg, 'twitter-bronze', 'tweets_v2/');
    const bronzeKeys = bronze.map((r) => `${r.partition}/${String(r.row.record_id)}`);
    assert.equal(new Set(bronzeKeys).size, bronzeKeys.length, 'no tweet twice in bronze');
    assert.equal(new Set(bronze.map((r) => r.row.record_id)).size, tweets.validTweets, 'every valid tweet in bronze');

    const late = await parquetRows(cfg, 'twitter-silver', 'late_events/');
    // Late for the windows: decided by parse (its partition's watermark), or by the windows (a
    // partition that was idle resumed behind the others).
    const lateInWindows = new Set(late.filter((r) => (r.row.stage === 'parse' || r.row.stage === 'windows') && r.row.record_kind === 'tweet').map((r) => `${String(r.row.topic)}/${String(r.row.record_id)}`));
    assert.ok(lateInWindows.size < tweets.validTweets * 0.05, `few tweets late for the windows (${lateInWindows.size})`);

    const windows = await parquetRows(cfg, 'twitter-gold', 'sentiment_windows_5m/');
    const windowKeys = windows.map((w) => `${w.partition}@${ms(w.row.window_start)}`);
    assert.equal(new Set(windowKeys).size, windowKeys.length, 'no window emitted twice');
    assert.ok(windows.length >= 8, `windows were emitted (${windows.length})`);
    for (const w of windows) {
      const [start, end] = [ms(w.row.window_start), ms(w.row.window_end)];
      const expected = bronze.filter((t) => t.partition === w.partition && ms(t.row.created_at) >= start && ms(t.row.created_at) < end && !lateInWindows.has(`${t.partition}/${String(t.row.record_id)}`)).length;
      assert.equal(Number(w.row.tweet_count), expected, `tweets of the window ${w.partition} ${new Date(start).toISOString()}`);
    }

    // ... and none missing: every window with a tweet that ends before the watermark reached by
    // every partition (its newest event time minus the allowed lateness) was emitted.
    const newest = new Map<string, number>();
    for (const t of bronze) {
      const p = /part-p(\d+)-/.exec(t.key)![1];
      newest.set(p, Math.max(newest.get(p) ?? 0, ms(t.row.created_at)));
    }
    const reached = Math.min(...newest.values()) - cfg.allowedLateness * 1000;
    const emitted = new Set(windowKeys);
    const MINUTE = 60_000;
    let due = 0;
    for (const t of bronze) {
      if (t.partition === UNTAGGED_TOPIC || lateInWindows.has(`${t.partition}/${String(t.row.record_id)}`)) continue;
      const at = ms(t.row.created_at);
      for (let start = Math.floor(at / MINUTE) * MINUTE - 4 * MINUTE; start <= at; start += MINUTE) {
        if (start + 5 * MINUTE > reached) continue;
        due++;
        assert.ok(emitted.has(`${t.partition}@${start}`), `window ${t.partition} ${new Date(start).toISOString()} (it holds tweet ${String(t.row.record_id)})`);
      }
    }
    assert.ok(due > 100, `windows due checked (${due})`);

    const joined = await parquetRows(cfg, 'twitter-silver', 'tweet_prices/');
    const joinedKeys = joined.map((j) => `${j.partition}/${String(j.row.record_id)}`);
    assert.ok(joined.length > 0, 'tweets were joined');
    assert.equal(new Set(joinedKeys).size, joinedKeys.length, 'no tweet joined twice');
    const inBronze = new Set(bronzeKeys);
    assert.ok(joinedKeys.every((k) => inBronze.has(k)), 'every joined tweet is a bronze tweet');

    // Offsets committed at the end of every topic the group reads.
    const kafka = new kafkajs.Kafka({ brokers: cfg.kafkaBrokers, logLevel: kafkajs.logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    try {
      for (const t of ['tweets', 'stock-prices', 'speed-analytics-repartition']) {
        const topic = cfg.kafkaTopicPrefix + t;
        const ends = await admin.fetchTopicOffsets(topic);
        const [committed] = await admin.fetchOffsets({ groupId: cfg.kafkaGroupId, topics: [topic] });
        for (const e of ends) {
          const c = committed.partitions.find((p) => p.partition === e.partition)!;
          assert.equal(c.offset === '-1' ? e.low : c.offset, e.high, `${topic}/${e.partition}: committed ${c.offset}, end ${e.high}`);
        }
      }
    } finally {
      await admin.disconnect();
    }
  } finally {
    for (const r of replicas) r.proc.kill('SIGKILL');
  }
});
