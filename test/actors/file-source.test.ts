// The file source on a fake context and a manual clock: tweets and ticks merged by event time,
// offsets = record index in each file, a row that cannot be mapped passed on with its reason,
// a topic without a file declared idle, 'done' at the end; a restored source goes on from its
// snapshot with exactly the records an uninterrupted one emits; --rate paces it on the clock.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import createFileSource from '../../src/actors/file-source/actor.js';
import type { FileSourceOptions, FileSourceOutputs, FileSourceState } from '../../src/actors/file-source/protocol.js';
import { PRICES_TOPIC, TWEETS_TOPIC, type SourceRecord } from '../../src/domain/records.js';
import { inspectFile, type ResolvedFile } from '../../src/io/files/record-file.js';
import { startActor, tempDir } from '../helpers/actor-harness.js';

type Started = Awaited<ReturnType<typeof startActor<FileSourceOptions, never, FileSourceOutputs, FileSourceState>>>;

let dir: { dir: string; remove: () => void };
let tweets: ResolvedFile;
let prices: ResolvedFile;

before(async () => {
  dir = tempDir('file-source');
  const tweetsPath = join(dir.dir, 'tweets.csv');
  // Kaggle's shape, one tweet quoted over two lines, one row with too many fields.
  writeFileSync(
    tweetsPath,
    [
      'Date,Tweet,Stock Name,Company Name',
      '2022-09-29 10:00:01+00:00,$AAPL up,AAPL,Apple Inc.',
      '2022-09-29 10:00:03+00:00,"$TSLA down,',
      'a lot",TSLA,Tesla',
      '2022-09-29 10:00:05+00:00,no tag here,MSFT,Microsoft',
      '2022-09-29 10:00:07+00:00,$AAPL,x,y,z,w',
      '2022-09-29 10:00:09+00:00,$AAPL again,AAPL,Apple Inc.',
      '',
    ].join('\n'),
  );
  const pricesPath = join(dir.dir, 'AAPL.csv');
  writeFileSync(pricesPath, ['Date,Open,High,Low,Close,Adj Close,Volume', '2022-09-29,140,150,139,142,142,1000', '2022-09-30,142,143,130,138,138,2000', ''].join('\n'));
  tweets = await inspectFile({ path: tweetsPath, topic: TWEETS_TOPIC, columns: {}, symbol: null, setting: 'TWEETS_FILE (--file)' });
  prices = await inspectFile({ path: pricesPath, topic: PRICES_TOPIC, columns: {}, symbol: null, setting: 'PRICES_FILE (--prices-file)' });
});
after(() => dir.remove());

const options = (o: Partial<FileSourceOptions> = {}): FileSourceOptions => ({ pipeline: 't', tweets, prices, rate: 0, batchSize: 3, lingerMs: 100, ...o });
const id = (r: SourceRecord) => ('kind' in r ? `idle:${r.topic}` : `${r.topic}@${r.offset}`);

async function drain(s: Started, limit = 100): Promise<string[]> {
  const statuses: string[] = [];
  for (let i = 0; i < limit; i++) {
    const st = await s.actor.produce!();
    statuses.push(st);
    if (st === 'done') break;
    if (st === 'idle') s.clock.advance(100);
  }
  return statuses;
}

test('file source: both files merged by event time, offsets per file, unmapped rows carry their reason, then done', async () => {
  const s = await startActor(createFileSource, options(), 'source', 0);
  assert.deepEqual(await drain(s), ['more', 'more', 'more', 'done']);
  const out = s.out<SourceRecord>();
  // The unreadable date goes first (no event time), then the daily ticks (midnight) before the tweets.
  // Daily ticks stand at midnight: the first goes before the day's tweets, the second after
  // them; the row that could not be mapped (no event time) goes as soon as it is its file's head.
  assert.deepEqual(out.map(id), ['stock-prices@0', 'tweets@0', 'tweets@1', 'tweets@2', 'tweets@3', 'tweets@4', 'stock-prices@1']);
  const byTopic = (t: string) => out.filter((r): r is Exclude<SourceRecord, { kind: 'idle' }> => !('kind' in r) && r.topic === t);
  assert.deepEqual(byTopic(PRICES_TOPIC).map((r) => r.offset), [0, 1]);
  const unmapped = byTopic(TWEETS_TOPIC).find((r) => r.offset === 3)!;
  assert.match(String((unmapped as { unmapped?: string }).unmapped), /6 fields, the header 4/, 'passed on with its reason, for the dead letters');
  const multiLine = byTopic(TWEETS_TOPIC).find((r) => r.offset === 1)!;
  assert.equal((JSON.parse(multiLine.value) as { text: string }).text, '$TSLA down,\na lot');
  const untagged = byTopic(TWEETS_TOPIC).find((r) => r.offset === 2)!;
  assert.equal((JSON.parse(untagged.value) as { symbol?: string }).symbol, 'MSFT', 'Stock Name rides along for a text without a cashtag');
  const ticks = byTopic(PRICES_TOPIC).map((r) => JSON.parse(r.value) as { symbol: string; close_price: number });
  assert.deepEqual(ticks.map((t) => [t.symbol, t.close_price]), [['AAPL', 142], ['AAPL', 138]], 'the symbol from the file name');
  assert.deepEqual(s.actor.snapshot!(), { tweets: 5, prices: 2 });
  assert.equal(await s.metric('cashtag_source_records_total', `topic="${TWEETS_TOPIC}"`), 5);
  await s.actor.close!();
});

test('file source: records in event-time order across the files, a topic without a file is idle first', async () => {
  const s = await startActor(createFileSource, options({ prices: null, batchSize: 10 }), 'source', 0);
  await drain(s);
  const out = s.out<SourceRecord>();
  assert.equal(id(out[0]), `idle:${PRICES_TOPIC}`, 'no prices file: the prices topic is idle before any record');
  assert.deepEqual(out.slice(1).map(id), [0, 1, 2, 3, 4].map((i) => `${TWEETS_TOPIC}@${i}`), 'one file alone: file order');
  await s.actor.close!();
});

test('file source: restored from a snapshot, it emits exactly what an uninterrupted source emits after it', async () => {
  const whole = await startActor(createFileSource, options(), 'source', 0);
  await drain(whole);
  const all = whole.out<SourceRecord>().map((r) => ('kind' in r ? id(r) : `${id(r)}:${r.value}`));
  await whole.actor.close!();

  const first = await startActor(createFileSource, options(), 'source', 0);
  assert.equal(await first.actor.produce!(), 'more');
  const state = first.actor.snapshot!();
  const head = first.out<SourceRecord>().map((r) => ('kind' in r ? id(r) : `${id(r)}:${r.value}`));
  await first.actor.close!();

  const second = await startActor(createFileSource, options(), 'source', 0);
  second.actor.restore!(state);
  await drain(second);
  const tail = second.out<SourceRecord>().map((r) => ('kind' in r ? id(r) : `${id(r)}:${r.value}`));
  await second.actor.close!();
  assert.equal(head.length, 3);
  assert.deepEqual([...head, ...tail], all);
});

test('file source: at --rate it emits only what the clock allows', async () => {
  const s = await startActor(createFileSource, options({ rate: 2, batchSize: 10 }), 'source', 0);
  assert.equal(await s.actor.produce!(), 'idle', 'nothing is due at t=0');
  s.clock.advance(1000);
  assert.equal(await s.actor.produce!(), 'more');
  assert.equal(s.out<SourceRecord>().length, 2, 'two records after one second at 2/s');
  await s.actor.close!();
});
