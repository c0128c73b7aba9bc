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

import { hostname } from 'node:os';
import { Worker } from 'node:worker_threads';
import { DEAD_LETTER_WRITERS, type BronzeSinkState } from '../actors/bronze-sink/protocol.js';
import type { LakeSinkOptions, LakeSinkState } from '../actors/lake-sink/protocol.js';
import type { Lake } from '../io/lake/lake.js';
import type { LakeSettings } from '../io/lake/open.js';
import { deadLettersTable, pricesTable, tweetsTable } from '../io/parquet/bronze-schemas.js';
import { addResults, compactTable, emptyResult, planCompaction, supersededKeys, type CompactionBound, type CompactionHooks, type CompactionPolicy, type CompactionResult } from '../io/parquet/compaction.js';
import { CHECKPOINT_BUCKET } from '../io/checkpoints/lake-checkpoints.js';
import { LakeLease, type LeaseEntry } from '../io/lake/lease.js';
import { DERIVED_TABLES } from '../io/parquet/derived-schemas.js';
import type { LakeTable } from '../io/parquet/lake-table.js';
import type { Logger } from '../runtime/actor.js';
import type { Checkpoint } from '../runtime/checkpoints.js';
import { systemClock, type Clock } from '../runtime/clock.js';
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
      for (const tag of DEAD_LETTER_WRITERS) {
        add(deadLettersTable as LakeTable<unknown>, { partition, tag, value: 'tweets', upTo: s.tweets });
        add(deadLettersTable as LakeTable<unknown>, { partition, tag, value: 'stock-prices', upTo: s.prices });
      }
    } else if (isModule(stage.module, 'lake-sink')) {
      const o = stage.options as LakeSinkOptions;
      const s = decodeSnapshot(bytes) as LakeSinkState;
      add(DERIVED_TABLES[o.table] as LakeTable<unknown>, { partition, tag: o.tag, upTo: s.next });
    }
  }
  return [...byTable].map(([table, bounds]) => ({ table, bounds })).sort((a, b) => (a.table < b.table ? -1 : 1));
}

/** How long a pass's hold on the lake's compaction lease lasts unless renewed (every third of it). */
export const COMPACTION_LEASE_TTL_MS = 60_000;

/** The lease every compaction pass over a lake holds, in its `checkpoints` bucket. */
export function compactionLease(lake: Lake, what: string, clock: Clock = systemClock): LakeLease {
  return new LakeLease(lake, CHECKPOINT_BUCKET, 'compaction', { owner: `${hostname()}:${process.pid} (${what})`, ttlMs: COMPACTION_LEASE_TTL_MS, clock });
}

export interface LakeCompaction {
  /** By `bucket/table`, every table named (zeros where nothing was merged). */
  results: Map<string, CompactionResult>;
  /** Who held the lake's compaction lease when this pass wanted it (nothing was done), else null. */
  busy: LeaseEntry | null;
}

function tableOf(t: TableBounds): { spec: LakeTable<unknown>; bound: CompactionBound } {
  const spec = LAKE_TABLES.get(t.table);
  if (!spec) throw new Error(`compaction: unknown lake table ${t.table}`);
  const bound = (value: string, tag: string, partition: number) =>
    t.bounds.find((b) => b.partition === partition && b.tag === tag && (b.value === undefined || b.value === value))?.upTo ?? null;
  return { spec, bound };
}

/** Whether a pass would merge or repair anything now (read without the lease; decides whether to take it). */
async function hasWork(lake: Lake, tables: readonly TableBounds[], policy: CompactionPolicy): Promise<boolean> {
  for (const t of tables) {
    const { spec, bound } = tableOf(t);
    const objects = await lake.list(spec.bucket, `${spec.table}/`);
    if (supersededKeys(objects).size > 0 || planCompaction(objects, spec, bound, policy).length > 0) return true;
  }
  return false;
}

/**
 * One compaction pass over the tables the bounds name, holding the lake's compaction lease.
 * Passes must never overlap, in one process or across several (`cashtag compact` beside a
 * running pipeline): a listing taken while another pass commits a merge and deletes its inputs
 * can miss both, and a merge planned on it spans (so supersedes) rows it never copied. So every
 * table is listed and planned again under the lease, each commit first asks whether the lease is
 * still held, and a pass that finds the lease taken does nothing and says by whom.
 */
