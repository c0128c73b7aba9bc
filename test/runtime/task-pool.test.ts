// The supervisor's Piscina pool (runtime/task-pool.ts). Its threads import() their task module
// through runtime/pool-entry.cts: when Piscina require()d it (Node's synchronous require(esm)),
// a pool destroyed while a thread was still instantiating the module aborted the whole process
// (a V8 fatal error, SIGABRT), as a batch run with nothing left to do once did in CI. The sweep
// destroys pools at every moment of their threads' start-up.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import client from 'prom-client';
import { createMetrics } from '../../src/runtime/metrics.js';
import { TaskPool } from '../../src/runtime/task-pool.js';

const metrics = createMetrics(new client.Registry());
const pool = (file: string, threads = 2) => new TaskPool({ filename: new URL(file, import.meta.url).href, threads }, 'test', metrics);

test('a task module is import()ed on the pool threads, not require()d, and gets its workerData', async () => {
  const p = new TaskPool({ filename: new URL('../fixtures/actors/pool-loaded-by.js', import.meta.url).href, threads: 1, workerData: { answer: 42 } }, 'test', metrics);
  try {
    assert.deepEqual(await p.run<object, object>({}), { loadedBy: 'import', answer: 42 });
  } finally {
    await p.destroy();
  }
});

test('a task module that cannot load fails each task with its error', async () => {
  const p = pool('../fixtures/actors/pool-broken.js', 1);
  try {
    await assert.rejects(p.run({}), /pool-broken: this module cannot load/);
    await assert.rejects(p.run({}), /pool-broken: this module cannot load/);
  } finally {
    await p.destroy();
  }
});

test('a pool destroyed at any moment while its threads load a large task module leaves the process running', { timeout: 120_000 }, async () => {
  // The batch worker's module graph (Parquet, Arrow, the lake) takes the longest to load.
  const file = '../../src/actors/batch-worker/worker.js';
  const started = performance.now();
  const warm = pool(file);
  await warm.run({ kind: 'unknown' }).catch(() => undefined); // loaded once the first task is answered
  const loadMs = performance.now() - started;
  await warm.destroy();
  const steps = 120;
  for (let i = 0; i < steps; i++) {
    const p = pool(file);
    await new Promise((resolve) => setTimeout(resolve, (1.2 * loadMs * i) / steps));
    await p.destroy();
  }
  // Still here: no thread's termination took the process down.
  const p = pool('../fixtures/actors/pool-square.js', 1);
  try {
    assert.deepEqual([...(await p.run<{ ns: number[] }, Float64Array>({ ns: [3] }))], [9]);
  } finally {
    await p.destroy();
  }
});
