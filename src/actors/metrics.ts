// Metrics of what the analytics actors compute: windows, alerts, the tweet-price join, tweets
// without a cashtag. They are a family (runtime/metrics.ts): registered here, so the runtime
// names none of them, and typed on `ctx.metrics` by the declaration below.
import client from 'prom-client';
import { INSTANCE_LABELS as L, METRIC_PREFIX as PREFIX, metricFamily } from '../runtime/metrics.js';

export const createActorMetrics = metricFamily(import.meta.url, (registry: client.Registry) => {
  const reg = [registry];
  return {
    windowsEmitted: new client.Counter({ name: `${PREFIX}windows_emitted_total`, help: 'Sliding windows emitted once the watermark passed their end', labelNames: L, registers: reg }),
    joinedTweets: new client.Counter({ name: `${PREFIX}joined_tweets_total`, help: 'Tweets released by the tweet-price join, by whether a tick was found', labelNames: [...L, 'matched'], registers: reg }),
    alerts: new client.Counter({ name: `${PREFIX}alerts_total`, help: 'Alerts raised (negative sentiment and a price drop in one window)', labelNames: [...L, 'topic'], registers: reg }),
    untagged: new client.Counter({ name: `${PREFIX}tweets_without_cashtag_total`, help: 'Tweets that name no symbol (archived under topic NONE)', labelNames: L, registers: reg }),
  };
});

declare module '../runtime/metrics.js' {
  // Declaration merging: the family's members join RuntimeMetrics (the body is the `extends`).
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface MetricFamilies extends ReturnType<typeof createActorMetrics> {}
}
