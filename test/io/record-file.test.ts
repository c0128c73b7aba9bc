// The file reader shared by `run --file` and `produce --file`: CSV through csv-parse (quoted
// multi-line fields), JSONL, shape detection from the header, one record per row in file order
// (a row that cannot be mapped is a record with its reason), and start-up errors naming the setting.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { FileInputError, inspectFile, readFileRecords, type FileRecord, type FileSpec } from '../../src/io/files/record-file.js';

const FIXTURE = new URL('../../../test/fixtures/files/stock_tweets.csv', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'cashtag-files-'));
const write = (name: string, text: string): string => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};
const spec = (path: string, topic: FileSpec['topic'] = 'tweets', more: Partial<FileSpec> = {}): FileSpec => ({ path, topic, columns: {}, symbol: null, setting: topic === 'tweets' ? 'TWEETS_FILE (--file)' : 'PRICES_FILE (--prices-file)', ...more });
async function readAll(s: FileSpec): Promise<FileRecord[]> {
  const out: FileRecord[] = [];
  for await (const r of readFileRecords(await inspectFile(s))) out.push(r);
  return out;
}

void test('the Kaggle fixture: 400 real tweets, the 20 multi-line ones kept whole', async () => {
  const f = await inspectFile(spec(FIXTURE));
  assert.equal(f.shape, 'kaggle-stock-tweets');
  assert.equal(f.format, 'csv');
  const rows = await readAll(spec(FIXTURE));
  assert.equal(rows.length, 400);
  assert.ok(rows.every((r) => r.problem === null));
  const payloads = rows.map((r) => JSON.parse(r.value) as { text: string; symbol: string; created_at: string });
  assert.equal(payloads.filter((p) => p.text.includes('\n')).length, 20);
  assert.ok(payloads.some((p) => p.text.includes('"')), 'quoted quotes survive');
  assert.equal(payloads[0].created_at, '2022-09-29 13:30:00+00:00');
  assert.deepEqual(payloads.slice(0, 3).map((p) => p.symbol), ['TSLA', 'AAPL', 'MSFT']);
});

