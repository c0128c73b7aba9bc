// Generated input records for the fuzz tests of the parse-to-sink path (fast-check arbitraries),
// each with what the pipeline must make of it. The expectations come from how the record was
// built, not from the validation code under test: a valid record is assembled from values every
// sink holds, a bad one is a valid one with one named defect, and `any` records (arbitrary JSON,
// arbitrary strings) only have to end up in exactly one place.
import fc from 'fast-check';
import { extractCashtags } from '../../src/domain/cashtags.js';
import type { DeadLetterReason } from '../../src/domain/payloads.js';
import type { InputTopic } from '../../src/domain/records.js';
import { MAX_EVENT_TIME, MAX_TEXT_LENGTH, MAX_USER_ID_LENGTH, MIN_EVENT_TIME } from '../../src/domain/storable.js';

export type Expect =
  | { outcome: 'good'; eventTime: number; text?: string; userId?: string; symbols?: string[]; symbol?: string; open?: number; close?: number; volume?: number }
  | { outcome: 'bad'; reason: DeadLetterReason }
  | { outcome: 'any' };

export interface FuzzRecord {
  topic: InputTopic;
  /** The value as text; `bytes` (not UTF-8) replaces it on the wire when set. */
  value: string;
  bytes?: Buffer;
  expect: Expect;
  /** What the record is, for failure messages and the figures table. */
  label: string;
}

/** A JSON object text from [key, JSON value text] pairs, in order (repeated keys allowed). */
const obj = (fields: [string, string][]) => `{${fields.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`;
const j = (v: unknown) => JSON.stringify(v);

