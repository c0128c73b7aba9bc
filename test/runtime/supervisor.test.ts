// Runtime behaviour on real worker threads, with fixture actors.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, test } from 'node:test';
import { decodeSnapshot } from '../../src/runtime/codec.js';
import { PipelineFailedError } from '../../src/runtime/errors.js';
import { collected, restoredStates, sinkState } from '../fixtures/actors/collect-sink.js';
import { MemoryCheckpoints, pipeline, quietLogger, supervisor } from '../helpers/runtime.js';

beforeEach(() => {
  collected.length = 0;
  restoredStates.length = 0;
  sinkState.count = 0;
});

function metricValue(text: string, name: string, labels: Record<string, string>): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name + '{')) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) sum += Number(line.split(' ').at(-1));
  }
  return sum;
}

test('every record arrives, in order within its partition, across threads', async () => {
  const sup = supervisor(pipeline({ limit: 5_000, partitions: 3, batch: 64 }));
  await sup.start();
  await sup.done;
  await sup.shutdown();
  assert.equal(collected.length, 15_000);
  for (const p of [0, 1, 2]) {
    const ns = collected.filter((r) => r.p === p).map((r) => r.n);
    assert.deepEqual(ns, Array.from({ length: 5_000 }, (_, i) => i), `partition ${p} out of order or incomplete`);
  }
});

test('a batch for several links on one thread crosses once and reaches each of them, whichever link has credit first', async () => {
  // Both sinks sit on the main thread: each map batch is one shared batch with two copies there.
  // The slow sink with one credit makes the copies leave in either order.
  const base = pipeline({ limit: 3_000, partitions: 3, batch: 50 });
  const sink = base.stages.find((s) => s.name === 'sink')!;
  const topology = {
    ...base,
    stages: [...base.stages.filter((s) => s !== sink), { ...sink, name: 'sink-a', credits: 1, options: { delayMs: 2 } }, { ...sink, name: 'sink-b', credits: 1 }],
    edges: [base.edges[0], { from: 'map', to: 'sink-a', route: { kind: 'forward' as const } }, { from: 'map', to: 'sink-b', route: { kind: 'forward' as const } }],
  };
  const sup = supervisor(topology);
  await sup.start();
  await sup.done;
  await sup.shutdown();
  const seen = new Map<string, number>();
  for (const r of collected) seen.set(`${r.p}/${r.n}`, (seen.get(`${r.p}/${r.n}`) ?? 0) + 1);
  assert.equal(seen.size, 9_000);
  assert.ok([...seen.values()].every((n) => n === 2), 'every record reached both sinks once');
});

test('a slow sink holds the source back: in-flight records stay bounded by credits', async () => {
  const credits = 2;
  const batch = 50;
  const sup = supervisor(pipeline({ limit: -1, partitions: 2, batch, sinkDelayMs: 20, credits }));
  await sup.start();
  const samples: number[] = [];
  for (let i = 0; i < 10; i++) {
    await new Promise((r) => setTimeout(r, 100));
    const text = await sup.metricsText();
    const produced = metricValue(text, 'cashtag_records_out_total', { actor: 'source' });
    samples.push(produced - sinkState.count);
  }
  await sup.drain();
  // Per partition: credits on source->map and map->sink, one batch in each actor's hands, one
  // batch waiting in each emit: a small constant, independent of how long it runs.
  const bound = 2 * (2 * credits + 4) * batch;
  assert.ok(sinkState.count > 0, 'sink received nothing');
  for (const s of samples) assert.ok(s <= bound, `in flight ${s} > bound ${bound} (samples ${samples.join(',')})`);
});

const marker = () => join(mkdtempSync(join(tmpdir(), 'cashtag-crash-')), 'crashed');

test('an in-place actor that throws is restarted and the batch it crashed on is processed', async () => {
  const log = quietLogger();
  const sup = supervisor(pipeline({ limit: 1_000, partitions: 1, batch: 10, crashOn: 555, onceMarker: marker(), restart: 'in-place' }), { log, workers: 1 });
  await sup.start();
  await sup.done;
  const text = await sup.metricsText();
  await sup.shutdown();
  assert.deepEqual(collected.map((r) => r.n), Array.from({ length: 1_000 }, (_, i) => i));
  assert.equal(metricValue(text, 'cashtag_actor_restarts_total', { actor: 'map' }), 1);
  assert.ok(log.lines.some((l) => l.msg === 'actor restarted' && l.fields?.actor === 'map/0'));
});

test('exceeding the restart limit stops the pipeline with an error naming the actor and the cause', async () => {
  const sup = supervisor(pipeline({ limit: 1_000, partitions: 1, batch: 10, crashOn: 300, restart: 'in-place' }), { workers: 1 });
  await sup.start();
  await assert.rejects(sup.done, (e: unknown) => {
    assert.ok(e instanceof PipelineFailedError);
    assert.equal(e.instance, 'map/0');
    assert.match(e.message, /fixture crash on record 300/);
    return true;
  });
  await sup.shutdown();
  assert.ok(collected.length < 1_000);
});

