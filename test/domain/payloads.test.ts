// validateTweet / validatePrice: valid seed payloads pass with their event time; every invalid
// one becomes a dead-letter reason whose detail names the offending field. Nothing throws.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rawRecordProblem } from '../../src/domain/admission.js';
import { DEAD_LETTER_REASONS, MAX_TEXT_LENGTH, MAX_USER_ID_LENGTH, MAX_VOLUME, validatePrice, validateTweet, type DeadLetterReason, type Validated } from '../../src/domain/payloads.js';

const TWEET = { created_at: '2025-12-18 14:30:00', text: 'Huge breakout for $TSLA today! #bullish', user_id: 'user_123' };
const PRICE = { symbol: 'TSLA', trade_timestamp: '2025-12-18 14:30:05', open_price: 250.5, close_price: 251.2, volume: 1500 };

const tweet = (over: Record<string, unknown> = {}): string => JSON.stringify({ ...TWEET, ...over });
const price = (over: Record<string, unknown> = {}): string => JSON.stringify({ ...PRICE, ...over });
const without = (o: Record<string, unknown>, k: string): string => JSON.stringify(Object.fromEntries(Object.entries(o).filter(([x]) => x !== k)));

/** Asserts a rejection with `reason` whose detail mentions every fragment (field names first). */
function rejects<T>(v: Validated<T>, reason: DeadLetterReason, ...fragments: string[]): void {
  assert.equal(v.ok, false, `expected ${reason}, got a valid record`);
  if (v.ok) return;
  assert.equal(v.reason, reason, v.detail);
  assert.ok(DEAD_LETTER_REASONS.includes(v.reason));
  assert.equal(typeof v.detail, 'string');
  for (const f of fragments) assert.ok(v.detail.includes(f), `detail ${JSON.stringify(v.detail)} should mention ${f}`);
}

void test('the seed tweet is accepted with its event time', () => {
  const v = validateTweet(tweet());
  assert.deepEqual(v, { ok: true, value: TWEET, eventTime: Date.parse('2025-12-18T14:30:00Z') });
});

void test('the seed price is accepted with its event time', () => {
  const v = validatePrice(price());
  assert.deepEqual(v, { ok: true, value: PRICE, eventTime: Date.parse('2025-12-18T14:30:05Z') });
});

void test('ISO-8601 timestamps are accepted and give the instant they name', () => {
  const t = validateTweet(tweet({ created_at: '2025-12-18T16:30:00.250+02:00' }));
  assert.ok(t.ok);
  assert.equal(t.eventTime, Date.parse('2025-12-18T14:30:00.250Z'));
  assert.equal(t.value.created_at, '2025-12-18T16:30:00.250+02:00');
  const p = validatePrice(price({ trade_timestamp: '2025-12-18T14:30:05Z' }));
  assert.ok(p.ok);
  assert.equal(p.eventTime, Date.parse('2025-12-18T14:30:05Z'));
});

void test('extra fields are ignored and not copied into the value', () => {
  const t = validateTweet(tweet({ lang: 'en', retweets: 3 }));
  assert.ok(t.ok);
  assert.deepEqual(Object.keys(t.value).sort(), ['created_at', 'text', 'user_id']);
  const p = validatePrice(price({ exchange: 'NASDAQ' }));
  assert.ok(p.ok);
  assert.deepEqual(Object.keys(p.value).sort(), ['close_price', 'open_price', 'symbol', 'trade_timestamp', 'volume']);
});

void test('a numeric user_id is accepted and kept as a string', () => {
  const v = validateTweet(tweet({ user_id: 123456789 }));
  assert.ok(v.ok);
  assert.equal(v.value.user_id, '123456789');
  assert.equal(typeof v.value.user_id, 'string');
});

void test('zero prices, zero volume, empty text and the longest text are accepted', () => {
  assert.ok(validatePrice(price({ open_price: 0, close_price: 0, volume: 0 })).ok);
  assert.ok(validateTweet(tweet({ text: '' })).ok);
  assert.ok(validateTweet(tweet({ text: 'x'.repeat(MAX_TEXT_LENGTH) })).ok);
  assert.ok(validatePrice(price({ symbol: 'BRK.B' })).ok);
  assert.ok(validatePrice(price({ volume: 1e12 })).ok);
});

