// Shared set-up for runtime tests: a topology of fixture actors on real worker threads.
import client from 'prom-client';
import type { Logger } from '../../src/runtime/actor.js';
import type { Checkpoint, CheckpointStore } from '../../src/runtime/checkpoints.js';
import { systemClock } from '../../src/runtime/clock.js';
import '../../src/pipelines/metric-families.js';
import { createMetrics } from '../../src/runtime/metrics.js';
import type { HostSettings } from '../../src/runtime/protocol.js';
import type { Resources } from '../../src/runtime/resources.js';
import { Supervisor } from '../../src/runtime/supervisor.js';
import type { TopologySpec } from '../../src/runtime/topology.js';

export const fixture = (name: string) => new URL(`../fixtures/actors/${name}.js`, import.meta.url).href;

export function quietLogger(): Logger & { lines: { level: string; msg: string; fields?: Record<string, unknown> }[] } {
  const lines: { level: string; msg: string; fields?: Record<string, unknown> }[] = [];
  return {
    lines,
    info: (msg, fields) => lines.push({ level: 'info', msg, fields }),
    warn: (msg, fields) => lines.push({ level: 'warn', msg, fields }),
    error: (msg, fields) => lines.push({ level: 'error', msg, fields }),
  };
}

export class MemoryCheckpoints implements CheckpointStore {
  readonly saved: Checkpoint[] = [];
  async latest(): Promise<Checkpoint | null> {
    return this.saved.at(-1) ?? null;
  }
  async save(cp: Checkpoint): Promise<void> {
    this.saved.push(structuredClone(cp));
  }
}

export interface PipelineOptions {
  limit: number;
  partitions?: number;
  batch?: number;
  crashOn?: number;
  crashMode?: 'throw' | 'exit';
  onceMarker?: string;
  restart?: 'in-place' | 'from-checkpoint';
  sinkDelayMs?: number;
  credits?: number;
}

export function pipeline(opts: PipelineOptions): TopologySpec {
  const partitions = opts.partitions ?? 2;
  return {
    name: 'test',
    stages: [
      { name: 'source', module: fixture('counter-source'), parallelism: partitions, source: true, options: { limit: opts.limit, batch: opts.batch ?? 100 } },
      { name: 'map', module: fixture('mapper'), parallelism: partitions, options: { crashOn: opts.crashOn, mode: opts.crashMode, onceMarker: opts.onceMarker }, credits: opts.credits, restart: opts.restart },
      { name: 'sink', module: fixture('collect-sink'), parallelism: 1, placement: 'main', options: { delayMs: opts.sinkDelayMs }, credits: opts.credits },
    ],
    edges: [
      { from: 'source', to: 'map', route: { kind: 'forward' } },
      { from: 'map', to: 'sink', route: { kind: 'forward' } },
    ],
  };
}

export function supervisor(topology: TopologySpec, extra: { workers?: number; checkpoints?: CheckpointStore; log?: Logger; checkpointIntervalMs?: number; resources?: Resources; settings?: Partial<HostSettings> } = {}) {
  const registry = new client.Registry();
  return new Supervisor({
    topology,
    workers: extra.workers ?? 2,
    clock: systemClock,
    metrics: createMetrics(registry),
    log: extra.log ?? quietLogger(),
    checkpoints: extra.checkpoints,
    checkpointIntervalMs: extra.checkpointIntervalMs,
    resources: extra.resources,
    settings: { restart: { minMs: 10, maxMs: 50, jitter: 0.2, maxRestarts: 2, withinMs: 60_000 }, ...extra.settings },
  });
}

/** Wait for a run to end; with `stopAfterCheckpoints` > 0, stop it cleanly once that checkpoint is done. */
export async function endOrStopAfter(run: { done: Promise<void>; stop(): Promise<void>; supervisor: { lastCheckpoint: number } }, stopAfterCheckpoints: number): Promise<void> {
  if (stopAfterCheckpoints <= 0) return run.done;
  const poll = setInterval(() => {
    if (run.supervisor.lastCheckpoint >= stopAfterCheckpoints) {
      clearInterval(poll);
      void run.stop();
    }
  }, 5);
  await run.done.finally(() => clearInterval(poll));
}
