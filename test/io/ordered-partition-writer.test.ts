// The exactly-once writer of the dead-letter and alert sinks, with a stand-in partition (unit
// test: what Kafka does is covered by test/integration/crash-restart.test.ts).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { comparePositions, decodePosition, encodePosition, OrderedPartitionWriter, POSITION_HEADER, type PositionedMessage } from '../../src/io/kafka/ordered-partition-writer.js';
import type { TailMessage } from '../../src/io/kafka/partition-tail.js';

/** A partition as a list of messages, a producer appending to it, and a tail reader of it. */
function fakePartition(initial: { position?: string }[] = []) {
  const log: { key: string; position?: string }[] = initial.map((m, i) => ({ key: `old${i}`, position: m.position }));
  const events: string[] = [];
  let failNext = false;
  let gate: Promise<void> | null = null;
  const producer = {
    send: async ({ messages }: { messages: { partition?: number; key?: string | Buffer | null; headers?: Record<string, unknown> }[] }) => {
      events.push(`send ${messages.length}`);
      if (gate) await gate;
      if (failNext) {
        failNext = false;
        throw new Error('broker went away');
      }
      for (const m of messages) log.push({ key: String(m.key), position: m.headers?.[POSITION_HEADER] as string });
      return [];
    },
  };
  const tail = async (): Promise<TailMessage | null> => {
    events.push('tail');
    const last = log.at(-1);
    return last ? { offset: log.length - 1, headers: last.position === undefined ? {} : { [POSITION_HEADER]: last.position } } : null;
  };
  return {
    log,
    events,
    producer,
    tail,
    failNext: () => (failNext = true),
    hold: () => {
      let open!: () => void;
      gate = new Promise((r) => (open = r));
      return () => {
        gate = null;
        open();
      };
    },
  };
}

const letters = (...offsets: number[]): PositionedMessage[] => offsets.map((o) => ({ position: { major: o, minor: '' }, key: `0:${o}`, value: `raw ${o}` }));

test('positions: encoded in a header, compared by major then minor; a missing or foreign header is no position', () => {
  assert.equal(encodePosition({ major: 1766066340000, minor: 'BRK.B' }), '1766066340000|BRK.B');
  assert.deepEqual(decodePosition('1766066340000|BRK.B'), { major: 1766066340000, minor: 'BRK.B' });
  assert.deepEqual(decodePosition('42|'), { major: 42, minor: '' });
  for (const bad of [undefined, '', '42', '|x', 'x|y']) assert.equal(decodePosition(bad), null, String(bad));
  assert.ok(comparePositions({ major: 1, minor: 'Z' }, { major: 2, minor: 'A' }) < 0);
  assert.ok(comparePositions({ major: 2, minor: 'AAPL' }, { major: 2, minor: 'MSFT' }) < 0);
  assert.equal(comparePositions({ major: 2, minor: 'A' }, { major: 2, minor: 'A' }), 0);
});

test('a restart skips what the partition already holds and writes the rest once, in order', async () => {
  const p = fakePartition();
  const first = new OrderedPartitionWriter('t.dlq', 0, p.tail);
  assert.deepEqual(await first.write(p.producer, letters(3, 7, 9)), { written: 3, skipped: 0, resumed: { offset: null, position: null } });
  // The process dies; the replay from the last checkpoint brings 7 and 9 again, then 12.
  const second = new OrderedPartitionWriter('t.dlq', 0, p.tail);
  const r = await second.write(p.producer, letters(7, 9, 12));
  assert.deepEqual(r, { written: 1, skipped: 2, resumed: { offset: 2, position: { major: 9, minor: '' } } });
  assert.deepEqual(p.log.map((m) => m.key), ['0:3', '0:7', '0:9', '0:12']);
  assert.deepEqual(p.log.map((m) => m.position), ['3|', '7|', '9|', '12|']);
  assert.deepEqual(await second.write(p.producer, letters(12, 13)), { written: 1, skipped: 1 }, 'no tail read once the end is known');
  assert.equal(p.events.filter((e) => e === 'tail').length, 2);
});

test('a batch is written only from past the last position, and a repeat within a batch is dropped', async () => {
  const p = fakePartition([{ position: '5|' }]);
  const w = new OrderedPartitionWriter('t.dlq', 0, p.tail);
  assert.equal((await w.write(p.producer, letters(4, 5, 6, 6, 8))).written, 2);
  assert.deepEqual(p.log.slice(1).map((m) => m.key), ['0:6', '0:8']);
  assert.deepEqual(await w.write(p.producer, letters(2, 8)), { written: 0, skipped: 2 });
  assert.deepEqual(p.events, ['tail', 'send 2'], 'nothing to send, no request');
});

test('a partition written without positions (an older cashtag) gets everything', async () => {
  const p = fakePartition([{}, {}]);
  const w = new OrderedPartitionWriter('t.dlq', 0, p.tail);
  assert.deepEqual(await w.write(p.producer, letters(0, 1)), { written: 2, skipped: 0, resumed: { offset: 1, position: null } });
});

test('after a failed send writes are refused until resync, which reads the tail again', async () => {
  const p = fakePartition();
  const w = new OrderedPartitionWriter('t.dlq', 0, p.tail);
  await w.write(p.producer, letters(1));
  p.failNext();
  await assert.rejects(w.write(p.producer, letters(2, 3)), /broker went away/);
  await assert.rejects(w.write(p.producer, letters(5)), /t\.dlq\/0: an earlier write failed \(broker went away\)/);
  w.resync();
  assert.deepEqual(await w.write(p.producer, letters(2, 3, 4)), { written: 3, skipped: 0, resumed: { offset: 0, position: { major: 1, minor: '' } } });
  assert.deepEqual(p.log.map((m) => m.key), ['0:1', '0:2', '0:3', '0:4']);
});

test('writes queued behind a failed one are not sent: the replay cannot skip the failed messages', async () => {
  const p = fakePartition();
  const w = new OrderedPartitionWriter('t.dlq', 0, p.tail);
  await w.write(p.producer, letters(1));
  const open = p.hold();
  p.failNext();
  const failing = w.write(p.producer, letters(2, 3)); // a sink that does not wait for each send
  const behind = w.write(p.producer, letters(7, 8));
  open();
  await assert.rejects(failing, /broker went away/);
  await assert.rejects(behind, /an earlier write failed/);
  // The sink restarts from its checkpoint: 2 and 3 are replayed and written, then 7 and 8.
  w.resync();
  assert.deepEqual(await w.write(p.producer, letters(2, 3, 7, 8)), { written: 4, skipped: 0, resumed: { offset: 0, position: { major: 1, minor: '' } } });
  assert.deepEqual(p.log.map((m) => m.key), ['0:1', '0:2', '0:3', '0:7', '0:8']);
});

test('resync waits for a write still in flight (a failed launch) before it reads the tail', async () => {
  const p = fakePartition();
  const w = new OrderedPartitionWriter('t.dlq', 0, p.tail);
  await w.write(p.producer, letters(1));
  const open = p.hold();
  const inFlight = w.write(p.producer, letters(2, 3)); // the old generation's write, not yet acknowledged
  w.resync(); // the relaunched sink starts
  const next = w.write(p.producer, letters(2, 3, 4));
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(p.events, ['tail', 'send 1', 'send 2'], 'no tail read while the write is in flight');
  open();
  await inFlight;
  assert.deepEqual(await next, { written: 1, skipped: 2, resumed: { offset: 2, position: { major: 3, minor: '' } } });
  assert.deepEqual(p.log.map((m) => m.key), ['0:1', '0:2', '0:3', '0:4']);
});
