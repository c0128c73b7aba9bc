// The graph is data: stages, their parallelism and placement, and keyed edges between them.
// A plan (which instance runs on which thread, which links feed which instance) is derived from
// it by pure functions, so the supervisor and every host compute the same plan.

import type { ActorRef, Outputs } from './actor.js';

export type Route =
  | { kind: 'forward' } // partition i -> partition i mod n (stateless stages keyed by input partition)
  | { kind: 'hash' } // by the key the emitting actor gives each record (symbol, ...)
  | { kind: 'broadcast' }; // every record to every partition

export interface StageSpec {
  name: string;
  /** URL of the compiled module whose default export is an ActorFactory. */
  module: string;
  parallelism: number;
  /** 'main' places every instance on the main thread (e.g. Kafka sources and producers). */
  placement?: 'main' | 'workers';
  /** True for stages with no inputs that produce records (`produce()`). */
  source?: boolean;
  /** Serializable options handed to the factory. */
  options?: unknown;
  /** Credit window per input link, in batches. */
  credits?: number;
  /**
   * How a failure of this stage is recovered:
   *  - 'in-place': the actor is recreated on its thread and the failed batch is handled again.
   *    Only for stages whose state a restart cannot lose (stateless, or rebuilt from the data).
   *  - 'from-checkpoint' (default): the supervisor restarts the whole pipeline from the last
   *    completed checkpoint; sources rewind to its offsets and replay what was in flight.
   */
  restart?: 'in-place' | 'from-checkpoint';
}

export interface EdgeSpec {
  from: string;
  output?: string;
  to: string;
  route: Route;
}

export interface PoolSpec {
  filename: string;
  threads: number;
  workerData?: unknown;
}

export interface TopologySpec {
  name: string;
  stages: StageSpec[];
  edges: EdgeSpec[];
  pool?: PoolSpec;
}

export interface InstanceRef {
  stage: string;
  partition: number;
}

export const instanceId = (r: InstanceRef): string => `${r.stage}/${r.partition}`;
export const linkId = (from: InstanceRef, output: string, to: InstanceRef): string => `${instanceId(from)}:${output}->${instanceId(to)}`;

export interface Link {
  id: string;
  from: InstanceRef;
  output: string;
  to: InstanceRef;
}

export const DEFAULT_OUTPUT = 'out';
export const DEFAULT_CREDITS = 4;

/** Targets of a record batch leaving `from` on `edge`. */
export function edgeTargets(edge: EdgeSpec, from: InstanceRef, toParallelism: number): number[] {
  switch (edge.route.kind) {
    case 'forward':
      return [from.partition % toParallelism];
    case 'hash':
    case 'broadcast':
      return Array.from({ length: toParallelism }, (_, i) => i);
    default: {
      const never: never = edge.route;
      throw new Error(`unknown route ${JSON.stringify(never)}`);
    }
  }
}

export function validateTopology(t: TopologySpec): void {
  const names = new Set<string>();
  for (const s of t.stages) {
    if (names.has(s.name)) throw new Error(`topology ${t.name}: stage "${s.name}" is declared twice`);
    if (!Number.isInteger(s.parallelism) || s.parallelism < 1) throw new Error(`topology ${t.name}: stage "${s.name}" needs parallelism >= 1`);
    names.add(s.name);
  }
  for (const e of t.edges) {
    if (!names.has(e.from)) throw new Error(`topology ${t.name}: edge from unknown stage "${e.from}"`);
    if (!names.has(e.to)) throw new Error(`topology ${t.name}: edge to unknown stage "${e.to}"`);
    const to = t.stages.find((s) => s.name === e.to);
    if (to?.source) throw new Error(`topology ${t.name}: source stage "${e.to}" cannot have inputs`);
  }
}

/** All links of the topology, in a stable order. */
export function planLinks(t: TopologySpec): Link[] {
  const byName = new Map(t.stages.map((s) => [s.name, s]));
  const links: Link[] = [];
  for (const e of t.edges) {
    const fromStage = byName.get(e.from)!;
    const toStage = byName.get(e.to)!;
    const output = e.output ?? DEFAULT_OUTPUT;
    for (let p = 0; p < fromStage.parallelism; p++) {
      const from = { stage: e.from, partition: p };
      for (const q of edgeTargets(e, from, toStage.parallelism)) {
        const to = { stage: e.to, partition: q };
        links.push({ id: linkId(from, output, to), from, output, to });
      }
    }
  }
  return links;
}

/** What a launch knows of its partitions, to spread them over the worker threads. */
export interface PlacementHints {
  /** The partitions this launch runs (its tasks); null or absent: all of them. */
  running?: readonly number[] | null;
  /** Expected work of each partition (e.g. the records its input partitions hold); absent: equal. */
  weights?: readonly number[] | null;
}

