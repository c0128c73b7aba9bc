// The lake lease (src/io/lake/lease.ts) on the embedded lake: one holder at a time, a free,
// released or expired lease is taken, a holder that outlived its lease knows it, and a
// compaction pass that finds the lease held does nothing (the fix for passes that overlapped and
// lost rows: a merge planned on a listing taken mid-merge superseded rows it never copied).
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { LakeLease } from '../../src/io/lake/lease.js';
import { LocalLake } from '../../src/io/lake/local-lake.js';
import { deadLettersTable, tweetsTable } from '../../src/io/parquet/bronze-schemas.js';
import { joinedTable } from '../../src/io/parquet/derived-schemas.js';
import { compactionLease, compactLake, type TableBounds } from '../../src/pipelines/compaction.js';
import { ManualClock } from '../../src/runtime/clock.js';
import { buildLake, parquetFiles, rowsOf } from '../helpers/compaction-lake.js';

const TTL = 60_000;

function withLake(fn: (lake: LocalLake, root: string) => Promise<void>): () => Promise<void> {
  return async () => {
    const root = mkdtempSync(join(tmpdir(), 'cashtag-lease-'));
    try {
      await fn(new LocalLake(root), root);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  };
}

test('a create of a key that exists is refused, and of concurrent creates exactly one wins', withLake(async (lake) => {
  assert.equal(await lake.create('b', 'k/one', Buffer.from('first')), true);
  assert.equal(await lake.create('b', 'k/one', Buffer.from('second')), false);
  assert.equal((await lake.read('b', 'k/one'))?.toString(), 'first', 'the refused create changed nothing');
  const wins = await Promise.all(Array.from({ length: 16 }, (_, i) => lake.create('b', 'k/race', Buffer.from(`w${i}`))));
  assert.equal(wins.filter(Boolean).length, 1);
  const winner = wins.indexOf(true);
  assert.equal((await lake.read('b', 'k/race'))?.toString(), `w${winner}`, 'the object is the winner\'s, whole');
}));

test('one holder at a time: held, released, expired, and a holder past its lease knows it', withLake(async (lake) => {
  const clock = new ManualClock(1_000_000);
  const lease = (owner: string) => new LakeLease(lake, 'checkpoints', 'compaction', { owner, ttlMs: TTL, clock });
  const a = lease('a');
  const b = lease('b');
  assert.deepEqual(await a.acquire(), { held: true });
  assert.ok(a.holds());
  const busy = await b.acquire();
  assert.ok(!busy.held && busy.holder.owner === 'a' && busy.holder.expiresAt === 1_000_000 + TTL, JSON.stringify(busy));
  assert.deepEqual(await a.acquire(), { held: true }, 'the holder may take it again');

  await a.release();
  assert.ok(!a.holds());
  assert.deepEqual(await b.acquire(), { held: true }, 'a released lease is free at once');

  // b renews within its TTL and keeps it; then stops renewing.
  clock.advance(TTL / 2);
  assert.equal(await b.renew(), true);
  clock.advance(TTL / 2);
  assert.ok(b.holds(), 'renewed: held a TTL from the renewal');
  assert.ok(!(await a.acquire()).held, 'not free while renewed');
  clock.advance(TTL / 4);
  assert.ok(!b.holds(), 'within a quarter TTL of its expiry the holder stops acting');
  assert.ok(!(await a.acquire()).held, 'while others still wait for the expiry itself');
  clock.advance(TTL / 4 + 1);
  assert.deepEqual(await a.acquire(), { held: true }, 'an expired lease is taken over');
  assert.equal(await b.renew(), false, 'the old holder learns it lost the lease');
  await b.release();
  assert.ok(!(await b.acquire()).held, 'and its release did not free the new holder\'s lease');
}));

test('of many contenders exactly one takes a free lease; old entries are cleaned up', withLake(async (lake, root) => {
  const clock = new ManualClock(5_000);
  for (let round = 0; round < 12; round++) {
    const contenders = Array.from({ length: 8 }, (_, i) => new LakeLease(lake, 'checkpoints', 'compaction', { owner: `c${i}`, ttlMs: TTL, clock }));
    const got = await Promise.all(contenders.map((c) => c.acquire()));
    assert.equal(got.filter((g) => g.held).length, 1, `round ${round}: ${JSON.stringify(got)}`);
    await contenders[got.findIndex((g) => g.held)].release();
  }
  const entries = readdirSync(join(root, 'checkpoints', '_leases', 'compaction'));
  assert.ok(entries.length <= 8, `entries kept: ${entries.length}`);
}));

test('a compaction pass that finds the lake\'s lease held changes nothing; the holder\'s pass keeps every row', async () => {
  const { root, lake } = await buildLake();
  try {
    const before = await rowsOf(join(root, 'lake'));
    const files = parquetFiles(join(root, 'lake')).sort();
    const tables: TableBounds[] = [tweetsTable, deadLettersTable, joinedTable].map((t) => ({
      table: `${t.bucket}/${t.table}`,
      bounds: [0, 1].map((partition) => ({ partition, tag: '', upTo: 500 })),
    }));
    const policy = { targetBytes: 64 * 1024 * 1024, minFiles: 2, major: true };
    // Pass A stops after its first commit, holding the lease; pass B (another process) runs then.
    let resume!: () => void;
    const paused = new Promise<void>((r) => (resume = r));
    let atCommit!: () => void;
    const committed = new Promise<void>((r) => (atCommit = r));
    const a = compactLake(lake, tables, policy, { step: async (what) => { if (what === 'committed') { atCommit(); await paused; } } }, compactionLease(lake, 'pass A'));
    await committed;
    const midway = parquetFiles(join(root, 'lake')).sort();
    const b = await compactLake(lake, tables, policy, {}, compactionLease(lake, 'pass B'));
    assert.ok(b.busy?.owner.endsWith('(pass A)'), `B saw the holder: ${JSON.stringify(b.busy)}`);
    assert.deepEqual([...b.results.values()].map((r) => r.filesMerged + r.filesRepaired), [0, 0, 0], 'B merged and deleted nothing');
    assert.deepEqual(parquetFiles(join(root, 'lake')).sort(), midway, 'B left the files as they were');
    resume();
    const done = await a;
    assert.equal(done.busy, null);
    assert.ok([...done.results.values()].some((r) => r.filesMerged > 0));
    assert.ok(parquetFiles(join(root, 'lake')).length < files.length);
    assert.deepEqual(await rowsOf(join(root, 'lake')), before, 'same rows, each once');
    const again = await compactLake(lake, tables, policy, {}, compactionLease(lake, 'pass B'));
    assert.equal(again.busy, null, 'A released the lease when its pass ended');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