test('snapshot and restore round-trip through a checkpoint', async () => {
  const store = new MemoryCheckpoints();
  const sup = supervisor(pipeline({ limit: 2_000, partitions: 2, batch: 100 }), { checkpoints: store });
  await sup.start();
  await sup.drain();
  assert.ok(store.saved.length >= 1, 'no checkpoint saved');
  const cp = store.saved.at(-1)!;
  assert.deepEqual(Object.keys(cp.snapshots).sort(), ['sink/0', 'source/0', 'source/1']);
  const state = (id: string) => decodeSnapshot(cp.snapshots[id]) as { count: number; next: number };
  const sinkCount = state('sink/0').count;
  const sourceNext = state('source/0').next + state('source/1').next;
  assert.equal(sinkCount, sourceNext, 'the sink saw exactly what the sources emitted before the barrier');

  assert.equal(collected.length, sinkCount);
  const again = supervisor(pipeline({ limit: 2_000, partitions: 2, batch: 100 }), { checkpoints: store });
  await again.start();
  await again.done;
  await again.shutdown();
  assert.deepEqual(restoredStates, [{ count: sinkCount }]);
  // The restored sources resume after their checkpointed offsets: every record exactly once.
  for (const p of [0, 1]) assert.deepEqual(collected.filter((r) => r.p === p).map((r) => r.n), Array.from({ length: 2_000 }, (_, i) => i));
});

for (const crashMode of ['throw', 'exit'] as const) {
  test(`a failing ${crashMode === 'exit' ? 'thread' : 'stateful actor'} fails the pipeline over from the last checkpoint, losing nothing`, async () => {
    const log = quietLogger();
    const store = new MemoryCheckpoints();
    const sup = supervisor(pipeline({ limit: 3_000, partitions: 2, batch: 20, crashOn: 2_000, crashMode, onceMarker: marker(), sinkDelayMs: 1 }), { log, checkpoints: store, checkpointIntervalMs: 20 });
    await sup.start();
    await sup.done;
    await sup.shutdown();
    assert.ok(log.lines.some((l) => l.msg.startsWith('actor failed: restarting the pipeline')), 'no failover happened');
    assert.ok(restoredStates.length >= 1, 'the sink was not restored from a checkpoint');
    for (const p of [0, 1]) {
      const ns = collected.filter((r) => r.p === p).map((r) => r.n);
      assert.deepEqual(ns, Array.from({ length: 3_000 }, (_, i) => i), `partition ${p}: lost or duplicated records`);
    }
  });
}

test('an actor on a worker thread offloads to the pool through the main thread and gets each answer back', async () => {
  const topology = pipeline({ limit: 2_000, partitions: 2, batch: 50 });
  topology.stages[1] = { name: 'map', module: new URL('../fixtures/actors/offloader.js', import.meta.url).href, parallelism: 2 };
  topology.pool = { filename: new URL('../fixtures/actors/pool-square.js', import.meta.url).href, threads: 1 };
  const sup = supervisor(topology);
  await sup.start();
  await sup.done;
  await sup.shutdown();
  assert.equal(collected.length, 4_000);
  const rows = collected as unknown as { p: number; n: number; square: number; thread: number }[];
  for (const r of rows) assert.equal(r.square, r.n * r.n, `record ${r.p}/${r.n}`);
  assert.ok(rows.every((r) => r.thread !== 0), 'the offloading actor ran on a worker thread');
});

test("a pool task that fails on behalf of a worker thread's actor fails that actor with the task's error", async () => {
  const topology = pipeline({ limit: 500, partitions: 1, batch: 50 });
  topology.stages[1] = { name: 'map', module: new URL('../fixtures/actors/offloader.js', import.meta.url).href, parallelism: 1, options: { failAt: 120 } };
  topology.pool = { filename: new URL('../fixtures/actors/pool-square.js', import.meta.url).href, threads: 1 };
  const sup = supervisor(topology);
  await sup.start();
  await assert.rejects(sup.done, (e: Error) => e instanceof PipelineFailedError && /negative number in 50/.test(e.message));
  await sup.shutdown();
});

test('a thread that does not answer a scrape in time is counted with its last answer: counters never drop', async () => {
  const topology = pipeline({ limit: 3_000, partitions: 1, batch: 100 });
  topology.stages[1].options = { blockOn: 1_500, blockMs: 3_000 };
  const sup = supervisor(topology, { workers: 1 });
  await sup.start();
  let ended = false;
  void sup.done.finally(() => (ended = true));
  const seen: number[] = [];
  while (!ended) {
    seen.push(metricValue(await sup.metricsText(), 'cashtag_records_in_total', { actor: 'map' }));
    await new Promise((r) => setTimeout(r, 100));
  }
  await sup.done;
  await sup.shutdown();
  assert.ok(seen.some((v) => v > 0), `scrapes saw the map stage working: ${seen.join(' ')}`);
  for (let i = 1; i < seen.length; i++) assert.ok(seen[i] >= seen[i - 1], `records_in dropped from ${seen[i - 1]} to ${seen[i]} (scrapes: ${seen.join(' ')})`);
});
