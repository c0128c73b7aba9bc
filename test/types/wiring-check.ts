// Type-level test of the typed wiring: it passes when it compiles. Each `@ts-expect-error` marks
// a line that must NOT compile (a miswired edge, wrong options, an emit of the wrong message); if
// the check stops catching it, the directive is unused and `tsc` (make build, make lint) fails.
// Nothing here runs.
import { alertSinkActor } from '../../src/actors/alert-sink/protocol.js';
import { bronzeSinkActor } from '../../src/actors/bronze-sink/protocol.js';
import { joinActor } from '../../src/actors/join/protocol.js';
import { lakeSinkActor } from '../../src/actors/lake-sink/protocol.js';
import { parseActor } from '../../src/actors/parse/protocol.js';
import { sentimentActor } from '../../src/actors/sentiment/protocol.js';
import { windowsActor } from '../../src/actors/windows/protocol.js';
import { DEFAULT_ALERT_RULE } from '../../src/domain/alerts.js';
import { DEFAULT_WINDOW } from '../../src/domain/windows.js';
import { actorRef, defineActor, type TypedContext } from '../../src/runtime/actor.js';
import { broadcast, forward, hash, stage } from '../../src/runtime/topology.js';

interface A { kind: 'a'; n: number }
interface B { kind: 'b'; s: string }
type AOrB = A | B;

const source = actorRef<{ limit: number }, never, { out: A; other: B }>('file:///source.js');
const onlyA = actorRef<{ pipeline: string }, A, { out: B }>('file:///only-a.js');
const onlyB = actorRef<{ pipeline: string }, B, Record<never, never>>('file:///only-b.js');
const either = actorRef<{ pipeline: string; tag?: string }, AOrB, Record<never, never>>('file:///either.js');

const src = stage(source, { name: 'source', parallelism: 1, source: true, options: { limit: 1 } });
const a = stage(onlyA, { name: 'a', parallelism: 1, options: { pipeline: 'p' } });
const b = stage(onlyB, { name: 'b', parallelism: 1, options: { pipeline: 'p' } });
const ab = stage(either, { name: 'ab', parallelism: 1, options: { pipeline: 'p' } });

export const wired = [
  forward(src, 'out', a),
  hash(src, 'other', b),
  broadcast(a, 'out', b),
  forward(src, 'out', ab), // A fits A | B
  forward(src, 'other', ab),
  // @ts-expect-error -- A on `out` into a stage that accepts only B
  forward(src, 'out', b),
  // @ts-expect-error -- B on `other` into a stage that accepts only A
  hash(src, 'other', a),
  // @ts-expect-error -- no output `missing`
  forward(src, 'missing', a),
  // @ts-expect-error -- `b` has no outputs at all
  forward(b, 'out', a),
  // @ts-expect-error -- a source has no inputs
  forward(a, 'out', src),
];

// @ts-expect-error -- options of another actor
stage(onlyA, { name: 'x', parallelism: 1, options: { limit: 1 } });
// @ts-expect-error -- an option of the wrong type
stage(source, { name: 'x', parallelism: 1, options: { limit: '1' } });
// @ts-expect-error -- an option the actor does not take
stage(onlyA, { name: 'x', parallelism: 1, options: { pipeline: 'p', extra: true } });
// @ts-expect-error -- options missing
stage(onlyA, { name: 'x', parallelism: 1 });

// The behaviour is checked against the same handle: its input, its emits, its options.
export const behaviour = defineActor(onlyA, (options, self) => {
  let ctx!: TypedContext<{ out: B }>;
  const pipeline: string = options.pipeline;
  return {
    init(c) {
      ctx = c;
    },
    async handle(records) {
      const ns: number[] = records.map((r) => r.n);
      await ctx.emit(ns.map((n) => ({ kind: 'b' as const, s: `${pipeline}/${self.partition}/${n}` })));
      // @ts-expect-error -- an A on an output of Bs
      await ctx.emit(records);
      // @ts-expect-error -- no output `late`
      await ctx.emit([], { output: 'late' });
    },
  };
});

defineActor(onlyA, () => ({
  // @ts-expect-error -- handle typed for Bs, the handle says As
  handle(records: B[]) {
    void records;
  },
}));

defineActor(either, () => ({
  // @ts-expect-error -- handles As only, the handle says it accepts As and Bs
  handle(records: A[]) {
    void records;
  },
}));

export const emits = async (ctx: TypedContext<{ out: A; other: B }>, as: A[], bs: B[]) => {
  await ctx.emit(as);
  await ctx.emit(bs, { output: 'other', keys: bs.map((x) => x.s) });
  // @ts-expect-error -- As on the output of Bs
  await ctx.emit(as, { output: 'other' });
  // @ts-expect-error -- Bs on the default output of As
  await ctx.emit(bs);
};

// The speed layer's own actors: the edges speedTopology draws compile, their miswirings do not.
const P = { parallelism: 2 };
const parse = stage(parseActor, { name: 'parse', ...P, options: { pipeline: 'p', allowedLatenessMs: 0 } });
const sentiment = stage(sentimentActor, { name: 'sentiment', ...P, options: { pipeline: 'p', minBatch: 1, maxBatch: 1, lingerMs: 0, maxInFlight: 1, analytics: true } });
const bronze = stage(bronzeSinkActor, { name: 'bronze-sink', ...P, options: { pipeline: 'p', lake: { kind: 'local', root: '/tmp' }, maxRowsPerFile: 1, maxFileAgeMs: 1 } });
const windows = stage(windowsActor, { name: 'windows', ...P, options: { pipeline: 'p', window: DEFAULT_WINDOW, alerts: DEFAULT_ALERT_RULE } });
const join = stage(joinActor, { name: 'join', ...P, options: { pipeline: 'p', lookbackMs: 1 } });
const alerts = stage(alertSinkActor, { name: 'alert-sink', ...P, options: { pipeline: 'p', brokers: [], topicPrefix: '' } });
const lake = stage(lakeSinkActor, { name: 'late-sink', ...P, options: { pipeline: 'p', lake: { kind: 'local', root: '/tmp' }, table: 'late', tag: '', maxRowsPerFile: 1, maxFileAgeMs: 1 } });

export const speed = [
  forward(parse, 'tweets', sentiment),
  forward(parse, 'dead', bronze),
  hash(sentiment, 'scores', windows),
  broadcast(parse, 'prices', join),
  forward(windows, 'alerts', alerts),
  forward(join, 'late', lake),
  // @ts-expect-error -- parsed tweets are not scored: bronze takes TweetRow, not ParsedTweet
  forward(parse, 'tweets', bronze),
  // @ts-expect-error -- the join needs whole tweet rows, not the windows' slim scores
  hash(sentiment, 'scores', join),
  // @ts-expect-error -- the alert topic takes alerts, not windows
  forward(windows, 'out', alerts),
  // @ts-expect-error -- late rows are not dead letters
  forward(parse, 'late', bronze),
];

// @ts-expect-error -- sentiment's options given to parse
stage(parseActor, { name: 'parse', ...P, options: { pipeline: 'p', minBatch: 1, maxBatch: 1, lingerMs: 0, maxInFlight: 1, analytics: true } });
// @ts-expect-error -- a lake sink without its table
stage(lakeSinkActor, { name: 'x', ...P, options: { pipeline: 'p', lake: { kind: 'local', root: '/tmp' }, tag: '', maxRowsPerFile: 1, maxFileAgeMs: 1 } });
