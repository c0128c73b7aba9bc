// `make bench-stack`: producers and the speed layer against the local stack (`make up`), all on
// this machine. Two phases, each on fresh topics, buckets and keyspace:
//   1. throughput: a backlog of tweets and ticks is produced first, then the pipeline drains it;
//      tweets/s from Kafka to all sinks (median of 5-second windows while the backlog lasts);
//   2. latency: producers offer a fixed rate (default 2,000 tweets/s) while the pipeline runs;
//      p50/p99 from produce (the Kafka record's timestamp) to commit in Cassandra.
import { cpus, loadavg } from 'node:os';
import { runProducer } from '../src/pipelines/producers.js';
import { speedTopology, startSpeedLayer } from '../src/pipelines/speed.js';
import type { GeneratorSourceOptions } from '../src/actors/generator-source/protocol.js';
import type { Logger } from '../src/runtime/actor.js';
import { benchFlags } from './flags.js';
import { histogramQuantile, median, metricSum } from './stats.js';
import { isolatedConfig } from '../test/helpers/stack-run.js';

const a = benchFlags('make bench-stack: against the local stack (make up): a backlog drained from Kafka to every sink (tweets/s), then producers at a fixed rate (produce -> Cassandra latency).', {
  backlog: { type: 'string', default: '1000000', describe: 'tweets produced before the pipeline starts' },
  rate: { type: 'string', default: '2000', describe: "the latency phase's offered rate, tweets/s" },
  seconds: { type: 'string', default: '60', describe: 'seconds of the latency phase' },
  shuffle: { type: 'string', default: 'local', describe: 'ANALYTICS_SHUFFLE: local, or kafka (windows and join fed through the repartition topic, as several replicas need)' },
  verbose: { type: 'boolean', default: false, describe: "print the pipeline's log" },
});
const settings = { KAFKA_PARTITIONS: '6', CHECKPOINT_INTERVAL: '10', LOG_LEVEL: 'error', ANALYTICS_SHUFFLE: a.shuffle! };
const log: Logger = a.verbose
  ? { info: (m, f) => console.error('info', m, f), warn: (m, f) => console.error('warn', m, f), error: (m, f) => console.error('error', m, f) }
  : { info: () => undefined, warn: () => undefined, error: (m, f) => console.error('error', m, f) };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function producerOptions(cfg: ReturnType<typeof isolatedConfig>['cfg']) {
  const generator = (speedTopology(cfg, cfg.epoch!).stages[0].options as GeneratorSourceOptions).generator;
  return { topicPrefix: cfg.kafkaTopicPrefix, brokers: cfg.kafkaBrokers, batchSize: 1000, topics: { partitions: cfg.kafkaPartitions, replicationFactor: 1, retentionMs: 3_600_000 }, metricsPort: 0, log, source: { kind: 'generator' as const, settings: generator } };
}

console.log(`cashtag bench-stack — ${cpus().length} cores, load ${loadavg().map((x) => x.toFixed(2)).join(' ')}, ANALYTICS_SHUFFLE=${a.shuffle}`);

{
  const { cfg } = isolatedConfig(settings);
  const n = Number(a.backlog);
  const p = producerOptions(cfg);
  const t0 = performance.now();
  await Promise.all([runProducer({ ...p, topic: 'tweets', rate: 0, limit: n }), runProducer({ ...p, topic: 'stock-prices', rate: 0, limit: Math.floor(n / 5) })]);
  console.log(`backlog: ${n} tweets + ${Math.floor(n / 5)} ticks produced in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const run = await startSpeedLayer(cfg, log);
  const samples: { t: number; tweets: number; stored: number }[] = [];
  const s0 = performance.now();
  for (;;) {
    const m = await run.supervisor.metricsText();
    samples.push({ t: (performance.now() - s0) / 1000, tweets: metricSum(m, 'cashtag_source_records_total', 'topic="tweets"'), stored: metricSum(m, 'cashtag_sink_rows_written_total', 'sink="store"', 'table="tweets"') });
    if (samples.at(-1)!.tweets >= n || samples.at(-1)!.t > 600) break;
    if (samples.length >= 13 && samples.at(-1)!.tweets === samples.at(-13)!.tweets) {
      const stuck = m.split('\n').filter((l) => /owned_tasks|source_paused|mailbox_depth|consumer_lag/.test(l) && !l.startsWith('#') && !/ 0$/.test(l));
      console.log(`stalled: no tweet read for 60 s (${samples.at(-1)!.tweets} read); pipeline state:\n${stuck.join('\n')}`);
      break;
    }
    await sleep(5_000);
  }
  await run.stop();
  const rates: number[] = [];
  for (let i = 2; i < samples.length; i++) if (samples[i].tweets < n) rates.push((samples[i].tweets - samples[i - 1].tweets) / (samples[i].t - samples[i - 1].t));
  const all = samples.at(-1)!;
  console.log(`throughput: ${median(rates).toFixed(0)} tweets/s Kafka -> all sinks (median of ${rates.length} 5-s windows; whole backlog ${(all.tweets / all.t).toFixed(0)} tweets/s over ${all.t.toFixed(0)} s); target >= 10,000`);
}

{
  const { cfg } = isolatedConfig(settings);
  const rate = Number(a.rate);
  const run = await startSpeedLayer(cfg, log);
  const abort = new AbortController();
  const p = producerOptions(cfg);
  const producers = [runProducer({ ...p, topic: 'tweets', rate, limit: -1, signal: abort.signal }), runProducer({ ...p, topic: 'stock-prices', rate: rate / 5, limit: -1, signal: abort.signal })];
  await sleep(15_000);
  const before = await run.supervisor.metricsText();
  await sleep(Number(a.seconds) * 1000);
  const after = await run.supervisor.metricsText();
  abort.abort();
  await Promise.all(producers);
  await run.stop();
  const q = (x: number) => histogramQuantile(x, before, after, 'cashtag_end_to_end_latency_seconds', 'sink="store"') * 1000;
  const consumed = (metricSum(after, 'cashtag_source_records_total', 'topic="tweets"') - metricSum(before, 'cashtag_source_records_total', 'topic="tweets"')) / Number(a.seconds);
  console.log(`latency at ${rate} tweets/s offered (consumed ${consumed.toFixed(0)}/s): produce -> visible in Cassandra p50 ${q(0.5).toFixed(0)} ms, p99 ${q(0.99).toFixed(0)} ms; target p99 <= 500 ms`);
}
