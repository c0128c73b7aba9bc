// The Cassandra serving store against a real Cassandra (the local stack, or whatever
// CASSANDRA_CONTACT_POINTS names). Each run provisions its own keyspace and drops it at the end.
// What the store wrote is checked with a plain driver client, not the store's own read path.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { Client } from 'cassandra-driver';
import { recordId, servingId, type PriceRow, type TweetRow } from '../../src/domain/records.js';
import type { CassandraSettings } from '../../src/io/store/cassandra-client.js';
import { provisionCassandra } from '../../src/io/store/cassandra-schema.js';
import { CassandraServingStore } from '../../src/io/store/cassandra-store.js';
import { openStore } from '../../src/io/store/open.js';
import type { ServingStore } from '../../src/io/store/serving-store.js';
import { stackEnv } from '../helpers/stack.js';

const env = stackEnv('CASSANDRA_CONTACT_POINTS', 'CASSANDRA_LOCAL_DC');
const keyspace = `cashtag_test_${randomBytes(5).toString('hex')}`;
const other = `${keyspace}_b`;
const settings: CassandraSettings = { contactPoints: env.CASSANDRA_CONTACT_POINTS.split(','), localDc: env.CASSANDRA_LOCAL_DC, keyspace };
const T0 = Date.UTC(2025, 11, 18, 14, 30, 0);
let offset = 0;

const tweet = (topic: string, createdAt: number, over: Partial<TweetRow> = {}): TweetRow => {
  const o = offset++;
  return { kind: 'tweet-row', id: recordId('tweets', 0, o), topic, partition: 0, offset: o, createdAt, ingestTs: T0 + 60_000, text: `tweet ${o} about $${topic}`, userId: `user_${o}`, sentimentScore: 0.5, late: false, ...over };
};
const price = (symbol: string, tradeTs: number, volume = 1500): PriceRow => {
  const o = offset++;
  return { kind: 'price', id: recordId('stock-prices', 0, o), symbol, partition: 0, offset: o, tradeTs, ingestTs: T0 + 60_000, openPrice: 250.5, closePrice: 251.25, volume, late: false };
};

let store: ServingStore;
let plain: Client;

before(async () => {
  store = await openStore({ kind: 'cassandra', ...settings });
  plain = new Client({ contactPoints: settings.contactPoints, localDataCenter: settings.localDc });
  await plain.connect();
});

after(async () => {
  await store?.close();
  for (const ks of [keyspace, other]) await plain?.execute(`DROP KEYSPACE IF EXISTS ${ks}`);
  await plain?.shutdown();
});

const plainTweets = async (topic: string) => (await plain.execute(`SELECT topic, created_at, id, ingest_timestamp, text, sentiment_score FROM ${keyspace}.tweets WHERE topic = ?`, [topic], { prepare: true })).rows;

test('provisioning twice is idempotent and creates the seed tables keyed by (symbol, event time DESC, id)', async () => {
  await provisionCassandra(settings);
  await provisionCassandra(settings);
  const ks = (await plain.execute('SELECT replication FROM system_schema.keyspaces WHERE keyspace_name = ?', [keyspace])).first();
  assert.equal(ks.replication.class, 'org.apache.cassandra.locator.SimpleStrategy');
  assert.equal(ks.replication.replication_factor, '1');
  const cols = (await plain.execute('SELECT table_name, column_name, kind, position, clustering_order, type FROM system_schema.columns WHERE keyspace_name = ?', [keyspace])).rows;
  const layout = (table: string) =>
    cols
      .filter((c) => c.table_name === table)
      .map((c) => `${c.column_name} ${c.type} ${c.kind}${c.kind === 'regular' ? '' : ` ${c.position}`}${c.kind === 'clustering' ? ` ${c.clustering_order}` : ''}`)
      .sort();
  assert.deepEqual(layout('tweets'), ['created_at timestamp clustering 0 desc', 'id uuid clustering 1 asc', 'ingest_timestamp timestamp regular', 'sentiment_score float regular', 'text text regular', 'topic text partition_key 0', 'user_id text regular']);
  assert.deepEqual(layout('market_data'), ['close_price double regular', 'id uuid clustering 1 asc', 'ingest_timestamp timestamp regular', 'open_price double regular', 'symbol text partition_key 0', 'trade_timestamp timestamp clustering 0 desc', 'volume bigint regular']);
});

