// recordId: a deterministic, UUID-formatted id per (topic, partition, offset), so replays
// overwrite rather than duplicate in idempotent sinks.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PRICES_TOPIC, TWEETS_TOPIC, recordId } from '../../src/domain/records.js';

const UUID_V8 = /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

void test('topic names are the seed topics', () => {
  assert.equal(TWEETS_TOPIC, 'tweets');
  assert.equal(PRICES_TOPIC, 'stock-prices');
});

void test('recordId is deterministic', () => {
  assert.equal(recordId(TWEETS_TOPIC, 0, 0), recordId(TWEETS_TOPIC, 0, 0));
  assert.equal(recordId(PRICES_TOPIC, 3, 123_456_789), recordId(PRICES_TOPIC, 3, 123_456_789));
  // Pinned: a change here would re-key every row already written by a sink.
  assert.equal(recordId(TWEETS_TOPIC, 0, 0), 'fc5b08dc-f7cf-8e77-880e-d5a9108d3eda');
  assert.equal(recordId(PRICES_TOPIC, 2, 41), 'b007a2b3-3eca-8dbe-9240-0ad2c86ef9c0');
});

void test('recordId is a well-formed version-8 UUID with the RFC 4122 variant', () => {
  for (const topic of [TWEETS_TOPIC, PRICES_TOPIC]) {
    for (const p of [0, 1, 7, 63]) {
      for (const o of [0, 1, 2, 255, 65_535, 2 ** 31, 2 ** 32 + 5, Number.MAX_SAFE_INTEGER]) {
        const id = recordId(topic, p, o);
        assert.match(id, UUID_V8, `${topic}/${p}/${o}`);
        assert.equal(id.length, 36);
      }
    }
  }
});

void test('every variant nibble (8, 9, a, b) occurs', () => {
  const variants = new Set<string>();
  for (let o = 0; o < 200; o++) variants.add(recordId(TWEETS_TOPIC, 0, o)[19]);
  assert.deepEqual([...variants].sort(), ['8', '9', 'a', 'b']);
});

void test('recordId is distinct across 100k (topic, partition, offset) triples', () => {
  const seen = new Map<string, string>();
  let n = 0;
  for (const topic of [TWEETS_TOPIC, PRICES_TOPIC]) {
    for (let p = 0; p < 10; p++) {
      for (let o = 0; o < 5_000; o++) {
        const id = recordId(topic, p, o);
        const where = `${topic}/${p}/${o}`;
        const before = seen.get(id);
        assert.equal(before, undefined, `${where} collides with ${before}`);
        seen.set(id, where);
        n++;
      }
    }
  }
  assert.equal(n, 100_000);
  assert.equal(seen.size, 100_000);
});

void test('ids whose decimal text looks alike stay distinct', () => {
  // `1:11` vs `11:1` and similar: the separator keeps partition and offset apart.
  const pairs: [number, number][] = [[1, 11], [11, 1], [1, 1], [11, 11], [0, 10], [10, 0], [1, 0], [0, 1]];
  const ids = pairs.map(([p, o]) => recordId(TWEETS_TOPIC, p, o));
  assert.equal(new Set(ids).size, ids.length);
  assert.notEqual(recordId(TWEETS_TOPIC, 0, 0), recordId(PRICES_TOPIC, 0, 0));
});

void test('ids of neighbouring offsets share no long prefix (hashes spread)', () => {
  const a = recordId(TWEETS_TOPIC, 0, 1000), b = recordId(TWEETS_TOPIC, 0, 1001);
  assert.notEqual(a.slice(0, 8), b.slice(0, 8));
  assert.notEqual(a.slice(24), b.slice(24));
});
