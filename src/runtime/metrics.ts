// The runtime's metrics: what every actor, link, checkpoint and pool has, whatever it computes.
// Each thread has its own prom-client registry; the main thread merges them into one /metrics.
// Labels: pipeline, actor (stage), partition — plus a metric-specific one where stated.
//
// The runtime names nothing of the domain. Metrics that belong to what an actor or a pipeline
// computes (the analytics actors' counts, lake compaction, ...) are *families* their owners
// define (src/actors/metrics.ts, src/pipelines/compaction-metrics.ts) with `metricFamily`: the
// family's module registers a factory here and augments `MetricFamilies`, so `ctx.metrics.<name>`
// is typed, and `createMetrics` adds every family registered on this thread. Worker threads
// import the modules registered on the main thread before they create their metrics
// (`metricFamilyModules`, passed by the supervisor), so every thread has the same set.
import { getHeapStatistics } from 'node:v8';
import { isMainThread, threadId } from 'node:worker_threads';
import client from 'prom-client';

export const METRIC_PREFIX = 'cashtag_';
const PREFIX = METRIC_PREFIX;
/** The label set of an actor instance's metrics. */
export const INSTANCE_LABELS = ['pipeline', 'actor', 'partition'] as const;
const L = INSTANCE_LABELS;

function createRuntimeMetrics(registry: client.Registry) {
  const reg = [registry];
  return {
    registry,
    recordsIn: new client.Counter({ name: `${PREFIX}records_in_total`, help: 'Records received by an actor instance', labelNames: L, registers: reg }),
    recordsOut: new client.Counter({ name: `${PREFIX}records_out_total`, help: 'Records emitted by an actor instance', labelNames: [...L, 'output'], registers: reg }),
    batchDuration: new client.Histogram({
      name: `${PREFIX}batch_duration_seconds`,
      help: 'Time an actor spends handling one batch',
      labelNames: L,
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: reg,
    }),
    mailboxDepth: new client.Gauge({ name: `${PREFIX}mailbox_depth_batches`, help: 'Batches waiting in an actor mailbox', labelNames: L, registers: reg }),
    creditWaits: new client.Counter({ name: `${PREFIX}credit_waits_total`, help: 'Times an emitting actor waited for downstream credit', labelNames: L, registers: reg }),
    creditWaitSeconds: new client.Counter({ name: `${PREFIX}credit_wait_seconds_total`, help: 'Time spent waiting for downstream credit', labelNames: L, registers: reg }),
    restarts: new client.Counter({ name: `${PREFIX}actor_restarts_total`, help: 'Actor restarts after a failure', labelNames: L, registers: reg }),
    watermarkLag: new client.Gauge({ name: `${PREFIX}watermark_lag_seconds`, help: 'Wall time minus the stage watermark', labelNames: L, registers: reg }),
    checkpointsCompleted: new client.Counter({ name: `${PREFIX}checkpoints_completed_total`, help: 'Checkpoints acknowledged by every instance', labelNames: ['pipeline'], registers: reg }),
    checkpointDuration: new client.Histogram({ name: `${PREFIX}checkpoint_duration_seconds`, help: 'Time from barrier injection to the last acknowledgement', labelNames: ['pipeline'], buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30], registers: reg }),
    heldSources: new client.Gauge({ name: `${PREFIX}watermark_alignment_held_sources`, help: 'Source instances held by watermark alignment (ahead of the slowest partition by more than the allowed drift)', labelNames: ['pipeline'], registers: reg }),
    poolQueue: new client.Gauge({ name: `${PREFIX}pool_queue_tasks`, help: 'Tasks waiting in the Piscina pool queue', labelNames: ['pipeline'], registers: reg }),
    poolUtilization: new client.Gauge({ name: `${PREFIX}pool_utilization_ratio`, help: 'Piscina pool utilisation (0..1)', labelNames: ['pipeline'], registers: reg }),
    poolThreads: new client.Gauge({ name: `${PREFIX}pool_threads`, help: 'Threads in the Piscina pool', labelNames: ['pipeline'], registers: reg }),
    poolTaskDuration: new client.Histogram({ name: `${PREFIX}pool_task_duration_seconds`, help: 'Round trip of one offloaded task', labelNames: ['pipeline'], buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1], registers: reg }),
    sourceRecords: new client.Counter({ name: `${PREFIX}source_records_total`, help: 'Records read by a source, by input topic', labelNames: [...L, 'topic'], registers: reg }),
    consumerLag: new client.Gauge({ name: `${PREFIX}consumer_lag_records`, help: 'Records in the topic partition not yet read by this consumer', labelNames: ['pipeline', 'topic', 'partition'], registers: reg }),
    ownedTasks: new client.Gauge({ name: `${PREFIX}owned_tasks`, help: 'Tasks (input partitions) the consumer group gave this process', labelNames: ['pipeline'], registers: reg }),
    sourcePaused: new client.Gauge({ name: `${PREFIX}source_paused`, help: '1 while a topic partition is paused for backpressure', labelNames: ['pipeline', 'topic', 'partition'], registers: reg }),
    lateRecords: new client.Counter({ name: `${PREFIX}late_records_total`, help: 'Records older than the stage watermark, left out of event-time state', labelNames: [...L, 'kind'], registers: reg }),
    stateSize: new client.Gauge({ name: `${PREFIX}state_entries`, help: 'Entries held in an actor state store, by store', labelNames: [...L, 'store'], registers: reg }),
    // Node's default metrics describe the main thread's heap only; actor state lives on the others.
    threadHeap: new client.Gauge({
      name: `${PREFIX}thread_heap_bytes`,
      help: "A thread's V8 heap (main, or worker-<threadId>): in use, committed (taken from the OS), or held by buffers outside it (external)",
      labelNames: ['thread', 'kind'],
      registers: reg,
      collect() {
        const h = getHeapStatistics();
        const thread = isMainThread ? 'main' : `worker-${threadId}`;
        this.set({ thread, kind: 'used' }, h.used_heap_size);
        this.set({ thread, kind: 'committed' }, h.total_heap_size);
        this.set({ thread, kind: 'external' }, h.external_memory);
      },
    }),
    deadLetters: new client.Counter({ name: `${PREFIX}dead_letters_total`, help: 'Records sent to dead letters, by reason', labelNames: [...L, 'topic', 'reason'], registers: reg }),
    sinkWrites: new client.Counter({ name: `${PREFIX}sink_rows_written_total`, help: 'Rows made durable by a sink', labelNames: [...L, 'sink', 'table'], registers: reg }),
    sinkSkipped: new client.Counter({ name: `${PREFIX}sink_rows_skipped_total`, help: 'Rows a sink found already written (a replay after a crash) and did not write again', labelNames: [...L, 'sink', 'table'], registers: reg }),
    sinkFiles: new client.Counter({ name: `${PREFIX}sink_files_written_total`, help: 'Files committed by a lake sink', labelNames: [...L, 'sink', 'table'], registers: reg }),
    sinkRefused: new client.Counter({ name: `${PREFIX}sink_rows_refused_total`, help: 'Rows a sink could store in no form, not even as a dead letter (each logged as an error)', labelNames: [...L, 'sink', 'table'], registers: reg }),
    sinkErrors: new client.Counter({ name: `${PREFIX}sink_errors_total`, help: 'Failed sink writes (each retried or escalated)', labelNames: [...L, 'sink'], registers: reg }),
    sinkLatency: new client.Histogram({ name: `${PREFIX}sink_write_duration_seconds`, help: 'Duration of one sink write or flush', labelNames: [...L, 'sink'], buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5], registers: reg }),
    endToEnd: new client.Histogram({
      name: `${PREFIX}end_to_end_latency_seconds`,
      help: 'Ingest (source read) to sink commit, per record',
      labelNames: ['pipeline', 'sink'],
      buckets: [0.005, 0.01, 0.02, 0.03, 0.05, 0.075, 0.1, 0.125, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 0.75, 1, 2.5, 5, 10],
      registers: reg,
    }),
  };
}