void test('bad CSV rows stay records, in file order, with the reason', async () => {
  const p = write('bad.csv', [
    'Date,Tweet,Stock Name,Company Name',
    '2022-09-29 10:00:00+00:00,"first, with a comma",TSLA,"Tesla, Inc."',
    '2022-09-29 10:00:01+00:00,too,many,fields,here',
    '',
    '2022-09-29 10:00:02+00:00,short row',
    '2022-09-29 10:00:03+00:00,"a ""quoted"" word\nand a second line",AAPL,Apple Inc.',
    '2022-09-29 10:00:04+00:00,"never closed,MSFT,Microsoft',
    '2022-09-29 10:00:05+00:00,swallowed by the open quote,MSFT,Microsoft',
    '',
  ].join('\n'));
  const rows = await readAll(spec(p));
  assert.deepEqual(rows.map((r) => r.problem === null), [true, false, false, true, false]);
  assert.match(rows[1].problem!, /CSV row has 5 fields, the header 4/);
  assert.match(rows[2].problem!, /CSV row has 2 fields, the header 4/);
  assert.equal((JSON.parse(rows[3].value) as { text: string }).text, 'a "quoted" word\nand a second line');
  assert.match(rows[4].problem!, /CSV: Quote Not Closed/);
  assert.match(rows[4].value, /^2022-09-29 10:00:04\+00:00,"never closed/);
});

void test('JSONL in the seed shape passes line for line; other keys are mapped', async () => {
  const seed = write('seed.jsonl', '{"created_at":"2025-12-18 14:30:00","text":"$AAPL up","user_id":"u1"}\n\nnot json\n{"created_at":"2025-12-18 14:30:01","text":"plain","user_id":"u2"}\n');
  const a = await readAll(spec(seed));
  assert.deepEqual(a.map((r) => r.value), ['{"created_at":"2025-12-18 14:30:00","text":"$AAPL up","user_id":"u1"}', 'not json', '{"created_at":"2025-12-18 14:30:01","text":"plain","user_id":"u2"}']);
  assert.deepEqual(a.map((r) => r.key), ['AAPL', null, null]);
  const kaggle = write('kaggle.jsonl', '{"Date":"2022-09-29 23:41:16+00:00","Tweet":"hello","Stock Name":"TSLA"}\n');
  const b = await readAll(spec(kaggle));
  assert.deepEqual(JSON.parse(b[0].value), { created_at: '2022-09-29 23:41:16+00:00', text: 'hello', symbol: 'TSLA', user_id: '' });
});

void test('Yahoo Finance prices: symbol from the file name, date-only times, null rows left to parse', async () => {
  const p = write('NVDA.csv', 'Date,Open,High,Low,Close,Adj Close,Volume\r\n2022-09-29,124.5,125.0,119.2,122.2,122.0,50000000\r\n2022-09-30,null,null,null,null,null,null\r\n');
  const rows = await readAll(spec(p, 'stock-prices'));
  assert.deepEqual(JSON.parse(rows[0].value), { symbol: 'NVDA', trade_timestamp: '2022-09-29 00:00:00', open_price: 124.5, close_price: 122.2, volume: 50000000 });
  assert.equal(rows[0].key, 'NVDA');
  assert.equal((JSON.parse(rows[1].value) as { open_price: unknown }).open_price, 'null');
});

void test('start-up errors name the setting and the expected form', async () => {
  await assert.rejects(inspectFile(spec(join(dir, 'missing.csv'))), (e: Error) => e instanceof FileInputError && /^TWEETS_FILE \(--file\) = ".*missing\.csv": expected a readable JSONL or CSV file \(ENOENT\)/.test(e.message));
  const odd = write('odd.csv', 'when,what\n2022-01-01,hi\n');
  await assert.rejects(inspectFile(spec(odd)), /TWEETS_FILE \(--file\) = ".*odd\.csv": the tweets file odd\.csv \(columns: when, what\) is not a known shape and has no column for created_at, text: expected FILE_COLUMNS/);
  const mapped = await readAll(spec(odd, 'tweets', { columns: { created_at: 'when', text: 'what' } }));
  assert.deepEqual(JSON.parse(mapped[0].value), { created_at: '2022-01-01 00:00:00', text: 'hi', user_id: '' });
  const noSymbol = write('history.csv', 'Date,Open,High,Low,Close,Adj Close,Volume\n2022-09-29,1,1,1,1,1,1\n');
  await assert.rejects(inspectFile(spec(noSymbol, 'stock-prices')), /PRICES_FILE \(--prices-file\) = ".*history\.csv": the prices file history\.csv has no symbol column .*PRICES_SYMBOL \(--symbol\)/);
  // A pretty-printed JSON array (a common export) is one document, not JSON Lines: said at start, not 4 dead letters.
  const array = write('tweets.json', '[\n  {"created_at": "2022-01-01 00:00:00", "text": "$AAPL up"},\n  {"created_at": "2022-01-01 00:00:01", "text": "$TSLA"}\n]\n');
  await assert.rejects(inspectFile(spec(array)), /TWEETS_FILE \(--file\) = ".*tweets\.json": a JSON array; expected JSON Lines \(one object per line\) or CSV\. Convert it with: jq -c/);
  const oneLine = write('ticks', '[{"symbol": "AAPL"}]\n');
  await assert.rejects(inspectFile(spec(oneLine, 'stock-prices')), /PRICES_FILE \(--prices-file\) = ".*ticks": a JSON array/);
});

void test('produce --file sends what run --file reads: the same values and keys, in file order', async () => {
  const { fromFile } = await import('../../src/pipelines/producers.js');
  const f = await inspectFile(spec(FIXTURE));
  const sent: { key: string | null; value: string }[] = [];
  for await (const m of fromFile(f)) sent.push(m);
  const read = await readAll(spec(FIXTURE));
  assert.equal(sent.length, 400);
  assert.deepEqual(sent, read.map((r) => ({ key: r.key, value: r.value })));
});

void test('no file stays open: after inspecting, after reading to the end, after a reader returned early', { skip: !existsSync('/proc/self/fd') && 'needs /proc/self/fd' }, async () => {
  const openFds = () => readdirSync('/proc/self/fd').length;
  const many = (n: number) => Array.from({ length: n }, (_, i) => `2022-09-29 10:00:01+00:00,$AAPL ${i},AAPL,Apple`).join('\n');
  const csv = write('many.csv', `Date,Tweet,Stock Name,Company Name\n${many(5_000)}\n`);
  const jsonl = write('many.jsonl', `${Array.from({ length: 5_000 }, (_, i) => JSON.stringify({ created_at: '2022-09-29 10:00:01', text: `$AAPL ${i}`, user_id: 'u' })).join('\n')}\n`);
  const settle = () => new Promise((r) => setTimeout(r, 50));
  for (const path of [csv, jsonl]) {
    await settle();
    const before = openFds();
    for (let i = 0; i < 5; i++) {
      const f = await inspectFile(spec(path));
      const early = readFileRecords(f);
      await early.next();
      await early.return(undefined); // a restarted file source closes its readers this way
      let n = 0;
      for await (const _ of readFileRecords(f)) n++;
      assert.equal(n, 5_000);
    }
    await settle();
    assert.equal(openFds(), before, `${path}: file descriptors left open`);
  }
});
