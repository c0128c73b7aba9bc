// Property: no input can stop the parse-to-sink path. Generated records (valid ones, near-valid
// ones with extreme or odd values, arbitrary JSON and bytes, odd source positions and ingest
// times) go through parse, VADER scoring, the bronze sink (real Parquet files, read back with
// DuckDB) and the store sink (LMDB, read back with a fresh handle). Nothing throws; every bad
// record is one dead letter with the reason its defect names; every good record is written
// once, as it was sent; and no sink has to refuse anything (validation caught it all).
// FUZZ_RUNS and FUZZ_SEED reproduce or widen a run (fast-check prints the seed of a failure).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { UNTAGGED_TOPIC } from '../../src/domain/cashtags.js';
import { DEAD_LETTER_REASONS } from '../../src/domain/payloads.js';
import { recordId, servingId, type PriceRow, type TweetRow } from '../../src/domain/records.js';
import { duckdb } from '../helpers/duckdb.js';
import { fuzzRecord, POISON_TICK, type FuzzRecord } from './corpus.js';
import { runPath, type Input, type PathResult } from './sink-path.js';

let db: Awaited<ReturnType<typeof duckdb>>;
before(async () => {
  db = await duckdb();
});
after(() => db.close());

const T = Date.UTC(2025, 11, 18, 14, 0, 0);
const runs = Number(process.env.FUZZ_RUNS ?? 60);
const seed = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined;

type Position = 'next' | 'huge' | 'bad';
interface Case { record: FuzzRecord; position: Position; ingestTs: number }

const cases = fc.array(
  fc.record({
    record: fuzzRecord,
    position: fc.oneof({ weight: 30, arbitrary: fc.constant<Position>('next') }, { weight: 1, arbitrary: fc.constant<Position>('huge') }, { weight: 1, arbitrary: fc.constant<Position>('bad') }),
    // Ingest time is the producer's timestamp: anything at all; the parse stage replaces what no sink stores.
    ingestTs: fc.oneof({ weight: 10, arbitrary: fc.constant(T) }, { weight: 1, arbitrary: fc.constantFrom(NaN, 1e20, -1e20, 1.5, -62_167_219_200_001, 0) }),
  }),
  { minLength: 1, maxLength: 40 },
);

/** Positions as a source gives them: next offsets per topic, far ones (valid), or ones no file can be named by. */
function place(cs: Case[]): { inputs: Input[]; cases: Case[] } {
  const next = { tweets: 0, 'stock-prices': 0 };
  const inputs = cs.map((c, i): Input => {
    const t = c.record.topic;
    const offset = c.position === 'next' ? next[t]++ : c.position === 'huge' ? 2 ** 40 + i : [-1 - i, 2 ** 53 + 2 * i, 0.5 + i, -(2 ** 40) - i][i % 4];
    return { topic: t, partition: 0, offset, value: c.record.value, bytes: c.record.bytes, ingestTs: c.ingestTs };
  });
  return { inputs, cases: cs };
}

const key = (topic: string, offset: number) => `${topic}#${offset}`;

function check(inputs: Input[], cs: Case[], r: PathResult): void {
  const lakeDead = new Map<string, string[]>();
  for (const d of r.lake.dead) lakeDead.set(key(d.topic, d.source_offset), [...(lakeDead.get(key(d.topic, d.source_offset)) ?? []), d.reason]);
  const tweetRows = new Map<number, typeof r.lake.tweets>();
  for (const t of r.lake.tweets) tweetRows.set(t.source_offset, [...(tweetRows.get(t.source_offset) ?? []), t]);
  const priceRows = new Map<number, typeof r.lake.prices>();
  for (const p of r.lake.prices) priceRows.set(p.source_offset, [...(priceRows.get(p.source_offset) ?? []), p]);
  const parseDead = new Map(r.parseDead.map((d) => [key(d.topic, d.offset), d]));

  assert.deepEqual(r.sinkDead.map((d) => `${d.reason}: ${d.detail}`), [], 'a sink refused a row that validation accepted');
  for (const d of r.lake.dead) assert.ok((DEAD_LETTER_REASONS as readonly string[]).includes(d.reason), `unknown reason ${d.reason}`);
  const expectedRefused = cs.filter((c) => c.position === 'bad').length;
  assert.equal(r.refused, expectedRefused, 'only dead letters without a storable position are stored in no form');

  inputs.forEach((input, i) => {
    const { record, position } = cs[i];
    const k = key(input.topic, input.offset);
    const what = `${record.label} at ${k}: ${JSON.stringify(record.value.slice(0, 200))}`;
    const dead = lakeDead.get(k) ?? [];
    const data = input.topic === 'tweets' ? (tweetRows.get(input.offset) ?? []) : (priceRows.get(input.offset) ?? []);
    if (position === 'bad') {
      assert.equal(parseDead.get(k)?.reason, 'bad_position', what);
      assert.equal(dead.length + data.length, 0, `${what}: no lake file can be named by this position`);
      return;
    }
    const e = record.expect;
    if (e.outcome === 'bad') {
      assert.deepEqual(dead, [e.reason], `${what}: one dead letter, reason ${e.reason} (detail: ${parseDead.get(k)?.detail})`);
      assert.equal(data.length, 0, `${what}: a bad record has no data row`);
    } else if (e.outcome === 'any') {
      assert.ok((dead.length === 1 && data.length === 0) || (dead.length === 0 && data.length > 0), `${what}: in exactly one place (dead ${dead.length}, rows ${data.length})`);
    } else {
      assert.deepEqual(dead, [], `${what}: a good record is no dead letter (${parseDead.get(k)?.detail})`);
      const id = recordId(input.topic, 0, input.offset);
      if (input.topic === 'tweets') {
        const topics = e.symbols!.length > 0 ? e.symbols! : [UNTAGGED_TOPIC];
        assert.deepEqual(data.map((t) => (t as { topic: string }).topic).sort(), [...topics].sort(), `${what}: one row per symbol`);
        for (const t of data as typeof r.lake.tweets) {
          assert.equal(t.record_id, id);
          assert.equal(t.text, e.text, `${what}: text as sent`);
          assert.equal(t.user_id, e.userId, `${what}: user_id as sent`);
          assert.equal(t.created_ms, e.eventTime, `${what}: created_at as sent`);
        }
        for (const sym of e.symbols!) assert.equal(r.store.tweets.get(sym)?.filter((s) => s.id === servingId(id)).length, 1, `${what}: once in the store under ${sym}`);
      } else {
        assert.equal(data.length, 1, `${what}: one tick row`);
        const p = data[0] as (typeof r.lake.prices)[number];
        assert.deepEqual([p.symbol, p.record_id, p.open_price, p.close_price, p.volume, p.trade_ms], [e.symbol, id, e.open, e.close, e.volume, e.eventTime], `${what}: tick as sent`);
        assert.equal(r.store.prices.get(e.symbol!)?.filter((s) => s.id === servingId(id)).length, 1, `${what}: once in the store`);
      }
    }
  });
  const known = new Set(inputs.map((i) => key(i.topic, i.offset)));
  for (const k of [...lakeDead.keys(), ...[...tweetRows.keys()].map((o) => key('tweets', o)), ...[...priceRows.keys()].map((o) => key('stock-prices', o))]) assert.ok(known.has(k), `lake row ${k} comes from no input`);
}

