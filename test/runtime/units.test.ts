// Pure runtime pieces, without threads: watermarks, barrier alignment, credit links, restart
// limits, the manual clock, the codec, the placement plan, and the watermark interval of one
// instance runner.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import client from 'prom-client';
import type { ActorContext, ActorFactory } from '../../src/runtime/actor.js';
import { backoffDelay, DEFAULT_RESTART, RestartTracker, retry } from '../../src/runtime/backoff.js';
import { BarrierAligner } from '../../src/runtime/barriers.js';
import { ManualClock } from '../../src/runtime/clock.js';
import { decodeBatch, encodeBatch } from '../../src/runtime/codec.js';
import { InstanceRunner, type InstanceHost } from '../../src/runtime/instance.js';
import { OutLink } from '../../src/runtime/links.js';
import { Mailbox } from '../../src/runtime/mailbox.js';
import type { Envelope } from '../../src/runtime/protocol.js';
import { createMetrics } from '../../src/runtime/metrics.js';
import { placeInstances, planLinks, workerSlots, type Link, type TopologySpec } from '../../src/runtime/topology.js';
import { WatermarkTracker } from '../../src/runtime/watermarks.js';
import { settle } from '../helpers/clock.js';

test('watermark: minimum over inputs, advancing only forward', () => {
  const w = new WatermarkTracker(['a', 'b']);
  assert.equal(w.update('a', 100), null, 'b has said nothing yet');
  assert.equal(w.update('b', 50), 50);
  assert.equal(w.update('b', 40), null, 'an input never moves back');
  assert.equal(w.update('b', 150), 100);
  assert.equal(w.watermark, 100);
});

test('watermark: an input its upstream declared idle stops holding the stage back, and counts again when it speaks', () => {
  const w = new WatermarkTracker(['a', 'b']);
  w.update('a', 10);
  w.update('b', 5);
  w.update('a', 500);
  assert.equal(w.watermark, 5, 'silence alone never makes an input idle (backpressure is silence too)');
  assert.equal(w.markIdle('b'), 500, 'b idle: a alone decides');
  assert.equal(w.idle, false, 'one input still active');
  assert.equal(w.activity('b'), null, 'b speaks: it counts again, holding at what it had');
  assert.equal(w.update('a', 700), null);
  assert.equal(w.update('b', 600), 600);
});

test('watermark: when every input is idle it holds, and the instance is idle', () => {
  const w = new WatermarkTracker(['a', 'b']);
  w.update('a', 100);
  w.update('b', 50);
  assert.equal(w.markIdle('a'), null);
  assert.equal(w.markIdle('b'), null, 'no active input: hold, never jump to the furthest one');
  assert.equal(w.watermark, 50);
  assert.equal(w.idle, true);
  assert.equal(w.activity('a'), 100, 'a active again: it alone decides');
  assert.equal(w.idle, false);
});

test('watermark: a finished input is excluded; a stopped one holds at its last watermark', () => {
  const w = new WatermarkTracker(['a', 'b', 'c']);
  w.update('a', 10);
  w.update('b', 1);
  w.update('c', 5);
  assert.equal(w.end('b', true), 5, 'b exhausted: it no longer holds the others back');
  assert.equal(w.end('c', false), null, 'c stopped (a drain): it still holds at 5');
  assert.equal(w.update('a', 20), null);
  assert.equal(w.markIdle('a'), null, 'the stopped input still holds when the rest is idle');
  assert.equal(w.idle, false, 'a stopped input is not idle');
});

test('watermark: when every input has finished, the furthest watermark seen (the end of a bounded run)', () => {
  const w = new WatermarkTracker(['a', 'b']);
  w.update('a', 10);
  w.update('b', 30);
  assert.equal(w.watermark, 10);
  assert.equal(w.end('b', true), null, 'a still holds at 10');
  assert.equal(w.end('a', true), 30);
});