test('stores opening together on a new keyspace all provision it; a table left by the seed schema is refused', async () => {
  const opened = await Promise.allSettled([1, 2, 3].map(() => CassandraServingStore.open({ ...settings, keyspace: other })));
  await Promise.all(opened.map((o) => (o.status === 'fulfilled' ? o.value.close() : undefined)));
  assert.deepEqual(opened.map((o) => (o.status === 'rejected' ? String(o.reason) : 'ok')), ['ok', 'ok', 'ok']);
  await plain.execute(`DROP TABLE ${other}.tweets`);
  // The seed's layout: clustered by ingest time, so a replay would duplicate rows.
  await plain.execute(`CREATE TABLE ${other}.tweets (topic text, ingest_timestamp timestamp, id uuid, text text, sentiment_score float, PRIMARY KEY ((topic), ingest_timestamp)) WITH CLUSTERING ORDER BY (ingest_timestamp DESC)`);
  await assert.rejects(CassandraServingStore.open({ ...settings, keyspace: other }), (e: Error) => {
    assert.match(e.message, /\(CASSANDRA_CONTACT_POINTS\): table \w+\.tweets exists with another layout \(clustering \(ingest_timestamp DESC\) is not \(created_at DESC, id ASC\); columns missing: created_at, user_id\)/);
    return true;
  });
});

test('upserts read back newest first per symbol, with limit and since', async () => {
  const aapl = [3, 0, 4, 1, 2].map((i) => tweet('AAPL', T0 + i * 1000, { sentimentScore: i / 10 }));
  await store.upsertTweets([...aapl, tweet('TSLA', T0 + 10_000)]);
  const newest = await store.latestTweets('AAPL', { limit: 3 });
  assert.deepEqual(newest.map((r) => r.created_at), [T0 + 4000, T0 + 3000, T0 + 2000]);
  const byTime = new Map(aapl.map((r) => [r.createdAt, r]));
  for (const r of newest) {
    const w = byTime.get(r.created_at)!;
    assert.equal(r.id, servingId(w.id));
    assert.equal(r.topic, 'AAPL');
    assert.equal(r.text, w.text);
    assert.equal(r.user_id, w.userId);
    assert.equal(r.ingest_timestamp, w.ingestTs);
    assert.ok(Math.abs(r.sentiment_score - w.sentimentScore) < 1e-6, 'float column keeps the score to float precision');
  }
  assert.deepEqual((await store.latestTweets('AAPL', { sinceMs: T0 + 2000 })).map((r) => r.created_at), [T0 + 4000, T0 + 3000, T0 + 2000], 'since is inclusive');
  assert.deepEqual((await store.latestTweets('AAPL', { sinceMs: T0 + 1000, limit: 2 })).map((r) => r.created_at), [T0 + 4000, T0 + 3000]);
  assert.deepEqual((await store.latestTweets('AAPL', { sinceMs: T0 + 1000, untilMs: T0 + 4000, limit: 2 })).map((r) => r.created_at), [T0 + 3000, T0 + 2000], 'until is exclusive');
  assert.deepEqual((await store.latestTweets('AAPL', { untilMs: T0 + 1000 })).map((r) => r.created_at), [T0], 'until alone');
  assert.equal((await store.latestTweets('TSLA')).length, 1, 'each symbol is its own partition');
  assert.deepEqual(await store.latestTweets('MSFT'), []);

  const big = 2 ** 40 + 7; // beyond 32 bits: the bigint column round-trips
  await store.upsertPrices([price('AAPL', T0), price('AAPL', T0 + 5000, big), price('AAPL', T0 + 2500)]);
  const prices = await store.latestPrices('AAPL', { limit: 2 });
  assert.deepEqual(prices.map((p) => p.trade_timestamp), [T0 + 5000, T0 + 2500]);
  assert.deepEqual({ ...prices[0], id: '' }, { id: '', symbol: 'AAPL', trade_timestamp: T0 + 5000, ingest_timestamp: T0 + 60_000, open_price: 250.5, close_price: 251.25, volume: big });
  assert.deepEqual((await store.latestPrices('AAPL', { sinceMs: T0 + 1 })).length, 2);
});

test('replaying the same rows overwrites them: no duplicates, latest ingest time kept', async () => {
  const rows = [0, 1, 2].map((i) => tweet('NVDA', T0 + i * 1000));
  await store.upsertTweets(rows);
  await store.upsertTweets(rows.map((r) => ({ ...r, ingestTs: T0 + 120_000 })));
  const stored = await plainTweets('NVDA');
  assert.equal(stored.length, 3);
  assert.deepEqual(stored.map((r) => (r.ingest_timestamp as Date).getTime()), [T0 + 120_000, T0 + 120_000, T0 + 120_000]);
  const ticks = [price('NVDA', T0), price('NVDA', T0 + 1000)];
  await store.upsertPrices(ticks);
  await store.upsertPrices(ticks);
  assert.equal((await plain.execute(`SELECT COUNT(*) AS n FROM ${keyspace}.market_data WHERE symbol = ?`, ['NVDA'], { prepare: true })).first().n.toNumber(), 2);
});

