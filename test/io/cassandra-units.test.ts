// The pure parts of the Cassandra store: which driver errors are retried, how contact points
// become driver options, the DDL and the layout check, row mapping, and the concurrency bound.
// The store itself is tested against a real node in test/integration/cassandra-store.test.ts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { errors, types } from 'cassandra-driver';
import { recordId, recordUuid, uuidOfRecordId, type PriceRow, type TweetRow } from '../../src/domain/records.js';
import { ActorError } from '../../src/runtime/errors.js';
import { cassandraCall, cassandraClientOptions, cassandraFailure, isRetriableCassandraError, parseContactPoint } from '../../src/io/store/cassandra-client.js';
import { createKeyspaceCql, createTableCql, keyspaceName, tableMismatches, TWEETS_TABLE } from '../../src/io/store/cassandra-schema.js';
import { forEachLimited, priceParams, toStoredPrice, toStoredTweet, tweetParams } from '../../src/io/store/cassandra-store.js';
import { durabilityRisk, localReplicationFactor } from '../../src/io/store/cassandra-durability.js';

const codes = types.responseErrorCodes;

test('retriable: timeouts, no host, and the server saying it is busy; not bad statements or bad settings', () => {
  assert.equal(isRetriableCassandraError(new errors.OperationTimedOutError('timed out', '127.0.0.1:9042')), true);
  assert.equal(isRetriableCassandraError(new errors.NoHostAvailableError({ '127.0.0.1:9042': new Error('connect ECONNREFUSED') })), true);
  for (const code of [codes.unavailableException, codes.writeTimeout, codes.readTimeout, codes.overloaded, codes.isBootstrapping, codes.truncateError]) {
    assert.equal(isRetriableCassandraError(new errors.ResponseError(code, 'busy')), true, `code 0x${code.toString(16)}`);
  }
  for (const code of [codes.syntaxError, codes.invalid, codes.unauthorized, codes.serverError, codes.writeFailure, codes.alreadyExists]) {
    assert.equal(isRetriableCassandraError(new errors.ResponseError(code, 'no')), false, `code 0x${code.toString(16)}`);
  }
  assert.equal(isRetriableCassandraError(new errors.NoHostAvailableError({ a: new errors.AuthenticationError('bad password'), b: new errors.ArgumentError('no DC') })), false, 'every host refused our settings');
  assert.equal(isRetriableCassandraError(new errors.NoHostAvailableError({ a: new errors.AuthenticationError('bad password'), b: new Error('ECONNRESET') })), true);
  assert.equal(isRetriableCassandraError(new errors.ArgumentError('Datacenter x was not found')), false);
  assert.equal(isRetriableCassandraError(new TypeError('Invalid string representation of Uuid')), false);
  assert.equal(isRetriableCassandraError('a string'), false);
});

test('a final failure is an external ActorError that keeps the retry hint and names the target', async () => {
  const s = { contactPoints: ['10.0.0.1:9042', '10.0.0.2'], backoff: { minMs: 1, maxMs: 2, jitter: 0 }, attempts: 3 };
  let calls = 0;
  assert.equal(await cassandraCall(s, 'writing to twitter.tweets', async () => (++calls < 3 ? Promise.reject(new errors.OperationTimedOutError('timed out')) : 'ok')), 'ok');
  assert.equal(calls, 3);
  calls = 0;
  await assert.rejects(cassandraCall(s, 'writing to twitter.tweets', () => (calls++, Promise.reject(new errors.ResponseError(codes.unavailableException, 'Cannot achieve consistency level')))), (e: unknown) => {
    assert.ok(e instanceof ActorError);
    assert.equal(e.domain, 'external');
    assert.equal(e.retriable, true);
    assert.equal(e.message, 'writing to twitter.tweets at Cassandra at 10.0.0.1:9042,10.0.0.2 (CASSANDRA_CONTACT_POINTS): failed after 3 attempt(s): Cannot achieve consistency level; is Cassandra running there?');
    return true;
  });
  assert.equal(calls, 3);
  calls = 0;
  await assert.rejects(cassandraCall(s, 'reading twitter.tweets', () => (calls++, Promise.reject(new errors.ResponseError(codes.invalid, 'Undefined column name x')))), /failed after 1 attempt\(s\): Undefined column name x$/);
  assert.equal(calls, 1, 'a bad statement is not retried');
  assert.equal(cassandraFailure(new Error('x', { cause: new errors.ArgumentError('y') })).retriable, false);
});

