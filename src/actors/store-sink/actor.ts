// Serving-store sink: upserts tweets (per symbol; topic NONE is archived in bronze only) and
// price ticks. Guarantee: a batch is committed (visible) before its credit returns upstream, and
// a barrier passes this sink only once the store says everything before it is on stable storage
// (`flushed`), so a checkpoint never records offsets whose rows a power loss could take. Upserts
// are idempotent by key.
//
// A row the store refuses for its content (not an outage: that is retried) cannot fail the
// pipeline: a tweet or tick becomes a dead letter (`rejected_by_store`) on output `dead`, which
// goes to bronze's dead_letters and the DLQ topics; a refused window or alert is counted
// (cashtag_sink_rows_refused_total) and logged as an error.
//
// "Committed" is the store's acknowledgement: Cassandra must acknowledge a write only once it is
// durable (cassandra-durability.ts says when it does not, and the sink warns at start).
// While the store is down the batch is retried and keeps its credit (retry-write.ts).

import { UNTAGGED_TOPIC } from '../../domain/cashtags.js';
import type { AlertRow, DeadLetter, PriceRow, TweetRow, WindowRow } from '../../domain/records.js';
import { OncePerRecord, sinkDeadLetter } from '../../domain/sink-dead-letters.js';
import { isRowRejection } from '../../io/store/row-rejection.js';
import { writeFindingRefused, type Refused } from './refused-rows.js';
import { defineActor, type Behavior, type TypedContext } from '../../runtime/actor.js';
import { instanceLabels } from '../../runtime/metrics.js';
import { openStore, type StoreSettings } from '../../io/store/open.js';
import { hasAnalyticsViews, type ServingStore } from '../../io/store/serving-store.js';
import { storeSinkActor, type StoreSinkMessage, type StoreSinkOutputs } from './protocol.js';
import { OutageLog, writeUntil } from './retry-write.js';

/**
 * Attempts per Cassandra write statement in this sink. The sink retries whole batches itself,
 * within SINK_RETRY_BUDGET and with outage logs (retry-write.ts); a statement retries only a blip.
 */
const STATEMENT_ATTEMPTS = 3;

const sinkStore = (s: StoreSettings, maxRowsPerSymbol: number): StoreSettings => (s.kind === 'cassandra' ? { ...s, writeAttempts: s.writeAttempts ?? STATEMENT_ATTEMPTS } : { ...s, maxRowsPerSymbol });