void test('not JSON', () => {
  for (const raw of ['', 'not json at all', '{"created_at": "2025-12-18 14:30:00", "text": "truncated $AAPL', '{created_at: 1}', "{'a': 1}", '{"price": NaN}', '{"v": Infinity}']) {
    rejects(validateTweet(raw), 'not_json', 'not JSON');
    rejects(validatePrice(raw), 'not_json', 'not JSON');
  }
});

void test('a top level that is not an object', () => {
  const cases: [string, string][] = [
    ['["not", "an", "object"]', 'array'],
    ['[]', 'array'],
    ['null', 'null'],
    ['42', 'number'],
    ['"a string"', 'string'],
    ['true', 'boolean'],
  ];
  for (const [raw, found] of cases) {
    rejects(validateTweet(raw), 'not_an_object', 'object', found);
    rejects(validatePrice(raw), 'not_an_object', 'object', found);
  }
});

void test('each missing tweet field is named', () => {
  for (const k of ['created_at', 'text', 'user_id']) {
    rejects(validateTweet(without(TWEET, k)), 'missing_field', `"${k}"`);
    rejects(validateTweet(tweet({ [k]: null })), 'missing_field', `"${k}"`);
  }
  rejects(validateTweet('{}'), 'missing_field', '"created_at"');
});

void test('each missing price field is named', () => {
  for (const k of ['symbol', 'trade_timestamp', 'open_price', 'close_price', 'volume']) {
    rejects(validatePrice(without(PRICE, k)), 'missing_field', `"${k}"`);
    rejects(validatePrice(price({ [k]: null })), 'missing_field', `"${k}"`);
  }
});

void test('wrong tweet field types are named with what was found', () => {
  rejects(validateTweet(tweet({ text: 12345 })), 'wrong_type', '"text"', 'string', 'number');
  rejects(validateTweet(tweet({ created_at: 1734532200000 })), 'wrong_type', '"created_at"', 'string', 'number');
  rejects(validateTweet(tweet({ text: ['a'] })), 'wrong_type', '"text"', 'object');
  rejects(validateTweet(tweet({ user_id: true })), 'wrong_type', '"user_id"', 'boolean');
  rejects(validateTweet(tweet({ user_id: { id: 1 } })), 'wrong_type', '"user_id"', 'object');
});

void test('wrong price field types are named with what was found', () => {
  rejects(validatePrice(price({ close_price: '10.5' })), 'wrong_type', '"close_price"', 'number', 'string');
  rejects(validatePrice(price({ open_price: true })), 'wrong_type', '"open_price"', 'boolean');
  rejects(validatePrice(price({ volume: '1500' })), 'wrong_type', '"volume"', 'string');
  rejects(validatePrice(price({ symbol: 42 })), 'wrong_type', '"symbol"', 'string', 'number');
  rejects(validatePrice(price({ trade_timestamp: 1734532205 })), 'wrong_type', '"trade_timestamp"', 'number');
});

void test('NaN-like values: "NaN" strings are the wrong type, overflowing numbers are not finite', () => {
  rejects(validatePrice(price({ close_price: 'NaN' })), 'wrong_type', '"close_price"');
  rejects(validatePrice(price({ open_price: 'Infinity' })), 'wrong_type', '"open_price"');
  // JSON has no NaN or Infinity, but 1e999 parses to Infinity.
  rejects(validatePrice('{"symbol":"TSLA","trade_timestamp":"2025-12-18 14:30:05","open_price":1e999,"close_price":1,"volume":1}'), 'not_finite', '"open_price"');
  rejects(validatePrice('{"symbol":"TSLA","trade_timestamp":"2025-12-18 14:30:05","open_price":1,"close_price":-1e999,"volume":1}'), 'not_finite', '"close_price"');
  rejects(validatePrice('{"symbol":"TSLA","trade_timestamp":"2025-12-18 14:30:05","open_price":1,"close_price":1,"volume":1e400}'), 'not_finite', '"volume"');
});

void test('bad timestamps are named with the text found', () => {
  rejects(validateTweet(tweet({ created_at: 'yesterday' })), 'bad_timestamp', '"created_at"', 'yesterday');
  rejects(validatePrice(price({ trade_timestamp: 'yesterday' })), 'bad_timestamp', '"trade_timestamp"', 'yesterday');
  rejects(validateTweet(tweet({ created_at: '' })), 'bad_timestamp', '"created_at"');
  rejects(validateTweet(tweet({ created_at: '2025-12-18 24:00:00' })), 'bad_timestamp', '"created_at"');
});

