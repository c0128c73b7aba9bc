// Tweet x price join (the design's Silver sink): each tweet is joined with its symbol's latest
// tick at or before the tweet's event time, looking back at most `lookbackMs`. A tweet is
// released only when the watermark has passed its event time, so no tick that arrives later
// can change its answer. Ticks are kept only as far back as a future tweet can use: the last one
// at or before the watermark (if within the look-back) and every later one.
//
// Ties: of ticks at the same time the latest is the one with the greatest record id, so the
// answer does not depend on the order ticks of several partitions arrive in. Tweets are released
// in event-time order, ties in arrival order: an instance's tweets come from one input (its
// partition's sentiment stage, or its partition of the repartition topic) in source-offset order,
// which a replay repeats. Event times have whole seconds (the seed's payloads), so a second's
// hundreds of tweets and dozens of ticks tie: keeping either sorted by id (ids are hashes) was
// most of the join's time.

export interface Tick {
  id: string;
  /** idSortKey(id), when the producer computed it: ties in time then compare numbers. */
  key?: number;
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

/**
 * The first 6 characters of a record id (`p3-57309`, see recordId) as a number that orders like
 * the id's string: base 256, a shorter id padded with 0 (so "p3-1" < "p3-10" as strings do);
 * NaN for an id with a character above U+00FF. A tick arriving at the time of the last one held
 * is compared with it by id (the greatest id of a time is the answer), which at whole seconds is
 * most ticks: numbers instead of strings where the prefixes differ (equal keys fall back to the
 * strings).
 */
export function idSortKey(id: string): number {
  let key = 0;
  for (let i = 0; i < 6; i++) {
    const c = i < id.length ? id.charCodeAt(i) : 0;
    if (c > 0xff) return Number.NaN;
    key = key * 256 + c;
  }
  return key;
}

/** Whether tick a's id orders before b's; ids compare as numbers where both keys are known and differ. */
function idBefore(a: Tick, b: Tick): boolean {
  const k = (a.key as number) - (b.key as number); // NaN unless both keys are set
  if (k < 0 || k > 0) return k < 0;
  return a.id < b.id;
}

/** Pending tweets are bucketed by event time (this many ms per bucket) and sorted only when released. */
const BUCKET_MS = 1000;

/**
 * One symbol's ticks in time order. Of ticks with the same time only the one with the greatest
 * id can be an answer (every lookup finds the last tick at or before a time), so it is kept last
 * of them; the others stay in arrival order (a second's ticks tie, and sorting them all by id
 * was most of the join's time). Ticks before `head` can no longer be any tweet's answer; they
 * are cut off in one go once they are half the array, so a watermark step copies nothing.
 */
interface SymbolTicks {
  ticks: Tick[];
  head: number;
  /** Where the release in progress found this symbol's last answer (-1: not yet). */
  cursor: number;
}

export class TweetPriceJoin {
  private ticks = new Map<string, SymbolTicks>();
  /** Tweets waiting for the watermark, by event-time bucket, in arrival order within a bucket. */
  private pending = new Map<number, PendingTweet[]>();
  /** The pending buckets' keys, ascending. */
  private buckets: number[] = [];
  private pendingCount = 0;
  /** The bucket the last tweet went to: most tweets go where the one before them went. */
  private lastKey = Number.NaN;
  private lastBucket: PendingTweet[] | null = null;

  constructor(private readonly lookbackMs: number) {}

  addTick(symbol: string, t: Tick): void {
    let s = this.ticks.get(symbol);
    if (!s) this.ticks.set(symbol, (s = { ticks: [], head: 0, cursor: -1 }));
    const xs = s.ticks;
    const n = xs.length;
    // Ticks mostly arrive in order, so this is usually a push.
    let i = n > 0 && xs[n - 1].ts > t.ts ? afterTime(xs, t.ts) : n;
    // t goes after the ticks at or before its time, unless its id is not the greatest of its
    // time: then before the one that is.
    if (i > 0 && xs[i - 1].ts === t.ts && idBefore(t, xs[i - 1])) i--;
    if (i === n) xs.push(t);
    else if (i === n - 1) {
      xs.push(xs[n - 1]);
      xs[n - 1] = t;
    }
    // An insertion before `head` shifts a superseded tick past it: what is held is still a
    // superset of what is needed, and the next advance moves `head` up again.
    else xs.splice(i, 0, t);
  }

  addTweet(t: PendingTweet): void {
    const key = Math.floor(t.ts / BUCKET_MS);
    let bucket = key === this.lastKey ? this.lastBucket : this.pending.get(key);
    if (!bucket) {
      this.pending.set(key, (bucket = []));
      const buckets = this.buckets;
      buckets.splice(partitionPoint(buckets.length, (i) => buckets[i] < key), 0, key);
    }
    this.lastKey = key;
    this.lastBucket = bucket;
    bucket.push(t);
    this.pendingCount++;
  }

  /**
   * Release every tweet with event time before the watermark (a record at the watermark is not
   * late yet, so a tick at exactly that time may still come), joined, in event-time order (ties
   * in arrival order); then drop the ticks no future tweet can use. Work is proportional to what is
   * released, not to what is held.
   */
  advance(watermark: number): Joined[] {
    return this.release(watermark, (symbol, tweet, tick) => ({ symbol, tweet, tick }));
  }

