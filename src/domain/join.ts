// Tweet x price join (the design's Silver sink): each tweet is joined with its symbol's latest
// tick at or before the tweet's event time, looking back at most `lookbackMs`. A tweet is
// released only when the watermark has passed its event time, so no tick that arrives later
// can change its answer. Ticks are kept only as far back as the look-back needs.

export interface Tick {
  id: string;
  ts: number;
  open: number;
  close: number;
  volume: number;
}

export interface PendingTweet {
  id: string;
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

export class TweetPriceJoin {
  private ticks = new Map<string, Tick[]>(); // sorted by (ts, id)
  private tweets = new Map<string, PendingTweet[]>(); // sorted by (ts, id): released from the front

  constructor(private readonly lookbackMs: number) {}

  addTick(symbol: string, t: Tick): void {
    insertSorted(this.ticks, symbol, t);
  }

  addTweet(symbol: string, t: PendingTweet): void {
    insertSorted(this.tweets, symbol, t);
  }

  /**
   * Release every tweet with event time <= watermark, joined; then drop ticks no tweet can use.
   * Work is proportional to what is released, not to what is held.
   */
  advance(watermark: number): Joined[] {
    const out: Joined[] = [];
    for (const [symbol, pending] of this.tweets) {
      let k = 0;
      while (k < pending.length && pending[k].ts <= watermark) k++;
      if (k === 0) continue;
      const ready = pending.splice(0, k);
      if (pending.length === 0) this.tweets.delete(symbol);
      const ticks = this.ticks.get(symbol) ?? [];
      for (const tw of ready) {
        const i = lastAtOrBefore(ticks, tw.ts);
        const tick = i >= 0 && tw.ts - ticks[i].ts <= this.lookbackMs ? ticks[i] : null;
        out.push({ symbol, tweet: tw, tick });
      }
    }
    // Every future tweet has event time >= watermark; a tick older than watermark - look-back
    // can never be joined again.
    const cutoff = watermark - this.lookbackMs;
    for (const [symbol, ticks] of this.ticks) {
      let drop = 0;
      while (drop < ticks.length && ticks[drop].ts < cutoff) drop++;
      if (drop === ticks.length) this.ticks.delete(symbol);
      else if (drop > 0) this.ticks.set(symbol, ticks.slice(drop));
    }
    return out.sort((a, b) => byTime(a.tweet, b.tweet));
  }

  get size(): { ticks: number; tweets: number } {
    let ticks = 0;
    let tweets = 0;
    for (const t of this.ticks.values()) ticks += t.length;
    for (const t of this.tweets.values()) tweets += t.length;
    return { ticks, tweets };
  }

  snapshot(): { ticks: [string, Tick[]][]; tweets: [string, PendingTweet[]][] } {
    return { ticks: [...this.ticks], tweets: [...this.tweets] };
  }

  restore(s: ReturnType<TweetPriceJoin['snapshot']>): void {
    this.ticks = new Map(s.ticks);
    this.tweets = new Map(s.tweets);
  }
}

/** Index of the last tick with ts <= t, or -1. */
function lastAtOrBefore(ticks: Tick[], t: number): number {
  let lo = 0;
  let hi = ticks.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (ticks[mid].ts <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

/** Insert keeping (ts, id) order: records mostly arrive in order, so this is usually a push. */
function insertSorted<T extends { ts: number; id: string }>(m: Map<string, T[]>, key: string, x: T): void {
  let xs = m.get(key);
  if (!xs) m.set(key, (xs = []));
  if (xs.length === 0 || byTime(xs[xs.length - 1], x) <= 0) xs.push(x);
  else xs.splice(upperBound(xs, x), 0, x);
}

function upperBound<T extends { ts: number; id: string }>(ticks: T[], t: T): number {
  let lo = 0;
  let hi = ticks.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (byTime(ticks[mid], t) <= 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