void test('impossible dates are bad timestamps, not rolled over', () => {
  rejects(validateTweet(tweet({ created_at: '2025-02-30 10:00:00' })), 'bad_timestamp', '"created_at"', '2025-02-30');
  rejects(validatePrice(price({ trade_timestamp: '2023-02-29 10:00:00' })), 'bad_timestamp', '"trade_timestamp"', '2023-02-29');
  assert.ok(validatePrice(price({ trade_timestamp: '2024-02-29 10:00:00' })).ok);
});

void test('a huge bad timestamp is quoted only in part', () => {
  const v = validateTweet(tweet({ created_at: 'z'.repeat(5_000) }));
  rejects(v, 'bad_timestamp', '"created_at"');
  assert.ok(!v.ok && v.detail.length < 200, 'detail should not echo the whole value');
});

void test('text over MAX_TEXT_LENGTH', () => {
  const v = validateTweet(tweet({ text: 'x'.repeat(MAX_TEXT_LENGTH + 1) }));
  rejects(v, 'text_too_long', '"text"', String(MAX_TEXT_LENGTH + 1), String(MAX_TEXT_LENGTH));
  rejects(validateTweet(tweet({ text: `$TSLA ${'spam '.repeat(2_500)}` })), 'text_too_long', '"text"');
});

void test('bad symbols: too long, lower case, not a ticker', () => {
  rejects(validatePrice(price({ symbol: 'X'.repeat(50) })), 'bad_symbol', '"symbol"');
  rejects(validatePrice(price({ symbol: 'tsla' })), 'bad_symbol', '"symbol"', 'tsla');
  rejects(validatePrice(price({ symbol: '' })), 'bad_symbol', '"symbol"');
  rejects(validatePrice(price({ symbol: '$TSLA' })), 'bad_symbol', '"symbol"');
  rejects(validatePrice(price({ symbol: '1TSLA' })), 'bad_symbol', '"symbol"');
  rejects(validatePrice(price({ symbol: 'ABCDEFGHIJK' })), 'bad_symbol', '"symbol"');
  const long = validatePrice(price({ symbol: 'X'.repeat(5_000) }));
  assert.ok(!long.ok && long.detail.length < 200, 'detail should not echo the whole value');
});

void test('negative volume and prices', () => {
  rejects(validatePrice(price({ volume: -100 })), 'negative_value', '"volume"', '-100');
  rejects(validatePrice(price({ open_price: -0.01 })), 'negative_value', '"open_price"');
  rejects(validatePrice(price({ close_price: -251.2 })), 'negative_value', '"close_price"');
});

void test('fractional volume is the wrong type', () => {
  rejects(validatePrice(price({ volume: 1500.5 })), 'wrong_type', '"volume"', '1500.5', 'whole');
});

void test('every reason code is reachable', () => {
  const seen = new Set<DeadLetterReason>();
  const raws = [
    validateTweet('nope'),
    validateTweet('[]'),
    validateTweet('{}'),
    validateTweet(tweet({ text: 1 })),
    validateTweet(tweet({ created_at: 'x' })),
    validateTweet(tweet({ text: 'x'.repeat(MAX_TEXT_LENGTH + 1) })),
    validatePrice(price({ symbol: 'tsla' })),
    validatePrice(price({ volume: -1 })),
    validatePrice('{"symbol":"A","trade_timestamp":"2025-12-18 14:30:05","open_price":1e999,"close_price":1,"volume":1}'),
    validatePrice(price({ volume: 1e308 })),
    validateTweet(tweet({ user_id: 'u'.repeat(MAX_USER_ID_LENGTH + 1) })),
    validateTweet(tweet({ text: 'a\ud800b' })),
    rawRecordProblem({ topic: 'tweets', partition: 0, offset: 1, key: null, value: '{}', ingestTs: 0, notUtf8: true })!,
    rawRecordProblem({ topic: 'tweets', partition: 0, offset: -1, key: null, value: '{}', ingestTs: 0 })!,
    rawRecordProblem({ topic: 'tweets', partition: 0, offset: 1, key: null, value: 'a,b', ingestTs: 0, unmapped: 'CSV row has 2 fields, the header 4' })!,
  ];
  for (const v of raws) if (!v.ok) seen.add(v.reason);
  // The sinks' own reasons are reached by the sinks (test/fuzz/parse-to-sink.test.ts).
  const sinks: DeadLetterReason[] = ['rejected_by_lake', 'rejected_by_store'];
  assert.deepEqual([...seen].sort(), DEAD_LETTER_REASONS.filter((r) => !sinks.includes(r)).sort());
});

