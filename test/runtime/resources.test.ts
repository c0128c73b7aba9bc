// The resource scope a host gives its actors (runtime/resources.ts): one resource per key however
// many ask, even at once; a failed open is asked again; closeAll closes each once, last opened
// first, and the scope refuses asks after it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Resources, ResourcesClosedError } from '../../src/runtime/resources.js';

/** A resource opener that counts its opens and records closes in `log`. */
function opener(name: string, log: string[], o: { fail?: number; gate?: Promise<void> } = {}) {
  let opens = 0;
  return {
    opens: () => opens,
    open: async () => {
      opens++;
      await o.gate;
      if (opens <= (o.fail ?? 0)) throw new Error(`${name} unreachable`);
      return { name, n: opens };
    },
    close: (r: { name: string }) => void log.push(`close ${r.name}`),
  };
}

test('resources: two asks at once for a key open it once and get the same resource; another key is another resource', async () => {
  const scope = new Resources();
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const a = opener('a', [], { gate });
  const first = scope.get('a', a.open, a.close);
  const second = scope.get('a', a.open, a.close);
  assert.ok(scope.has('a'), 'known while it opens');
  release();
  const [x, y] = await Promise.all([first, second]);
  assert.equal(x, y);
  assert.equal(a.opens(), 1);
  assert.equal(await scope.get('a', a.open, a.close), x, 'a later ask gets it too');
  const b = opener('b', []);
  assert.notEqual(await scope.get('b', b.open, b.close), x);
  assert.equal(a.opens(), 1);
});

test('resources: a failed open is not kept; the next ask opens again', async () => {
  const scope = new Resources();
  const log: string[] = [];
  const a = opener('a', log, { fail: 1 });
  const [r1, r2] = await Promise.allSettled([scope.get('a', a.open, a.close), scope.get('a', a.open, a.close)]);
  assert.equal(r1.status, 'rejected');
  assert.equal(r2.status, 'rejected', 'an ask during the failing open shares its failure');
  assert.equal(a.opens(), 1);
  assert.equal(scope.has('a'), false);
  assert.deepEqual(await scope.get('a', a.open, a.close), { name: 'a', n: 2 });
  await scope.closeAll();
  assert.deepEqual(log, ['close a'], 'only the open that succeeded is closed');
});

test('resources: closeAll closes each once, the last opened first, after opens in progress; then refuses asks', async () => {
  const scope = new Resources();
  const log: string[] = [];
  const [a, b, c] = [opener('a', log), opener('b', log), opener('c', log)];
  await scope.get('a', a.open, a.close);
  await scope.get('b', b.open, b.close);
  await scope.get('a', a.open, a.close);
  let release!: () => void;
  const slow = opener('slow', log, { gate: new Promise<void>((r) => (release = r)) });
  const opening = scope.get('slow', slow.open, slow.close);
  await scope.get('c', c.open); // no close: nothing to release
  const closing = scope.closeAll();
  assert.equal(scope.closeAll(), closing, 'idempotent');
  release();
  await opening;
  await closing;
  assert.deepEqual(log, ['close slow', 'close b', 'close a']);
  await assert.rejects(scope.get('a', a.open, a.close), ResourcesClosedError);
  assert.equal(a.opens(), 1);
  await scope.closeAll();
  assert.equal(log.length, 3, 'closed once');
});

test('resources: a failing close does not stop the others; closeAll reports it', async () => {
  const scope = new Resources();
  const log: string[] = [];
  const a = opener('a', log);
  await scope.get('a', a.open, a.close);
  await scope.get('b', async () => 'b', () => {
    throw new Error('b would not close');
  });
  await assert.rejects(scope.closeAll(), /b would not close/);
  assert.deepEqual(log, ['close a']);
});