void test('fuzz: any record through parse, VADER and the real sinks: nothing throws, bad ones are dead letters with their reason, good ones are written once', async () => {
  const out = await fc.check(
    fc.asyncProperty(cases, async (cs) => {
      const { inputs } = place(cs);
      check(inputs, cs, await runPath(db, inputs));
    }),
    { numRuns: runs, seed, endOnFailure: true },
  );
  // The counterexample can hold megabyte texts: report the failure and how to replay it instead.
  if (out.failed) assert.fail(`${String(out.errorInstance instanceof Error ? out.errorInstance.message : out.errorInstance).slice(0, 3000)}\n(replay with FUZZ_SEED=${out.seed}; ${out.numRuns} runs, counterexample path ${out.counterexamplePath})`);
});

void test('the poison tick is one dead letter (out_of_range) and the ticks around it are written', async () => {
  const tick = (offset: number, value: string): Input => ({ topic: 'stock-prices', partition: 0, offset, value, ingestTs: T });
  const ok = '{"symbol":"TSLA","trade_timestamp":"2025-12-18 14:30:06","open_price":250.5,"close_price":251.2,"volume":1500}';
  const r = await runPath(db, [tick(0, ok), tick(1, POISON_TICK), tick(2, ok)]);
  assert.deepEqual(r.lake.dead.map((d) => [d.source_offset, d.reason]), [[1, 'out_of_range']]);
  assert.match(r.lake.dead[0].detail, /"volume" = 1e\+308/);
  assert.deepEqual(r.lake.prices.map((p) => p.source_offset).sort(), [0, 2]);
  assert.deepEqual(r.sinkDead, []);
});

void test('defence in depth: rows the sinks refuse become dead letters with the sink reason, the rest of the batch is written', async () => {
  const base = { partition: 0, ingestTs: T, id: recordId('stock-prices', 0, 7) };
  // Straight into the sinks, as if validation had let them through.
  const poison: PriceRow = { kind: 'price', ...base, symbol: 'TSLA', offset: 7, tradeTs: T, openPrice: 1, closePrice: 1, volume: 1e308, late: false };
  const fine: PriceRow = { ...poison, id: recordId('stock-prices', 0, 8), offset: 8, volume: 10 };
  // A key LMDB cannot hold (over 1,978 bytes), under a path segment the lake will not use.
  const longKey: TweetRow = { kind: 'tweet-row', id: recordId('tweets', 0, 3), topic: 'A'.repeat(2500), partition: 0, offset: 3, createdAt: T, ingestTs: T, text: 'x', userId: 'u', sentimentScore: 0, late: false };
  const r = await runPath(db, [], [poison, fine, longKey]);
  const reasons = r.sinkDead.map((d) => `${d.topic}#${d.offset}:${d.reason}`).sort();
  assert.deepEqual(reasons, ['stock-prices#7:rejected_by_lake', 'tweets#3:rejected_by_lake', 'tweets#3:rejected_by_store']);
  assert.deepEqual(r.lake.dead.map((d) => `${d.topic}#${d.source_offset}:${d.reason}`).sort(), reasons, 'each in the bronze dead_letters table');
  assert.match(r.lake.dead.find((d) => d.source_offset === 7)!.detail, /volume: 1e\+308 is not a 64-bit integer/);
  assert.match(r.lake.dead.find((d) => d.reason === 'rejected_by_store')!.detail, /LMDB refused a tweets row: Key size is larger than the maximum key size/);
  assert.deepEqual(r.lake.prices.map((p) => p.source_offset), [8], 'the good tick of the batch is written');
  assert.equal(r.store.prices.get('TSLA')?.length, 2, 'LMDB holds any double, so the store took both ticks');
});
