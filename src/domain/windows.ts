// Sliding event-time windows per symbol (5 minutes long, sliding every minute by default), built
// from one-minute panes: a record updates exactly one pane, and a window is the merge of the
// panes it covers. A window is emitted once, when the watermark passes its end, and panes no
// future window needs are dropped right away, so state is bounded by
// (symbols x (window length + allowed lateness) / slide) panes. Sums are exact
// (domain/exact-sum.ts), so a window is a function of its records, whatever order they came in
// (volumes too: each is at most 2^53 - 1, so their sum can pass the exact integers).

import { addExact, emptySum, exactValue, mergeExact, type ExactSum } from './exact-sum.js';

export interface WindowSpec {
  sizeMs: number;
  slideMs: number;
}

export const DEFAULT_WINDOW: WindowSpec = { sizeMs: 5 * 60_000, slideMs: 60_000 };

/** VADER's conventional thresholds for a positive / negative compound score. */
export const POSITIVE_AT = 0.05;
export const NEGATIVE_AT = -0.05;

interface Pane {
  tweets: number;
  sum: ExactSum;
  min: number;
  max: number;
  pos: number;
  neg: number;
  ticks: number;
  openTs: number;
  openId: string;
  open: number;
  closeTs: number;
  closeId: string;
  close: number;
  high: number;
  low: number;
  volume: ExactSum;
  notional: ExactSum;
}

export interface WindowResult {
  symbol: string;
  windowStart: number;
  windowEnd: number;
  tweetCount: number;
  meanSentiment: number | null;
  minSentiment: number | null;
  maxSentiment: number | null;
  positiveCount: number;
  negativeCount: number;
  tickCount: number;
  open: number | null;
  close: number | null;
  high: number | null;
  low: number | null;
  volume: number;
  vwap: number | null;
}

const emptyPane = (): Pane => ({ tweets: 0, sum: emptySum(), min: Infinity, max: -Infinity, pos: 0, neg: 0, ticks: 0, openTs: Infinity, openId: '', open: 0, closeTs: -Infinity, closeId: '', close: 0, high: -Infinity, low: Infinity, volume: emptySum(), notional: emptySum() });

export class SlidingWindows {
  /** symbol -> pane start -> pane */
  private panes = new Map<string, Map<number, Pane>>();
  /** End of the last window emitted (all symbols share window boundaries). */
  private emittedUpTo = Number.NEGATIVE_INFINITY;

  constructor(private readonly spec: WindowSpec = DEFAULT_WINDOW) {
    if (spec.sizeMs % spec.slideMs !== 0) throw new Error('window size must be a multiple of the slide');
  }

  /** False for a record whose every window was already emitted (late): the caller routes it. */
  isOnTime(eventTime: number, watermark: number): boolean {
    return eventTime >= watermark;
  }

  private pane(symbol: string, t: number): Pane {
    const start = Math.floor(t / this.spec.slideMs) * this.spec.slideMs;
    let bySym = this.panes.get(symbol);
    if (!bySym) this.panes.set(symbol, (bySym = new Map()));
    let p = bySym.get(start);
    if (!p) bySym.set(start, (p = emptyPane()));
    return p;
  }

  addTweet(symbol: string, eventTime: number, score: number): void {
    const p = this.pane(symbol, eventTime);
    p.tweets++;
    addExact(p.sum, score);
    if (score < p.min) p.min = score;
    if (score > p.max) p.max = score;
    if (score >= POSITIVE_AT) p.pos++;
    else if (score <= NEGATIVE_AT) p.neg++;
  }

  addTick(symbol: string, eventTime: number, id: string, open: number, close: number, volume: number): void {
    const p = this.pane(symbol, eventTime);
    p.ticks++;
    // The window's open is the earliest tick's open, its close the latest tick's close (ties: id).
    if (eventTime < p.openTs || (eventTime === p.openTs && id < p.openId)) [p.openTs, p.openId, p.open] = [eventTime, id, open];
    if (eventTime > p.closeTs || (eventTime === p.closeTs && id > p.closeId)) [p.closeTs, p.closeId, p.close] = [eventTime, id, close];
    p.high = Math.max(p.high, open, close);
    p.low = Math.min(p.low, open, close);
    addExact(p.volume, volume);
    addExact(p.notional, close * volume);
  }

