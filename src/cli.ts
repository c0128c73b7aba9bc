#!/usr/bin/env -S node --max-semi-space-size=8
// cashtag's command line. Every `run` flag is also an environment variable (see --help); the
// configuration is validated before anything starts.
//
// The main thread runs with 8-MB semi-spaces (V8's default 16): it hosts the Kafka clients and
// sources, whose garbage dies young either way, and its young generation was ~65 MB of a
// drain's peak RSS for no measurable speed (issue 15). Worker threads set theirs themselves
// (WORKER_YOUNG_GENERATION_MB). The flag can only be given at launch: the line above, the
// Makefile's CASHTAG, the Dockerfile's ENTRYPOINT and bench/cli-command.ts carry it.

import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { SETTINGS, settingsTable, type SettingName } from './config.js';
import { configOrExit, usableDataDirOrExit } from './cli-config.js';
import { createLogger } from './io/log.js';
import { runScore } from './pipelines/score.js';
import { startSpeedLayer } from './pipelines/speed.js';
import { generatorOptions, pricesFileSpec, tweetsFileSpec } from './pipelines/settings.js';
import { FileInputError, inspectFile, type ResolvedFile } from './io/files/record-file.js';
import { runProducer } from './pipelines/producers.js';
import { registerBatchCommand } from './cli-batch.js';
import { registerSqlCommand } from './cli-sql.js';
import { registerCompactCommand } from './cli-compact.js';
import { accessNote, registerServeCommand, startRunServer } from './cli-serve.js';
import { PRICES_TOPIC, TWEETS_TOPIC } from './domain/records.js';
import { PipelineFailedError } from './runtime/errors.js';
import { metricSum } from './runtime/metrics.js';
import { progress as progressOf, progressLine, sample, type ProgressSample } from './cli-progress.js';
import type { Supervisor } from './runtime/supervisor.js';
import type { CliLogger } from './io/log.js';

const program = new Command()
  .name('cashtag')
  .description('Real-time stock-sentiment pipeline: speed layer on an actor runtime over worker threads')
  .version(packageVersion(), '-V, --version', 'print the version')
  .showSuggestionAfterError()
  // A mistyped flag is answered in two lines (the error, with a suggestion when one is close), not
  // with the 150 lines of --help.
  .configureOutput({ outputError: (text, write) => write(`${text.trimEnd()} (--help lists the flags)\n`) });

const PRODUCE_ONLY = new Set(['producerMetricsPort', 'produceRetryBudget', 'batchThreads']);
/** What `cashtag produce` reads: the generator's settings, Kafka's, its own. */
const PRODUCE_SETTINGS = new Set<string>([
  'duration', 'rate', 'eventRate', 'speedup', 'events', 'symbols', 'partitions', 'seed', 'epoch', 'pricesPerTweet', 'outOfOrder', 'late', 'malformed', 'allowedLateness',
  'batchSize', 'kafkaBrokers', 'kafkaTopicPrefix', 'kafkaPartitions', 'kafkaReplicationFactor', 'kafkaRetentionHours', 'metricsHost', 'producerMetricsPort', 'produceRetryBudget', 'file', 'pricesFile', 'columns', 'priceColumns', 'symbol', 'logLevel', 'logFormat',
]);

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

const run = program
  .command('run')
  .description('run the speed layer (embedded by default: generator -> parse -> sentiment -> Parquet lake + LMDB store; KAFKA_BROKERS, CASSANDRA_CONTACT_POINTS, S3_ENDPOINT select the stack) and serve the dashboard')
  .addHelpText('after', `\nEnvironment variables (a flag wins over its variable):\n${settingsTable()}\n`);
for (const [name, s] of Object.entries(SETTINGS).filter(([n]) => !PRODUCE_ONLY.has(n))) {
  const opt = new Option(s.flag, s.description);
  if (opt.attributeName() !== name) throw new Error(`flag ${s.flag} does not map to setting ${name}`);
  run.addOption(opt);
}

