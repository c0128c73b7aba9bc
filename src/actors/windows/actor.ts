// Window actor: 5-minute sliding windows per symbol on event time (domain/windows.ts), emitted
// once when the watermark passes their end, with the alert rule checked on each. Late records
// were decided by parse (their partition's watermark) and are left out here. A record that parse
// let through can still be older than this stage's watermark only when its partition was idle and
// resumed behind the others (docs/architecture.md, "Event time"): it is left out too, counted,
// and sent to the late-data output with the watermark it missed. WindowsState (panes, counters) is
// snapshot with each checkpoint.

import { UNTAGGED_TOPIC } from '../../domain/cashtags.js';
import { checkAlert } from '../../domain/alerts.js';
import type { AlertRow, LateRow, WindowRow } from '../../domain/records.js';
import { SlidingWindows } from '../../domain/windows.js';
import { defineActor, type Behavior, type TypedContext } from '../../runtime/actor.js';
import { instanceLabels } from '../../runtime/metrics.js';
import { windowsActor, type WindowsMessage, type WindowsOutputs, type WindowsState } from './protocol.js';

const createWindows = defineActor(windowsActor, (o, self) => {
  const labels = instanceLabels(o.pipeline, self.stage, self.partition);
  let windows = new SlidingWindows(o.window);
  let seq = { out: 0, alerts: 0, late: 0 };
  let watermark = Number.NEGATIVE_INFINITY;
  let ctx!: TypedContext<WindowsOutputs>;

  const actor: Behavior<WindowsMessage, WindowsOutputs, WindowsState> = {
    init(c) {
      ctx = c;
    },

    async handle(records) {
      const late: LateRow[] = [];
      for (const r of records) {
        const isTweet = r.kind !== 'price';
        const [symbol, t] = isTweet ? [r.topic, r.createdAt] : [r.symbol, r.tradeTs];
        if (symbol === UNTAGGED_TOPIC || r.late) continue;
        if (t < watermark) {
          late.push({ kind: 'late', seq: seq.late++, stage: self.stage, recordKind: isTweet ? 'tweet' : 'price', id: r.id, symbol, eventTime: t, watermark, ingestTs: r.ingestTs });
          continue;
        }
        if (isTweet) windows.addTweet(symbol, t, r.sentimentScore);
        else windows.addTick(symbol, t, r.id, r.openPrice, r.closePrice, r.volume);
      }
      if (late.length) {
        for (const l of late) ctx.metrics.lateRecords.inc({ ...labels, kind: l.recordKind });
        await ctx.emit(late, { output: 'late' });
      }
      ctx.metrics.stateSize.set({ ...labels, store: 'window-panes' }, windows.size);
    },

    async onWatermark(wm) {
      // After a restore the stage's inputs start again from nothing: never move back.
      if (wm <= watermark) return;
      watermark = wm;
      const rows: WindowRow[] = windows.advance(wm).map((w) => ({ kind: 'window', seq: seq.out++, ...w }));
      if (rows.length === 0) return;
      const alerts: AlertRow[] = [];
      for (const w of rows) {
        const a = checkAlert(w, o.alerts);
        if (a) {
          alerts.push({ kind: 'alert', seq: seq.alerts++, ...a });
          ctx.metrics.alerts.inc({ ...labels, topic: a.symbol });
        }
      }
      ctx.metrics.windowsEmitted.inc(labels, rows.length);
      ctx.metrics.stateSize.set({ ...labels, store: 'window-panes' }, windows.size);
      await Promise.all([ctx.emit(rows, { keys: rows.map((r) => r.symbol) }), ctx.emit(alerts, { output: 'alerts', keys: alerts.map((a) => a.symbol) })]);
    },

    snapshot: (): WindowsState => ({ windows: windows.snapshot(), seq: { ...seq }, watermark: Number.isFinite(watermark) ? watermark : null }),
    restore(st) {
      windows = new SlidingWindows(o.window);
      windows.restore(st.windows);
      seq = { ...st.seq };
      watermark = st.watermark ?? Number.NEGATIVE_INFINITY;
    },
  };
  return actor;
});

export default createWindows;
