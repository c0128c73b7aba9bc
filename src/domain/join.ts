// Tweet x price join (the design's Silver sink): each tweet is joined with its symbol's latest
// tick at or before the tweet's event time, looking back at most `lookbackMs`. A tweet is
// released only when the watermark has passed its event time, so no tick that arrives later
// can change its answer. Ticks are kept only as far back as a future tweet can use: the last one
// at or before the watermark (if within the look-back) and every later one.

export interface Tick {
  id: string;
  ts: number;
  open: number;
  close: number;
  volume: number;
}

export interface PendingTweet {
  symbol: string;
  id: string;
  /** Source offset of the tweet (its input partition's). */
  offset: number;
  ts: number;
  score: number;
  text: string;
}

export interface Joined {
  symbol: string;
  tweet: PendingTweet;
  tick: Tick | null;
}

const byTime = <T extends { ts: number; id: string }>(a: T, b: T) => a.ts - b.ts || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/** Pending tweets are bucketed by event time (this many ms per bucket) and sorted only when released. */
const BUCKET_MS = 1000;

export class TweetPriceJoin {
  /** Per symbol, sorted by (ts, id): the last tick at or before the watermark and every later one. */
  private ticks = new Map<string, Tick[]>();
  /** Tweets waiting for the watermark, by event-time bucket, in arrival order within a bucket. */
  private pending = new Map<number, PendingTweet[]>();
  /** The pending buckets' keys, ascending. */
  private buckets: number[] = [];
  private pendingCount = 0;

  constructor(private readonly lookbackMs: number) {}

  addTick(symbol: string, t: Tick): void {
    const xs = this.ticks.get(symbol) ?? [];
    if (xs.length === 0) this.ticks.set(symbol, xs);
    // Ticks mostly arrive in order, so this is usually a push.
    if (xs.length === 0 || byTime(xs[xs.length - 1], t) <= 0) xs.push(t);
    else xs.splice(partitionPoint(xs.length, (i) => byTime(xs[i], t) <= 0), 0, t);
  }

  addTweet(t: PendingTweet): void {
    const key = Math.floor(t.ts / BUCKET_MS);
    let bucket = this.pending.get(key);
    if (!bucket) {
      this.pending.set(key, (bucket = []));
      const buckets = this.buckets;
      buckets.splice(partitionPoint(buckets.length, (i) => buckets[i] < key), 0, key);
    }
    bucket.push(t);
    this.pendingCount++;
  }

  /**
   * Release every tweet with event time before the watermark (a record at the watermark is not
   * late yet, so a tick at exactly that time may still come), joined, in (event time, id)
   * order; then drop the ticks no future tweet can use. Work is proportional to what is
   * released, not to what is held.
   */
  advance(watermark: number): Joined[] {
    const ready: PendingTweet[] = [];
    let drained = 0;
    for (const key of this.buckets) {
      if (key * BUCKET_MS >= watermark) break;
      const bucket = this.pending.get(key)!;
      // Buckets are released in ascending order, so sorting each one orders the whole release.
      if ((key + 1) * BUCKET_MS <= watermark) {
        bucket.sort(byTime);
        for (const p of bucket) ready.push(p);
        this.pending.delete(key);
        drained++;
        continue;
      }
      // The watermark falls inside this bucket: release its part before the watermark.
      const keep: PendingTweet[] = [];
      const part: PendingTweet[] = [];
      for (const p of bucket) (p.ts < watermark ? part : keep).push(p);
      part.sort(byTime);
      for (const p of part) ready.push(p);
      this.pending.set(key, keep);
      break;
    }
    if (drained > 0) this.buckets.splice(0, drained);
    this.pendingCount -= ready.length;
    const out: Joined[] = new Array(ready.length);
    for (let i = 0; i < ready.length; i++) {
      const tweet = ready[i];
      const symbol = tweet.symbol;
      const ticks = this.ticks.get(symbol);
      const k = ticks ? lastAtOrBefore(ticks, tweet.ts) : -1;
      const tick = k >= 0 && tweet.ts - ticks![k].ts <= this.lookbackMs ? ticks![k] : null;
      out[i] = { symbol, tweet, tick };
    }
    // Every future tweet has event time >= watermark: its tick is the last one at or before the
    // watermark or a later one, and none older than the look-back.
    const cutoff = watermark - this.lookbackMs;
    for (const [symbol, ticks] of this.ticks) {
      let keep = lastAtOrBefore(ticks, watermark);
      if (keep >= 0 && ticks[keep].ts < cutoff) keep++;
      if (keep >= ticks.length) this.ticks.delete(symbol);
      else if (keep > 0) this.ticks.set(symbol, ticks.slice(keep));
    }
    return out;
  }

  get size(): { ticks: number; tweets: number } {
    let ticks = 0;
    for (const t of this.ticks.values()) ticks += t.length;
    return { ticks, tweets: this.pendingCount };
  }

  /** The ticks held, by symbol (what a snapshot needs when pending tweets are kept elsewhere). */
  tickState(): [string, Tick[]][] {
    return [...this.ticks];
  }

  restoreTicks(ticks: [string, Tick[]][]): void {
    this.ticks = new Map(ticks);
  }

  /** The lowest source offset among pending tweets, or null when none is pending. */
  pendingFrom(): number | null {
    let min = Number.POSITIVE_INFINITY;
    for (const bucket of this.pending.values()) for (const t of bucket) if (t.offset < min) min = t.offset;
    return Number.isFinite(min) ? min : null;
  }

  /** Pending tweets grouped by symbol (each in (ts, id) order), ticks by symbol. */
  snapshot(): { ticks: [string, Tick[]][]; tweets: [string, PendingTweet[]][] } {
    const tweets = new Map<string, PendingTweet[]>();
    for (const key of this.buckets) {
      for (const tweet of this.pending.get(key)!) {
        let xs = tweets.get(tweet.symbol);
        if (!xs) tweets.set(tweet.symbol, (xs = []));
        xs.push(tweet);
      }
    }
    for (const xs of tweets.values()) xs.sort(byTime);
    return { ticks: [...this.ticks], tweets: [...tweets] };
  }

  restore(s: ReturnType<TweetPriceJoin['snapshot']>): void {
    this.ticks = new Map(s.ticks);
    this.pending = new Map();
    this.buckets = [];
    this.pendingCount = 0;
    for (const [, xs] of s.tweets) for (const t of xs) this.addTweet(t);
  }
}

/** The first index in [0, n) where `before` is false (it is true, then false, along the range). */
function partitionPoint(n: number, before: (i: number) => boolean): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (before(mid)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Index of the last tick with ts <= t, or -1. */
const lastAtOrBefore = (ticks: Tick[], t: number): number => partitionPoint(ticks.length, (i) => ticks[i].ts <= t) - 1;