test('barrier alignment blocks aligned inputs until every input has the barrier', () => {
  const b = new BarrierAligner(new Set(['a', 'b', 'c']));
  assert.equal(b.onBarrier('a', 1).kind, 'waiting');
  assert.ok(b.isBlocked('a'));
  assert.ok(!b.isBlocked('b'));
  assert.equal(b.onBarrier('c', 1).kind, 'waiting');
  assert.deepEqual(b.onBarrier('b', 1), { kind: 'aligned', checkpoint: 1 });
  assert.ok(!b.isBlocked('a'));
  assert.throws(() => b.onBarrier('x', 2), /unknown input/);
});

test('barrier alignment does not wait for an input that has ended', () => {
  const b = new BarrierAligner(new Set(['a', 'b']));
  b.onBarrier('a', 3);
  assert.deepEqual(b.onEnd(new Set(['b'])), { kind: 'aligned', checkpoint: 3 });
});

test('mailbox stashes mail of blocked inputs and replays it first, in order', async () => {
  const m = new Mailbox();
  const env = (ts: number): Envelope => ({ kind: 'watermark', ts });
  m.put({ link: 'a', env: env(1) });
  m.put({ link: 'b', env: env(2) });
  m.put({ link: 'a', env: env(3) });
  const blocked = new Set(['a']);
  const first = await m.take((l) => blocked.has(l));
  assert.equal(first.link, 'b');
  blocked.clear();
  assert.deepEqual([(await m.take(() => false)).env, (await m.take(() => false)).env], [env(1), env(3)]);
});

test('out link: data waits for credit, control queues behind it and overtakes nothing', async () => {
  const sent: Envelope[] = [];
  const link = new OutLink('l', 1, { send: (e) => sent.push(e), monotonic: () => 0 });
  const d1: Envelope = { kind: 'local-data', records: [1] };
  const d2: Envelope = { kind: 'local-data', records: [2] };
  const wm: Envelope = { kind: 'watermark', ts: 9 };
  await link.push(d1);
  let d2Sent = false;
  const p2 = link.push(d2).then(() => (d2Sent = true));
  const pw = link.push(wm);
  await Promise.resolve();
  assert.deepEqual(sent, [d1]);
  assert.equal(d2Sent, false, 'no credit left');
  link.grant(1);
  await Promise.all([p2, pw]);
  assert.deepEqual(sent, [d1, d2, wm]);
});

test('backoff grows exponentially, is capped and jittered; restarts escalate past the limit', () => {
  const o = { minMs: 100, maxMs: 1_000, jitter: 0.5 };
  assert.equal(backoffDelay(0, o, () => 0.5), 100);
  assert.equal(backoffDelay(3, o, () => 0.5), 800);
  assert.equal(backoffDelay(10, o, () => 0.5), 1_000);
  assert.equal(backoffDelay(0, o, () => 0), 50);
  assert.equal(backoffDelay(0, o, () => 0.999999), 150);
  const r = new RestartTracker({ ...o, maxRestarts: 2, withinMs: 10_000 });
  assert.notEqual(r.onFailure(0, () => 0.5), null);
  assert.notEqual(r.onFailure(1, () => 0.5), null);
  assert.equal(r.onFailure(2, () => 0.5), null, 'third failure in the window escalates');
  assert.notEqual(new RestartTracker({ ...o, maxRestarts: 1, withinMs: 10 }).onFailure(0), null);
});

test('retry names what failed and stops on non-retriable errors', async () => {
  const clock = new ManualClock(0);
  let calls = 0;
  await assert.rejects(
    settle(clock, retry('cassandra at 127.0.0.1:9042', async () => {
      calls++;
      throw new Error('connection refused');
    }, { attempts: 3, clock }),
    ),
    /cassandra at 127\.0\.0\.1:9042: failed after 3 attempt\(s\): connection refused/,
  );
  assert.equal(calls, 3);
  calls = 0;
  await assert.rejects(retry('x', async () => {
    calls++;
    throw new Error('bad');
  }, { attempts: 5, isRetriable: () => false, clock }));
  assert.equal(calls, 1);
  const original = new Error('keep me');
  await assert.rejects(settle(clock, retry('x', async () => {
    throw original;
  }, { attempts: 2, clock, rethrow: 'original' })), (e: unknown) => e === original);
});

