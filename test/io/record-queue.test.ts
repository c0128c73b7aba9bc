// The consumer hub's per-partition queue: fetched records held as bytes come out as the hub's
// records, in offset order, up to a count and an end offset, with keys, empty and null values,
// bytes that are not UTF-8 and the repartition topic's binary values as they were fetched.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SHUFFLE_TOPIC } from '../../src/io/kafka/client.js';
import { RecordQueue, type FetchedRecord } from '../../src/io/kafka/record-queue.js';

const NOW = 1_800_000_000_000;
const rec = (offset: number, value: string | Buffer | null, key: string | null = 'AAPL'): FetchedRecord => ({
  offset: String(offset), timestamp: String(1_700_000_000_000 + offset), key: key === null ? null : Buffer.from(key), value: value === null ? null : Buffer.isBuffer(value) ? value : Buffer.from(value),
});

test('record queue: takes in offset order across fetched batches, up to max and before end', () => {
  const q = new RecordQueue('tweets', 3);
  assert.equal(q.length, 0);
  assert.equal(q.headOffset(), undefined);
  q.push([rec(10, '{"a":1}'), rec(11, '{"b":"🚀 naïve"}', null), rec(12, '')], NOW);
  q.push([], NOW);
  q.push([rec(13, null), rec(14, '{"c":3}', 'TSLA')], NOW);
  assert.equal(q.length, 5);
  assert.equal(q.headOffset(), 10);
  assert.deepEqual(q.take(2, Infinity), [
    { topic: 'tweets', partition: 3, offset: 10, key: 'AAPL', value: '{"a":1}', ingestTs: 1_700_000_000_010 },
    { topic: 'tweets', partition: 3, offset: 11, key: null, value: '{"b":"🚀 naïve"}', ingestTs: 1_700_000_000_011 },
  ]);
  assert.equal(q.headOffset(), 12);
  // `end` stops inside the second batch, across the batch boundary.
  assert.deepEqual(q.take(10, 14).map((r) => [r.offset, r.value, r.key]), [[12, '', 'AAPL'], [13, '', 'AAPL']]);
  assert.equal(q.length, 1);
  assert.deepEqual(q.take(10, 14), [], 'nothing before the end is left');
  assert.deepEqual(q.take(10, Infinity).map((r) => [r.offset, r.key]), [[14, 'TSLA']]);
  assert.equal(q.length, 0);
  assert.equal(q.headOffset(), undefined);
});

test('record queue: bytes that are not UTF-8 are flagged, and the records are copies', () => {
  const q = new RecordQueue('stock-prices', 0);
  const fetched = Buffer.from([0x7b, 0xff, 0xfe, 0x7d]);
  q.push([rec(0, fetched)], NOW);
  fetched.fill(0); // the client's buffer is reused or freed after the batch
  const [r] = q.take(1, Infinity);
  assert.equal(r.notUtf8, true);
  assert.equal(r.value, '{\uFFFD\uFFFD}');
});

test('record queue: the repartition topic keeps its values as bytes of their own', () => {
  const q = new RecordQueue(SHUFFLE_TOPIC, 1);
  q.push([rec(5, Buffer.from([1, 2, 3]), null), rec(6, null, null)], NOW);
  const [a, b] = q.take(5, Infinity);
  assert.deepEqual([a.key, a.value, [...a.bytes!]], [null, '', [1, 2, 3]]);
  assert.deepEqual([...b.bytes!], []);
  q.clear();
  assert.equal(q.length, 0);
  assert.deepEqual([...a.bytes!], [1, 2, 3], 'a taken record outlives its queue');
});

test('record queue: clear drops everything queued', () => {
  const q = new RecordQueue('tweets', 0);
  q.push([rec(1, 'x'), rec(2, 'y')], NOW);
  q.clear();
  assert.equal(q.length, 0);
  assert.deepEqual(q.take(10, Infinity), []);
  q.push([rec(7, 'z')], NOW);
  assert.deepEqual(q.take(10, Infinity).map((r) => r.offset), [7]);
});
