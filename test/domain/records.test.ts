// recordId: a deterministic, compact id per (topic, partition, offset) for the pipeline and the
// lake; recordUuid / uuidOfRecordId: the UUID the serving stores key it by, so replays overwrite
// rather than duplicate in idempotent sinks.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PRICES_TOPIC, TWEETS_TOPIC, parseRecordId, recordId, recordUuid, uuidOfRecordId } from '../../src/domain/records.js';

const UUID_V8 = /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

void test('topic names are the seed topics', () => {
  assert.equal(TWEETS_TOPIC, 'tweets');
  assert.equal(PRICES_TOPIC, 'stock-prices');
});

void test('recordId is <topic letter><partition>-<offset> and parses back', () => {
  assert.equal(recordId(TWEETS_TOPIC, 3, 57_309), 't3-57309');
  assert.equal(recordId(PRICES_TOPIC, 0, 12), 'p0-12');
  for (const topic of [TWEETS_TOPIC, PRICES_TOPIC] as const) {
    for (const p of [0, 1, 7, 63]) {
      for (const o of [0, 1, 2, 255, 65_535, 2 ** 31, 2 ** 32 + 5, Number.MAX_SAFE_INTEGER]) {
        assert.deepEqual(parseRecordId(recordId(topic, p, o)), { topic, partition: p, offset: o });
      }
    }
  }
  for (const other of ['', 't', 't1', 't-1', 'x1-2', 't1-2-3', 'T1-2', ' t1-2', 'fc5b08dc-f7cf-8e77-880e-d5a9108d3eda']) {
    assert.equal(parseRecordId(other), null, other);
    assert.throws(() => uuidOfRecordId(other), /not a record id/);
  }
});

void test('recordUuid is deterministic, and uuidOfRecordId derives it from the record id', () => {
  assert.equal(recordUuid(TWEETS_TOPIC, 0, 0), recordUuid(TWEETS_TOPIC, 0, 0));
  // Pinned: a change here would re-key every row already written to a serving store.
  assert.equal(recordUuid(TWEETS_TOPIC, 0, 0), 'fc5b08dc-f7cf-8e77-880e-d5a9108d3eda');
  assert.equal(recordUuid(PRICES_TOPIC, 2, 41), 'b007a2b3-3eca-8dbe-9240-0ad2c86ef9c0');
  assert.equal(uuidOfRecordId(recordId(TWEETS_TOPIC, 0, 0)), 'fc5b08dc-f7cf-8e77-880e-d5a9108d3eda');
  assert.equal(uuidOfRecordId(recordId(PRICES_TOPIC, 2, 41)), 'b007a2b3-3eca-8dbe-9240-0ad2c86ef9c0');
});

void test('recordUuid is a well-formed version-8 UUID with the RFC 4122 variant', () => {
  for (const topic of [TWEETS_TOPIC, PRICES_TOPIC] as const) {
    for (const p of [0, 1, 7, 63]) {
      for (const o of [0, 1, 2, 255, 65_535, 2 ** 31, 2 ** 32 + 5, Number.MAX_SAFE_INTEGER]) {
        const id = recordUuid(topic, p, o);
        assert.match(id, UUID_V8, `${topic}/${p}/${o}`);
        assert.equal(id.length, 36);
      }
    }
  }
});

void test('every variant nibble (8, 9, a, b) occurs', () => {
  const variants = new Set<string>();
  for (let o = 0; o < 200; o++) variants.add(recordUuid(TWEETS_TOPIC, 0, o)[19]);
  assert.deepEqual([...variants].sort(), ['8', '9', 'a', 'b']);
});

void test('recordId is distinct across 100k (topic, partition, offset) triples', () => {
  const seen = new Map<string, string>();
  let n = 0;
  for (const topic of [TWEETS_TOPIC, PRICES_TOPIC] as const) {
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

void test('UUIDs of neighbouring offsets share no long prefix (hashes spread)', () => {
  const a = recordUuid(TWEETS_TOPIC, 0, 1000), b = recordUuid(TWEETS_TOPIC, 0, 1001);
  assert.notEqual(a.slice(0, 8), b.slice(0, 8));
  assert.notEqual(a.slice(24), b.slice(24));
});

void test('recordUuid keeps the keys stored rows have always had (fixed vectors)', () => {
  // Computed by the four-pass implementation before the one-pass rewrite: Cassandra rows written
  // by any earlier cashtag keep their keys.
  const vectors: [string, number, number, string][] = [
    ['tweets', 0, 0, 'fc5b08dc-f7cf-8e77-880e-d5a9108d3eda'],
    ['tweets', 3, 57309, '5aa2e317-4411-840e-9439-3008b580a842'],
    ['stock-prices', 0, 12, '9cb8e062-42ff-8015-a8d7-ba98172cd349'],
    ['stock-prices', 11, 9007199254740991, '57115567-538e-8e80-b9b0-1641301e17ca'],
    ['tweets', 5, 123456789, 'ff0d1e0a-ef2b-8a29-9358-53a352391ca5'],
  ];
  for (const [topic, partition, offset, uuid] of vectors) assert.equal(recordUuid(topic, partition, offset), uuid, `${topic}/${partition}/${offset}`);
});
