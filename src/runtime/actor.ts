// The actor contract. An actor instance owns one partition of a stage and is driven by its host:
// one batch at a time, control messages in order with data. Nothing else reaches into an actor.

import type { Clock } from './clock.js';
import type { RuntimeMetrics } from './metrics.js';
import type { Resources } from './resources.js';
import type { InstanceRef } from './topology.js';

export interface Logger {
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

export interface ActorContext {
  readonly self: InstanceRef;
  /** Parallelism of this actor's stage. */
  readonly parallelism: number;
  readonly clock: Clock;
  readonly metrics: RuntimeMetrics;
  readonly log: Logger;
  /**
   * The resources this instance shares with the others of its thread (one Kafka connection per
   * cluster and role, say), opened on first ask and closed by the thread's owner, not the actor.
   */
  readonly resources: Resources;
  /**
   * Send records on an output. For hash-routed edges give one key per record. Resolves when every
   * batch is handed to its link, which waits for credit: awaiting it is how backpressure works.
   */
  emit(records: unknown[], opts?: { output?: string; keys?: string[] }): Promise<void>;
  /**
   * Announce that no record with event time < ts will follow from this instance (sources, and
   * the stage that assigns event times). Other stages forward the minimum of their inputs.
   */
  emitWatermark(ts: number): Promise<void>;
  /**
   * Say that this instance has nothing to send for now (e.g. its source partitions have nothing
   * to read): downstream stops waiting for its watermark until it emits data or a watermark.
   */
  emitIdle(): Promise<void>;
  /**
   * Run CPU-heavy work on the supervisor's Piscina pool (from any thread: a worker host asks the
   * main thread). Buffers in `transfer` move with the task to the pool thread, uncopied (as
   * postMessage's transfer list): the caller must not touch them afterwards.
   */
  offload<T, R>(task: T, transfer?: ArrayBuffer[]): Promise<R>;
  /** Run `fn` after `ms` on the injected clock; returns a cancel function. */
  schedule(ms: number, fn: () => void): () => void;
}

export interface BatchInfo {
  /** The link the batch came on (`stage/p:output->stage/q`). */
  link: string;
  fromStage: string;
  fromPartition: number;
}

export type SourceStatus = 'more' | 'idle' | 'done';

export interface Actor {
  init?(ctx: ActorContext): void | Promise<void>;
  handle?(records: unknown[], info: BatchInfo): void | Promise<void>;
  /** Sources: produce (and emit) the next batch. 'idle' means nothing now, 'done' means exhausted. */
  produce?(): Promise<SourceStatus>;
  /** The stage's watermark advanced (minimum over its active inputs). */
  onWatermark?(ts: number): void | Promise<void>;
  /** Every input of this instance is idle (e.g. a sink that forwards watermarks tells its readers). */
  onIdle?(): void | Promise<void>;
  /**
   * A checkpoint barrier has arrived on every input. Sinks make everything before it durable
   * here; the runtime then takes `snapshot()` and forwards the barrier.
   */
  onBarrier?(checkpoint: number): void | Promise<void>;
  snapshot?(): unknown;
  restore?(state: unknown): void;
  /**
   * Checkpoint `checkpoint` is saved: everything before its barrier is durable in every sink.
   * Sources commit their offsets upstream here (e.g. to the Kafka consumer group), never sooner.
   */
  onCheckpointComplete?(checkpoint: number): void | Promise<void>;
  /** All inputs ended (or the source was asked to stop): flush and release resources. */
  close?(): void | Promise<void>;
}

/** A stage module's default export. `options` is the StageSpec's options, as sent to the thread. */
export type ActorFactory = (options: unknown, self: InstanceRef) => Actor | Promise<Actor>;

// ---------------------------------------------------------------------------------------------
// Typed actors. The runtime above moves `unknown` records: it never looks inside them. The types
// below let an actor and the topologies that wire it agree at compile time on what it accepts,
// what it emits on each output and which options it takes (Pekko typed's Behavior[T], Kafka
// Streams' Processor<KIn, VIn, KOut, VOut>). They add no code at run time: a typed actor *is* an
// ActorFactory, and the same records cross the same links.

/** An actor's outputs: output name -> the message type emitted on it (`out` is the default). */
export type Outputs = object;

/** The outputs of an actor that emits nothing (a sink). */
export type NoOutputs = Record<never, never>;

/** The default output's message type (never when the actor has no `out`). */
type DefaultMessage<Out extends Outputs> = 'out' extends keyof Out ? Out['out'] : never;

/** `ctx.emit`, typed per output: records on `output` must be that output's messages. */
export interface Emit<Out extends Outputs> {
  <K extends keyof Out & string>(records: Out[K][], opts: { output: K; keys?: string[] }): Promise<void>;
  (records: DefaultMessage<Out>[], opts?: { output?: 'out'; keys?: string[] }): Promise<void>;
}

/** The context a typed actor is given: ActorContext with `emit` typed by its outputs. */
export interface TypedContext<Out extends Outputs> extends Omit<ActorContext, 'emit'> {
  emit: Emit<Out>;
}

/** A typed actor's behaviour: the Actor contract with its input, outputs and snapshot typed. */
export interface Behavior<In, Out extends Outputs, State = never> {
  init?(ctx: TypedContext<Out>): void | Promise<void>;
  /** A property, not a method, so it is checked strictly: it must take every message of `In`. */
  handle?: (records: In[], info: BatchInfo) => void | Promise<void>;
  produce?(): Promise<SourceStatus>;
  onWatermark?(ts: number): void | Promise<void>;
  onIdle?(): void | Promise<void>;
  onBarrier?(checkpoint: number): void | Promise<void>;
  snapshot?(): State;
  restore?(state: State): void;
  onCheckpointComplete?(checkpoint: number): void | Promise<void>;
  close?(): void | Promise<void>;
}

/** Phantom keys: present in the types only, so a handle carries its actor's types. */
declare const optionsType: unique symbol;
declare const inputType: unique symbol;
declare const outputsType: unique symbol;

/**
 * A typed handle on an actor module: its URL (what a worker thread imports) and, in the types
 * only, its options, input message and outputs. Declared in the actor's protocol.ts beside its
 * messages, so a topology imports the handle without loading the actor's code.
 */
export interface ActorRef<Options, In, Out extends Outputs> {
  readonly module: string;
  /** Contravariant in the input: a ref accepting B stands where A is sent only if A fits B. */
  readonly [inputType]: (message: In) => void;
  readonly [optionsType]: Options;
  readonly [outputsType]: Out;
}

/** `actorRef<Options, In, Outputs>(new URL('./actor.js', import.meta.url).href)` in a protocol.ts. */
export const actorRef = <Options, In, Out extends Outputs>(module: string): ActorRef<Options, In, Out> => ({ module }) as ActorRef<Options, In, Out>;

/** What defineActor returns: a factory the runtime loads (the module's default export), typed. */
export type TypedFactory<Options, In, Out extends Outputs, State> = (options: Options, self: InstanceRef) => Behavior<In, Out, State> | Promise<Behavior<In, Out, State>>;

/**
 * Define an actor against the handle its protocol.ts declares: `options`, the records `handle`
 * gets and what `ctx.emit` accepts are checked against the handle's types. Returns the factory
 * itself (the module's default export), so the runtime and unit tests call it as before:
 * `factory(options, self)` -> an object with init/handle/...
 */
export function defineActor<Options, In, Out extends Outputs, State = never>(
  _ref: ActorRef<Options, In, Out>,
  create: TypedFactory<NoInfer<Options>, NoInfer<In>, NoInfer<Out>, State>,
): TypedFactory<Options, In, Out, State> {
  return create;
}

/** Thrown by actors for input that can never succeed; see errors.ts for the classification. */
export { ActorError } from './errors.js';
