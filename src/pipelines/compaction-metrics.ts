// Metrics of lake compaction (compaction.ts): a family (runtime/metrics.ts), registered here and
// typed on RuntimeMetrics by the declaration below, so the Compactor takes the process's metrics.
import client from 'prom-client';
import { METRIC_PREFIX as PREFIX, metricFamily } from '../runtime/metrics.js';

export const createCompactionMetrics = metricFamily(import.meta.url, (registry: client.Registry) => {
  const reg = [registry];
  const T = ['pipeline', 'table'] as const;
  return {
    compactionFilesMerged: new client.Counter({ name: `${PREFIX}compaction_files_merged_total`, help: 'Small lake files merged into larger ones (then deleted)', labelNames: T, registers: reg }),
    compactionFilesWritten: new client.Counter({ name: `${PREFIX}compaction_files_written_total`, help: 'Merged lake files committed by compaction', labelNames: T, registers: reg }),
    compactionBytesRead: new client.Counter({ name: `${PREFIX}compaction_read_bytes_total`, help: 'Bytes of lake files read by compaction', labelNames: T, registers: reg }),
    compactionBytesWritten: new client.Counter({ name: `${PREFIX}compaction_written_bytes_total`, help: 'Bytes of merged lake files written by compaction', labelNames: T, registers: reg }),
    compactionRows: new client.Counter({ name: `${PREFIX}compaction_rows_total`, help: 'Rows copied into merged lake files', labelNames: T, registers: reg }),
    compactionRepaired: new client.Counter({ name: `${PREFIX}compaction_files_repaired_total`, help: 'Superseded files an interrupted compaction left, deleted', labelNames: T, registers: reg }),
    compactionPasses: new client.Counter({ name: `${PREFIX}compaction_passes_total`, help: 'Compaction passes over the lake, by outcome (ok, failed, busy: another compaction held the lake\'s lease)', labelNames: ['pipeline', 'outcome'], registers: reg }),
    compactionDuration: new client.Histogram({ name: `${PREFIX}compaction_pass_duration_seconds`, help: 'Duration of one compaction pass over the lake', labelNames: ['pipeline'], buckets: [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300], registers: reg }),
  };
});

declare module '../runtime/metrics.js' {
  // Declaration merging: the family's members join RuntimeMetrics (the body is the `extends`).
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface MetricFamilies extends ReturnType<typeof createCompactionMetrics> {}
}
