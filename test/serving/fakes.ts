// An empty serving store (it knows AAPL, holds no rows) and an empty lake, for tests of the
// HTTP layer that need no data: guards, limits, the stream's caps.
import { systemClock } from '../../src/runtime/clock.js';
import type { Lake } from '../../src/io/lake/lake.js';
import type { AnalyticsViews, ServingStore } from '../../src/io/store/serving-store.js';
import { buildApp, startServer, type ServingServer } from '../../src/pipelines/serving/server.js';
import type { HttpSettings } from '../../src/pipelines/serving/guards.js';
import { goldHistory } from '../../src/pipelines/serving/history.js';
import { LiveFeed } from '../../src/pipelines/serving/live.js';
import { quietLogger } from '../helpers/runtime.js';

const none = () => Promise.resolve([]);

export function emptyStore(): ServingStore & AnalyticsViews {
  return { latestTweets: none, latestPrices: none, windows: none, alerts: none, latestWindow: () => Promise.resolve(null), symbols: () => Promise.resolve(['AAPL']), upsertTweets: none, upsertPrices: none, upsertWindows: none, upsertAlerts: none, expire: () => Promise.resolve(0), flushed: () => Promise.resolve(), close: () => Promise.resolve() } as unknown as ServingStore & AnalyticsViews;
}

export const emptyLake = (): Lake => ({ list: none, read: () => Promise.resolve(null) }) as unknown as Lake;

/** The app (no socket: use inject) with these HTTP settings. */
export async function fakeApp(http: Partial<HttpSettings> = {}) {
  const store = emptyStore();
  const lake = emptyLake();
  const log = quietLogger();
  return buildApp({ store, lake, history: goldHistory(lake), live: new LiveFeed(store, { intervalMs: 1_000, log }), log, dashboardMinutes: 30, clock: systemClock, http });
}

/** A listening server (127.0.0.1, a free port) with these HTTP settings. */
export function fakeServer(http: Partial<HttpSettings> = {}): Promise<ServingServer> {
  return startServer({ store: emptyStore(), lake: emptyLake(), port: 0, log: quietLogger(), http });
}
