// File shapes: which column is which payload field (the Kaggle stock-tweets and Yahoo Finance
// shapes, the seed's names, a --columns mapping), and how one row becomes a payload.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mapRow, parseColumnsSpec, resolveMapping, symbolFromFileName, type ColumnMapping } from '../../src/domain/file-shapes.js';
import { validatePrice, validateTweet } from '../../src/domain/payloads.js';

const KAGGLE = ['Date', 'Tweet', 'Stock Name', 'Company Name'];
const YAHOO = ['Date', 'Open', 'High', 'Low', 'Close', 'Adj Close', 'Volume'];
const ok = (r: ReturnType<typeof resolveMapping>): ColumnMapping => {
  if (!r.ok) assert.fail(r.problem);
  return r.mapping;
};

void test('the Kaggle stock-tweets header is recognised; Stock Name is the symbol', () => {
  const m = ok(resolveMapping('tweets', KAGGLE, {}, { symbol: null, fileName: 'stock_tweets.csv' }));
  assert.equal(m.shape, 'kaggle-stock-tweets');
  assert.deepEqual(m.columns, { created_at: 'Date', text: 'Tweet', symbol: 'Stock Name' });
  const r = mapRow(m, { Date: '2022-09-29 23:41:16+00:00', Tweet: 'Mainstream media has done an amazing job', 'Stock Name': 'TSLA', 'Company Name': 'Tesla, Inc.' });
  assert.ok(r.ok);
  assert.deepEqual(r.payload, { created_at: '2022-09-29 23:41:16+00:00', text: 'Mainstream media has done an amazing job', symbol: 'TSLA', user_id: '' });
  assert.equal(r.key, 'TSLA');
  const v = validateTweet(JSON.stringify(r.payload));
  assert.ok(v.ok);
  assert.equal(v.eventTime, Date.parse('2022-09-29T23:41:16Z'));
  // A cashtag in the text keys the record (and wins in parse); Stock Name is the fallback.
  const tagged = mapRow(m, { Date: '2022-09-29 23:41:16+00:00', Tweet: 'long $AAPL', 'Stock Name': 'TSLA' });
  assert.ok(tagged.ok);
  assert.equal(tagged.key, 'AAPL');
});

void test('the Yahoo Finance header is recognised; the symbol comes from --symbol or the file name', () => {
  const byName = ok(resolveMapping('stock-prices', YAHOO, {}, { symbol: null, fileName: 'AAPL.csv' }));
  assert.equal(byName.shape, 'yahoo-finance');
  assert.equal(byName.symbol, 'AAPL');
  const byFlag = ok(resolveMapping('stock-prices', YAHOO, {}, { symbol: 'MSFT', fileName: 'AAPL.csv' }));
  assert.equal(byFlag.symbol, 'MSFT');
  const r = mapRow(byName, { Date: '2022-09-29', Open: '146.10', High: '146.72', Low: '140.68', Close: '142.48', 'Adj Close': '141.45', Volume: '128138200' });
  assert.ok(r.ok);
  assert.deepEqual(r.payload, { symbol: 'AAPL', trade_timestamp: '2022-09-29 00:00:00', open_price: 146.1, close_price: 142.48, volume: 128138200 });
  const v = validatePrice(JSON.stringify(r.payload));
  assert.ok(v.ok);
  // Yahoo writes "null" for a day without data: the parse stage dead-letters it (wrong_type).
  const gap = mapRow(byName, { Date: '2022-09-30', Open: 'null', High: 'null', Low: 'null', Close: 'null', 'Adj Close': 'null', Volume: 'null' });
  assert.ok(gap.ok);
  const bad = validatePrice(JSON.stringify(gap.payload));
  assert.ok(!bad.ok && bad.reason === 'wrong_type');
});

void test('a Yahoo file with neither --symbol nor a symbol for a name names the missing setting', () => {
  const r = resolveMapping('stock-prices', YAHOO, {}, { symbol: null, fileName: 'prices-2022.csv' });
  assert.ok(!r.ok);
  assert.match(r.problem, /PRICES_SYMBOL \(--symbol\)/);
  assert.match(r.problem, /AAPL\.csv/);
});

void test("the seed's own field names need no mapping", () => {
  const t = ok(resolveMapping('tweets', ['created_at', 'text', 'user_id'], {}, { symbol: null, fileName: 'x.csv' }));
  assert.equal(t.shape, 'seed');
  assert.deepEqual(t.columns, { created_at: 'created_at', text: 'text', user_id: 'user_id' });
  const p = ok(resolveMapping('stock-prices', ['symbol', 'trade_timestamp', 'open_price', 'close_price', 'volume'], {}, { symbol: null, fileName: 'x.csv' }));
  assert.equal(p.shape, 'seed');
  assert.equal(p.symbol, null);
});

void test('--columns maps any header; a named column the file lacks, or an unknown shape, is a problem naming the setting', () => {
  const spec = parseColumnsSpec('text=Body, created_at=When ,user_id=Author', 'tweets');
  assert.ok(spec.ok);
  const m = ok(resolveMapping('tweets', ['When', 'Body', 'Author'], spec.columns, { symbol: null, fileName: 'f.csv' }));
  assert.equal(m.shape, 'custom');
  const r = mapRow(m, { When: '2024-01-02T03:04:05Z', Body: 'hi $NVDA', Author: 'u1' });
  assert.ok(r.ok);
  assert.deepEqual(r.payload, { created_at: '2024-01-02T03:04:05Z', text: 'hi $NVDA', user_id: 'u1' });
  // Header names match case-insensitively.
  assert.equal(ok(resolveMapping('tweets', ['when', 'BODY'], { text: 'Body', created_at: 'When' }, { symbol: null, fileName: 'f.csv' })).columns.text, 'BODY');

  const lacks = resolveMapping('tweets', ['When', 'Body'], { text: 'Message' }, { symbol: null, fileName: 'f.csv' });
  assert.ok(!lacks.ok);
  assert.match(lacks.problem, /FILE_COLUMNS \(--columns\) maps text to column "Message"/);
  const unknown = resolveMapping('tweets', ['a', 'b'], {}, { symbol: null, fileName: 'f.csv' });
  assert.ok(!unknown.ok);
  assert.match(unknown.problem, /not a known shape and has no column for created_at, text: expected FILE_COLUMNS \(--columns\) as field=Column pairs/);
  const bad = parseColumnsSpec('text', 'tweets');
  assert.ok(!bad.ok);
  assert.match(bad.problem, /not field=Column/);
  assert.ok(!parseColumnsSpec('price=Close', 'stock-prices').ok);
});

void test('a row without a required column cannot be mapped: the reason names the column', () => {
  const m = ok(resolveMapping('tweets', KAGGLE, {}, { symbol: null, fileName: 'k.csv' }));
  const r = mapRow(m, { Date: '2022-09-29 23:41:16+00:00' });
  assert.ok(!r.ok);
  assert.equal(r.detail, 'column "Tweet" (text) is missing from this row');
});

void test('symbols from file names', () => {
  assert.equal(symbolFromFileName('data/AAPL.csv'), 'AAPL');
  assert.equal(symbolFromFileName('brk.b.jsonl'), 'BRK.B');
  assert.equal(symbolFromFileName('BRK-B.csv'), 'BRK.B');
  assert.equal(symbolFromFileName('prices 2022.csv'), null);
  assert.equal(symbolFromFileName('history.csv'), null);
});
