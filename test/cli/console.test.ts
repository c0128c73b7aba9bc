// The operator's console: progress lines from metrics samples, --version, a mistyped flag answered
// in two lines, a bad DATA_DIR named before anything starts, and produce's own --help.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { duration, metricMax, progress, progressLine, sample } from '../../src/cli-progress.js';
import { cliCommand } from '../../bench/cli-command.js';

const cli = (...args: string[]) => spawnSync(...cliCommand(args), { encoding: 'utf8', timeout: 30_000 });

const page = (tweets: number, bronzeIn: number, committed: number, dead: number, lags: number[]) => [
  '# HELP cashtag_source_records_total Records read by a source, by input topic',
  `cashtag_source_records_total{pipeline="speed",actor="source",partition="0",topic="tweets"} ${tweets / 2}`,
  `cashtag_source_records_total{pipeline="speed",actor="source",partition="1",topic="tweets"} ${tweets / 2}`,
  `cashtag_records_in_total{pipeline="speed",actor="bronze-sink",partition="0"} ${bronzeIn}`,
  `cashtag_records_in_total{pipeline="speed",actor="parse",partition="0"} 999999`,
  `cashtag_sink_rows_written_total{pipeline="speed",actor="bronze-sink",partition="0",sink="bronze",table="tweets_v2"} ${committed}`,
  `cashtag_dead_letters_total{pipeline="speed",actor="parse",partition="0",topic="tweets",reason="invalid_json"} ${dead}`,
  ...lags.map((l, i) => `cashtag_watermark_lag_seconds{pipeline="speed",actor="windows",partition="${i}"} ${l}`),
].join('\n');

test('progress: rates between two samples, the slowest watermark, the checkpoint age', () => {
  const a = sample(page(1_000, 900, 0, 3, [130.2, 125]), 10_000);
  const b = sample(page(61_000, 60_900, 50_000, 5, [121.4, 190.6]), 15_000);
  const p = progress(a, b, { id: 7, at: 12_000 });
  assert.deepEqual(p, { tweetsPerS: 12_000, toBronzePerS: 12_000, bronzeRows: 50_000, watermarkLagS: 191, checkpointAgeS: 3, checkpoint: 7, deadLetters: 5, newDeadLetters: 2, lateRecords: 0, windows: 0, alerts: 0 });
  assert.equal(progressLine(p), 'tweets in 12.0k/s · to bronze 12.0k rows/s (50.0k committed) · watermark lag 3m 11s · checkpoint #7 3s ago · dead letters 5 (+2) · late 0 · windows 0 · alerts 0');
  const none = progress(a, a, { id: 0, at: 0 });
  assert.match(progressLine(none), /checkpoint none yet · dead letters 3 ·/);
  assert.equal(metricMax('x 1', 'cashtag_watermark_lag_seconds'), null);
  assert.match(progressLine({ ...none, watermarkLagS: null }), /watermark lag - /);
});

test('durations read like a clock', () => {
  assert.deepEqual([7, 75, 3_600, 3_725, 93_784, -5].map(duration), ['7s', '1m 15s', '1h 00m', '1h 02m', '1d 2h', '-5s']);
});

test('--version prints the package version', () => {
  const r = cli('--version');
  assert.equal(r.status, 0);
  assert.equal(r.stdout.trim(), (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version);
});

test('a mistyped flag is answered in two lines with a suggestion, not with --help', () => {
  const r = cli('run', '--rat', '5');
  assert.notEqual(r.status, 0);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 2, r.stderr);
  assert.match(lines[0], /unknown option '--rat'/);
  assert.match(lines[1], /Did you mean --rate\?.*--help/);
  assert.equal(cli('run', '--zzz').stderr.trim().split('\n').length, 1);
});

test('a DATA_DIR that cannot be a directory is named before anything starts', () => {
  const file = join(mkdtempSync(join(tmpdir(), 'cashtag-cli-')), 'a-file');
  writeFileSync(file, 'not a directory');
  const r = cli('run', '--data-dir', join(file, 'lake'), '--serve', 'off', '--metrics-port', '0');
  assert.equal(r.status, 2);
  assert.match(r.stderr, /DATA_DIR \(--data-dir\) = ".*a-file\/lake": expected a directory cashtag can create and write \(ENOTDIR/);
});

test('produce --help lists its own flags, not the speed layer\'s', () => {
  const r = cli('produce', '--help');
  assert.equal(r.status, 0);
  for (const f of ['--kafka-brokers', '--rate', '--seed', '--file', '--produce-retry-budget']) assert.ok(r.stdout.includes(f), f);
  for (const f of ['--analytics', '--http-port', '--cassandra-contact-points', '--sink-retry-budget']) assert.ok(!r.stdout.includes(f), f);
});

/** Run `cashtag produce` against a port nothing listens on; SIGTERM it after `termAfterMs` if given. */
/**
 * `produce` against a port nothing listens on. With `term`, SIGTERM goes at its first failed
 * connection attempt (logged once it is connecting, after its signal handlers are installed:
 * a fixed delay raced the start-up of a loaded machine).
 */
function produceUnreachable(term: boolean): Promise<{ code: number | null; ms: number; stderr: string }> {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(...cliCommand(['produce', 'tweets', '--kafka-brokers', '127.0.0.1:1', '--producer-metrics-port', '0', '--log-format', 'json']), { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    let termSent = false;
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (term && !termSent && stderr.includes('Failed to connect')) {
        termSent = true;
        child.kill('SIGTERM');
      }
    });
    const guard = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('exit', (code) => {
      clearTimeout(guard);
      resolve({ code, ms: Date.now() - started, stderr });
    });
  });
}

test('produce: Kafka unreachable -> exit 1 naming KAFKA_BROKERS; SIGTERM while connecting stops it at once', async () => {
  const gone = await produceUnreachable(false);
  assert.equal(gone.code, 1);
  assert.match(gone.stderr, /Kafka at 127\.0\.0\.1:1 \(KAFKA_BROKERS\) is not reachable/);
  const stopped = await produceUnreachable(true);
  assert.equal(stopped.code, 0, 'a requested stop with nothing in flight is a clean stop');
  assert.match(stopped.stderr, /stopped by SIGTERM before Kafka was reached/);
  // Start-up plus the signal: far below the ~16 s kafkajs spends before it gives up (first case).
  assert.ok(stopped.ms < gone.ms, `stopped after ${stopped.ms} ms, gave up after ${gone.ms} ms`);
});