void test('the poison tick (volume 1e308) and volumes past 2^53 - 1 are out of range; 2^53 - 1 is kept exactly', () => {
  rejects(validatePrice(price({ volume: 1e308 })), 'out_of_range', '"volume"', '2^53 - 1');
  rejects(validatePrice(price({ volume: 2 ** 53 })), 'out_of_range', '"volume"');
  const v = validatePrice(price({ volume: MAX_VOLUME }));
  assert.ok(v.ok);
  assert.equal(v.value.volume, Number.MAX_SAFE_INTEGER);
});

void test('-0 prices and volume are stored as 0; huge finite prices are kept', () => {
  const v = validatePrice('{"symbol":"TSLA","trade_timestamp":"2025-12-18 14:30:05","open_price":-0,"close_price":1e308,"volume":-0}');
  assert.ok(v.ok);
  assert.ok(Object.is(v.value.open_price, 0) && Object.is(v.value.volume, 0));
  assert.equal(v.value.close_price, 1e308);
});

void test('event times are years 0000 to 9999 in UTC, zone offsets included', () => {
  assert.equal(validateTweet(tweet({ created_at: '0000-01-01 00:00:00' })).ok, true);
  assert.equal(validateTweet(tweet({ created_at: '9999-12-31 23:59:59' })).ok, true);
  rejects(validateTweet(tweet({ created_at: '10000-01-01 00:00:00' })), 'bad_timestamp', '"created_at"');
  rejects(validateTweet(tweet({ created_at: '9999-12-31T23:59:59-01:00' })), 'bad_timestamp', 'outside');
  rejects(validatePrice(price({ trade_timestamp: '0000-01-01T00:30:00+01:00' })), 'bad_timestamp', '"trade_timestamp"', 'outside');
});

void test('user ids: well-formed strings up to the limit, or whole numbers JSON keeps exactly', () => {
  const ok = validateTweet(tweet({ user_id: 'ü'.repeat(MAX_USER_ID_LENGTH) }));
  assert.ok(ok.ok);
  const n = validateTweet(tweet({ user_id: 9007199254740991 }));
  assert.ok(n.ok);
  assert.equal(n.value.user_id, '9007199254740991');
  rejects(validateTweet('{"created_at":"2025-12-18 14:30:00","text":"x","user_id":12345678901234567890}'), 'out_of_range', '"user_id"', 'as strings');
  rejects(validateTweet(tweet({ user_id: 1.5 })), 'out_of_range', '"user_id"');
  rejects(validateTweet(tweet({ user_id: 'x'.repeat(MAX_USER_ID_LENGTH + 1) })), 'field_too_long', '"user_id"', String(MAX_USER_ID_LENGTH));
  rejects(validateTweet(tweet({ user_id: '\udc00' })), 'invalid_unicode', '"user_id"');
  rejects(validateTweet(tweet({ user_id: { id: 1 } })), 'wrong_type', '"user_id"');
});

void test('lone surrogates are rejected, emoji (surrogate pairs) are kept', () => {
  rejects(validateTweet(tweet({ text: '$AAPL \ud83d to the moon' })), 'invalid_unicode', '"text"');
  const v = validateTweet(tweet({ text: '$AAPL 🚀🚀 to the moon' }));
  assert.ok(v.ok);
  assert.equal(v.value.text, '$AAPL 🚀🚀 to the moon');
});

void test('a repeated key is read as JSON.parse reads it: the last one wins', () => {
  rejects(validatePrice('{"symbol":"TSLA","trade_timestamp":"2025-12-18 14:30:05","open_price":1,"close_price":1,"volume":5,"volume":1e308}'), 'out_of_range', '"volume"');
  assert.equal(validatePrice('{"symbol":"TSLA","trade_timestamp":"2025-12-18 14:30:05","open_price":1,"close_price":1,"volume":1e308,"volume":5}').ok, true);
});

void test('validation never throws on odd input', () => {
  for (const raw of ['\u0000', '{"__proto__": {"text": "x"}}', '{"created_at": {}}', '"\\ud800"', '{"a":'.repeat(50), '1'.repeat(400)]) {
    assert.doesNotThrow(() => validateTweet(raw));
    assert.doesNotThrow(() => validatePrice(raw));
    assert.equal(validateTweet(raw).ok, false);
    assert.equal(validatePrice(raw).ok, false);
  }
});
