// The actor contract. An actor instance owns one partition of a stage and is driven by its host:
// one batch at a time, control messages in order with data. Nothing else reaches into an actor.

import type { Clock } from './clock.js';
import type { RuntimeMetrics } from './metrics.js';
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
  /** Run CPU-heavy work on the shared Piscina pool (stages placed on the main thread). */
  offload<T, R>(task: T): Promise<R>;
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

/** Thrown by actors for input that can never succeed; see errors.ts for the classification. */
export { ActorError } from './errors.js';
