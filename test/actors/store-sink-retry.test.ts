// The store sink through a serving-store outage, on a manual clock: failing writes are retried
// within the budget, the outage is logged when it starts, while it lasts and when it ends, and
// errors the store did not mark retriable are not retried.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OutageLog, writeUntil } from '../../src/actors/store-sink/retry-write.js';
import { ManualClock } from '../../src/runtime/clock.js';
import { ActorError } from '../../src/runtime/errors.js';
import { settle } from '../helpers/clock.js';
import { quietLogger } from '../helpers/runtime.js';

const down = () => new ActorError('writing to twitter.tweets at Cassandra at 127.0.0.1:9042 (CASSANDRA_CONTACT_POINTS): All host(s) tried for query failed; is Cassandra running there?', 'external', true);
const backoff = { minMs: 1_000, maxMs: 1_000, jitter: 0 };

test('an outage of 25 s: one warning when it starts, one every 10 s while it lasts, an info line when it ends', async () => {
  const clock = new ManualClock(0);
  const log = quietLogger();
  const outage = new OutageLog(log, clock, 300_000);
  const upAt = 25_000;
  let attempts = 0;
  const errors: unknown[] = [];
  await settle(clock, writeUntil(async () => {
    attempts++;
    if (clock.now() < upAt) throw down();
  }, { budgetMs: 300_000, clock, outage, backoff, onError: (e) => errors.push(e) }));
  assert.equal(attempts, 26, 'retried every second until the store was back');
  assert.equal(errors.length, 25);
  assert.deepEqual(log.lines.map((l) => [l.level, l.msg.split(':')[0]]), [
    ['warn', 'serving store unavailable'],
    ['warn', 'serving store still unavailable'],
    ['warn', 'serving store still unavailable'],
    ['info', 'serving store available again'],
  ]);
  assert.match(String(log.lines[0].fields?.error), /CASSANDRA_CONTACT_POINTS/);
  assert.deepEqual([log.lines[1].fields?.forS, log.lines[2].fields?.forS, log.lines[3].fields?.afterS], [10, 20, 25]);
  assert.equal(log.lines[1].fields?.budgetLeftS, 290);
  assert.equal(outage.inOutage, false);
});

test('past the budget the error goes to the supervisor (the pipeline fails over)', async () => {
  const clock = new ManualClock(0);
  const log = quietLogger();
  let attempts = 0;
  await assert.rejects(settle(clock, writeUntil(async () => {
    attempts++;
    throw down();
  }, { budgetMs: 10_000, clock, outage: new OutageLog(log, clock, 10_000), backoff })), (e: unknown) => e instanceof ActorError && /is Cassandra running there/.test(e.message));
  assert.equal(attempts, 11, 'one attempt a second from 0 s; the budget is spent at 10 s');
});

test('an error the store did not mark retriable is thrown at once', async () => {
  const clock = new ManualClock(0);
  const log = quietLogger();
  for (const e of [new ActorError('Undefined column name x', 'external', false), new TypeError('a bug')]) {
    let attempts = 0;
    await assert.rejects(writeUntil(async () => {
      attempts++;
      throw e;
    }, { budgetMs: 300_000, clock, outage: new OutageLog(log, clock, 300_000), backoff }), (x: unknown) => x === e);
    assert.equal(attempts, 1);
  }
  assert.deepEqual(log.lines, [], 'nothing to report: not an outage');
});

test('a write that succeeds at once logs nothing', async () => {
  const clock = new ManualClock(0);
  const log = quietLogger();
  await writeUntil(async () => undefined, { budgetMs: 1_000, clock, outage: new OutageLog(log, clock, 1_000), backoff });
  assert.deepEqual(log.lines, []);
});