test('retry with a budget keeps retrying an outage until the budget has passed, on an injected clock', async () => {
  const clock = new ManualClock(0);
  let calls = 0;
  const up = await settle(clock, retry('s3', async () => {
    if (++calls < 20) throw new Error('ECONNREFUSED');
    return 'ok';
  }, { attempts: 3, budgetMs: 60_000, backoff: { minMs: 100, maxMs: 1_000, jitter: 0 }, clock }), 100);
  assert.equal(up, 'ok', 'the server came back within the budget (19 failures, ~15 s of backoff)');
  calls = 0;
  await assert.rejects(settle(clock, retry('s3 at x (S3_ENDPOINT)', async () => {
    calls++;
    throw new Error('ECONNREFUSED');
  }, { attempts: 3, budgetMs: 10_000, backoff: { minMs: 100, maxMs: 1_000, jitter: 0 }, clock }), 100), /s3 at x \(S3_ENDPOINT\): failed after \d+ attempt\(s\) in 1\d\.\d s: ECONNREFUSED/);
  assert.ok(calls > 3 && calls < 20, `retried past the attempts until the budget was spent (${calls} calls)`);
});

test('manual clock fires timers in due order only when advanced', () => {
  const c = new ManualClock(1_000);
  const fired: string[] = [];
  c.setTimer(50, () => fired.push('b'));
  c.setTimer(10, () => fired.push('a'));
  const cancel = c.setTimer(20, () => fired.push('never'));
  cancel();
  c.advance(30);
  assert.deepEqual(fired, ['a']);
  assert.equal(c.now(), 1_030);
  c.advance(100);
  assert.deepEqual(fired, ['a', 'b']);
});

test('codec round-trips batches through a transferable buffer of its own', () => {
  const records = Array.from({ length: 1_000 }, (_, i) => ({ id: `r${i}`, n: i, x: i / 3, tags: ['A', 'B'], nested: { ok: i % 2 === 0 } }));
  const { bytes, count } = encodeBatch(records);
  assert.equal(count, 1_000);
  assert.equal(bytes.byteOffset, 0);
  assert.equal(bytes.buffer.byteLength, bytes.length, 'owns its whole buffer, so it can be transferred');
  assert.deepEqual(decodeBatch(bytes), records);
});

test('plan: forward, hash and broadcast links; placement keeps partitions together', () => {
  const t: TopologySpec = {
    name: 't',
    stages: [
      { name: 's', module: 'm', parallelism: 2, source: true },
      { name: 'a', module: 'm', parallelism: 2 },
      { name: 'b', module: 'm', parallelism: 3 },
      { name: 'c', module: 'm', parallelism: 1, placement: 'main' },
    ],
    edges: [
      { from: 's', to: 'a', route: { kind: 'forward' } },
      { from: 'a', to: 'b', route: { kind: 'hash' } },
      { from: 'b', output: 'x', to: 'c', route: { kind: 'broadcast' } },
    ],
  };
  const links = planLinks(t).map((l) => l.id);
  assert.ok(links.includes('s/0:out->a/0') && links.includes('s/1:out->a/1') && !links.includes('s/0:out->a/1'));
  assert.equal(links.filter((l) => l.startsWith('a/')).length, 6);
  assert.ok(links.includes('b/2:x->c/0'));
  const placed = placeInstances(t, 2);
  assert.equal(placed.get('s/0'), placed.get('a/0'));
  assert.notEqual(placed.get('s/0'), placed.get('s/1'));
  assert.equal(placed.get('c/0'), 0);
});

