// `--file` / `--prices-file` configuration that cannot work stops start-up (exit 2) with the
// setting named and the form it expects; nothing is written to the data directory's lake.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { cliCommand } from '../../bench/cli-command.js';

const cli = (...args: string[]) => spawnSync(...cliCommand(args), { encoding: 'utf8', timeout: 60_000 });
const dir = mkdtempSync(join(tmpdir(), 'cashtag-file-cli-'));
const quiet = ['--serve', 'off', '--metrics-port', '0', '--log-format', 'json'];

test('a missing file, an unknown shape, a bad --columns: exit 2 naming the setting', () => {
  const missing = cli('run', '--data-dir', join(dir, 'a'), '--file', join(dir, 'nope.csv'), ...quiet);
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /TWEETS_FILE \(--file\) = ".*nope\.csv": expected a readable JSONL or CSV file/);
  assert.ok(!existsSync(join(dir, 'a', 'lake', 'twitter-bronze')));

  const odd = join(dir, 'odd.csv');
  writeFileSync(odd, 'when,what\n2022-01-01,hi\n');
  const unknown = cli('run', '--data-dir', join(dir, 'b'), '--file', odd, ...quiet);
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /no column for created_at, text: expected FILE_COLUMNS \(--columns\) as field=Column pairs like text=Tweet,created_at=Date/);

  const spec = cli('run', '--data-dir', join(dir, 'c'), '--file', odd, '--columns', 'words=what', ...quiet);
  assert.equal(spec.status, 2);
  assert.match(spec.stderr, /FILE_COLUMNS \(--columns\) = "words=what" from --columns: expected field=Column pairs/);

  const history = join(dir, 'history.csv');
  writeFileSync(history, 'Date,Open,High,Low,Close,Adj Close,Volume\n2022-09-29,1,1,1,1,1,1\n');
  const nosym = cli('run', '--data-dir', join(dir, 'd'), '--prices-file', history, ...quiet);
  assert.equal(nosym.status, 2);
  assert.match(nosym.stderr, /PRICES_SYMBOL \(--symbol\)/);
});

test('a replay resumes only the checkpoints of its own files', () => {
  const a = join(dir, 'a.csv');
  const b = join(dir, 'b.csv');
  writeFileSync(a, 'created_at,text,user_id\n2025-12-18 14:30:00,$AAPL up,u1\n');
  writeFileSync(b, 'created_at,text,user_id\n2025-12-18 14:30:00,$TSLA down,u2\n');
  const data = join(dir, 'resume');
  const first = cli('run', '--data-dir', data, '--file', a, ...quiet);
  assert.equal(first.status, 0, first.stderr);
  assert.equal(cli('run', '--data-dir', data, '--file', a, ...quiet).status, 0, 'the same file again resumes (nothing new)');
  const other = cli('run', '--data-dir', data, '--file', b, ...quiet);
  assert.equal(other.status, 2);
  assert.match(other.stderr, /DATA_DIR \(--data-dir\) = ".*resume" holds the checkpoints of another input \(tweets file .*a\.csv\)/);
  // Nor does the generator take a replay's offsets for its own.
  const generator = cli('run', '--data-dir', data, '--events', '10', ...quiet);
  assert.equal(generator.status, 2, generator.stderr);
  assert.match(generator.stderr, /DATA_DIR \(--data-dir\) = ".*resume" holds the checkpoints of a replay of tweets file .*a\.csv: expected that replay again/);
});

test("produce refuses a flag for the other topic's file instead of ignoring it", () => {
  const tweets = cli('produce', 'tweets', '--kafka-brokers', '127.0.0.1:1', '--prices-file', join(dir, 'AAPL.csv'));
  assert.equal(tweets.status, 2);
  assert.match(tweets.stderr, /produce tweets: --prices-file is for the prices file.*`cashtag produce prices --prices-file \.\.\.`/);
  const symbol = cli('produce', 'tweets', '--kafka-brokers', '127.0.0.1:1', '--symbol', 'AAPL');
  assert.equal(symbol.status, 2);
  assert.match(symbol.stderr, /--symbol is for the prices file/);
  const prices = cli('produce', 'prices', '--kafka-brokers', '127.0.0.1:1', '--columns', 'text=Tweet');
  assert.equal(prices.status, 2);
  assert.match(prices.stderr, /produce prices: --columns is for the tweets file.*--price-columns/);
});

test('produce lists the file flags', () => {
  const help = cli('produce', '--help');
  for (const flag of ['--file', '--prices-file', '--columns', '--price-columns', '--symbol']) assert.ok(help.stdout.includes(flag), `produce --help lacks ${flag}`);
});