export async function compactLake(lake: Lake, tables: readonly TableBounds[], policy: CompactionPolicy, hooks: CompactionHooks = {}, lease = compactionLease(lake, 'compaction')): Promise<LakeCompaction> {
  const results = new Map(tables.map((t) => [t.table, emptyResult()]));
  if (!(await hasWork(lake, tables, policy))) return { results, busy: null };
  const got = await lease.acquire();
  if (!got.held) return { results, busy: got.holder };
  const guarded: CompactionHooks = {
    ...hooks,
    stopping: () => !lease.holds() || (hooks.stopping?.() ?? false),
    mayCommit: () => lease.holds() && (hooks.mayCommit?.() ?? true),
  };
  await lease.hold(async () => {
    for (const t of tables) {
      if (guarded.stopping!()) break;
      const { spec, bound } = tableOf(t);
      results.set(t.table, addResults(results.get(t.table)!, await compactTable(lake, spec, bound, policy, guarded)));
    }
  });
  return { results, busy: null };
}

/** What the compaction worker thread is given. */
export interface CompactionTask {
  pipeline: string;
  lake: LakeSettings;
  tables: TableBounds[];
  policy: CompactionPolicy;
  nice: number;
}

export type CompactionReply = { kind: 'done'; results: [string, CompactionResult][]; busy: LeaseEntry | null };

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

/**
 * Periodic compaction passes of a running pipeline, each on a fresh worker thread. One at a time:
 * `pass()` (the timer's, or one asked for) waits for the one in progress; and no pass overlaps
 * another process's (`cashtag compact`), which holds the lake's lease (compactLake).
 */
export class Compactor {
  private cancel: (() => void) | null = null;
  private running: Promise<void> | null = null;
  private worker: Worker | null = null;
  private stopped = false;

  constructor(private readonly o: CompactorOptions) {}

  start(): void {
    if (this.o.intervalMs <= 0) return;
    // Every outcome exists from the start, so a dashboard's "failed passes" reads 0, not "no data".
    for (const outcome of ['ok', 'failed', 'busy']) this.o.metrics.compactionPasses.inc({ pipeline: this.o.pipeline, outcome }, 0);
    this.schedule();
  }

  private schedule(): void {
    this.cancel = this.o.clock.setTimer(this.o.intervalMs, () => {
      if (this.stopped) return;
      void this.pass().finally(() => {
        if (!this.stopped) this.schedule();
      });
    });
  }

  /**
   * One pass now (tests and the timer), after the one in progress. Failures are logged and
   * counted: the next pass repairs.
   */
  pass(): Promise<void> {
    const next = (this.running ?? Promise.resolve()).then(() => this.passNow());
    const mine = next.finally(() => {
      if (this.running === mine) this.running = null;
    });
    this.running = mine;
    return mine;
  }

  private async passNow(): Promise<void> {
    const { pipeline, metrics, log } = this.o;
    const started = this.o.clock.monotonic();
    try {
      const cp = await this.o.checkpoint();
      if (!cp) return;
      const tables = compactionBounds(this.o.topology, cp);
      const { results, busy } = await this.inWorker({ pipeline, lake: this.o.lake, tables, policy: this.o.policy, nice: this.o.nice });
      if (busy) {
        metrics.compactionPasses.inc({ pipeline, outcome: 'busy' });
        log.info('compaction pass skipped: another compaction holds the lake\'s lease', { holder: busy.owner, until: new Date(busy.expiresAt).toISOString() });
        return;
      }
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

  private inWorker(task: CompactionTask): Promise<{ results: Map<string, CompactionResult>; busy: LeaseEntry | null }> {
    return new Promise((resolve, reject) => {
      const w = new Worker(WORKER, { workerData: task });
      this.worker = w;
      let reply: CompactionReply | null = null;
      w.on('message', (m: CompactionReply) => (reply = m));
      w.on('error', reject);
      w.on('exit', (code) => {
        this.worker = null;
        if (reply) resolve({ results: new Map(reply.results), busy: reply.busy });
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
