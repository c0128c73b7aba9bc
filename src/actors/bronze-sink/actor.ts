// Bronze sink: archives every record of one source partition to the lake as snappy Parquet —
// tweets under twitter-bronze/tweets_v2/topic=SYM/, ticks under stock_prices/symbol=SYM/, dead
// letters under dead_letters/topic=<input topic>/ with their raw bytes and reason (files tagged
// by where the dead letter came from: none for parse, `store`, `lake`).
//
// Guarantees: rows are durable (committed files) when a checkpoint barrier passes this sink;
// files are named by source partition and offset range, and on start the files a replay will
// rewrite are removed first, so a replay rewrites and never duplicates.
//
// No row can fail this sink: each is checked against its table before it is buffered
// (RollingFiles.refusal). A refused tweet or tick becomes a dead letter (`rejected_by_lake`,
// with the encoder's reason), archived here and emitted on `dead` for the DLQ topics; a dead
// letter that cannot be stored either (no usable position) is counted
// (cashtag_sink_rows_refused_total) and logged as an error.

import { defineActor, type Behavior, type TypedContext } from '../../runtime/actor.js';
import { instanceLabels } from '../../runtime/metrics.js';
import { lakeOutageLog, openLake, reportOutage } from '../../io/lake/open.js';
import type { OutageLog } from '../../runtime/outage.js';
import { deadLettersTable, pricesTable, tweetsTable } from '../../io/parquet/bronze-schemas.js';
import { RollingFiles, type Committed } from '../../io/parquet/rolling-files.js';
import type { DeadLetter, PriceRow, TweetRow } from '../../domain/records.js';
import { OncePerRecord, sinkDeadLetter } from '../../domain/sink-dead-letters.js';
import { bronzeSinkActor, DEAD_LETTER_WRITERS, deadLetterWriter, type BronzeSinkMessage, type BronzeSinkOutputs, type BronzeSinkState } from './protocol.js';