run.action(async (flags: Partial<Record<SettingName, string>>) => {
  const cfg = configOrExit('cashtag', flags);
  usableDataDirOrExit('cashtag', cfg.dataDir);
  const log = createLogger(cfg.logLevel, 'cashtag', cfg.logFormat);
  log.info('starting speed layer', { dataDir: cfg.dataDir, rate: cfg.rate, partitions: cfg.partitions, actorThreads: cfg.actorThreads, scoreThreads: cfg.scoreThreads, engine: cfg.sentimentEngine });
  const speed = await startSpeedLayer(cfg, log).catch((e: unknown) => {
    // A file that cannot be replayed is a setting's fault: named, exit 2 like any bad setting.
    if (!(e instanceof FileInputError)) throw e;
    process.stderr.write(`cashtag: ${e.message}\n`);
    process.exit(2);
  });
  const server = await startRunServer(cfg, cfg, log).catch(async (e: unknown) => {
    await speed.stop();
    throw e;
  });
  const where = cfg.s3Endpoint ? `${cfg.s3Endpoint} (buckets ${cfg.lakeBucketPrefix}twitter-bronze, ...)` : `${cfg.dataDir}/lake/twitter-bronze`;
  const store = cfg.cassandraContactPoints.length ? `Cassandra ${cfg.cassandraContactPoints.join(',')} keyspace ${cfg.cassandraKeyspace}` : `${cfg.dataDir}/serving-store`;
  process.stderr.write(
    `cashtag speed layer running (Ctrl-C stops cleanly)\n  dashboard: ${server ? `${server.url}/${cfg.apiToken === '' ? '' : '#token=<API_TOKEN>'}` : 'off (SERVE=off)'}\n  metrics:   ${speed.metricsUrl ?? 'disabled'}\n  lake:      ${where}\n  store:     ${store}\n  access:    ${accessNote({ httpHost: server ? cfg.httpHost : undefined, metricsHost: speed.metricsUrl ? cfg.metricsHost : undefined, apiToken: cfg.apiToken })}\n`,
  );
  const stop = (why: string) => {
    log.info('stopping: draining in-flight batches and committing sinks', { why });
    speed.stop().catch(() => undefined);
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
  if (cfg.duration > 0) setTimeout(() => stop(`duration ${cfg.duration}s elapsed`), cfg.duration * 1000).unref();
  const progress = reportProgress(speed.supervisor, cfg.progressInterval, log);
  try {
    await speed.done.finally(() => server?.close());
    clearInterval(progress);
    const final = summarize(await speed.supervisor.metricsText().catch(() => ''));
    log.info('stopped cleanly', { ...final, lastCheckpoint: speed.supervisor.lastCheckpoint });
    process.exitCode = 0;
  } catch (e) {
    clearInterval(progress);
    log.error('pipeline failed', { error: e instanceof Error ? e.message : String(e) });
    process.stderr.write(`cashtag: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = e instanceof PipelineFailedError ? 3 : 1;
  }
  // Everything is closed or closing; a client still retrying a server that is gone (a Kafka
  // consumer reconnecting, a socket) must not keep the process alive: a supervisor restarts it.
  setTimeout(() => {
    log.warn('exiting: open connections did not close within 10 s', { exitCode: process.exitCode, open: process.getActiveResourcesInfo().filter((r) => r !== 'Timeout') });
    process.exit();
  }, 10_000).unref();
});

const produce = program
  .command('produce')
  .argument('<topic>', 'tweets | prices')
  .description('produce the seed\'s JSON payloads to Kafka (topic tweets or stock-prices), keyed by symbol, from the generator or a JSONL/CSV file')
  .addHelpText('after', `\nKAFKA_BROKERS is required. Each flag is also an environment variable (\`cashtag run --help\` lists them).`);
for (const [name, s] of Object.entries(SETTINGS).filter(([n]) => PRODUCE_SETTINGS.has(n))) {
  const opt = new Option(s.flag, s.description);
  if (opt.attributeName() !== name) throw new Error(`flag ${s.flag} does not map to setting ${name}`);
  produce.addOption(opt);
}
produce.action(async (topicArg: string, flags: Partial<Record<SettingName, string>>) => {
  const cfg = configOrExit('cashtag', flags);
  if (topicArg !== 'tweets' && topicArg !== 'prices') {
    process.stderr.write(`cashtag produce: topic must be "tweets" or "prices", not ${JSON.stringify(topicArg)}\n`);
    process.exit(2);
  }
  if (cfg.kafkaBrokers.length === 0) {
    process.stderr.write('cashtag produce: KAFKA_BROKERS (--kafka-brokers) is required: expected host:port[,host:port...]\n');
    process.exit(2);
  }
  // A flag for the other topic's file would be ignored: say so instead of producing something
  // else (the environment may set both topics' files, as `make run-stack` runs both producers).
  const foreign = topicArg === 'tweets' ? (['pricesFile', 'priceColumns', 'symbol'] as const) : (['columns'] as const);
  const given = foreign.find((f) => flags[f] !== undefined);
  if (given) {
    const other = topicArg === 'tweets' ? 'prices' : 'tweets';
    const flag = SETTINGS[given].flag.split(' ')[0];
    process.stderr.write(`cashtag produce ${topicArg}: ${flag} is for the ${other} file, which \`produce ${topicArg}\` does not read: expected \`cashtag produce ${other} ${flag} ...\`${topicArg === 'tweets' ? ' (produce tweets replays --file)' : ' (produce prices maps its file with --price-columns)'}\n`);
    process.exit(2);
  }
  const topic = topicArg === 'tweets' ? TWEETS_TOPIC : PRICES_TOPIC;
  const log = createLogger(cfg.logLevel, `cashtag-producer-${topicArg}`, cfg.logFormat);
  const abort = new AbortController();
  let connected = false;
  const stop = (signal: NodeJS.Signals) => {
    abort.abort();
    // Still reaching Kafka: nothing is in flight, so stop now rather than when kafkajs gives up.
    if (!connected) {
      process.stderr.write(`cashtag produce: stopped by ${signal} before Kafka was reached\n`);
      process.exit(process.exitCode ?? 0);
      return;
    }
    // A send waiting on a broker that went away sees the abort only when it returns: give it 10 s.
    setTimeout(() => process.exit(process.exitCode ?? 0), 10_000).unref();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  if (cfg.duration > 0) setTimeout(() => abort.abort(), cfg.duration * 1000).unref();
  // The file of this topic: `produce tweets --file`, `produce prices --prices-file` (or --file).
  const path = topic === TWEETS_TOPIC ? cfg.file : cfg.pricesFile || cfg.file;
  let file: ResolvedFile | null = null;
  try {
    if (path !== '') file = await inspectFile(topic === TWEETS_TOPIC ? tweetsFileSpec(cfg, path) : pricesFileSpec(cfg, path, cfg.pricesFile ? 'PRICES_FILE (--prices-file)' : 'TWEETS_FILE (--file)'));
  } catch (e) {
    if (!(e instanceof FileInputError)) throw e;
    process.stderr.write(`cashtag produce: ${e.message}\n`);
    process.exit(2);
  }
  if (file) log.info('replaying file', { path: file.path, format: file.format, shape: file.shape });
  const epochMs = cfg.epoch ?? Math.floor(Date.now() / 1000) * 1000;
  // The generator the speed layer would run on this configuration (PARTITIONS partitions).
  const { generator } = generatorOptions(cfg, epochMs, cfg.partitions);
  try {
    await runProducer({
      topic,
      topicPrefix: cfg.kafkaTopicPrefix,
      brokers: cfg.kafkaBrokers,
      // A file is replayed at RATE records per second; the generator's ticks follow its tweets.
      rate: file || topic === TWEETS_TOPIC ? cfg.rate : cfg.rate * cfg.pricesPerTweet,
      limit: cfg.events,
      source: file ? { kind: 'file', file } : { kind: 'generator', settings: generator },
      batchSize: cfg.batchSize,
      topics: { partitions: cfg.kafkaPartitions, replicationFactor: cfg.kafkaReplicationFactor, retentionMs: cfg.kafkaRetentionHours * 3_600_000 },
      metricsPort: cfg.producerMetricsPort,
      metricsHost: cfg.metricsHost,
      retryBudgetMs: cfg.produceRetryBudget * 1000,
      log,
      signal: abort.signal,
      onConnected: () => (connected = true),
    });
  } catch (e) {
    log.error('producer failed', { error: e instanceof Error ? e.message : String(e) });
    process.stderr.write(`cashtag produce: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  }
  // A client still retrying a broker that is gone must not keep the process alive.
  setTimeout(() => process.exit(), 5_000).unref();
});

program
  .command('score')
  .description('score text with VADER: lines (or JSONL objects with a "text" field) on stdin, JSONL scores on stdout')
  .action(async () => {
    await runScore(process.stdin, process.stdout);
  });

/** Every `seconds`, a progress line (human logs) or a `progress` entry (JSON logs); 0 = none. */
function reportProgress(supervisor: Supervisor, seconds: number, log: CliLogger): ReturnType<typeof setInterval> | undefined {
  if (seconds <= 0) return undefined;
  let prev: ProgressSample | null = null;
  const timer = setInterval(() => {
    void supervisor.metricsText().then((text) => {
      const cur = sample(text, Date.now());
      if (prev) {
        const p = progressOf(prev, cur, { id: supervisor.lastCheckpoint, at: supervisor.lastCheckpointAt });
        if (log.human) log.info(progressLine(p));
        else log.info('progress', { ...p });
      }
      prev = cur;
    }, () => undefined);
  }, seconds * 1000);
  timer.unref();
  return timer;
}

/** Totals for the final log entry, from the merged metrics page. */
export function summarize(text: string): Record<string, number> {
  return {
    tweetsIn: metricSum(text, 'cashtag_source_records_total', 'topic="tweets"'),
    bronzeRows: metricSum(text, 'cashtag_sink_rows_written_total', 'sink="bronze"'),
    storeRows: metricSum(text, 'cashtag_sink_rows_written_total', 'sink="store"'),
    deadLetters: metricSum(text, 'cashtag_dead_letters_total'),
    windows: metricSum(text, 'cashtag_windows_emitted_total'),
    lateRecords: metricSum(text, 'cashtag_late_records_total'),
    checkpoints: metricSum(text, 'cashtag_checkpoints_completed_total'),
    lakeFilesWritten: metricSum(text, 'cashtag_sink_files_written_total'),
    lakeFilesMerged: metricSum(text, 'cashtag_compaction_files_merged_total'),
    lakeFilesCompacted: metricSum(text, 'cashtag_compaction_files_written_total'),
  };
}

registerBatchCommand(program);
registerCompactCommand(program);
registerServeCommand(program);
registerSqlCommand(program);

program.parseAsync().catch((e: unknown) => {
  process.stderr.write(`cashtag: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
