// Compaction of the speed layer's lake (io/parquet/compaction.ts says how a merge stays exactly-once).
//
// What may be merged is read from a checkpoint, the one a restore would resume from now: each
// lake sink's snapshot holds the offset (bronze) or seq (derived tables) it resumes at, and its
// files wholly below that are covered. Restores only move forward, so a file covered now stays
// covered: recovery never deletes or splits a merged file.
//
// In `cashtag run` a pass runs every COMPACT_INTERVAL seconds on its own worker thread at low
// priority (reading and encoding Parquet stays off the main thread and the actor threads), and
// `stop` lets the current merge finish. `cashtag compact` runs one pass in its own process.

import { Worker } from 'node:worker_threads';
import type { BronzeSinkState } from '../actors/bronze-sink/protocol.js';
import type { LakeSinkOptions, LakeSinkState } from '../actors/lake-sink/protocol.js';
import type { Lake } from '../io/lake/lake.js';
import type { LakeSettings } from '../io/lake/open.js';
import { deadLettersTable, pricesTable, tweetsTable } from '../io/parquet/bronze-schemas.js';
import { addResults, compactTable, emptyResult, type CompactionHooks, type CompactionPolicy, type CompactionResult } from '../io/parquet/compaction.js';
import { DERIVED_TABLES } from '../io/parquet/derived-schemas.js';
import type { LakeTable } from '../io/parquet/lake-table.js';
import type { Logger } from '../runtime/actor.js';
import type { Checkpoint } from '../runtime/checkpoints.js';
import type { Clock } from '../runtime/clock.js';
import { decodeSnapshot } from '../runtime/codec.js';
import type { RuntimeMetrics } from '../runtime/metrics.js';
// The Compactor counts on RuntimeMetrics' compaction family, registered by
// ./metric-families.js, which speed.ts imports before it creates the process's metrics.
import type { TopologySpec } from '../runtime/topology.js';

/** Every table the speed layer's sinks write, by `bucket/table`. */
const LAKE_TABLES = new Map<string, LakeTable<unknown>>(
  ([tweetsTable, pricesTable, deadLettersTable, ...Object.values(DERIVED_TABLES)] as LakeTable<unknown>[]).map((t) => [`${t.bucket}/${t.table}`, t]),
);

/** Covered offsets of one writer: its files with last offset below `upTo`. Plain data (crosses threads). */
export interface WriterBound {
  partition: number;
  tag: string;
  /** Only files under this Hive partition value (dead letters: one writer per input topic). */
  value?: string;
  upTo: number;
}

export interface TableBounds {
  /** `bucket/table`, a key of LAKE_TABLES. */
  table: string;
  bounds: WriterBound[];
}

const isModule = (stageModule: string, actor: string) => stageModule.endsWith(`/actors/${actor}/actor.js`);

/** What the checkpoint covers, per table and writer, from its lake sinks' snapshots. */
export function compactionBounds(topology: TopologySpec, cp: Checkpoint): TableBounds[] {
  const byTable = new Map<string, WriterBound[]>();
  const add = (t: LakeTable<unknown>, b: WriterBound) => {
    const key = `${t.bucket}/${t.table}`;
    byTable.set(key, [...(byTable.get(key) ?? []), b]);
  };
  for (const [instance, bytes] of Object.entries(cp.snapshots)) {
    const slash = instance.lastIndexOf('/');
    const stage = topology.stages.find((s) => s.name === instance.slice(0, slash));
    const partition = Number(instance.slice(slash + 1));
    if (!stage || !Number.isInteger(partition)) continue;
    if (isModule(stage.module, 'bronze-sink')) {
      const s = decodeSnapshot(bytes) as BronzeSinkState;
      add(tweetsTable as LakeTable<unknown>, { partition, tag: '', upTo: s.tweets });
      add(pricesTable as LakeTable<unknown>, { partition, tag: '', upTo: s.prices });
      add(deadLettersTable as LakeTable<unknown>, { partition, tag: '', value: 'tweets', upTo: s.tweets });
      add(deadLettersTable as LakeTable<unknown>, { partition, tag: '', value: 'stock-prices', upTo: s.prices });
    } else if (isModule(stage.module, 'lake-sink')) {
      const o = stage.options as LakeSinkOptions;
      const s = decodeSnapshot(bytes) as LakeSinkState;
      add(DERIVED_TABLES[o.table] as LakeTable<unknown>, { partition, tag: o.tag, upTo: s.next });
    }
  }
  return [...byTable].map(([table, bounds]) => ({ table, bounds })).sort((a, b) => (a.table < b.table ? -1 : 1));
}

