// `cashtag batch`: the batch layer's gold reports from the bronze lake (src/pipelines/batch.ts).
// The lake is the local one under DATA_DIR, or the S3 store when S3_ENDPOINT is set.
import { Option, type Command } from 'commander';
import { SETTINGS, type SettingName } from './config.js';
import { configOrExit } from './cli-config.js';
import { createLogger } from './io/log.js';
import { lakeSettings } from './pipelines/speed.js';

const BATCH_SETTINGS: SettingName[] = ['dataDir', 'batchThreads', 's3Endpoint', 's3AccessKey', 's3SecretKey', 's3Region', 'lakeBucketPrefix', 'logLevel'];

export function registerBatchCommand(program: Command): Command {
  const cmd = program
    .command('batch')
    .description('compute the gold reports (batch_topic_statistics, batch_sentiment_pivot, batch_trend_analysis) from the whole bronze lake, one file per topic (batch_trend_analysis/topic=SYM/part-00000.snappy.parquet), each replaced atomically; a killed run resumes');
  for (const name of BATCH_SETTINGS) {
    const s = SETTINGS[name];
    cmd.addOption(new Option(s.flag, `${s.description} (env ${s.env}, default ${s.default || 'empty'})`));
  }
  cmd.action(async (flags: Partial<Record<SettingName, string>>) => {
    const cfg = configOrExit('cashtag batch', flags);
    const log = createLogger(cfg.logLevel, 'cashtag-batch');
    try {
      const { runBatch } = await import('./pipelines/batch.js');
      await runBatch({ lake: lakeSettings(cfg), threads: cfg.batchThreads, log });
    } catch (e) {
      log.error('batch run failed', { error: e instanceof Error ? e.message : String(e) });
      process.stderr.write(`cashtag batch: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exitCode = 1;
    }
  });
  return cmd;
}