test('two tweets at the same instant with different ids are both kept', async () => {
  const a = tweet('AMZN', T0 + 7000, { text: 'first' });
  const b = tweet('AMZN', T0 + 7000, { text: 'second' });
  await store.upsertTweets([a, b]);
  const rows = await store.latestTweets('AMZN');
  assert.deepEqual(rows.map((r) => r.id).sort(), [a.id, b.id].map(servingId).sort());
  assert.deepEqual(rows.map((r) => r.text).sort(), ['first', 'second']);
});

test('expire removes rows before the cutoff, keeps the cutoff and newer, and leaves other symbols', async () => {
  await store.upsertTweets([0, 1, 2, 3].map((i) => tweet('META', T0 + i * 1000)).concat(tweet('GOOG', T0)));
  await store.upsertPrices([0, 1, 2].map((i) => price('META', T0 + i * 1000)));
  assert.equal(await store.expire(['META'], T0 + 2000), 0, 'a range delete does not count rows');
  assert.deepEqual((await plainTweets('META')).map((r) => (r.created_at as Date).getTime()), [T0 + 3000, T0 + 2000]);
  assert.deepEqual((await store.latestPrices('META')).map((p) => p.trade_timestamp), [T0 + 2000]);
  assert.equal((await plainTweets('GOOG')).length, 1);
  await store.expire(['META'], Number.NEGATIVE_INFINITY); // retention off: nothing happens
  assert.equal((await plainTweets('META')).length, 2);
});

test('a plain driver client reads exactly what the store wrote', async () => {
  const rows = [tweet('ORCL', T0 + 1000, { sentimentScore: -0.75 }), tweet('ORCL', T0 + 3000, { sentimentScore: 0.25 })];
  await store.upsertTweets(rows);
  const got = await plainTweets('ORCL');
  assert.deepEqual(
    got.map((r) => ({ topic: r.topic, created_at: (r.created_at as Date).getTime(), id: r.id.toString(), text: r.text, score: r.sentiment_score })),
    rows.reverse().map((r) => ({ topic: 'ORCL', created_at: r.createdAt, id: servingId(r.id), text: r.text, score: r.sentimentScore })),
  );
});

test('ttlSeconds writes rows with a TTL', async () => {
  const ttlStore = await CassandraServingStore.open({ ...settings, ttlSeconds: 3600, provision: false });
  try {
    await ttlStore.upsertTweets([tweet('IBM', T0)]);
    const ttl = (await plain.execute(`SELECT TTL(text) AS ttl FROM ${keyspace}.tweets WHERE topic = ?`, ['IBM'], { prepare: true })).first().ttl as number;
    assert.ok(ttl > 3500 && ttl <= 3600, `ttl ${ttl}`);
  } finally {
    await ttlStore.close();
  }
});

test('an unreachable contact point fails after bounded retries, naming it and the settings', async () => {
  const started = Date.now();
  await assert.rejects(openStore({ kind: 'cassandra', ...settings, contactPoints: ['127.0.0.1:1'], connectAttempts: 3, backoff: { minMs: 10, maxMs: 50, jitter: 0.2 } }), (e: Error) => {
    assert.match(e.message, /127\.0\.0\.1:1 \(CASSANDRA_CONTACT_POINTS\)/);
    assert.match(e.message, /CASSANDRA_LOCAL_DC/);
    assert.match(e.message, /after 3 attempt\(s\)/);
    return true;
  });
  assert.ok(Date.now() - started < 10_000);
});

test('a wrong local data centre fails at once, naming CASSANDRA_LOCAL_DC', async () => {
  await assert.rejects(CassandraServingStore.open({ ...settings, localDc: 'no-such-dc', connectAttempts: 3 }), (e: Error) => {
    assert.match(e.message, /"no-such-dc" \(CASSANDRA_LOCAL_DC\)/);
    assert.match(e.message, /after 1 attempt\(s\)/, 'the node said which DCs exist: no retry');
    assert.match(e.message, /datacenter1|Available DCs/);
    return true;
  });
});