/** One compaction pass over the tables the bounds name; results by `bucket/table`. */
export async function compactLake(lake: Lake, tables: readonly TableBounds[], policy: CompactionPolicy, hooks: CompactionHooks = {}): Promise<Map<string, CompactionResult>> {
  const out = new Map<string, CompactionResult>();
  for (const t of tables) {
    const spec = LAKE_TABLES.get(t.table);
    if (!spec) throw new Error(`compaction: unknown lake table ${t.table}`);
    if (hooks.stopping?.()) break;
    const bound = (value: string, tag: string, partition: number) =>
      t.bounds.find((b) => b.partition === partition && b.tag === tag && (b.value === undefined || b.value === value))?.upTo ?? null;
    out.set(t.table, addResults(out.get(t.table) ?? emptyResult(), await compactTable(lake, spec, bound, policy, hooks)));
  }
  return out;
}

/** What the compaction worker thread is given. */
export interface CompactionTask {
  lake: LakeSettings;
  tables: TableBounds[];
  policy: CompactionPolicy;
  nice: number;
}

export type CompactionReply = { kind: 'done'; results: [string, CompactionResult][] };

const WORKER = new URL('./compaction-worker.js', import.meta.url);

export interface CompactorOptions {
  pipeline: string;
  lake: LakeSettings;
  policy: CompactionPolicy;
  intervalMs: number;
  topology: TopologySpec;
  /** The checkpoint a restore would resume from now (null: none yet). */
  checkpoint(): Promise<Checkpoint | null>;
  metrics: RuntimeMetrics;
  log: Logger;
  clock: Clock;
  /** Nice value of the worker thread. */
  nice: number;
}

/** Periodic compaction passes of a running pipeline, one at a time, each on a fresh worker thread. */
export class Compactor {
  private cancel: (() => void) | null = null;
  private running: Promise<void> | null = null;
  private worker: Worker | null = null;
  private stopped = false;

  constructor(private readonly o: CompactorOptions) {}

  start(): void {
    if (this.o.intervalMs <= 0) return;
    // Both outcomes exist from the start, so a dashboard's "failed passes" reads 0, not "no data".
    for (const outcome of ['ok', 'failed']) this.o.metrics.compactionPasses.inc({ pipeline: this.o.pipeline, outcome }, 0);
    this.schedule();
  }

  private schedule(): void {
    this.cancel = this.o.clock.setTimer(this.o.intervalMs, () => {
      this.running = this.pass().finally(() => {
        this.running = null;
        if (!this.stopped) this.schedule();
      });
    });
  }

  /** One pass now (tests and the timer). Failures are logged and counted: the next pass repairs. */
  async pass(): Promise<void> {
    const { pipeline, metrics, log } = this.o;
    const started = this.o.clock.monotonic();
    try {
      const cp = await this.o.checkpoint();
      if (!cp) return;
      const tables = compactionBounds(this.o.topology, cp);
      const results = await this.inWorker({ lake: this.o.lake, tables, policy: this.o.policy, nice: this.o.nice });
      let merged = 0;
      for (const [table, r] of results) {
        const labels = { pipeline, table };
        metrics.compactionFilesMerged.inc(labels, r.filesMerged);
        metrics.compactionFilesWritten.inc(labels, r.filesWritten);
        metrics.compactionBytesRead.inc(labels, r.bytesRead);
        metrics.compactionBytesWritten.inc(labels, r.bytesWritten);
        metrics.compactionRows.inc(labels, r.rows);
        metrics.compactionRepaired.inc(labels, r.filesRepaired);
        merged += r.filesMerged;
      }
      metrics.compactionPasses.inc({ pipeline, outcome: 'ok' });
      metrics.compactionDuration.observe({ pipeline }, (this.o.clock.monotonic() - started) / 1000);
      if (merged > 0) log.info('compacted lake files', { checkpoint: cp.id, ...Object.fromEntries([...results].filter(([, r]) => r.filesMerged > 0).map(([t, r]) => [t, `${r.filesMerged} -> ${r.filesWritten} files, ${r.rows} rows`])) });
    } catch (e) {
      metrics.compactionPasses.inc({ pipeline, outcome: 'failed' });
      log.warn('compaction pass failed; the next one repairs and retries', { error: e instanceof Error ? e.message : String(e) });
    }
  }

  private inWorker(task: CompactionTask): Promise<Map<string, CompactionResult>> {
    return new Promise((resolve, reject) => {
      const w = new Worker(WORKER, { workerData: task });
      this.worker = w;
      let reply: CompactionReply | null = null;
      w.on('message', (m: CompactionReply) => (reply = m));
      w.on('error', reject);
      w.on('exit', (code) => {
        this.worker = null;
        if (reply) resolve(new Map(reply.results));
        else reject(new Error(`compaction worker exited with code ${code} before finishing`));
      });
    });
  }

  /** Stop the timer and let the current merge finish (the pass stops before the next group). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.cancel?.();
    this.worker?.postMessage('stop');
    await this.running;
  }
}