test('contact points: host, host:port, [v6]:port, bare v6; a bad entry names the setting', () => {
  assert.deepEqual(parseContactPoint('127.0.0.1'), { host: '127.0.0.1' });
  assert.deepEqual(parseContactPoint(' cass-0.cass:19042 '), { host: 'cass-0.cass', port: 19042 });
  assert.deepEqual(parseContactPoint('[::1]:9042'), { host: '::1', port: 9042 });
  assert.deepEqual(parseContactPoint('::1'), { host: '::1' });
  assert.throws(() => parseContactPoint('127.0.0.1:0'), /CASSANDRA_CONTACT_POINTS entry "127.0.0.1:0": port "0" is not 1-65535/);
  assert.throws(() => parseContactPoint('host:abc'), /CASSANDRA_CONTACT_POINTS/);
  assert.throws(() => parseContactPoint(':9042'), /no host/);
  assert.throws(() => parseContactPoint(''), /empty/);
});

test('driver options: one explicit port becomes the native port; mixed ports stay per entry', () => {
  const base = { localDc: 'datacenter1', keyspace: 'twitter' };
  const uniform = cassandraClientOptions({ ...base, contactPoints: ['127.0.0.1:19042', '127.0.0.2:19042'] });
  assert.deepEqual(uniform.contactPoints, ['127.0.0.1', '127.0.0.2']);
  assert.deepEqual(uniform.protocolOptions, { port: 19042 });
  assert.equal(uniform.localDataCenter, 'datacenter1');
  assert.equal(uniform.queryOptions?.consistency, types.consistencies.localQuorum);
  assert.equal(uniform.queryOptions?.prepare, true);
  const plain = cassandraClientOptions({ ...base, contactPoints: ['a', 'b'] });
  assert.deepEqual([plain.contactPoints, plain.protocolOptions], [['a', 'b'], undefined]);
  const mixed = cassandraClientOptions({ ...base, contactPoints: ['a:9042', 'b:9043', 'c'] });
  assert.deepEqual([mixed.contactPoints, mixed.protocolOptions], [['a:9042', 'b:9043', 'c'], undefined]);
  assert.throws(() => cassandraClientOptions({ ...base, contactPoints: [] }), /CASSANDRA_CONTACT_POINTS is empty/);
  assert.throws(() => cassandraClientOptions({ ...base, localDc: ' ', contactPoints: ['a'] }), /CASSANDRA_LOCAL_DC is empty/);
});

test('DDL: keyspace with SimpleStrategy, tables keyed by (symbol, event time DESC, id ASC)', () => {
  assert.equal(keyspaceName('Twitter'), 'twitter');
  assert.throws(() => keyspaceName('twitter; DROP'), /Cassandra keyspace "twitter; DROP"/);
  assert.throws(() => keyspaceName('1abc'), /expected a letter/);
  assert.equal(createKeyspaceCql('twitter'), "CREATE KEYSPACE IF NOT EXISTS twitter WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}");
  assert.match(createKeyspaceCql('twitter', 3), /'replication_factor': 3\}$/);
  assert.throws(() => createKeyspaceCql('twitter', 0), /replication factor 0/);
  assert.equal(
    createTableCql('twitter', TWEETS_TABLE),
    'CREATE TABLE IF NOT EXISTS twitter.tweets (topic text, created_at timestamp, id uuid, ingest_timestamp timestamp, text text, user_id text, sentiment_score float, PRIMARY KEY ((topic), created_at, id)) WITH CLUSTERING ORDER BY (created_at DESC, id ASC)',
  );
});

test('layout check: the expected table passes; the seed table clustered by ingest time is reported', () => {
  const col = (column_name: string, kind = 'regular', position = -1, clustering_order = 'none') => ({ column_name, kind, position, clustering_order });
  const expected = [col('id', 'clustering', 1, 'asc'), col('topic', 'partition_key', 0), col('created_at', 'clustering', 0, 'desc'), ...['ingest_timestamp', 'text', 'user_id', 'sentiment_score'].map((c) => col(c))];
  assert.deepEqual(tableMismatches(TWEETS_TABLE, expected), []);
  const seed = [col('topic', 'partition_key', 0), col('ingest_timestamp', 'clustering', 0, 'desc'), ...['id', 'text', 'sentiment_score'].map((c) => col(c))];
  assert.deepEqual(tableMismatches(TWEETS_TABLE, seed), ['clustering (ingest_timestamp DESC) is not (created_at DESC, id ASC)', 'columns missing: created_at, user_id']);
  assert.deepEqual(tableMismatches(TWEETS_TABLE, []), ['table missing']);
});