// ---- timestamps: a wall time and a zone; the instant decides whether it is storable ----
const pad = (n: number, w = 2) => String(Math.abs(n)).padStart(w, '0');
function wall(ms: number): string {
  const d = new Date(ms);
  return `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}
interface Stamp { text: string; instant: number }
const seedStamp: fc.Arbitrary<Stamp> = fc
  .oneof(fc.integer({ min: MIN_EVENT_TIME / 1000, max: Math.floor(MAX_EVENT_TIME / 1000) }), fc.constantFrom(MIN_EVENT_TIME / 1000, Math.floor(MAX_EVENT_TIME / 1000), 1_766_066_400, 0))
  .map((s) => ({ text: wall(s * 1000), instant: s * 1000 }));
/** ISO-8601 with a zone: near the ends of the range the instant may leave it (then it is bad). */
const zonedStamp: fc.Arbitrary<Stamp> = fc
  .tuple(seedStamp, fc.integer({ min: -(23 * 60 + 59), max: 23 * 60 + 59 }), fc.integer({ min: 0, max: 999 }))
  .map(([s, offMin, ms]) => {
    const zone = offMin === 0 ? 'Z' : `${offMin < 0 ? '-' : '+'}${pad(Math.trunc(Math.abs(offMin) / 60))}:${pad(Math.abs(offMin) % 60)}`;
    return { text: `${s.text.replace(' ', 'T')}.${pad(ms, 3)}${zone}`, instant: s.instant + ms - offMin * 60_000 };
  });
const stamp = fc.oneof(seedStamp, zonedStamp);
const inRange = (t: number) => t >= MIN_EVENT_TIME && t <= MAX_EVENT_TIME;

// ---- values every sink holds ----
const SYMBOLS = ['AAPL', 'TSLA', 'MSFT', 'BRK.B', 'NVDA', 'X'];
const word = fc.oneof(
  fc.constantFrom('great', 'terrible', 'NOT', 'good', 'but', 'LOL', '!!!', ':)', 'buy', 'sell', 'https://x.com/$AAPL', '$5.99', '🚀', '📉', 'ünïcödé', '株', '\u0000', '"', '\\'),
  fc.constantFrom(...SYMBOLS, 'brk.b', 'aapl').map((s) => `$${s}`),
  fc.string({ unit: 'binary', maxLength: 12 }),
);
const goodText = fc.oneof(
  { weight: 4, arbitrary: fc.array(word, { maxLength: 30 }).map((ws) => ws.join(' ')) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 400 }) },
  { weight: 1, arbitrary: fc.constantFrom('', '🚀'.repeat(MAX_TEXT_LENGTH / 2), `$TSLA ${'x'.repeat(MAX_TEXT_LENGTH - 6)}`) },
);
const goodUserId = fc.oneof(fc.string({ unit: 'binary', maxLength: MAX_USER_ID_LENGTH }).filter((s) => s.length <= MAX_USER_ID_LENGTH), fc.maxSafeNat());
const goodPrice = fc.oneof(fc.double({ min: 0, max: 1e6, noNaN: true }), fc.double({ min: 0, noNaN: true, noDefaultInfinity: true }), fc.constantFrom(0, -0, 1e308, Number.MAX_VALUE, Number.MIN_VALUE));
const goodVolume = fc.oneof(fc.integer({ min: 0, max: 1_000_000 }), fc.maxSafeNat(), fc.constantFrom(0, -0, Number.MAX_SAFE_INTEGER));
const plus0 = (v: number) => (v === 0 ? 0 : v);

/** A lone surrogate somewhere in `s` (a high one not followed by a low one, or a low one alone). */
const withLoneSurrogate = (s: string) =>
  fc.tuple(fc.nat({ max: s.length }), fc.constantFrom('\uD800', '\uDBFF', '\uDC00', '\uDFFF')).map(([at, half]) => {
    // Cut at a code point boundary, and keep the half from pairing with its neighbours.
    const cps = [...s];
    const i = Math.min(at, cps.length);
    return `${cps.slice(0, i).join('')}${half} ${cps.slice(i).join('')}`;
  });

// ---- tweets ----
interface TweetParts { created: Stamp; text: string; userId: string | number }
const tweetParts = fc.record({ created: stamp, text: goodText, userId: goodUserId });
const tweetFields = (p: TweetParts): [string, string][] => [['created_at', j(p.created.text)], ['text', j(p.text)], ['user_id', j(p.userId)]];
const tweetExpect = (p: TweetParts): Expect =>
  inRange(p.created.instant) ? { outcome: 'good', eventTime: p.created.instant, text: p.text, userId: String(p.userId), symbols: extractCashtags(p.text) } : { outcome: 'bad', reason: 'bad_timestamp' };

const replace = (fields: [string, string][], key: string, value: string): [string, string][] => fields.map(([k, v]) => [k, k === key ? value : v]);
const drop = (fields: [string, string][], key: string): [string, string][] => fields.filter(([k]) => k !== key);

// Defects are put into otherwise valid records, so the defect alone decides the reason.
const badTweet: fc.Arbitrary<FuzzRecord> = tweetParts.filter((p) => inRange(p.created.instant)).chain((p) => {
  const f = tweetFields(p);
  const rec = (label: string, value: string, reason: DeadLetterReason): FuzzRecord => ({ topic: 'tweets', value, expect: { outcome: 'bad', reason }, label });
  return fc.oneof(
    fc.constantFrom('created_at', 'text', 'user_id').map((k) => rec(`tweet without ${k}`, obj(drop(f, k)), 'missing_field')),
    fc.constantFrom('created_at', 'text').chain((k) => fc.constantFrom('1', 'true', '{"a":{"b":[1]}}', '[1,2]').map((v) => rec(`tweet ${k} of another type`, obj(replace(f, k, v)), 'wrong_type'))),
    fc.constantFrom('true', '{"id":"1"}', '["u"]').map((v) => rec('tweet user_id of another type', obj(replace(f, 'user_id', v)), 'wrong_type')),
    fc.constantFrom(1e20, -1, 1.5, 2 ** 53).map((v) => rec('tweet user_id number out of range', obj(replace(f, 'user_id', j(v))), 'out_of_range')),
    fc.integer({ min: MAX_USER_ID_LENGTH + 1, max: 5000 }).map((n) => rec('tweet user_id too long', obj(replace(f, 'user_id', j('u'.repeat(n)))), 'field_too_long')),
    fc.oneof(fc.integer({ min: MAX_TEXT_LENGTH + 1, max: 20_000 }), fc.constant(1 << 20)).map((n) => rec(`tweet text of ${n} characters`, obj(replace(f, 'text', j(`$AAPL 🚀 ${'x'.repeat(n)}`.slice(0, n)))), 'text_too_long')),
    withLoneSurrogate(p.text).map((t) => rec('tweet text with a lone surrogate', obj(replace(f, 'text', j(t))), 'invalid_unicode')),
    withLoneSurrogate(String(p.userId).slice(0, 40)).map((u) => rec('tweet user_id with a lone surrogate', obj(replace(f, 'user_id', j(u))), 'invalid_unicode')),
    fc.constantFrom('2025-13-01 00:00:00', '2025-02-30 12:00:00', '2025-12-18 24:00:00', '10000-01-01 00:00:00', 'yesterday', '', '2025-12-18', '+002025-12-18T00:00:00Z', '-000001-01-01T00:00:00Z', '2025-12-18 14:30:00+25:00').map((t) => rec('tweet with an impossible timestamp', obj(replace(f, 'created_at', j(t))), 'bad_timestamp')),
    fc.constantFrom('9999-12-31T23:59:59-00:01', '0000-01-01T00:00:00+00:01').map((t) => rec('tweet timestamp past year 9999 or before year 0 in UTC', obj(replace(f, 'created_at', j(t))), 'bad_timestamp')),
  );
});

const goodTweet: fc.Arbitrary<FuzzRecord> = tweetParts.map((p) => ({ topic: 'tweets', value: obj(tweetFields(p)), expect: tweetExpect(p), label: inRange(p.created.instant) ? 'valid tweet' : 'tweet zoned out of range' }));

// ---- price ticks ----
interface PriceParts { symbol: string; traded: Stamp; open: number; close: number; volume: number }
const priceParts = fc.record({ symbol: fc.constantFrom(...SYMBOLS), traded: stamp, open: goodPrice, close: goodPrice, volume: goodVolume });
/** Numbers as JSON writes them, except -0, which JSON.stringify would print as 0. */
const num = (v: number) => (Object.is(v, -0) ? '-0' : j(v));
const priceFields = (p: PriceParts): [string, string][] => [['symbol', j(p.symbol)], ['trade_timestamp', j(p.traded.text)], ['open_price', num(p.open)], ['close_price', num(p.close)], ['volume', num(p.volume)]];
const priceExpect = (p: PriceParts): Expect =>
  inRange(p.traded.instant) ? { outcome: 'good', eventTime: p.traded.instant, symbol: p.symbol, open: plus0(p.open), close: plus0(p.close), volume: plus0(p.volume) } : { outcome: 'bad', reason: 'bad_timestamp' };
const goodPriceRecord: fc.Arbitrary<FuzzRecord> = priceParts.map((p) => ({ topic: 'stock-prices', value: obj(priceFields(p)), expect: priceExpect(p), label: inRange(p.traded.instant) ? 'valid tick' : 'tick zoned out of range' }));

/** The issue's poison pill, verbatim. */
export const POISON_TICK = '{"symbol":"TSLA","trade_timestamp":"2025-12-18 14:30:05","open_price":250.5,"close_price":251.2,"volume":1e308}';

const badPrice: fc.Arbitrary<FuzzRecord> = priceParts.filter((p) => inRange(p.traded.instant)).chain((p) => {
  const f = priceFields(p);
  const rec = (label: string, value: string, reason: DeadLetterReason): FuzzRecord => ({ topic: 'stock-prices', value, expect: { outcome: 'bad', reason }, label });
  const numeric = fc.constantFrom('open_price', 'close_price', 'volume');
  return fc.oneof(
    fc.constant(rec('the poison tick (volume 1e308)', POISON_TICK, 'out_of_range')),
    fc.constantFrom('1e308', '9007199254740992', '1e19', '18446744073709551615').map((v) => rec('tick volume past 2^53 - 1', obj(replace(f, 'volume', v)), 'out_of_range')),
    fc.constantFrom('1500.5', '1e-7', '0.1').map((v) => rec('tick fractional volume', obj(replace(f, 'volume', v)), 'wrong_type')),
    numeric.chain((k) => fc.constantFrom('-1', '-1e-300', '-1e308').map((v) => rec(`tick negative ${k}`, obj(replace(f, k, v)), 'negative_value'))),
    numeric.chain((k) => fc.constantFrom('1e999', '-1e999').map((v) => rec(`tick ${k} overflowing to infinity`, obj(replace(f, k, v)), 'not_finite'))),
    numeric.chain((k) => fc.constantFrom('"NaN"', '"Infinity"', '"101.5"', '"1500"', 'true', '{"v":1}', '[1]').map((v) => rec(`tick ${k} as a string or object`, obj(replace(f, k, v)), 'wrong_type'))),
    numeric.map((k) => rec(`tick with NaN literal in ${k}`, obj(replace(f, k, 'NaN')), 'not_json')),
    fc.constantFrom('symbol', 'trade_timestamp', 'open_price', 'close_price', 'volume').map((k) => rec(`tick without ${k}`, obj(drop(f, k)), 'missing_field')),
    fc.constantFrom('"tsla"', '""', '"TOOLONGSYMBOL"', '"A/B"', '"../X"', '"🚀"', '"1ABC"').map((v) => rec('tick with a bad symbol', obj(replace(f, 'symbol', v)), 'bad_symbol')),
    fc.constant(rec('tick symbol with a lone surrogate', obj(replace(f, 'symbol', '"A\\ud800"')), 'invalid_unicode')),
    // Repeated keys: JSON.parse keeps the last; the first being bad must not matter, and vice versa.
    fc.constant(rec('tick with a repeated volume, the last one bad', obj([...f, ['volume', '1e308']]), 'out_of_range')),
  );
});
const repeatedKeyGood: fc.Arbitrary<FuzzRecord> = priceParts.map((p) => {
  const f = priceFields(p);
  return { topic: 'stock-prices', value: obj([['volume', '1e308'], ['symbol', '"lower"'], ...f]), expect: priceExpect(p), label: 'tick with a repeated key, the last one good' };
});

// ---- not JSON, not objects, not UTF-8 ----
const topic = fc.constantFrom<InputTopic>('tweets', 'stock-prices');
const malformed: fc.Arbitrary<FuzzRecord> = fc.oneof(
  fc.tuple(topic, fc.oneof(goodTweet, goodPriceRecord)).map(([t, r]) => ({ topic: t, value: r.value.slice(0, -1), expect: { outcome: 'bad', reason: 'not_json' } as Expect, label: 'truncated JSON' })),
  fc.tuple(topic, fc.constantFrom('', ' ', 'null x', '{', '}', '{"a":1,}', "{'a':1}", '\u0000', 'NaN', '{"a":1}{"b":2}')).map(([t, v]) => ({ topic: t, value: v, expect: { outcome: 'bad', reason: 'not_json' } as Expect, label: 'not JSON' })),
  fc.tuple(topic, fc.oneof(fc.constantFrom('null', '[]', '1', '"text"', 'true', '[{"text":"x"}]'), fc.jsonValue().filter((v) => typeof v !== 'object' || v === null || Array.isArray(v)).map(j))).map(([t, v]) => ({ topic: t, value: v, expect: { outcome: 'bad', reason: 'not_an_object' } as Expect, label: 'JSON but not an object' })),
  fc.tuple(topic, fc.uint8Array({ minLength: 1, maxLength: 64 })).map(([t, b]) => {
    // 0xFF never occurs in UTF-8: these bytes are not UTF-8 whatever follows.
    const bytes = Buffer.concat([Buffer.from([0xff]), Buffer.from(b)]);
    return { topic: t, value: bytes.toString(), bytes, expect: { outcome: 'bad', reason: 'not_utf8' } as Expect, label: 'bytes that are not UTF-8' };
  }),
  fc.tuple(topic, fc.oneof(goodTweet, goodPriceRecord)).map(([t, r]) => {
    // A valid payload with one invalid byte inside a string: decoded leniently it would parse.
    const bytes = Buffer.from(r.value.replace('"', '"\u00ff'), 'utf8');
    bytes[bytes.indexOf(0xc3)] = 0xc0; // C0 is never a valid UTF-8 lead byte
    return { topic: t, value: bytes.toString(), bytes, expect: { outcome: 'bad', reason: 'not_utf8' } as Expect, label: 'JSON with an invalid UTF-8 byte' };
  }),
);

/** Anything at all: it must end up in exactly one place. */
const anything: fc.Arbitrary<FuzzRecord> = fc.tuple(topic, fc.oneof(fc.json(), fc.string({ unit: 'binary', maxLength: 200 }), fc.object().map((o) => { try { return j(o); } catch { return '{}'; } }))).map(([t, v]) => ({ topic: t, value: v, expect: { outcome: 'any' }, label: 'arbitrary JSON or text' }));

export const fuzzRecord: fc.Arbitrary<FuzzRecord> = fc.oneof(
  { weight: 6, arbitrary: goodTweet },
  { weight: 4, arbitrary: goodPriceRecord },
  { weight: 4, arbitrary: badTweet },
  { weight: 4, arbitrary: badPrice },
  { weight: 1, arbitrary: repeatedKeyGood },
  { weight: 2, arbitrary: malformed },
  { weight: 2, arbitrary: anything },
);

/** Kafka's default largest message (message.max.bytes) is 1 MiB: a record must fit with its headers. */
const KAFKA_MAX_VALUE_BYTES = 900 * 1024;

/** A deterministic corpus of `n` records for a seed that Kafka takes (the Kafka check produces it). */
export function sampleCorpus(n: number, seed: number): FuzzRecord[] {
  const fits = fuzzRecord.filter((r) => (r.bytes?.length ?? Buffer.byteLength(r.value)) <= KAFKA_MAX_VALUE_BYTES);
  return fc.sample(fits, { numRuns: n, seed });
}