/**
 * Metric families defined outside the runtime. Empty here: each family's module adds its
 * members by declaration merging (`declare module '.../runtime/metrics.js' { interface
 * MetricFamilies { ... } }`) and registers their factory with `metricFamily`.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface MetricFamilies {}

export type RuntimeMetrics = ReturnType<typeof createRuntimeMetrics> & MetricFamilies;

type FamilyFactory = (registry: client.Registry) => object;
const families = new Map<string, FamilyFactory>();

/**
 * Register a family of metrics, defined by the module at `moduleUrl` (its `import.meta.url`):
 * every metrics set this thread creates from now on has its members, and worker threads import
 * that module before they create theirs. Returns the factory, for the module's own type.
 */
export function metricFamily<F extends object>(moduleUrl: string, factory: (registry: client.Registry) => F): (registry: client.Registry) => F {
  families.set(moduleUrl, factory);
  return factory;
}

/** The modules whose families are registered on this thread (a worker thread imports them first). */
export const metricFamilyModules = (): string[] => [...families.keys()];

/** The runtime's metrics and every registered family, on `registry`. */
export function createMetrics(registry: client.Registry): RuntimeMetrics {
  const metrics: Record<string, unknown> = createRuntimeMetrics(registry);
  for (const factory of families.values()) Object.assign(metrics, factory(registry));
  return metrics as unknown as RuntimeMetrics;
}

/** Label values for an instance: pipeline name, stage name, partition as a string. */
export const instanceLabels = (pipeline: string, stage: string, partition: number) => ({ pipeline, actor: stage, partition: String(partition) });

/** Merge per-thread registries (as JSON) into one Prometheus text page. */
export async function aggregateMetrics(perThread: client.MetricObjectWithValues<client.MetricValue<string>>[][]): Promise<string> {
  const merged = client.AggregatorRegistry.aggregate(perThread);
  return merged.metrics();
}

/** Sum of a metric's samples in a text page, over the lines whose labels contain every filter. */
export function metricSum(text: string, name: string, ...filters: string[]): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (filters.every((f) => line.includes(f))) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}
