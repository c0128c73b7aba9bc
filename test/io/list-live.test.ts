// listLive: a listing torn by a merge (neither its output nor its inputs listed) is never used;
// a lake that keeps changing is an error, not a silent partial read.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Lake, LakeObject } from '../../src/io/lake/lake.js';
import { fileName, listLive } from '../../src/io/parquet/file-names.js';

const f = (first: number, last: number, partition = 0): LakeObject => ({ key: `tweets_v2/topic=AAPL/${fileName(partition, first, last)}`, size: 100 });

/** A lake whose successive listings are scripted (the rest of the interface is never called). */
function listings(...seq: LakeObject[][]): Lake & { calls: number } {
  const lake = { calls: 0, list: () => Promise.resolve(seq[Math.min(lake.calls++, seq.length - 1)]) };
  return lake as unknown as Lake & { calls: number };
}

test('listLive: a listing torn by a merge is listed again; the merged file is read, its inputs are not', async () => {
  const inputs = [f(0, 9), f(10, 19)];
  const before = [...inputs, f(20, 29)];
  const torn = [f(20, 29)]; // the inputs deleted ahead of the listing, the output committed behind it
  const during = [f(0, 19), f(10, 19), f(20, 29)]; // output committed, one input not yet deleted
  const after = [f(0, 19), f(20, 29)];
  const lake = listings(torn, during, during);
  assert.deepEqual((await listLive(lake, 'b', 'tweets_v2/')).map((o) => o.key), after.map((o) => o.key));
  assert.equal(lake.calls, 3);
  assert.deepEqual((await listLive(listings(before, before), 'b', 'tweets_v2/')).map((o) => o.key), before.map((o) => o.key));
});

test('listLive: only the relevant part must agree; a lake that never settles is an error', async () => {
  const other = (n: number) => f(n, n, 1); // another partition's sink committing all the time
  const lake = listings([f(0, 9), other(1)], [f(0, 9), other(2)], [f(0, 9), other(3)]);
  const mine = (o: LakeObject) => o.key.includes('-p000-');
  assert.deepEqual((await listLive(lake, 'b', 'tweets_v2/', mine)).map((o) => o.key), [f(0, 9).key]);
  const restless = listings(...Array.from({ length: 10 }, (_, i) => [f(0, i)]));
  await assert.rejects(listLive(restless, 'b', 'tweets_v2/', () => true, 4), /kept changing over 4 listings/);
});