const createStoreSink = defineActor(storeSinkActor, (o, self) => {
  const labels = instanceLabels(o.pipeline, self.stage, self.partition);
  let ctx!: TypedContext<StoreSinkOutputs>;
  let store!: ServingStore;
  let outage!: OutageLog;
  const symbols = new Set<string>();
  let newest = 0;

  const once = new OncePerRecord();
  /** How a write rides out an outage: within the budget, logged, each failure counted (set in init). */
  let retrying!: Parameters<typeof writeUntil>[1];
  /**
   * The batch held a row the store refuses: write its rows one by one (each through outages),
   * dead-letter refused tweets and ticks, count refused windows and alerts. Returns how many of
   * each were refused.
   */
  const writeRowByRow = async (tweets: TweetRow[], prices: PriceRow[], windows: WindowRow[], alerts: AlertRow[]): Promise<[number, number, number, number]> => {
    const alone = <R>(upsert: (rows: R[]) => Promise<void>) => (row: R) => writeUntil(() => upsert([row]), retrying);
    const t = await writeFindingRefused(tweets, alone((rs: TweetRow[]) => store.upsertTweets(rs)));
    const p = await writeFindingRefused(prices, alone((rs: PriceRow[]) => store.upsertPrices(rs)));
    const views = hasAnalyticsViews(store) ? store : null;
    const w = views ? await writeFindingRefused(windows, alone((rs: WindowRow[]) => views.upsertWindows(rs))) : [];
    const a = views ? await writeFindingRefused(alerts, alone((rs: AlertRow[]) => views.upsertAlerts(rs))) : [];
    const now = ctx.clock.now();
    const dead: DeadLetter[] = [];
    for (const { row, why } of [...t, ...p] as Refused<TweetRow | PriceRow>[]) {
      const d = sinkDeadLetter(row, 'rejected_by_store', why, now);
      if (!once.first(d)) continue;
      dead.push(d);
      ctx.metrics.deadLetters.inc({ ...labels, topic: d.topic, reason: d.reason });
      ctx.log.warn('serving store refused a row that passed validation; it is a dead letter', { topic: d.topic, partition: d.partition, offset: d.offset, detail: d.detail });
    }
    for (const [table, rs] of [['sentiment_windows', w], ['alerts', a]] as const) {
      for (const { row, why } of rs as Refused<WindowRow | AlertRow>[]) {
        ctx.metrics.sinkRefused.inc({ ...labels, sink: 'store', table });
        ctx.log.error('serving store refused a derived row; it is dropped from the store (the lake keeps it)', { table, symbol: row.symbol, windowEnd: row.windowEnd, refusal: why });
      }
    }
    if (dead.length > 0) await ctx.emit(dead, { output: 'dead' });
    return [t.length, p.length, w.length, a.length];
  };

  const actor: Behavior<StoreSinkMessage, StoreSinkOutputs> = {
    async init(c) {
      ctx = c;
      ctx.metrics.sinkErrors.inc({ ...labels, sink: 'store' }, 0);
      outage = new OutageLog(c.log, c.clock, o.retryBudgetMs);
      retrying = { budgetMs: o.retryBudgetMs, clock: c.clock, outage, onError: () => c.metrics.sinkErrors.inc({ ...labels, sink: 'store' }) };
      store = await openStore(sinkStore(o.store, o.maxRowsPerSymbol));
      // Said by one instance per launch: whether the store may lose writes it has acknowledged.
      if (self.partition === 0) {
        const risk = await store.durabilityRisk?.();
        if (risk) c.log.warn(risk);
      }
    },

    async handle(records) {
      const tweets: TweetRow[] = [];
      const prices: PriceRow[] = [];
      const windows: WindowRow[] = [];
      const alerts: AlertRow[] = [];
      for (const r of records) {
        switch (r.kind) {
          case 'tweet-row':
            if (r.topic === UNTAGGED_TOPIC) continue;
            tweets.push(r);
            symbols.add(r.topic);
            if (r.createdAt > newest) newest = r.createdAt;
            break;
          case 'price':
            prices.push(r);
            symbols.add(r.symbol);
            if (r.tradeTs > newest) newest = r.tradeTs;
            break;
          case 'window':
            windows.push(r);
            break;
          case 'alert':
            alerts.push(r);
            break;
          default: {
            const never: never = r;
            throw new Error(`store-sink: unexpected record ${JSON.stringify(never)}`);
          }
        }
      }
      if ((windows.length > 0 || alerts.length > 0) && !hasAnalyticsViews(store)) throw new Error('store-sink: this serving store keeps no windows or alerts');
      const write = async () => {
        const writes = [store.upsertTweets(tweets), store.upsertPrices(prices)];
        if (hasAnalyticsViews(store)) writes.push(store.upsertWindows(windows), store.upsertAlerts(alerts));
        // Settle every write before the attempt ends, so a retry never overlaps the one before.
        const failed = (await Promise.allSettled(writes)).find((r) => r.status === 'rejected');
        if (failed) throw failed.reason;
      };
      const end = ctx.metrics.sinkLatency.startTimer({ ...labels, sink: 'store' });
      let refused = [0, 0, 0, 0];
      try {
        // The batch keeps its credit until the write succeeds: backpressure holds the sources.
        await writeUntil(write, retrying);
      } catch (e) {
        if (!isRowRejection(e)) throw e;
        refused = await writeRowByRow(tweets, prices, windows, alerts);
      }
      end();
      const now = ctx.clock.now();
      const e2e = { pipeline: o.pipeline, sink: 'store' };
      for (const r of tweets) ctx.metrics.endToEnd.observe(e2e, (now - r.ingestTs) / 1000);
      ctx.metrics.sinkWrites.inc({ ...labels, sink: 'store', table: 'tweets' }, tweets.length - refused[0]);
      ctx.metrics.sinkWrites.inc({ ...labels, sink: 'store', table: 'market_data' }, prices.length - refused[1]);
      if (windows.length) ctx.metrics.sinkWrites.inc({ ...labels, sink: 'store', table: 'sentiment_windows' }, windows.length - refused[2]);
      if (alerts.length) ctx.metrics.sinkWrites.inc({ ...labels, sink: 'store', table: 'alerts' }, alerts.length - refused[3]);
    },

    async onBarrier() {
      // The time bound; the row cap (STORE_MAX_ROWS) is kept by each write (lmdb-store.ts).
      if (newest > 0 && o.retentionMs > 0) {
        const end = ctx.metrics.sinkLatency.startTimer({ ...labels, sink: 'store-expire' });
        await store.expire(symbols, newest - o.retentionMs);
        end();
      }
      // Everything before the barrier on stable storage before the checkpoint records it.
      const end = ctx.metrics.sinkLatency.startTimer({ ...labels, sink: 'store-flush' });
      await store.flushed();
      end();
    },

    async close() {
      await store.close();
    },
  };
  return actor;
});

export default createStoreSink;