test('row mapping: record ids as their uuid, times as timestamps, volume as bigint, and back', () => {
  const t: TweetRow = { kind: 'tweet-row', id: recordId('tweets', 3, 42), topic: 'AAPL', partition: 3, offset: 42, createdAt: 1_766_068_200_000, ingestTs: 1_766_068_201_234, text: '$AAPL up', userId: 'user_1', sentimentScore: 0.25, late: false };
  const tp = tweetParams(t);
  assert.equal(tp[0], 'AAPL');
  assert.deepEqual(tp[1], new Date(t.createdAt));
  assert.ok(tp[2] instanceof types.Uuid);
  assert.equal(tp[2].toString(), uuidOfRecordId(t.id));
  assert.equal(tp[2].toString(), recordUuid('tweets', 3, 42));
  const tweetRow = Object.fromEntries(Object.keys(TWEETS_TABLE.columns).map((c, i) => [c, tp[i]]));
  assert.deepEqual(toStoredTweet(tweetRow), { id: recordUuid('tweets', 3, 42), topic: 'AAPL', created_at: t.createdAt, ingest_timestamp: t.ingestTs, text: '$AAPL up', user_id: 'user_1', sentiment_score: 0.25 });
  assert.throws(() => tweetParams({ ...t, id: 'id-1' }), /Uuid/, 'ids must be record ids (recordId) or UUIDs');

  const p: PriceRow = { kind: 'price', id: recordId('stock-prices', 0, 7), symbol: 'TSLA', partition: 0, offset: 7, tradeTs: 1_766_068_205_000, ingestTs: 1_766_068_205_100, openPrice: 250.5, closePrice: 251.2, volume: 2 ** 40, late: false };
  const pp = priceParams(p);
  assert.ok(pp[6] instanceof types.Long);
  assert.equal(pp[6].toString(), String(2 ** 40));
  const priceRow = { symbol: pp[0], trade_timestamp: pp[1], id: pp[2], ingest_timestamp: pp[3], open_price: pp[4], close_price: pp[5], volume: pp[6] };
  assert.deepEqual(toStoredPrice(priceRow), { id: recordUuid('stock-prices', 0, 7), symbol: 'TSLA', trade_timestamp: p.tradeTs, ingest_timestamp: p.ingestTs, open_price: 250.5, close_price: 251.2, volume: 2 ** 40 });
});

test('forEachLimited: never more than the limit in flight; stops starting work after a failure', async () => {
  let inFlight = 0;
  let peak = 0;
  const done: number[] = [];
  await forEachLimited([...Array(20).keys()], 4, async (i) => {
    peak = Math.max(peak, ++inFlight);
    await new Promise((r) => setImmediate(r));
    inFlight--;
    done.push(i);
  });
  assert.equal(peak, 4);
  assert.deepEqual(done.sort((a, b) => a - b), [...Array(20).keys()]);

  const started: number[] = [];
  await assert.rejects(
    forEachLimited([...Array(20).keys()], 2, async (i) => {
      started.push(i);
      await new Promise((r) => setImmediate(r));
      if (i === 3) throw new Error('boom');
    }),
    /boom/,
  );
  assert.ok(started.length <= 5, `started ${started.length}`);
  await forEachLimited([], 8, () => Promise.reject(new Error('never called')));
});

test('durability: a periodic commit log on a one-replica keyspace is reported, naming the node, the setting and the fix', () => {
  assert.equal(localReplicationFactor({ class: 'org.apache.cassandra.locator.SimpleStrategy', replication_factor: '1' }, 'datacenter1'), 1);
  assert.equal(localReplicationFactor({ class: 'org.apache.cassandra.locator.NetworkTopologyStrategy', dc1: '3', dc2: '1' }, 'dc1'), 3);
  assert.equal(localReplicationFactor({ class: 'org.apache.cassandra.locator.NetworkTopologyStrategy', dc2: '1' }, 'dc1'), null);
  const risk = durabilityRisk('Cassandra at 127.0.0.1:9042 (CASSANDRA_CONTACT_POINTS)', 'twitter', 'periodic', 1);
  assert.match(risk ?? '', /^Cassandra at 127\.0\.0\.1:9042 \(CASSANDRA_CONTACT_POINTS\) acknowledges writes before they are on disk \(commitlog_sync: periodic\) and keyspace twitter has one replica/);
  assert.match(risk ?? '', /Set commitlog_sync: group \(or batch\)/);
  for (const [sync, rf] of [['group', 1], ['batch', 1], ['periodic', 3], [null, 1], ['periodic', null]] as const) assert.equal(durabilityRisk('x', 'twitter', sync, rf), null, `${sync} rf ${rf}`);
});