  /** Emit every window that ends at or before the watermark, in order of end; drop spent panes. */
  advance(watermark: number): WindowResult[] {
    const { sizeMs, slideMs } = this.spec;
    const lastEnd = Math.floor(watermark / slideMs) * slideMs;
    const out: WindowResult[] = [];
    for (const [symbol, bySym] of this.panes) {
      if (bySym.size === 0) continue;
      const starts = [...bySym.keys()];
      // The windows holding data are those ending in (s, s + size] for a pane start s: at most
      // size/slide of them per pane. Stepping instead through every slide between the earliest
      // and the latest pane never ends when event times lie years apart (a valid record may say
      // year 0000, the next 9999).
      const from = this.emittedUpTo + slideMs;
      const ends = new Set<number>();
      for (const s of starts) for (let end = s + slideMs; end <= s + sizeMs; end += slideMs) if (end >= from && end <= lastEnd) ends.add(end);
      for (const end of [...ends].sort((x, y) => x - y)) {
        const w = this.merge(symbol, bySym, end - sizeMs, end);
        if (w) out.push(w);
      }
      for (const s of starts) if (s + sizeMs <= lastEnd) bySym.delete(s);
      if (bySym.size === 0) this.panes.delete(symbol);
    }
    if (lastEnd > this.emittedUpTo) this.emittedUpTo = lastEnd;
    return out.sort((a, b) => a.windowEnd - b.windowEnd || (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0));
  }

  private merge(symbol: string, bySym: Map<number, Pane>, start: number, end: number): WindowResult | null {
    const m = emptyPane();
    let any = false;
    for (let s = start; s < end; s += this.spec.slideMs) {
      const p = bySym.get(s);
      if (!p) continue;
      any = true;
      m.tweets += p.tweets;
      mergeExact(m.sum, p.sum);
      m.min = Math.min(m.min, p.min);
      m.max = Math.max(m.max, p.max);
      m.pos += p.pos;
      m.neg += p.neg;
      m.ticks += p.ticks;
      if (p.ticks > 0) {
        if (p.openTs < m.openTs || (p.openTs === m.openTs && p.openId < m.openId)) [m.openTs, m.openId, m.open] = [p.openTs, p.openId, p.open];
        if (p.closeTs > m.closeTs || (p.closeTs === m.closeTs && p.closeId > m.closeId)) [m.closeTs, m.closeId, m.close] = [p.closeTs, p.closeId, p.close];
        m.high = Math.max(m.high, p.high);
        m.low = Math.min(m.low, p.low);
        mergeExact(m.volume, p.volume);
        mergeExact(m.notional, p.notional);
      }
    }
    if (!any) return null;
    const hasTicks = m.ticks > 0;
    return {
      symbol,
      windowStart: start,
      windowEnd: end,
      tweetCount: m.tweets,
      meanSentiment: m.tweets > 0 ? exactValue(m.sum) / m.tweets : null,
      minSentiment: m.tweets > 0 ? m.min : null,
      maxSentiment: m.tweets > 0 ? m.max : null,
      positiveCount: m.pos,
      negativeCount: m.neg,
      tickCount: m.ticks,
      open: hasTicks ? m.open : null,
      close: hasTicks ? m.close : null,
      high: hasTicks ? m.high : null,
      low: hasTicks ? m.low : null,
      volume: exactValue(m.volume),
      vwap: hasTicks && exactValue(m.volume) > 0 ? exactValue(m.notional) / exactValue(m.volume) : null,
    };
  }

  /** Panes held (the state-size metric). */
  get size(): number {
    let n = 0;
    for (const b of this.panes.values()) n += b.size;
    return n;
  }

  snapshot(): { emittedUpTo: number | null; panes: [string, [number, Pane][]][] } {
    return { emittedUpTo: Number.isFinite(this.emittedUpTo) ? this.emittedUpTo : null, panes: [...this.panes].map(([s, b]) => [s, [...b].map(([k, p]) => [k, copyPane(p)] as [number, Pane])]) };
  }

  restore(s: ReturnType<SlidingWindows['snapshot']>): void {
    this.emittedUpTo = s.emittedUpTo ?? Number.NEGATIVE_INFINITY;
    this.panes = new Map(s.panes.map(([sym, b]) => [sym, new Map(b.map(([k, p]) => [k, fixInfinities(copyPane(upgradePane(p)))]))]));
  }
}

const copySum = (x: ExactSum): ExactSum => ({ p: [...x.p], s: x.s });
const copyPane = (p: Pane): Pane => ({ ...p, sum: copySum(p.sum), volume: copySum(p.volume), notional: copySum(p.notional) });

/** A pane of a checkpoint written before sums were exact (plain numbers) reads as exact sums. */
function upgradePane(p: Pane): Pane {
  const exact = (v: ExactSum | number): ExactSum => (typeof v === 'number' ? { p: [v], s: 0 } : v);
  return { ...p, sum: exact(p.sum), volume: exact(p.volume), notional: exact(p.notional) };
}

/** JSON turns ±Infinity into null; empty-pane sentinels come back as Infinity. */
function fixInfinities(p: Pane): Pane {
  const inf = (v: number | null, sign: 1 | -1) => (v === null ? sign * Infinity : v);
  return { ...p, min: inf(p.min, 1), max: inf(p.max, -1), openTs: inf(p.openTs, 1), closeTs: inf(p.closeTs, -1), high: inf(p.high, -1), low: inf(p.low, 1) };
}