  /** `advance`, building each output row with `make` (no intermediate object per tweet). */
  release<T>(watermark: number, make: (symbol: string, tweet: PendingTweet, tick: Tick | null) => T): T[] {
    const ready: PendingTweet[] = [];
    let drained = 0;
    for (const key of this.buckets) {
      if (key * BUCKET_MS >= watermark) break;
      const bucket = this.pending.get(key)!;
      // Buckets are released in ascending order, so sorting each one orders the whole release.
      // Event times mostly have whole seconds, so a bucket is mostly one time: already sorted.
      if ((key + 1) * BUCKET_MS <= watermark) {
        sortByTime(bucket);
        for (const p of bucket) ready.push(p);
        this.pending.delete(key);
        if (key === this.lastKey) this.forgetLastBucket();
        drained++;
        continue;
      }
      // The watermark falls inside this bucket: release its part before the watermark.
      const keep: PendingTweet[] = [];
      const part: PendingTweet[] = [];
      for (const p of bucket) (p.ts < watermark ? part : keep).push(p);
      sortByTime(part);
      for (const p of part) ready.push(p);
      this.pending.set(key, keep);
      if (key === this.lastKey) this.lastBucket = keep;
      break;
    }
    if (drained > 0) this.buckets.splice(0, drained);
    this.pendingCount -= ready.length;
    const out: T[] = new Array(ready.length);
    // Released tweets come in time order, so each symbol's answer only moves forward: a cursor
    // per symbol walks its ticks once per release.
    for (const s of this.ticks.values()) s.cursor = -1;
    for (let i = 0; i < ready.length; i++) {
      const tweet = ready[i];
      const symbol = tweet.symbol;
      const s = this.ticks.get(symbol);
      let tick: Tick | null = null;
      if (s) {
        const ticks = s.ticks;
        let k = s.cursor;
        if (k < 0) k = lastAtOrBefore(ticks, tweet.ts);
        else while (k + 1 < ticks.length && ticks[k + 1].ts <= tweet.ts) k++;
        s.cursor = k;
        if (k >= 0 && tweet.ts - ticks[k].ts <= this.lookbackMs) tick = ticks[k];
      }
      out[i] = make(symbol, tweet, tick);
    }
    // Every future tweet has event time >= watermark: its tick is the last one at or before the
    // watermark or a later one, and none older than the look-back. Ticks before that one stay
    // in the array until they are half of it (no lookup can return them: a later tick is at or
    // before every future tweet's time).
    const cutoff = watermark - this.lookbackMs;
    for (const [symbol, s] of this.ticks) {
      const ticks = s.ticks;
      let keep = lastAtOrBefore(ticks, watermark);
      if (keep >= 0 && ticks[keep].ts < cutoff) keep++;
      if (keep >= ticks.length) this.ticks.delete(symbol);
      else if (keep > s.head) {
        s.head = keep;
        if (keep * 2 >= ticks.length) {
          s.ticks = ticks.slice(keep);
          s.head = 0;
        }
      }
    }
    return out;
  }

  private forgetLastBucket(): void {
    this.lastKey = Number.NaN;
    this.lastBucket = null;
  }

  get size(): { ticks: number; tweets: number } {
    let ticks = 0;
    for (const s of this.ticks.values()) ticks += s.ticks.length - s.head;
    return { ticks, tweets: this.pendingCount };
  }

  /** The ticks held, by symbol (what a snapshot needs when pending tweets are kept elsewhere). */
  tickState(): [string, Tick[]][] {
    return [...this.ticks].map(([symbol, s]) => [symbol, s.head === 0 ? s.ticks : s.ticks.slice(s.head)]);
  }

  restoreTicks(ticks: [string, Tick[]][]): void {
    this.ticks = new Map(ticks.map(([symbol, xs]) => [symbol, { ticks: xs, head: 0, cursor: -1 }]));
  }

  /** The lowest source offset among pending tweets, or null when none is pending. */
  pendingFrom(): number | null {
    let min = Number.POSITIVE_INFINITY;
    for (const bucket of this.pending.values()) for (const t of bucket) if (t.offset < min) min = t.offset;
    return Number.isFinite(min) ? min : null;
  }

  /** Pending tweets in release order of their buckets, arrival order within one; ticks by symbol. */
  snapshot(): { ticks: [string, Tick[]][]; tweets: PendingTweet[] } {
    const tweets: PendingTweet[] = [];
    for (const key of this.buckets) for (const tweet of this.pending.get(key)!) tweets.push(tweet);
    return { ticks: this.tickState(), tweets };
  }

  restore(s: ReturnType<TweetPriceJoin['snapshot']>): void {
    this.restoreTicks(s.ticks);
    this.pending = new Map();
    this.buckets = [];
    this.pendingCount = 0;
    this.forgetLastBucket();
    for (const t of s.tweets) this.addTweet(t);
  }
}

const byTs = (a: PendingTweet, b: PendingTweet) => a.ts - b.ts;

/** Sort pending tweets by time, ties kept in arrival order (a stable sort), unless they already are. */
function sortByTime(xs: PendingTweet[]): void {
  for (let i = 1; i < xs.length; i++) {
    if (xs[i - 1].ts > xs[i].ts) {
      xs.sort(byTs);
      return;
    }
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

/**
 * The first index of a tick after time `ts` (there is one: the last). A tick out of order is
 * mostly near the end, so the search gallops back from the end instead of bisecting the whole
 * array.
 */
function afterTime(ticks: Tick[], ts: number): number {
  let hi = ticks.length - 1; // every tick from `hi` on is after ts
  for (let step = 1; hi > 0; step *= 2) {
    const lo = Math.max(0, hi - step);
    if (ticks[lo].ts <= ts) return lo + 1 + partitionPoint(hi - lo - 1, (i) => ticks[lo + 1 + i].ts <= ts);
    hi = lo;
  }
  return 0;
}

/** Index of the last tick with ts <= t, or -1. */
const lastAtOrBefore = (ticks: Tick[], t: number): number => partitionPoint(ticks.length, (i) => ticks[i].ts <= t) - 1;
