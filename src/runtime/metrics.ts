// One metrics module: every metric name and label set of cashtag is defined here, once.
// Each thread has its own prom-client registry; the main thread merges them into one /metrics.
// Labels: pipeline, actor (stage), partition — plus a metric-specific one where stated.
import client from 'prom-client';

const PREFIX = 'cashtag_';
const L = ['pipeline', 'actor', 'partition'] as const;

export function createMetrics(registry: client.Registry) {
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
    poolQueue: new client.Gauge({ name: `${PREFIX}pool_queue_tasks`, help: 'Tasks waiting in the Piscina pool queue', labelNames: ['pipeline'], registers: reg }),
    poolUtilization: new client.Gauge({ name: `${PREFIX}pool_utilization_ratio`, help: 'Piscina pool utilisation (0..1)', labelNames: ['pipeline'], registers: reg }),
    poolThreads: new client.Gauge({ name: `${PREFIX}pool_threads`, help: 'Threads in the Piscina pool', labelNames: ['pipeline'], registers: reg }),
    poolTaskDuration: new client.Histogram({ name: `${PREFIX}pool_task_duration_seconds`, help: 'Round trip of one offloaded task', labelNames: ['pipeline'], buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1], registers: reg }),
    sourceRecords: new client.Counter({ name: `${PREFIX}source_records_total`, help: 'Records read by a source, by input topic', labelNames: [...L, 'topic'], registers: reg }),
    consumerLag: new client.Gauge({ name: `${PREFIX}consumer_lag_records`, help: 'Records in the topic partition not yet read by this consumer', labelNames: ['pipeline', 'topic', 'partition'], registers: reg }),
    ownedTasks: new client.Gauge({ name: `${PREFIX}owned_tasks`, help: 'Tasks (input partitions) the consumer group gave this process', labelNames: ['pipeline'], registers: reg }),
    sourcePaused: new client.Gauge({ name: `${PREFIX}source_paused`, help: '1 while a topic partition is paused for backpressure', labelNames: ['pipeline', 'topic', 'partition'], registers: reg }),
    lateRecords: new client.Counter({ name: `${PREFIX}late_records_total`, help: 'Records older than the stage watermark, left out of windows and joins', labelNames: [...L, 'kind'], registers: reg }),
    stateSize: new client.Gauge({ name: `${PREFIX}state_entries`, help: 'Entries held in an actor state store (window panes, join ticks and tweets)', labelNames: [...L, 'store'], registers: reg }),
    windowsEmitted: new client.Counter({ name: `${PREFIX}windows_emitted_total`, help: 'Sliding windows emitted once the watermark passed their end', labelNames: L, registers: reg }),
    joinedTweets: new client.Counter({ name: `${PREFIX}joined_tweets_total`, help: 'Tweets released by the tweet-price join, by whether a tick was found', labelNames: [...L, 'matched'], registers: reg }),
    alerts: new client.Counter({ name: `${PREFIX}alerts_total`, help: 'Alerts raised (negative sentiment and a price drop in one window)', labelNames: [...L, 'topic'], registers: reg }),
    deadLetters: new client.Counter({ name: `${PREFIX}dead_letters_total`, help: 'Records sent to dead letters, by reason', labelNames: [...L, 'topic', 'reason'], registers: reg }),
    untagged: new client.Counter({ name: `${PREFIX}tweets_without_cashtag_total`, help: 'Tweets that name no symbol (archived under topic NONE)', labelNames: L, registers: reg }),
    sinkWrites: new client.Counter({ name: `${PREFIX}sink_rows_written_total`, help: 'Rows made durable by a sink', labelNames: [...L, 'sink', 'table'], registers: reg }),
    sinkSkipped: new client.Counter({ name: `${PREFIX}sink_rows_skipped_total`, help: 'Rows a sink found already written (a replay after a crash) and did not write again', labelNames: [...L, 'sink', 'table'], registers: reg }),
    sinkFiles: new client.Counter({ name: `${PREFIX}sink_files_written_total`, help: 'Files committed by a lake sink', labelNames: [...L, 'sink', 'table'], registers: reg }),
    sinkRefused: new client.Counter({ name: `${PREFIX}sink_rows_refused_total`, help: 'Rows a sink could store in no form, not even as a dead letter (each logged as an error)', labelNames: [...L, 'sink', 'table'], registers: reg }),
    sinkErrors: new client.Counter({ name: `${PREFIX}sink_errors_total`, help: 'Failed sink writes (each retried or escalated)', labelNames: [...L, 'sink'], registers: reg }),
    sinkLatency: new client.Histogram({ name: `${PREFIX}sink_write_duration_seconds`, help: 'Duration of one sink write or flush', labelNames: [...L, 'sink'], buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5], registers: reg }),
    compactionFilesMerged: new client.Counter({ name: `${PREFIX}compaction_files_merged_total`, help: 'Small lake files merged into larger ones (then deleted)', labelNames: ['pipeline', 'table'], registers: reg }),
    compactionFilesWritten: new client.Counter({ name: `${PREFIX}compaction_files_written_total`, help: 'Merged lake files committed by compaction', labelNames: ['pipeline', 'table'], registers: reg }),
    compactionBytesRead: new client.Counter({ name: `${PREFIX}compaction_read_bytes_total`, help: 'Bytes of lake files read by compaction', labelNames: ['pipeline', 'table'], registers: reg }),
    compactionBytesWritten: new client.Counter({ name: `${PREFIX}compaction_written_bytes_total`, help: 'Bytes of merged lake files written by compaction', labelNames: ['pipeline', 'table'], registers: reg }),
    compactionRows: new client.Counter({ name: `${PREFIX}compaction_rows_total`, help: 'Rows copied into merged lake files', labelNames: ['pipeline', 'table'], registers: reg }),
    compactionRepaired: new client.Counter({ name: `${PREFIX}compaction_files_repaired_total`, help: 'Superseded files an interrupted compaction left, deleted', labelNames: ['pipeline', 'table'], registers: reg }),
    compactionPasses: new client.Counter({ name: `${PREFIX}compaction_passes_total`, help: 'Compaction passes over the lake, by outcome', labelNames: ['pipeline', 'outcome'], registers: reg }),
    compactionDuration: new client.Histogram({ name: `${PREFIX}compaction_pass_duration_seconds`, help: 'Duration of one compaction pass over the lake', labelNames: ['pipeline'], buckets: [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300], registers: reg }),
    endToEnd: new client.Histogram({
      name: `${PREFIX}end_to_end_latency_seconds`,
      help: 'Ingest (source read) to sink commit, per record',
      labelNames: ['pipeline', 'sink'],
      buckets: [0.005, 0.01, 0.02, 0.03, 0.05, 0.075, 0.1, 0.125, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 0.75, 1, 2.5, 5, 10],
      registers: reg,
    }),
  };
}

export type RuntimeMetrics = ReturnType<typeof createMetrics>;

/** Metrics of the `cashtag produce` processes. */
export function createProducerMetrics(registry: client.Registry) {
  const reg = [registry];
  return {
    registry,
    produced: new client.Counter({ name: `${PREFIX}produced_records_total`, help: 'Records acknowledged by Kafka', labelNames: ['topic'], registers: reg }),
    errors: new client.Counter({ name: `${PREFIX}produce_errors_total`, help: 'Failed produce requests (each retried)', labelNames: ['topic'], registers: reg }),
    batchDuration: new client.Histogram({ name: `${PREFIX}produce_batch_duration_seconds`, help: 'Send of one batch until acknowledged', labelNames: ['topic'], buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5], registers: reg }),
  };
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