/**
 * Place instances on hosts: host 0 is the main thread; hosts 1..workers are worker threads.
 * Partition p of every worker-placed stage goes to the same thread (a pipeline's partition stays
 * on one thread: fewer cross-thread hops). Which thread: the partitions this launch runs, the
 * heaviest first, each to the least-loaded thread (ties: the lowest), then the others round-robin.
 * Without hints that is plain round-robin (p % workers); with them, a skewed topic's big partition
 * does not share a thread with another big one, and a replica running tasks 0 and 2 of 4 uses both
 * threads.
 */
export function placeInstances(t: TopologySpec, workers: number, hints: PlacementHints = {}): Map<string, number> {
  const slots = workers > 0 ? workerSlots(Math.max(0, ...t.stages.map((s) => s.parallelism)), workers, hints) : [];
  const placement = new Map<string, number>();
  for (const s of t.stages) {
    for (let p = 0; p < s.parallelism; p++) {
      const host = s.placement === 'main' || workers === 0 ? 0 : 1 + slots[p];
      placement.set(instanceId({ stage: s.name, partition: p }), host);
    }
  }
  return placement;
}

/** The worker (0-based) of each of partitions 0..n-1, as placeInstances says. */
export function workerSlots(n: number, workers: number, hints: PlacementHints = {}): number[] {
  const slots: (number | undefined)[] = new Array<number | undefined>(n).fill(undefined);
  const weight = (p: number) => Math.max(0, hints.weights?.[p] ?? 1);
  const running = [...new Set(hints.running ?? Array.from({ length: n }, (_, p) => p))].filter((p) => p >= 0 && p < n);
  running.sort((a, b) => weight(b) - weight(a) || a - b);
  const load = new Array<number>(workers).fill(0);
  for (const p of running) {
    let w = 0;
    for (let i = 1; i < workers; i++) if (load[i] < load[w]) w = i;
    slots[p] = w;
    load[w] += weight(p);
  }
  let next = 0;
  return slots.map((s) => s ?? next++ % workers);
}

export function allInstances(t: TopologySpec): InstanceRef[] {
  return t.stages.flatMap((s) => Array.from({ length: s.parallelism }, (_, partition) => ({ stage: s.name, partition })));
}

// ---------------------------------------------------------------------------------------------
// Typed wiring. A topology built with `stage` and the edge functions below is the same data
// (StageSpec, EdgeSpec), but wiring an output into a stage that does not accept its messages, or
// giving a stage options its actor does not take, is a compile error.

/** A stage of a typed topology: its spec, and (through its actor's handle) its actor's types. */
export interface Stage<In, Out extends Outputs> {
  readonly spec: StageSpec;
  readonly actor: ActorRef<unknown, In, Out>;
}

/** The stage type of an actor handle: `StageOf<typeof parseActor>`. */
export type StageOf<R> = R extends ActorRef<unknown, infer In, infer Out> ? Stage<In, Out> : never;

/** Any stage (to list stages of several actors together). */
export type AnyStage = Stage<never, Outputs>;

/** The stage's spec without the module (the handle gives it) and with the actor's own options. */
export type StageSettings<Options> = Omit<StageSpec, 'module' | 'options'> & { options: Options };

/** A stage running `actor`: its options are checked against the actor's. */
export function stage<Options, In, Out extends Outputs>(actor: ActorRef<Options, In, Out>, settings: StageSettings<NoInfer<Options>>): Stage<In, Out> {
  return { spec: { ...settings, module: actor.module }, actor };
}

/**
 * An edge from `output` of `from` to `to`; compiles only if every message of that output is one
 * `to` accepts (Stage is contravariant in its input, so `to` must accept a supertype).
 */
export function connect<Out extends Outputs, K extends keyof Out & string>(from: Stage<never, Out>, output: K, to: Stage<NoInfer<Out>[K], Outputs>, route: Route): EdgeSpec {
  return { from: from.spec.name, output, to: to.spec.name, route };
}

/** Partition i -> partition i mod n (stateless stages keyed by input partition). */
export const forward = <Out extends Outputs, K extends keyof Out & string>(from: Stage<never, Out>, output: K, to: Stage<NoInfer<Out>[K], Outputs>): EdgeSpec => connect(from, output, to, { kind: 'forward' });
/** By the key the emitting actor gives each record (`ctx.emit(records, { keys })`). */
export const hash = <Out extends Outputs, K extends keyof Out & string>(from: Stage<never, Out>, output: K, to: Stage<NoInfer<Out>[K], Outputs>): EdgeSpec => connect(from, output, to, { kind: 'hash' });
/** Every record to every partition. */
export const broadcast = <Out extends Outputs, K extends keyof Out & string>(from: Stage<never, Out>, output: K, to: Stage<NoInfer<Out>[K], Outputs>): EdgeSpec => connect(from, output, to, { kind: 'broadcast' });
