// `cashtag batch`: the batch layer's gold reports from the bronze lake (src/pipelines/batch.ts).
// The lake is the local one under DATA_DIR, or the S3 store when S3_ENDPOINT is set.
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Option, type Command } from 'commander';
import { ConfigError, loadConfig, SETTINGS, type Config, type SettingName } from './config.js';
import type { LakeSettings } from './io/lake/open.js';
import { createLogger } from './io/log.js';
import { runBatch } from './pipelines/batch.js';

const BATCH_SETTINGS: SettingName[] = ['dataDir', 's3Endpoint', 's3AccessKey', 's3SecretKey', 's3Region', 'logLevel'];

export function batchLakeSettings(cfg: Config): LakeSettings {
  return cfg.s3Endpoint !== ''
    ? { kind: 's3', endpoint: cfg.s3Endpoint, accessKey: cfg.s3AccessKey, secretKey: cfg.s3SecretKey, region: cfg.s3Region }
    : { kind: 'local', root: join(cfg.dataDir, 'lake') };
}

export function registerBatchCommand(program: Command): Command {
  const cmd = program
    .command('batch')
    .description('compute the gold reports (batch_topic_statistics, batch_sentiment_pivot, batch_trend_analysis) from the whole bronze lake; each report is replaced atomically, and a killed run resumes')
    .addOption(new Option('--threads <n>', 'batch actor threads (one task per lake partition at a time on each)').default(String(availableParallelism())));
  for (const name of BATCH_SETTINGS) {
    const s = SETTINGS[name];
    cmd.addOption(new Option(s.flag, `${s.description} (env ${s.env}, default ${s.default || 'empty'})`));
  }
  cmd.action(async (flags: Partial<Record<SettingName, string>> & { threads: string }) => {
    const { threads: rawThreads, ...settings } = flags;
    let cfg: Config;
    try {
      cfg = loadConfig(settings);
    } catch (e) {
      if (e instanceof ConfigError) {
        process.stderr.write(`cashtag batch: ${e.message}\n`);
        process.exit(2);
      }
      throw e;
    }
    const threads = Number(rawThreads);
    if (!Number.isInteger(threads) || threads < 1 || threads > 64) {
      process.stderr.write(`cashtag batch: --threads = ${JSON.stringify(rawThreads)}: expected a whole number 1..64\n`);
      process.exit(2);
    }
    const log = createLogger(cfg.logLevel, 'cashtag-batch');
    try {
      await runBatch({ lake: batchLakeSettings(cfg), threads, log });
    } catch (e) {
      log.error('batch run failed', { error: e instanceof Error ? e.message : String(e) });
      process.stderr.write(`cashtag batch: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exitCode = 1;
    }
  });
  return cmd;
}