const createBronzeSink = defineActor(bronzeSinkActor, (o, self) => {
  let outage: OutageLog | undefined;
  const lake = openLake(o.lake, reportOutage(() => outage));
  const policy = { maxRows: o.maxRowsPerFile, maxAgeMs: o.maxFileAgeMs };
  const p = self.partition;
  const tweets = new RollingFiles<TweetRow>(lake, tweetsTable, p, policy);
  const prices = new RollingFiles<PriceRow>(lake, pricesTable, p, policy);
  // Dead letters: one writer per input topic (each names its files by that topic's offsets) and
  // per place they come from (each sends them in offset order; protocol.ts).
  const deadWriters = () => new Map(DEAD_LETTER_WRITERS.map((tag) => [tag, new RollingFiles<DeadLetter>(lake, deadLettersTable, p, policy, tag)]));
  const dead = { tweets: deadWriters(), 'stock-prices': deadWriters() };
  const allDead = [...dead.tweets.values(), ...dead['stock-prices'].values()];
  const rollDead = async (roll: (w: RollingFiles<DeadLetter>) => Promise<Committed[]>) => {
    for (const w of allDead) count('dead_letters', await roll(w));
  };
  const labels = instanceLabels(o.pipeline, self.stage, p);
  let ctx!: TypedContext<BronzeSinkOutputs>;
  let state: BronzeSinkState = { tweets: 0, prices: 0 };
  let restored = false;

  const count = (table: string, committed: Committed[]) => {
    for (const c of committed) {
      ctx.metrics.sinkWrites.inc({ ...labels, sink: 'bronze', table }, c.rows);
      ctx.metrics.sinkFiles.inc({ ...labels, sink: 'bronze', table });
    }
  };

  const putDeadLetter = async (d: DeadLetter, now: number) => {
    const files = (d.topic === 'tweets' ? dead.tweets : dead['stock-prices']).get(deadLetterWriter(d.reason))!;
    const why = files.refusal(d.offset, d);
    if (why === null) {
      if (!files.tryAppend(d.offset, d)) count('dead_letters', [await files.append(d.offset, d, now)].filter((x) => x !== null));
      return;
    }
    ctx.metrics.sinkRefused.inc({ ...labels, sink: 'bronze', table: 'dead_letters' });
    ctx.log.error('bronze lake cannot store a dead letter; it is dropped', { topic: d.topic, partition: d.partition, offset: d.offset, reason: d.reason, refusal: why });
  };

  const once = new OncePerRecord();
  /** A tweet or tick the lake refused: a dead letter (once per record), kept here and sent on. */
  const refuse = async (d: DeadLetter, out: DeadLetter[], now: number) => {
    if (!once.first(d)) return;
    ctx.metrics.deadLetters.inc({ ...labels, topic: d.topic, reason: d.reason });
    ctx.log.warn('bronze lake refused a row that passed validation; it is a dead letter', { topic: d.topic, partition: d.partition, offset: d.offset, detail: d.detail });
    out.push(d);
    await putDeadLetter(d, now);
  };

  const rollAll = async () => {
    const end = ctx.metrics.sinkLatency.startTimer({ ...labels, sink: 'bronze' });
    count('tweets_v2', await tweets.rollAll());
    count('stock_prices', await prices.rollAll());
    await rollDead((w) => w.rollAll());
    end();
  };

  /** Once the restore (if any) has set the resume offsets: drop the files the replay rewrites. */
  const recover = async () => {
    if (restored) return;
    restored = true;
    let removed = (await tweets.recover(state.tweets)) + (await prices.recover(state.prices));
    for (const w of dead.tweets.values()) removed += await w.recover(state.tweets, 'tweets');
    for (const w of dead['stock-prices'].values()) removed += await w.recover(state.prices, 'stock-prices');
    if (removed > 0) ctx.log.info('removed lake files that the replay rewrites', { files: removed, resume: state });
  };

  const actor: Behavior<BronzeSinkMessage, BronzeSinkOutputs, BronzeSinkState> = {
    async init(c) {
      ctx = c;
      outage = lakeOutageLog(o.lake, c.log, c.clock);
    },

    async handle(records) {
      await recover();
      const now = ctx.clock.now();
      const refusedRows: DeadLetter[] = [];
      for (const r of records) {
        switch (r.kind) {
          case 'tweet-row': {
            const why = tweets.refusal(r.offset, r);
            if (why !== null) await refuse(sinkDeadLetter(r, 'rejected_by_lake', why, now), refusedRows, now);
            else if (!tweets.tryAppend(r.offset, r)) count('tweets_v2', [await tweets.append(r.offset, r, now)].filter((x) => x !== null));
            if (r.offset >= state.tweets) state.tweets = r.offset + 1;
            break;
          }
          case 'price': {
            const why = prices.refusal(r.offset, r);
            if (why !== null) await refuse(sinkDeadLetter(r, 'rejected_by_lake', why, now), refusedRows, now);
            else if (!prices.tryAppend(r.offset, r)) count('stock_prices', [await prices.append(r.offset, r, now)].filter((x) => x !== null));
            if (r.offset >= state.prices) state.prices = r.offset + 1;
            break;
          }
          case 'dead-letter': {
            await putDeadLetter(r, now);
            if (r.topic === 'tweets' && r.offset >= state.tweets) state.tweets = r.offset + 1;
            if (r.topic === 'stock-prices' && r.offset >= state.prices) state.prices = r.offset + 1;
            break;
          }
          default: {
            const never: never = r;
            throw new Error(`bronze-sink: unexpected record ${JSON.stringify(never)}`);
          }
        }
      }
      if (refusedRows.length > 0) await ctx.emit(refusedRows, { output: 'dead' });
      count('tweets_v2', await tweets.rollAged(now));
      count('stock_prices', await prices.rollAged(now));
      await rollDead((w) => w.rollAged(now));
    },

    async onBarrier() {
      await recover();
      await rollAll();
    },
    async close() {
      await recover();
      await rollAll();
    },
    snapshot: (): BronzeSinkState => ({ ...state }),
    restore(s) {
      state = { ...s };
    },
  };
  return actor;
});

export default createBronzeSink;
