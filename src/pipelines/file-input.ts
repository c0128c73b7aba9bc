// A file replay's input (`--file`, `--prices-file`): the files checked, their columns mapped, and
// the checkpoints of the data directory checked to belong to the same files.

import { resolve } from 'node:path';
import type { Config } from '../config.js';
import { FileInputError, inspectFile } from '../io/files/record-file.js';
import type { CheckpointHistory } from '../io/checkpoints/task-checkpoints.js';
import type { Logger } from '../runtime/actor.js';
import { PIPELINE, pricesFileSpec, tweetsFileSpec, type Input } from './settings.js';

export type FileInput = Extract<Input, { kind: 'file' }>;

/**
 * The files of `--file` / `--prices-file`, checked and their columns mapped, or null for none.
 * A replay resumes only from the checkpoints of the same files (offsets are record indexes), and
 * a run without files never from a replay's.
 */
export async function fileInput(cfg: Config, history?: CheckpointHistory, log?: Logger): Promise<FileInput | null> {
  const previous = history ? await history.latest(PIPELINE) : null;
  const replayed = (previous?.meta?.input as string | undefined) ?? null;
  if (cfg.file === '' && cfg.pricesFile === '') {
    // The generator (or Kafka) would restore the file source's offsets as its own: refuse too.
    if (replayed !== null) throw new FileInputError(`DATA_DIR (--data-dir) = ${JSON.stringify(cfg.dataDir)} holds the checkpoints of a replay of ${replayed}: expected that replay again (--file / --prices-file), or a new data directory for the generator or Kafka`);
    return null;
  }
  const tweets = cfg.file === '' ? null : await inspectFile(tweetsFileSpec(cfg, cfg.file));
  const prices = cfg.pricesFile === '' ? null : await inspectFile(pricesFileSpec(cfg, cfg.pricesFile, 'PRICES_FILE (--prices-file)'));
  const files: FileInput = { kind: 'file', tweets, prices };
  if (cfg.kafkaBrokers.length > 0) log?.warn('replaying files: Kafka input is not read (KAFKA_BROKERS is set)', { file: cfg.file, pricesFile: cfg.pricesFile });
  const before = previous ? (replayed ?? 'the generator or Kafka') : null;
  if (before !== null && before !== inputIdentity(files)) {
    throw new FileInputError(`DATA_DIR (--data-dir) = ${JSON.stringify(cfg.dataDir)} holds the checkpoints of another input (${before}): expected the data directory of an earlier replay of ${inputIdentity(files)}, or a new one`);
  }
  const about = (f: typeof tweets) => f && { path: f.path, shape: f.shape, format: f.format };
  log?.info('replaying files', { tweets: about(tweets), prices: prices && { ...about(prices), symbol: prices.mapping?.symbol ?? undefined } });
  return files;
}

/** What a file replay's checkpoints belong to: its files' absolute paths. */
export function inputIdentity(files: FileInput): string {
  return [files.tweets && `tweets file ${resolve(files.tweets.path)}`, files.prices && `prices file ${resolve(files.prices.path)}`].filter(Boolean).join(' and ');
}

