// The scope a host gives its instances (ctx.resources), on real threads: the main thread's
// instances share one resource per key; a scope given to the supervisor is its caller's to close,
// one it made itself it closes at shutdown.
import assert from 'node:assert/strict';
import { beforeEach, test } from 'node:test';
import { Resources } from '../../src/runtime/resources.js';
import type { TopologySpec } from '../../src/runtime/topology.js';
import { connections } from '../fixtures/actors/resource-sink.js';
import { fixture, supervisor } from '../helpers/runtime.js';

beforeEach(() => {
  connections.opened = 0;
  connections.closed.length = 0;
  connections.given.length = 0;
});

/** Sources on a worker thread feed two sink instances on the main thread, each asking for the connection. */
const topology: TopologySpec = {
  name: 'test',
  stages: [
    { name: 'source', module: fixture('counter-source'), parallelism: 2, source: true, options: { limit: 100, batch: 10 } },
    { name: 'sink', module: fixture('resource-sink'), parallelism: 2, placement: 'main', options: {} },
  ],
  edges: [{ from: 'source', to: 'sink', route: { kind: 'forward' } }],
};

test('host resources: the main thread\'s instances share one connection; a given scope outlives the supervisor', async () => {
  const resources = new Resources();
  const sup = supervisor(topology, { workers: 1, resources });
  await sup.start();
  await sup.done;
  await sup.shutdown();
  assert.deepEqual(connections.given.map((g) => g.instance).sort(), ['sink/0', 'sink/1']);
  assert.deepEqual(connections.given.map((g) => g.id), [1, 1], 'both instances got the one connection');
  assert.equal(connections.opened, 1);
  assert.deepEqual(connections.closed, [], 'the caller owns the scope: not closed by the supervisor');
  assert.equal((await resources.get('fixture-connection', () => ({ id: -1 }))).id, 1, 'the caller finds the same connection');
  await resources.closeAll();
  assert.deepEqual(connections.closed, [1]);
});

test('host resources: without a given scope the supervisor closes its own at shutdown, once', async () => {
  const sup = supervisor(topology, { workers: 1 });
  await sup.start();
  await sup.done;
  assert.deepEqual(connections.closed, [], 'open while the supervisor runs');
  await sup.shutdown();
  await sup.shutdown();
  assert.equal(connections.opened, 1);
  assert.deepEqual(connections.closed, [1]);
});
