// The live feed behind GET /api/stream: one poller for all subscribers reads what the serving
// store gained since its last look (every `intervalMs`, only while someone listens) and hands
// each subscriber the new windows and alerts of every symbol, plus the new tweets and price
// ticks of the symbol it follows. Polling keeps the store the single source of truth: the page
// shows what any query would return, whichever process wrote it.
//
// Guarantee: best effort and live. A row is pushed once, in the poll after it was committed,
// if its event time is not older than the newest already pushed for its symbol (a tweet
// arriving out of order behind a newer one is skipped; the REST endpoints have it).
import type { Logger } from '../../runtime/actor.js';
import { systemClock, type Clock } from '../../runtime/clock.js';
import type { AnalyticsViews, ServingStore, StoredAlert, StoredPrice, StoredTweet, StoredWindow } from '../../io/store/serving-store.js';
import { hasAnalyticsViews } from '../../io/store/serving-store.js';

export type LiveEvent =
  | { kind: 'windows'; items: StoredWindow[] }
  | { kind: 'alerts'; items: StoredAlert[] }
  | { kind: 'tweets'; symbol: string; items: StoredTweet[] }
  | { kind: 'prices'; symbol: string; items: StoredPrice[] };

export interface LiveSubscriber {
  /** The symbol whose tweets and ticks it wants; null for windows and alerts only. */
  symbol: string | null;
  send(event: LiveEvent): void;
}

/** Newest event time pushed so far and the ids pushed at exactly that time. */
interface Cursor {
  newest: number;
  idsAtNewest: Set<string>;
}

const PER_POLL = 200;

/** Rows newer than the cursor (newest first in `rows`), advancing it. */
function advance<R>(cursor: Cursor, rows: R[], time: (r: R) => number, id: (r: R) => string): R[] {
  const fresh = rows.filter((r) => time(r) > cursor.newest || (time(r) === cursor.newest && !cursor.idsAtNewest.has(id(r))));
  for (const r of fresh) {
    if (time(r) > cursor.newest) {
      cursor.newest = time(r);
      cursor.idsAtNewest = new Set();
    }
    if (time(r) === cursor.newest) cursor.idsAtNewest.add(id(r));
  }
  return fresh;
}

export class LiveFeed {
  private readonly subscribers = new Set<LiveSubscriber>();
  private cancelTimer: (() => void) | null = null;
  private polling = false;
  private readonly tweetCursors = new Map<string, Cursor>();
  private readonly priceCursors = new Map<string, Cursor>();
  private readonly windowEnds = new Map<string, number>();
  private alertCursor: Cursor | null = null;
  private lastError = 0;

  constructor(
    private readonly store: ServingStore,
    private readonly options: { intervalMs: number; log: Logger; clock?: Clock },
  ) {
    this.clock = options.clock ?? systemClock;
  }

  private readonly clock: Clock;

  /** Poll every `intervalMs` on the clock while someone listens (the next tick is set when one fires). */
  private tick(): void {
    this.cancelTimer = this.clock.setTimer(this.options.intervalMs, () => {
      this.tick();
      void this.poll();
    });
  }

  subscribe(sub: LiveSubscriber): () => void {
    this.subscribers.add(sub);
    if (this.cancelTimer === null) this.tick();
    return () => {
      this.subscribers.delete(sub);
      if (this.subscribers.size === 0) this.stop();
    };
  }

  get size(): number {
    return this.subscribers.size;
  }

  stop(): void {
    this.cancelTimer?.();
    this.cancelTimer = null;
    // Forget the cursors: the next first subscriber starts from "now".
    this.tweetCursors.clear();
    this.priceCursors.clear();
    this.windowEnds.clear();
    this.alertCursor = null;
  }

  /** One look at the store; overlapping ticks are skipped (a slow store slows the feed, not the server). */
  async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      const events: LiveEvent[] = [];
      const followed = new Set([...this.subscribers].map((s) => s.symbol).filter((s): s is string => s !== null));
      for (const symbol of followed) {
        const tweets = await this.fresh(this.tweetCursors, symbol, (since) => this.store.latestTweets(symbol, { sinceMs: since, limit: PER_POLL }), (t) => t.created_at, (t) => t.id);
        if (tweets.length) events.push({ kind: 'tweets', symbol, items: tweets });
        const prices = await this.fresh(this.priceCursors, symbol, (since) => this.store.latestPrices(symbol, { sinceMs: since, limit: PER_POLL }), (p) => p.trade_timestamp, (p) => p.id);
        if (prices.length) events.push({ kind: 'prices', symbol, items: prices });
      }
      for (const symbol of [...this.tweetCursors.keys()]) {
        if (followed.has(symbol)) continue;
        this.tweetCursors.delete(symbol);
        this.priceCursors.delete(symbol);
      }
      if (hasAnalyticsViews(this.store)) events.push(...(await this.analytics(this.store)));
      for (const sub of this.subscribers) {
        for (const e of events) if ((e.kind !== 'tweets' && e.kind !== 'prices') || e.symbol === sub.symbol) sub.send(e);
      }
    } catch (e) {
      // The store is unreachable for a moment: the feed skips this tick (logged at most every 30 s).
      if (this.clock.now() - this.lastError > 30_000) this.options.log.warn('live feed: store poll failed', { error: e instanceof Error ? e.message : String(e) });
      this.lastError = this.clock.now();
    } finally {
      this.polling = false;
    }
  }

  /** New rows since the cursor; a new cursor starts at the newest row (nothing old is pushed). */
  private async fresh<R>(cursors: Map<string, Cursor>, symbol: string, read: (sinceMs: number | undefined) => Promise<R[]>, time: (r: R) => number, id: (r: R) => string): Promise<R[]> {
    const cursor = cursors.get(symbol);
    if (cursor === undefined) {
      const latest = await read(undefined);
      const c: Cursor = { newest: Number.NEGATIVE_INFINITY, idsAtNewest: new Set() };
      advance(c, latest.slice(0, 1), time, id);
      cursors.set(symbol, c);
      return [];
    }
    return advance(cursor, await read(Number.isFinite(cursor.newest) ? cursor.newest : undefined), time, id);
  }

  private async analytics(store: ServingStore & AnalyticsViews): Promise<LiveEvent[]> {
    const windows: StoredWindow[] = [];
    for (const symbol of await store.symbols()) {
      const latest = await store.latestWindow(symbol);
      if (latest === null) continue;
      const last = this.windowEnds.get(symbol);
      this.windowEnds.set(symbol, Math.max(last ?? latest.window_end, latest.window_end));
      if (last === undefined || latest.window_end <= last) continue;
      windows.push(...(await store.windows(symbol, { fromMs: last + 1, toMs: latest.window_end + 1, limit: PER_POLL })));
    }
    const events: LiveEvent[] = windows.length ? [{ kind: 'windows', items: windows }] : [];
    if (this.alertCursor === null) {
      this.alertCursor = { newest: Number.NEGATIVE_INFINITY, idsAtNewest: new Set() };
      advance(this.alertCursor, await store.alerts({ sinceMs: -Number.MAX_VALUE, limit: 1 }), (a) => a.window_end, (a) => a.symbol);
    } else {
      const since = Number.isFinite(this.alertCursor.newest) ? this.alertCursor.newest : -Number.MAX_VALUE;
      const alerts = advance(this.alertCursor, await store.alerts({ sinceMs: since, limit: PER_POLL }), (a) => a.window_end, (a) => a.symbol);
      if (alerts.length) events.push({ kind: 'alerts', items: alerts });
    }
    return events;
  }
}
