// Type-level test of the typed wiring: it passes when it compiles. Each `@ts-expect-error` marks
// a line that must NOT compile (a miswired edge, wrong options, an emit of the wrong message); if
// the check stops catching it, the directive is unused and `tsc` (make build, make lint) fails.
// Nothing here runs.
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
