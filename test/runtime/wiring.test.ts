// Typed wiring at run time: a typed stage is the same StageSpec as before (the handle's module,
// the options as given), an edge the same EdgeSpec, and every stage of every speed-layer
// profile names a module that exists and whose default export is a factory (the handles
// compute their URLs in protocol.ts; the Kafka-profile actors are loaded by no other unit test).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadConfig } from '../../src/config.js';
import { parseActor } from '../../src/actors/parse/protocol.js';
import { sentimentActor } from '../../src/actors/sentiment/protocol.js';
import { speedTopology, type Input } from '../../src/pipelines/speed.js';
import { broadcast, forward, hash, stage, validateTopology } from '../../src/runtime/topology.js';

test('stage() and the edge functions give the plain specs', () => {
  const parse = stage(parseActor, { name: 'parse', parallelism: 3, options: { pipeline: 'p', allowedLatenessMs: 5 }, credits: 8 });
  const sentiment = stage(sentimentActor, { name: 'sentiment', parallelism: 3, placement: 'main', options: { pipeline: 'p', minBatch: 1, maxBatch: 2, lingerMs: 3, maxInFlight: 4, analytics: false } });
  assert.deepEqual(parse.spec, { name: 'parse', parallelism: 3, options: { pipeline: 'p', allowedLatenessMs: 5 }, credits: 8, module: parseActor.module });
  assert.ok(parseActor.module.endsWith('/actors/parse/actor.js'));
  assert.equal(sentiment.spec.placement, 'main');
  assert.deepEqual(forward(parse, 'tweets', sentiment), { from: 'parse', output: 'tweets', to: 'sentiment', route: { kind: 'forward' } });
  assert.deepEqual(hash(parse, 'tweets', sentiment).route, { kind: 'hash' });
  assert.deepEqual(broadcast(parse, 'tweets', sentiment).route, { kind: 'broadcast' });
});

const profiles: [string, Record<string, string>, Input][] = [
  ['generator', {}, { kind: 'generator' }],
  ['generator, analytics off', { ANALYTICS: 'off' }, { kind: 'generator' }],
  ['kafka', { KAFKA_BROKERS: 'localhost:1' }, { kind: 'kafka', partitions: 2 }],
  ['kafka shuffle', { KAFKA_BROKERS: 'localhost:1', ANALYTICS_SHUFFLE: 'kafka' }, { kind: 'kafka', partitions: 2 }],
  ['file', {}, { kind: 'file', tweets: null, prices: null }],
];

for (const [name, env, input] of profiles) {
  test(`speed topology (${name}): valid, and every stage's module is an actor factory`, async () => {
    const cfg = loadConfig({}, { DATA_DIR: '/tmp/cashtag-wiring-test', PARTITIONS: '2', ...env });
    const t = speedTopology(cfg, 0, input);
    validateTopology(t);
    const source = t.stages.find((s) => s.name === 'source')!;
    assert.ok(source.module.endsWith(`/actors/${input.kind === 'kafka' ? 'kafka' : input.kind === 'file' ? 'file' : 'generator'}-source/actor.js`), source.module);
    for (const s of t.stages) {
      const mod = (await import(s.module)) as { default: unknown };
      assert.equal(typeof mod.default, 'function', `${s.name}: ${s.module}`);
    }
  });
}