test('placement: partitions spread over the worker threads by their work, the running ones first', () => {
  assert.deepEqual(workerSlots(4, 2), [0, 1, 0, 1], 'no hints: round-robin');
  // A topic keyed by symbol: partition 1 holds half the records. Round-robin would give one
  // thread 1 and 3 (75 %); heaviest first onto the least-loaded thread gives 50 % each.
  assert.deepEqual(workerSlots(4, 2, { weights: [37_559, 150_294, 37_441, 74_706] }), [1, 0, 1, 1]);
  // A replica running tasks 0 and 2 of 4 uses both of its threads (round-robin put both on one).
  assert.deepEqual(workerSlots(4, 2, { running: [0, 2] }).filter((_, p) => p === 0 || p === 2), [0, 1]);
  assert.deepEqual(workerSlots(3, 4), [0, 1, 2], 'more threads than partitions');
  assert.deepEqual(workerSlots(2, 1, { weights: [5, 9] }), [0, 0]);
  // Ties go to the lower partition and the lower thread: the same hints place alike every launch.
  assert.deepEqual(workerSlots(4, 2, { weights: [3, 3, 3, 3] }), workerSlots(4, 2));
  const t: TopologySpec = {
    name: 'p',
    stages: [
      { name: 's', module: 'm', parallelism: 4, source: true, placement: 'main' },
      { name: 'a', module: 'm', parallelism: 4 },
      { name: 'b', module: 'm', parallelism: 4 },
    ],
    edges: [
      { from: 's', to: 'a', route: { kind: 'forward' } },
      { from: 'a', to: 'b', route: { kind: 'forward' } },
    ],
  };
  const placed = placeInstances(t, 2, { weights: [1, 10, 1, 1] });
  assert.deepEqual([0, 1, 2, 3].map((p) => [placed.get(`a/${p}`), placed.get(`b/${p}`), placed.get(`s/${p}`)]), [[2, 2, 0], [1, 1, 0], [2, 2, 0], [2, 2, 0]]);
});

test('watermark interval: a generating actor sends its first watermark at once, then the newest one per interval, and the held one before the end', async () => {
  const clock = new ManualClock(0);
  const sent: Envelope[] = [];
  const input: Link = { id: 'src/0->gen/0', from: { stage: 'src', partition: 0 }, output: 'out', to: { stage: 'gen', partition: 0 } };
  const host: InstanceHost = {
    pipeline: 'test',
    clock,
    metrics: createMetrics(new client.Registry()),
    buildContext: (r) => ({ emitWatermark: (ts: number) => r.generateWatermark(ts) }) as unknown as ActorContext,
    forwardControl: async (_from, env) => void sent.push(env),
    returnCredit: () => undefined,
    ack: () => undefined,
    ended: () => undefined,
    restarted: () => undefined,
    failed: (_i, e) => assert.fail(String(e)),
    reportWatermark: () => undefined,
    isHeld: () => false,
  };
  // The actor generates a watermark from every batch: its records are event times.
  const factory: ActorFactory = () => {
    let ctx!: ActorContext;
    return { init: (c) => void (ctx = c), handle: async (records) => ctx.emitWatermark(Math.max(...(records as number[]))) };
  };
  const stage = { name: 'gen', module: '', parallelism: 1 };
  const runner = new InstanceRunner(input.to, stage, factory, new Map([[input.id, input]]), host, DEFAULT_RESTART, { watermarkIntervalMs: 200 }, undefined);
  await runner.start();
  const running = runner.run();
  const deliver = async (env: Envelope) => {
    runner.mailbox.put({ link: input.id, env });
    await new Promise((r) => setImmediate(r));
  };
  const watermarks = () => sent.filter((e) => e.kind === 'watermark').map((e) => (e as { ts: number }).ts);

  await deliver({ kind: 'local-data', records: [10] });
  assert.deepEqual(watermarks(), [10], 'the first one at once');
  await deliver({ kind: 'local-data', records: [20] });
  await deliver({ kind: 'local-data', records: [30] });
  clock.advance(199);
  assert.deepEqual(watermarks(), [10], 'held within the interval');
  clock.advance(1);
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(watermarks(), [10, 30], 'the newest one when the interval is up');
  await deliver({ kind: 'local-data', records: [40] });
  await deliver({ kind: 'end', finished: true });
  await running;
  assert.deepEqual(watermarks(), [10, 30, 40], 'a held watermark goes before the end');
  assert.equal(sent.at(-1)?.kind, 'end');
});
