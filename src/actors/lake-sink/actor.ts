// Lake sink for derived tables (silver and gold). It must be fed by exactly one producing
// instance (a forward edge), whose `seq` numbers name the files: part-<tag>-p<partition>-o<first>-<last>.
// Guarantees as for bronze: files commit at every checkpoint barrier (and by size/age); after a
// restore the files at or past the restored seq are deleted and rewritten by the replay.

import { defineActor, type Behavior, type NoOutputs, type TypedContext } from '../../runtime/actor.js';
import { instanceLabels } from '../../runtime/metrics.js';
import { lakeOutageLog, openLake, reportOutage } from '../../io/lake/open.js';
import type { OutageLog } from '../../runtime/outage.js';
import { DERIVED_TABLES } from '../../io/parquet/derived-schemas.js';
import type { LakeTable } from '../../io/parquet/lake-table.js';
import { RollingFiles, type Committed } from '../../io/parquet/rolling-files.js';
import { lakeSinkActor, type LakeSinkMessage, type LakeSinkState } from './protocol.js';

const createLakeSink = defineActor(lakeSinkActor, (o, self) => {
  const table = DERIVED_TABLES[o.table] as LakeTable<LakeSinkMessage>;
  let outage: OutageLog | undefined;
  const files = new RollingFiles<LakeSinkMessage>(openLake(o.lake, reportOutage(() => outage)), table, self.partition, { maxRows: o.maxRowsPerFile, maxAgeMs: o.maxFileAgeMs }, o.tag);
  const labels = instanceLabels(o.pipeline, self.stage, self.partition);
  let ctx!: TypedContext<NoOutputs>;
  let state: LakeSinkState = { next: 0 };
  let recovered = false;

  const count = (committed: (Committed | null)[]) => {
    for (const c of committed) {
      if (!c) continue;
      ctx.metrics.sinkWrites.inc({ ...labels, sink: 'lake', table: table.table }, c.rows);
      ctx.metrics.sinkFiles.inc({ ...labels, sink: 'lake', table: table.table });
    }
  };
  const recover = async () => {
    if (recovered) return;
    recovered = true;
    const removed = await files.recover(state.next);
    if (removed > 0) ctx.log.info('removed lake files that the replay rewrites', { table: table.table, files: removed, from: state.next });
  };

  const actor: Behavior<LakeSinkMessage, NoOutputs, LakeSinkState> = {
    init(c) {
      ctx = c;
      outage = lakeOutageLog(o.lake, c.log, c.clock);
    },
    async handle(records) {
      await recover();
      const now = ctx.clock.now();
      for (const r of records) {
        // A row the encoder would refuse (e.g. a window whose summed volume left the safe
        // integers) would fail its whole row group at every replay: it is left out, counted and
        // logged instead. Derived rows are recomputed from bronze, which keeps their inputs.
        const why = files.refusal(r.seq, r);
        if (why !== null) {
          ctx.metrics.sinkRefused.inc({ ...labels, sink: 'lake', table: table.table });
          ctx.log.error('lake refused a derived row; it is left out', { table: table.table, seq: r.seq, refusal: why });
        } else if (!files.tryAppend(r.seq, r)) count([await files.append(r.seq, r, now)]);
        if (r.seq >= state.next) state.next = r.seq + 1;
      }
      count(await files.rollAged(now));
    },
    async onBarrier() {
      await recover();
      count(await files.rollAll());
    },
    async close() {
      // A restored sink that gets nothing more still drops what the last run wrote past its
      // checkpoint: the replay did not write it again.
      await recover();
      count(await files.rollAll());
    },
    snapshot: (): LakeSinkState => ({ ...state }),
    restore(s) {
      state = { ...s };
    },
  };
  return actor;
});

export default createLakeSink;
