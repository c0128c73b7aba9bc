// Source actor over one or two files (tweets, prices): partition 0 of both input topics. It
// reads them with the shared reader (io/files/record-file.ts) and emits in batches, waiting for
// credit (backpressure) before each, at RATE records per second or as fast as the pipeline takes
// them. With both files it merges them by event time, head against head (a row without a
// readable time goes first), so a tick and the tweets after it arrive in order; the merge is a
// function of the files alone, so every run and every replay emits the same sequence.
// Its snapshot is the next record index of each file: a restored source reads each file again
// from the top, skipping that many records, and continues exactly where the checkpoint left
// off. A topic without a file is declared idle before the first record (after every restore
// too), so it does not hold the watermark back (parse). A file read to the end is not: where an
// idle marker would fall between batches depends on timing, and with it the final watermark and
// so which windows a run writes; without one the final watermark is the older of the two files'
// (newest time minus the allowed lateness), whatever the batches. When both files are read it
// says 'done': the stream is finished, the stages below close as at the end of any bounded run,
// and a final checkpoint is taken.

import { PRICES_TOPIC, TWEETS_TOPIC, type InputTopic, type SourceRecord } from '../../domain/records.js';
import { parseEventTime } from '../../domain/time.js';
import { readFileRecords, type FileRecord, type ResolvedFile } from '../../io/files/record-file.js';
import { defineActor, type Behavior, type SourceStatus, type TypedContext } from '../../runtime/actor.js';
import { instanceLabels } from '../../runtime/metrics.js';
import { fileSourceActor, type FileSourceOutputs, type FileSourceState } from './protocol.js';

/** One file being read: the record ahead (null: the file is read to the end) and its event time. */
interface Reader {
  topic: InputTopic;
  records: AsyncGenerator<FileRecord>;
  head: FileRecord | null;
  headTime: number;
}

const TIME_FIELD: Record<InputTopic, string> = { [TWEETS_TOPIC]: 'created_at', [PRICES_TOPIC]: 'trade_timestamp' };

/** The record's event time for the merge; -Infinity when it has none readable (it goes first). */
function eventTimeOf(topic: InputTopic, r: FileRecord): number {
  if (r.problem !== null) return Number.NEGATIVE_INFINITY;
  try {
    const t = (JSON.parse(r.value) as Record<string, unknown>)[TIME_FIELD[topic]];
    return (typeof t === 'string' ? parseEventTime(t) : null) ?? Number.NEGATIVE_INFINITY;
  } catch {
    return Number.NEGATIVE_INFINITY;
  }
}

const createFileSource = defineActor(fileSourceActor, (o, self) => {
  const p = self.partition;
  let ctx!: TypedContext<FileSourceOutputs>;
  let labels!: ReturnType<typeof instanceLabels>;
  let next: FileSourceState = { tweets: 0, prices: 0 };
  let readers: Reader[] | null = null;
  let startedAt = 0;
  let lastEmitAt = 0;
  let emitted = 0;
  const merging = o.tweets !== null && o.prices !== null;

  const advance = async (r: Reader): Promise<void> => {
    const n = await r.records.next();
    r.head = n.done ? null : n.value;
    r.headTime = r.head !== null && merging ? eventTimeOf(r.topic, r.head) : 0;
  };

  const openReader = async (topic: InputTopic, file: ResolvedFile, skip: number): Promise<Reader> => {
    const r: Reader = { topic, records: readFileRecords(file), head: null, headTime: 0 };
    for (let i = 0; i < skip; i++) if ((await r.records.next()).done) break;
    await advance(r);
    return r;
  };

  /** The reader whose head goes next: the earlier event time; tweets on a tie. */
  const pick = (rs: Reader[]): Reader | null => {
    let best: Reader | null = null;
    for (const r of rs) if (r.head !== null && (best === null || r.headTime < best.headTime)) best = r;
    return best;
  };

  const actor: Behavior<never, FileSourceOutputs, FileSourceState> = {
    init(c) {
      ctx = c;
      labels = instanceLabels(o.pipeline, self.stage, p);
      startedAt = lastEmitAt = c.clock.now();
    },

    restore(s) {
      next = { ...s };
    },

    async produce(): Promise<SourceStatus> {
      const out: SourceRecord[] = [];
      if (readers === null) {
        readers = [];
        // Idle flags are not in parse's snapshot: say again, after every (re)start, what has no file.
        if (o.tweets) readers.push(await openReader(TWEETS_TOPIC, o.tweets, next.tweets));
        else out.push({ kind: 'idle', topic: TWEETS_TOPIC, partition: p });
        if (o.prices) readers.push(await openReader(PRICES_TOPIC, o.prices, next.prices));
        else out.push({ kind: 'idle', topic: PRICES_TOPIC, partition: p });
      }
      const now = ctx.clock.now();
      const due = o.rate > 0 ? Math.floor(((now - startedAt) / 1000) * o.rate) - emitted : o.batchSize;
      const n = Math.min(o.batchSize, due);
      const left = readers.some((r) => r.head !== null);
      if (left && out.length === 0 && (n <= 0 || (n < o.batchSize && now - lastEmitAt < o.lingerMs))) return 'idle';
      lastEmitAt = now;
      let tweets = 0;
      let prices = 0;
      for (let i = 0; i < n; i++) {
        const r = pick(readers);
        if (r === null) break;
        const rec = r.head!;
        const offset = r.topic === TWEETS_TOPIC ? next.tweets++ : next.prices++;
        out.push({ topic: r.topic, partition: p, offset, key: rec.key, value: rec.value, ingestTs: now, ...(rec.problem !== null ? { unmapped: rec.problem } : {}) });
        if (r.topic === TWEETS_TOPIC) tweets++;
        else prices++;
        await advance(r);
      }
      emitted += tweets + prices;
      if (tweets > 0) ctx.metrics.sourceRecords.inc({ ...labels, topic: TWEETS_TOPIC }, tweets);
      if (prices > 0) ctx.metrics.sourceRecords.inc({ ...labels, topic: PRICES_TOPIC }, prices);
      if (out.length === 0) return readers.some((r) => r.head !== null) ? 'more' : 'done';
      await ctx.emit(out);
      return 'more';
    },

    snapshot: (): FileSourceState => ({ ...next }),

    async close() {
      for (const r of readers ?? []) await r.records.return(undefined);
    },
  };
  return actor;
});

export default createFileSource;
